"""Who may use a ``--port`` adapter: the client that presents its token in the first message.

Any local user can connect to a loopback port, and a DAP session can ``launch`` any program,
so a TCP connection must prove it speaks for the user who started the adapter. As in
debugpy's adapter (``--server-access-token``, checked in the first exchange before anything
else happens), the proof is a random token:

- the adapter makes one (``secrets``, 256 bits) unless given one through ``--token-file`` (a
  file only the user can read) or the ``GLASSGRAD_DAP_TOKEN`` environment variable (never a
  command-line argument: other users can read those);
- it writes host, port, token and pid to a connection file only the user can read;
- the client's first message is ``initialize`` with ``arguments.glassgradToken``.

Anything else first, or a wrong token, is refused before debugpy is started. stdio needs no
token (whoever holds the pipes started the adapter), nor does a Unix socket in a 0700 folder
(the folder's permissions and the peer's uid are the proof).
"""

from __future__ import annotations

import hmac
import os
import secrets
import stat
from collections.abc import Mapping
from typing import Any

TOKEN_ARGUMENT = "glassgradToken"
TOKEN_ENV = "GLASSGRAD_DAP_TOKEN"
MIN_TOKEN = 16


def new_token() -> str:
    return secrets.token_urlsafe(32)


def load_token(token_file: str | None, environ: Mapping[str, str]) -> str:
    """The token from ``--token-file``, else from ``GLASSGRAD_DAP_TOKEN``, else a new one."""
    if token_file:
        st = os.stat(token_file)
        if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o077):
            raise PermissionError(f"{token_file} must belong to you and be readable by you only "
                                  f"(mode 0600, it is {stat.S_IMODE(st.st_mode):o})")
        with open(token_file, encoding="utf-8") as f:
            token = f.read().strip()
    else:
        token = environ.get(TOKEN_ENV, "").strip() or new_token()
    if len(token) < MIN_TOKEN or not token.isprintable():
        raise ValueError(f"a token has at least {MIN_TOKEN} printable characters")
    return token


class Gate:
    """Decides on a connection's first message. ``token=None``: nothing to prove."""

    def __init__(self, token: str | None) -> None:
        self._token = None if token is None else token.encode("utf-8")

    @property
    def needs_token(self) -> bool:
        return self._token is not None

    def refusal(self, message: Any) -> str | None:
        """Why ``message`` may not open the session, or None when it may."""
        if self._token is None:
            return None
        if not (isinstance(message, dict) and message.get("type") == "request" and
                message.get("command") == "initialize"):
            return (f"the first message must be an 'initialize' request with "
                    f"arguments.{TOKEN_ARGUMENT} (see the connection file)")
        args = message.get("arguments")
        token = args.get(TOKEN_ARGUMENT) if isinstance(args, dict) else None
        if not isinstance(token, str):
            return f"'initialize' has no arguments.{TOKEN_ARGUMENT} (see the connection file)"
        if not hmac.compare_digest(token.encode("utf-8"), self._token):
            return f"wrong arguments.{TOKEN_ARGUMENT}"
        return None


def without_token(message: dict[str, Any]) -> dict[str, Any]:
    """``message`` minus the token, so it never reaches debugpy or a log file."""
    args = message.get("arguments")
    if isinstance(args, dict) and TOKEN_ARGUMENT in args:
        return {**message, "arguments": {k: v for k, v in args.items() if k != TOKEN_ARGUMENT}}
    return message

"""JSON-RPC 2.0 for the live channel: one message in, at most one reply out, always valid JSON.

Decisions the spec leaves open or that clients get wrong, made once here:

- A request is an object with ``"id"`` (a string, an integer or null); ``"id": null`` is still
  a request and is answered with ``"id": null``. An object without ``"id"`` is a notification
  and is never answered, not even with an error.
- Only standard JSON is read and written: ``NaN``, ``Infinity``, numbers that overflow a
  double and nesting too deep to parse are parse errors (-32700); a fractional or boolean
  ``id`` is an invalid request (-32600, answered with ``"id": null``).
- Batches (arrays) are not supported (-32600).
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Callable
from typing import Any

PARSE_ERROR, INVALID_REQUEST, NO_METHOD, BAD_PARAMS, INTERNAL = (-32700, -32600, -32601, -32602,
                                                                 -32603)


class RpcError(Exception):
    """An error answer: raised by a method with a JSON-RPC error code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def decode(raw: str | bytes) -> Any:
    """A message's JSON value; RpcError(PARSE_ERROR) when it is not standard JSON."""
    try:
        return json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise RpcError(PARSE_ERROR, "parse error: nested too deeply") from None
    except ValueError as e:  # UnicodeDecodeError too
        raise RpcError(PARSE_ERROR, f"parse error: {str(e)[:200]}") from None


def encode(message: dict[str, Any]) -> str:
    """Compact, standard JSON (``allow_nan=False``); a reply that cannot be written that way
    becomes an internal error answer for the same id."""
    try:
        return json.dumps(message, allow_nan=False, separators=(",", ":"))
    except (ValueError, TypeError, RecursionError) as e:
        return json.dumps(error(message.get("id"), INTERNAL, f"unencodable result: {e}"),
                          separators=(",", ":"))


def error(rid: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}


def valid_id(rid: Any) -> bool:
    return rid is None or isinstance(rid, str) or type(rid) is int


class Dispatcher:
    """Calls ``methods[name](context, **params)`` for each message and shapes the answer."""

    def __init__(self, methods: dict[str, Callable[..., Any]]) -> None:
        self.methods = methods
        self._signatures = {name: inspect.signature(fn) for name, fn in methods.items()}

    def handle(self, context: Any, raw: str | bytes) -> dict[str, Any] | None:
        """The reply to one message, or None for a notification."""
        try:
            msg = decode(raw)
        except RpcError as e:
            return error(None, e.code, str(e))
        if not isinstance(msg, dict):
            return error(None, INVALID_REQUEST, "invalid request: expected a JSON-RPC 2.0 "
                         "object (batches are not supported)")
        rid = msg.get("id")
        if not valid_id(rid):
            return error(None, INVALID_REQUEST, "invalid request: id must be a string, an "
                         "integer or null")
        method = msg.get("method")
        if msg.get("jsonrpc") != "2.0" or not isinstance(method, str):
            return error(rid, INVALID_REQUEST,
                         "invalid request: expected a JSON-RPC 2.0 object with a method")
        try:
            result = self._call(context, method, msg.get("params"))
        except RpcError as e:
            reply = error(rid, e.code, str(e))
        except Exception as e:  # a bug in a method answers that request only
            reply = error(rid, INTERNAL, f"internal error: {type(e).__name__}: {e}")
        else:
            reply = {"jsonrpc": "2.0", "id": rid, "result": result}
        return reply if "id" in msg else None

    def _call(self, context: Any, method: str, params: Any) -> Any:
        fn = self.methods.get(method)
        if fn is None:
            raise RpcError(NO_METHOD, f"unknown method {method[:100]!r}")
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise RpcError(BAD_PARAMS, "invalid params: params must be an object (by name)")
        try:
            self._signatures[method].bind(context, **params)
        except TypeError as e:
            raise RpcError(BAD_PARAMS, f"invalid params: {e}") from None
        return fn(context, **params)

"""glassgrad's custom requests, ``glassgrad/graph`` and ``glassgrad/tensor``: each evaluates
:mod:`glassgrad_dap.probe` in the paused frame through debugpy's ``evaluate`` (so nothing costs
anything while the program runs) and returns the probe's JSON as the response body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import core

PROBE = "__import__('glassgrad_dap.probe').probe"


class RequestError(Exception):
    pass


class CustomRequests:
    """``request(command, arguments)``: a request of the adapter's own to debugpy, returning
    its response body (RequestError on failure)."""

    def __init__(self, request: Callable[..., dict]) -> None:
        self.request = request

    def _frame_id(self, args: dict) -> int:
        if isinstance(args.get("frameId"), int):
            return args["frameId"]
        thread = args.get("threadId")
        if not isinstance(thread, int):
            threads = self.request("threads").get("threads") or []
            if not threads:
                raise RequestError("no threads")
            thread = threads[0]["id"]
        frames = self.request("stackTrace", {"threadId": thread, "levels": 1}).get(
            "stackFrames") or []
        if not frames:
            raise RequestError("the program is not paused")
        return frames[0]["id"]

    def _probe(self, frame_id: int, call: str) -> Any:
        body = self.request("evaluate", {"expression": f"{PROBE}.{call}", "frameId": frame_id,
                                         "context": "clipboard"})
        result = body.get("result", "")
        try:
            return core.parse_evaluate_result(result)
        except (ValueError, SyntaxError) as e:
            raise RequestError(result or str(e)) from None

    def graph(self, args: dict) -> dict:
        return self._probe(self._frame_id(args), "graph(locals())")

    def tensor(self, args: dict) -> dict:
        expression = args.get("expression")
        if not isinstance(expression, str) or not expression.strip():
            raise RequestError("expression is required")
        fmt = args.get("format", "json")
        call = (f"tensor({expression!r}, globals(), locals(), "
                f"{_literal(args.get('slice'))}, {int(args.get('maxElements', 10000))}, "
                f"{fmt!r})")
        return self._probe(self._frame_id(args), call)


def _literal(index: Any) -> str:
    """A slice argument (JSON: ints, nulls, [start, stop, step] lists) as a Python literal."""
    if index is None:
        return "None"
    if not isinstance(index, list) or not all(
            s is None or isinstance(s, int) or (isinstance(s, list) and len(s) <= 3 and all(
                v is None or isinstance(v, int) for v in s)) for s in index):
        raise RequestError("slice is a list of int, null or [start, stop, step] per dimension")
    return repr(index)

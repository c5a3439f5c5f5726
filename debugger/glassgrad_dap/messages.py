"""What a message from the IDE must look like before a handler sees it.

Pure checks, no I/O: :func:`message_problem` tells a DAP message from any other JSON, and
:func:`argument_problem` checks the types of the arguments glassgrad reads itself (the rest
is debugpy's to check; it answers a bad request with an error response). Each returns a
sentence naming the problem, or None, so that every request can be answered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Check = tuple[str, Callable[[Any], bool]]


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _list_of(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, list) and all(check(x) for x in v)


STRING: Check = ("a string", lambda v: isinstance(v, str))
INTEGER: Check = ("an integer", _int)
BOOLEAN: Check = ("a boolean", lambda v: isinstance(v, bool))
OBJECT: Check = ("an object", lambda v: isinstance(v, dict))
OBJECTS: Check = ("a list of objects", _list_of(lambda x: isinstance(x, dict)))
STRINGS: Check = ("a list of strings", _list_of(lambda x: isinstance(x, str)))
ENV: Check = ("an object of strings (or null)", lambda v: isinstance(v, dict) and all(
    x is None or isinstance(x, str) for x in v.values()))
SLICE_ENTRY = (lambda s: s is None or _int(s) or (
    isinstance(s, list) and len(s) <= 3 and all(x is None or _int(x) for x in s)))
SLICE: Check = ("a list of int, null or [start, stop, step] per dimension",
                _list_of(SLICE_ENTRY))

_START = {"rules": OBJECTS, "env": ENV, "cwd": STRING, "record": BOOLEAN, "liveOps": BOOLEAN,
          "torch": BOOLEAN}
_FRAME = {"frameId": INTEGER, "threadId": INTEGER}

# the arguments glassgrad reads, per command: name -> what it must be when present
ARGUMENTS: dict[str, dict[str, Check]] = {
    "initialize": {"glassgradToken": STRING},
    "launch": _START,
    "attach": _START,
    "setBreakpoints": {"source": OBJECT, "breakpoints": OBJECTS},
    "setExceptionBreakpoints": {"filters": STRINGS, "filterOptions": OBJECTS,
                                "exceptionOptions": OBJECTS},
    "glassgrad/graph": _FRAME,
    "glassgrad/tensor": {**_FRAME, "expression": STRING, "slice": SLICE,
                         "maxElements": INTEGER, "format": STRING},
}
_NESTED: dict[tuple[str, str], dict[str, Check]] = {
    ("setBreakpoints", "source"): {"path": STRING},
    ("setBreakpoints", "breakpoints"): {"line": INTEGER, "mode": STRING, "condition": STRING,
                                        "hitCondition": STRING, "logMessage": STRING},
    ("setExceptionBreakpoints", "filterOptions"): {"filterId": STRING, "condition": STRING},
}
REQUIRED: dict[str, tuple[str, ...]] = {"glassgrad/tensor": ("expression",)}


def message_problem(msg: Any) -> str | None:
    """Why ``msg`` is not a DAP message (a request, response or event with its fields)."""
    if not isinstance(msg, dict):
        return f"a message is a JSON object, not {'null' if msg is None else _kind(msg)}"
    kind = msg.get("type")
    if not _int(msg.get("seq")):
        return f"'seq' is {_kind(msg.get('seq'))}, not an integer"
    if kind == "request":
        if not isinstance(msg.get("command"), str) or not msg["command"]:
            return f"'command' is {_kind(msg.get('command'))}, not a command name"
        if msg.get("arguments") is not None and not isinstance(msg["arguments"], dict):
            return f"'arguments' is {_kind(msg['arguments'])}, not an object"
    elif kind == "response":
        if not _int(msg.get("request_seq")):
            return f"'request_seq' is {_kind(msg.get('request_seq'))}, not an integer"
        if not isinstance(msg.get("success"), bool):
            return f"'success' is {_kind(msg.get('success'))}, not a boolean"
        if not isinstance(msg.get("command"), str):
            return f"'command' is {_kind(msg.get('command'))}, not a command name"
    elif kind == "event":
        if not isinstance(msg.get("event"), str):
            return f"'event' is {_kind(msg.get('event'))}, not an event name"
    else:
        return f"'type' is {_kind(kind)}, not 'request', 'response' or 'event'"
    return None


def argument_problem(command: str, arguments: dict[str, Any]) -> str | None:
    """Why ``arguments`` of ``command`` cannot be used, or None."""
    spec = ARGUMENTS.get(command)
    if spec is None:
        return None
    for name in REQUIRED.get(command, ()):
        if arguments.get(name) is None:
            return f"arguments.{name} is required"
    for name, (what, ok) in spec.items():
        value = arguments.get(name)
        if value is None:
            continue
        if not ok(value):
            return f"arguments.{name} must be {what}, not {_kind(value)}"
        nested = _NESTED.get((command, name))
        if nested is None:
            continue
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            where = f"arguments.{name}[{i}]" if isinstance(value, list) else f"arguments.{name}"
            for field, (what, ok) in nested.items():
                if item.get(field) is not None and not ok(item[field]):
                    return f"{where}.{field} must be {what}, not {_kind(item[field])}"
    return None


def _kind(v: Any) -> str:
    if v is None:
        return "missing or null"
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "a list", dict: "an object"}
    text = names.get(type(v), type(v).__name__)
    if isinstance(v, (bool, int, float)) or (isinstance(v, str) and len(v) <= 40):
        text += f" ({v!r})"
    return text

"""JSON-RPC 2.0 message handling of the live channel (live_rpc.py), without a network."""

from __future__ import annotations

import json

import pytest

from glassgrad.recording.live_rpc import Dispatcher, RpcError, encode


def strict(text: str) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON: {name}")
    return json.loads(text, parse_constant=refuse)


class Methods:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def echo(self, ctx: object, value: object = None) -> object:
        self.calls.append("echo")
        return value

    def fail(self, ctx: object) -> None:
        raise RpcError(-32602, "bad")

    def crash(self, ctx: object) -> None:
        raise KeyError("boom")

    def nan(self, ctx: object) -> float:
        return float("nan")


@pytest.fixture()
def rpc():
    m = Methods()
    d = Dispatcher({"echo": m.echo, "fail": m.fail, "crash": m.crash, "nan": m.nan})
    d.log = m
    return d


def answer(rpc: Dispatcher, message: str | bytes) -> object:
    reply = rpc.handle(None, message)
    return None if reply is None else strict(encode(reply))


def test_id_null_is_a_request_and_is_answered(rpc):
    assert answer(rpc, '{"jsonrpc":"2.0","id":null,"method":"echo","params":{"value":3}}') == \
        {"jsonrpc": "2.0", "id": None, "result": 3}
    assert answer(rpc, '{"jsonrpc":"2.0","id":"a","method":"echo"}')["id"] == "a"


@pytest.mark.parametrize("message", [
    '{"jsonrpc":"2.0","method":"nope"}',
    '{"jsonrpc":"2.0","method":"echo","params":{"bogus":1}}',
    '{"jsonrpc":"2.0","method":"echo","params":[1]}',
    '{"jsonrpc":"2.0","method":"fail"}',
    '{"jsonrpc":"2.0","method":"crash"}',
])
def test_notifications_are_never_answered(rpc, message):
    assert rpc.handle(None, message) is None


def test_a_notification_still_runs(rpc):
    assert rpc.handle(None, '{"jsonrpc":"2.0","method":"echo"}') is None
    assert rpc.log.calls == ["echo"]


@pytest.mark.parametrize("message", [
    '{"jsonrpc":"2.0","id":Infinity,"method":"echo"}',
    '{"jsonrpc":"2.0","id":-Infinity,"method":"echo"}',
    '{"jsonrpc":"2.0","id":NaN,"method":"echo"}',
    '{"jsonrpc":"2.0","id":1e400,"method":"echo"}',
    '{"jsonrpc":"2.0","id":1,"method":"echo","params":{"value":NaN}}',
    '{"jsonrpc":"2.0","id":1,"method":"echo","params":{"value":-1e999}}',
    "{not json", "", b"\xff\xfe\x00", "[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000,
    '{"jsonrpc":"2.0","id":' + "9" * 5000 + ',"method":"echo"}',  # past Python's int limit
])
def test_non_standard_or_unparsable_json_is_a_parse_error(rpc, message):
    reply = answer(rpc, message)
    assert reply["id"] is None and reply["error"]["code"] == -32700


@pytest.mark.parametrize("rid", ["1.5", "true", "false", "[1]", '{"a":1}', "1.0"])
def test_ids_must_be_strings_integers_or_null(rpc, rid):
    reply = answer(rpc, '{"jsonrpc":"2.0","id":' + rid + ',"method":"echo"}')
    assert reply == {"jsonrpc": "2.0", "id": None, "error": {
        "code": -32600, "message": "invalid request: id must be a string, an integer or null"}}


def test_invalid_requests_and_batches(rpc):
    for message in ('[{"jsonrpc":"2.0","id":1,"method":"echo"}]', "[]", "3", '"x"', "null",
                    '{"jsonrpc":"2.0","method":5}', '{"jsonrpc":"1.0","id":2,"method":"echo"}'):
        assert answer(rpc, message)["error"]["code"] == -32600, message
    assert answer(rpc, '{"jsonrpc":"2.0","id":7}')["id"] == 7


def test_errors_of_methods(rpc):
    base = '{"jsonrpc":"2.0","id":1,"method":"%s"%s}'
    assert answer(rpc, base % ("nope", ""))["error"]["code"] == -32601
    assert answer(rpc, base % ("echo", ',"params":{"x":1}'))["error"]["code"] == -32602
    assert answer(rpc, base % ("echo", ',"params":[1]'))["error"]["code"] == -32602
    assert answer(rpc, base % ("echo", ',"params":{"ctx":1}'))["error"]["code"] == -32602
    assert answer(rpc, base % ("fail", ""))["error"] == {"code": -32602, "message": "bad"}
    assert answer(rpc, base % ("crash", ""))["error"]["code"] == -32603


def test_a_result_json_cannot_hold_becomes_an_internal_error(rpc):
    reply = answer(rpc, '{"jsonrpc":"2.0","id":4,"method":"nan"}')
    assert reply["id"] == 4 and reply["error"]["code"] == -32603

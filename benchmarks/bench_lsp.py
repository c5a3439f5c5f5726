"""How fast the language server answers on a big run: a million ops, iterations of 100,000
nodes, lines that made 5,000 ops each per iteration.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_lsp.py [--store PATH] [--json out.json]

Uses the store of bench_store_reads.py (recorded first unless ``--store`` names one). Starts
the real `glassgrad lsp` over stdio with that store in a workspace, opens the recorded file and
times, through the protocol (request to response): hover on a line that made 5,000 ops, on
one that made 50, inlay hints for the whole file (first request, then again), code lenses, and
the diagnostics published at open. Target: hover and inlay hints under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from _timing import table  # noqa: E402
from bench_store_reads import build  # noqa: E402

HERE = os.path.abspath(os.path.join(os.path.dirname(__file__), "bench_store_reads.py"))


class Client:
    """A minimal LSP client over a subprocess's stdio (framing by hand: a benchmark should
    measure the server, not a client library)."""

    def __init__(self, workspace: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "glassgrad.cli", "lsp"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.next_id = 0
        self.notifications: list[dict] = []
        self.request("initialize", {"processId": os.getpid(), "rootUri": None,
                                    "capabilities": {}, "workspaceFolders": [
                                        {"uri": "file://" + workspace, "name": "w"}]})
        self.notify("initialized", {})

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self) -> dict:
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def notify(self, method: str, params: dict) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: dict) -> tuple[float, object]:
        self.next_id += 1
        t0 = time.perf_counter()
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == self.next_id and "method" not in m:
                return time.perf_counter() - t0, m.get("result")
            if "method" in m and "id" in m:  # a request from the server: answer it
                self.send({"jsonrpc": "2.0", "id": m["id"], "result": None})
            else:
                self.notifications.append(m)

    def close(self) -> None:
        self.request("shutdown", {})
        self.notify("exit", {})
        self.proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a store made by bench_store_reads.py")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    path = args.store or os.path.join(tempfile.mkdtemp(), "big.db")
    if not os.path.exists(path):
        print(f"recording {path} (about a minute)...")
        build(path)
    workspace = tempfile.mkdtemp()
    os.makedirs(os.path.join(workspace, ".glassgrad", "runs"))
    os.symlink(os.path.abspath(path), os.path.join(workspace, ".glassgrad", "runs", "big.db"))
    text = open(HERE).read()
    lines = text.splitlines()
    many = next(i for i, t in enumerate(lines) if t.strip().startswith("a = h * w"))
    wide = next(i for i, t in enumerate(lines) if "WIDE-LINE" in t)
    uri = "file://" + HERE
    client = Client(workspace)
    doc = {"textDocument": {"uri": uri}}
    results = {}
    t0 = time.perf_counter()
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": text}})
    t, _ = client.request("textDocument/hover", {**doc, "position": {"line": many,
                                                                      "character": 8}})
    results["first hover (opens the run)"] = time.perf_counter() - t0
    for name, line in [("hover: a line that made 5,000 ops", many),
                       ("hover: a line that made 50 ops", wide)]:
        t, result = client.request("textDocument/hover", {**doc, "position": {
            "line": line, "character": 8}})
        assert result is not None, name
        results[name] = t
    whole = {**doc, "range": {"start": {"line": 0, "character": 0},
                              "end": {"line": len(lines), "character": 0}}}
    t, hints = client.request("textDocument/inlayHint", whole)
    results[f"inlay hints, whole file ({len(hints)} hints), first"] = t
    t, _ = client.request("textDocument/inlayHint", whole)
    results["inlay hints, whole file, again"] = t
    t, lenses = client.request("textDocument/codeLens", doc)
    results[f"code lenses ({len(lenses)})"] = t
    client.close()
    rows = [["LSP on a store of a million ops (request to response)", "ms"]]
    rows += [[name, f"{t * 1e3:.1f}"] for name, t in results.items()]
    print(table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()

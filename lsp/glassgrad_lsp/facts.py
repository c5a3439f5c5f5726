"""What a run knows about one document, as the editor shows it: hover text, inlay hint labels,
diagnostics, code lens figures. Pure functions over ``glassgrad.runs`` and a line map, so each
is unit-testable without JSON-RPC; the feature modules only translate to LSP types.

Lines here are 1-based (as in the run store); the feature modules convert to LSP's 0-based.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from .catalog import RunHandle
from .linemap import LineMap
from .settings import Settings

MAX_HOVER_OPS = 8


@dataclass
class View:
    """A document seen through a run."""

    handle: RunHandle
    file: str
    lines: LineMap

    @property
    def run(self):
        return self.handle.run

    @property
    def name(self) -> str:
        return self.run.info.name

    def cached(self, key: Any, compute: Any) -> Any:
        cache = self.handle.cache
        if key not in cache:
            cache[key] = compute()
        return cache[key]


def view_of(handle: RunHandle, file: str, text: str) -> View:
    """The document ``file`` (whose buffer holds ``text``) as ``handle``'s run recorded it."""
    sha, recorded = handle.cache.get(("source", file)) or (None, None)
    if ("source", file) not in handle.cache:
        row = handle.run.db.execute("SELECT sha256 FROM sources WHERE path = ?",
                                    (file,)).fetchone()
        sha = row[0] if row else None
        recorded = handle.run.source_text(file)
        handle.cache[("source", file)] = (sha, recorded)
    key = ("linemap", file, hash(text))
    lines = handle.cache.get(key)
    if lines is None:
        lines = handle.cache[key] = LineMap(recorded, text, sha)
    return View(handle, file, lines)


def shown(view: View, settings: Settings) -> bool:
    """Whether results are shown at all (a changed file hides them if the user asked)."""
    return not (view.lines.stale and settings.stale == "hide")


def line_table(view: View) -> dict[int, dict[str, Any]]:
    return view.cached(("lines", view.file), lambda: view.run.lines(view.file))


def shapes(view: View, line: int, iteration: int) -> list[dict[str, Any]]:
    return view.cached(("shapes", view.file, line, iteration),
                       lambda: view.run.line_shapes(view.file, line, iteration))


def shape_text(shape: tuple[int, ...] | None) -> str:
    if shape is None:
        return "?"
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


# inlay hints ------------------------------------------------------------------------------------
def inlay_labels(view: View, settings: Settings, first: int, last: int) -> list[tuple[int, str,
                                                                                      str]]:
    """(buffer line, label, tooltip) for the lines ``first``..``last`` (buffer, 1-based)
    that made tensors."""
    if not settings.inlay_hints or not shown(view, settings):
        return []
    out = []
    for rec_line, facts in sorted(line_table(view).items()):
        line = view.lines.buffer_line(rec_line)
        if line is None or not first <= line <= last:
            continue
        made = view.cached(("result", view.file, rec_line, facts["last_iter"]),
                           lambda r=rec_line, k=facts["last_iter"]:
                           view.run.line_result(view.file, r, k))
        if made is None:
            continue
        label = _label(made, settings, facts)
        if view.lines.stale:
            label = "≈ " + label
        tip = (f"glassgrad: what line {line} made in iteration {facts['last_iter']} of run "
               f"{view.name}" + (" (the file changed since that run)" if view.lines.stale
                                  else ""))
        out.append((line, label, tip))
    return out


def _label(made: dict[str, Any], settings: Settings, facts: dict[str, Any]) -> str:
    """The line's result (its last op's output): shape, and dtype when it is not float32
    (always with more verbosity); a line whose first result had another shape (a loop) says
    so."""
    text = shape_text(made["shape"])
    if settings.inlay_verbosity != "shape" or made["dtype"] not in (None, "float32"):
        text += f" {made['dtype']}"
    if made["first_shape"] != made["shape"]:
        text += " (shape varies: hover)"
    if settings.inlay_verbosity == "full":
        text += f" · fw {_ms(facts['forward_ns'])} bw {_ms(facts['backward_ns'])}"
    return text


def _ms(ns: float | None) -> str:
    if ns is None:
        return "-"
    return f"{ns / 1e6:.3g} ms"


# hover ------------------------------------------------------------------------------------------
def hover_markdown(view: View, settings: Settings, line: int) -> str | None:
    """Markdown for buffer ``line``: every tensor the line made in the iteration."""
    if not shown(view, settings):
        return None
    rec_line = view.lines.recorded_line(line)
    facts = line_table(view).get(rec_line) if rec_line is not None else None
    if facts is None:
        return None
    k = facts["last_iter"]
    ops = view.run.ops_at(view.file, rec_line, k, limit=MAX_HOVER_OPS)
    if not ops:
        return None
    made = shapes(view, rec_line, k)
    total = sum(m["count"] for m in made)
    head = f"**glassgrad** · run `{view.name}` · iteration {k}"
    if view.lines.stale:
        head += " · *stale: the file changed since this run*"
    rows = ["| op | output | μ | σ | gradient ‖·‖ | forward | backward | module |",
            "|---|---|---|---|---|---|---|---|"]
    for o in ops:
        t, g = o["tensor"] or {}, o["grad"] or {}
        out = f"`{shape_text(t.get('shape'))}` {t.get('dtype', '')} {t.get('device', '')}"
        rows.append(f"| `{o['op']}` | {out} | {_num(t.get('mean'))} | {_num(t.get('std'))} | "
                    f"{_num(g.get('norm'))}{_bad(t) or _bad(g)} | {_ms(o['duration_ns'])} | "
                    f"{_ms(o['backward_ns'])} | {o['module'] or ''} |")
    parts = [head, "", *rows]
    if total > len(ops):
        parts.append(f"\n… and {total - len(ops)} more ops on this line in this iteration")
    if len(made) > 1 or any(m["count"] > 1 for m in made):
        varied = ", ".join(f"`{m['op']}` {shape_text(m['shape'])} ×{m['count']}"
                           for m in made[:12])
        parts.append(f"\nper op and shape: {varied}")
    parts.append(f"\nper iteration that ran it: {facts['ops']:.3g} ops, forward "
                 f"{_ms(facts['forward_ns'])}, backward {_ms(facts['backward_ns'])}")
    return "\n".join(parts)


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.4g}"


def _bad(t: dict[str, Any]) -> str:
    return " ⚠ NaN/Inf" if t.get("nan") or t.get("inf") else ""


# diagnostics --------------------------------------------------------------------------------------
@dataclass
class Finding:
    line: int                # buffer line, 1-based
    severity: str            # error | warning | information
    message: str
    code: str
    related: list[tuple[str, int, str]]  # (file, line (recorded), message)


def findings(view: View, settings: Settings, run: Any = None) -> list[Finding]:
    """Anomalies (the first NaN/Inf in forward and in gradients), errors, exploding and
    vanishing gradients and dead activations, at their lines in the buffer (read through
    ``run``, another connection to the view's store, when given: another thread's)."""
    if not shown(view, settings):
        return []
    return view.cached(("findings", view.file, settings),
                       lambda: list(_findings(view, settings, run or view.run)))


def _findings(view: View, settings: Settings, run: Any):
    file = view.file
    stale = " (stale: the file changed since this run)" if view.lines.stale else ""
    first: dict[str, dict] = {}
    for a in run.anomalies():  # the first one of each phase, wherever it is
        first.setdefault(a["phase"], a)
    for phase, a in first.items():
        if a["file"] != file or (line := view.lines.buffer_line(a["line"])) is None:
            continue
        related = [(i["file"], i["line"], f"input {i['idx']} came from {i['op']} here")
                   for i in run.inputs_of(a["seq"]) if i["file"]] if a["seq"] is not None \
            else []
        yield Finding(line, "error", anomaly_message(a) + stale, f"nonfinite-{phase}",
                      related)
    for e in run.errors(file):
        if e["line"] is None or (line := view.lines.buffer_line(e["line"])) is None:
            continue
        message = (e["message"] or "").strip().splitlines()[0]
        yield Finding(line, "error", f"{e['type']}: {message}{stale}", "error", [])
    k = run.statistics_iteration()
    if k is None:
        return
    for g in run.gradient_norms(file, k):
        line = view.lines.buffer_line(g["line"])
        if line is None or g["nan"] or g["inf"]:
            continue
        if g["norm"] > settings.explode_above:
            yield Finding(line, "warning", f"exploding gradient: the gradient of {g['op']}'s "
                          f"output has norm {g['norm']:.3g} (> {settings.explode_above:g}) in "
                          f"iteration {k}{stale}", "exploding-gradient", [])
        elif g["norm"] < settings.vanish_below:
            yield Finding(line, "warning", f"vanishing gradient: the gradient of {g['op']}'s "
                          f"output has norm {g['norm']:.3g} (< {settings.vanish_below:g}) in "
                          f"iteration {k}{stale}", "vanishing-gradient", [])
    if settings.dead_activations:
        for d in run.dead_outputs(file, k):
            line = view.lines.buffer_line(d["line"])
            if line is not None:
                yield Finding(line, "warning", f"dead activation: relu output all zero "
                              f"({d['count']} call{'s' if d['count'] > 1 else ''} in "
                              f"iteration {k}){stale}", "dead-activation", [])


def anomaly_message(a: dict[str, Any]) -> str:
    """``NaN in forward: sqrt's output has 15 of 15 elements NaN (iteration 1)``."""
    kind = {"nan": "NaN", "inf": "Inf", "nan+inf": "NaN and Inf"}.get(a["kind"], a["kind"])
    count = f"{a['count']} of {a['numel']} elements" if a["count"] is not None else "elements"
    if a["phase"] == "backward":
        return (f"{kind} in gradients: {a['op']}.backward computed a gradient with {count} "
                f"{kind} (iteration {a['iter']})")
    return f"{kind} in forward: {a['op']}'s output has {count} {kind} (iteration {a['iter']})"


# code lenses --------------------------------------------------------------------------------------
def functions(text: str) -> list[tuple[str, int, int]]:
    """(name, first line, last line) of every function and method in ``text``."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    return [(node.name, node.lineno, node.end_lineno or node.lineno)
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def function_lenses(view: View, settings: Settings, text: str) -> list[tuple[int, str, int]]:
    """(buffer line of the def, title, recorded line of the first op) per function that made
    ops: forward and backward time and op count per iteration."""
    if not shown(view, settings):
        return []
    table = line_table(view)
    by_buffer = {}
    for rec_line, facts in table.items():
        line = view.lines.buffer_line(rec_line)
        if line is not None:
            by_buffer[line] = (rec_line, facts)
    out = []
    for _name, first, last in functions(text):
        inside = [by_buffer[ln] for ln in range(first, last + 1) if ln in by_buffer]
        if not inside:
            continue
        ops = sum(f["ops"] for _, f in inside)
        fw = sum(f["forward_ns"] for _, f in inside)
        bw = sum(f["backward_ns"] for _, f in inside)
        mark = "≈ " if view.lines.stale else ""
        out.append((first, f"{mark}glassgrad: {ops:.3g} ops · forward {_ms(fw)} · backward "
                           f"{_ms(bw)} per iteration", min(r for r, _ in inside)))
    return out

"""The backward engine: runs the graph's nodes in reverse creation order.

A node's inputs are always created before it, so sorting the reachable nodes by their
sequence number (newest first) is a topological order; it is also reverse source order, which
is what stepping through backward shows. The engine does the bookkeeping no gradient rule
repeats: it sums broadcast gradients back to each input's shape, casts them to the input's
dtype, treats missing gradients as zero, accumulates, and calls tensor hooks.
"""

from __future__ import annotations

from operator import attrgetter
from time import perf_counter
from typing import Any

from .._callsite import format_site
from .._state import STATE
from ..errors import GlassgradError
from ..function import _FREED
from ..recording.events import published_observer, republish
from ..tensor import Tensor, wrap
from .frames import _frames, frame_for

_by_seq = attrgetter("seq")


def _as_list(x: Any) -> list:
    if x is None:
        return []
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _root_grads(outputs: list[Tensor], grads: Any, create_graph: bool) -> list[Tensor]:
    from ..creation import ones_like

    grads = _as_list(grads) if grads is not None else [None] * len(outputs)
    if len(grads) != len(outputs):
        raise GlassgradError(f"got {len(grads)} gradients for {len(outputs)} outputs")
    out = []
    for i, (t, g) in enumerate(zip(outputs, grads)):
        if not t.requires_grad:
            raise GlassgradError(f"element {i} of tensors does not require grad and does not "
                                 "have a grad_fn")
        if g is None:
            if t.numel() != 1:
                raise GlassgradError(
                    f"grad can be implicitly created only for scalar outputs; this output has "
                    f"shape {t.shape} (pass gradient=... to backward)")
            g = ones_like(t)
        elif not isinstance(g, Tensor):
            from ..creation import tensor

            g = tensor(g, dtype=t.dtype, device=t.device)
        elif g.shape != t.shape:
            raise GlassgradError(f"mismatch in shape: grad_output[{i}] has a shape of {g.shape} "
                                 f"and output[{i}] has a shape of {t.shape}")
        out.append(g if create_graph else g.detach())
    return out


def sum_to(g: Tensor, shape: tuple, node: Any) -> Tensor:
    """Reduce a broadcast gradient to ``shape`` (the input's), or explain why it can't be."""
    gshape = g.shape
    lead = len(gshape) - len(shape)
    ok = lead >= 0 and all(s == gs or s == 1 for s, gs in zip(shape, gshape[lead:]))
    if not ok:
        raise GlassgradError(
            f"{node.display_name()} (forward at {format_site(node.site)}) returned a gradient "
            f"of shape {gshape} for an input of shape {tuple(shape)}")
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and gshape[lead + i] != 1)
    if axes:
        g = g.sum(axes, keepdim=False)
    return g.reshape(shape) if g.shape != tuple(shape) else g


def execute(roots: list[Tensor], grads: list[Tensor], keep_graph: bool, create_graph: bool,
            capture: list[Tensor] | None = None) -> list[Tensor | None] | None:
    """Run backward from ``roots``. With ``capture``, return the gradients of those tensors
    instead of accumulating into leaves' ``.grad`` (``autograd.grad``)."""
    node_buf: dict[Any, list] = {}
    leaf_buf: dict[Tensor, Tensor] = {}
    for t, g in zip(roots, grads):
        _add(t._grad_fn, t, t._output_nr, g, node_buf, leaf_buf)

    nodes = graph_nodes(list(node_buf))

    captured: dict[Any, Tensor] = {}
    capture_nodes: dict[Any, list[tuple[int, int]]] = {}
    needed = flows = None
    if capture is not None:
        for i, t in enumerate(capture):
            if t._grad_fn is not None:
                capture_nodes.setdefault(t._grad_fn, []).append((t._output_nr, i))
        flows = _nodes_reaching(nodes, capture)
        needed = flows | capture_nodes.keys()

    frames = _frames
    owned: dict[int, Tensor] = {}  # leaf gradients no other tensor refers to (kept alive)
    bnd = STATE.boundary
    if bnd is not None:
        bnd.backward_begin(roots, grads)
        # a rule's own ops are part of its node, not forward ops
        STATE.observer = STATE.boundary = None
    obs = published_observer() if bnd is not None else None
    was_enabled = STATE.grad_enabled
    STATE.grad_enabled = create_graph
    try:
        for node in nodes:
            if needed is not None and node not in needed:
                continue
            bufs = node_buf.pop(node, None)
            if bufs is None:
                continue
            if node._hooks is not None or node._retained is not None:
                _tensor_hooks(node, bufs, create_graph)
            if capture_nodes and node in capture_nodes:
                for nr, i in capture_nodes[node]:
                    captured[i] = bufs[nr]
                if node not in flows:
                    continue
            if len(bufs) > 1:
                bufs = node.fill_missing(bufs)
            key = (node.__class__, node.site)
            frame = frames.get(key) or frame_for(*key)
            if obs is not None:
                t0 = perf_counter()
            if node._saved is None:  # nothing saved (add, sum, reshape, ...)
                result = frame(node, *bufs)
            else:
                result = frame(node, *bufs, *node.backward_args())
            if result.__class__ is not tuple:
                result = (result,)
            if obs is not None:  # before free(): observers may read the saved values
                obs.backward_node(node, bufs, result, t0, perf_counter())
            if not keep_graph and node._saved is not None:
                node._saved = _FREED
            edges = node.next
            if len(result) != len(edges):
                raise GlassgradError(
                    f"{node.display_name()} returned an incorrect number of gradients "
                    f"(expected {len(edges)}, got {len(result)})")
            for e, g in zip(edges, result):
                if e is None or g is None:
                    continue
                target, nr, shape, dtype, leaf = e
                data = g._data
                if data.shape != shape:
                    g = sum_to(g, shape, node)
                if data.dtype != dtype:
                    g = g._cast(node.device.backend.from_native[dtype])
                if leaf:
                    prev = leaf_buf.get(target)
                    if prev is not None:
                        g = prev + g
                    elif g is bufs[0] or not node.builtin or _twice(g, result):
                        owned.pop(id(g), None)  # passed through or handed out twice: shared
                        leaf_buf[target] = g
                        continue
                    owned[id(g)] = g  # made by this rule alone: .grad may take it uncopied
                    leaf_buf[target] = g
                else:
                    buf = node_buf.get(target)
                    if buf is None:
                        buf = node_buf[target] = [None] * target.n_outputs
                    prev = buf[nr]
                    buf[nr] = g if prev is None else prev + g

        for leaf, g in leaf_buf.items():
            if leaf._hooks:
                for hook in list(leaf._hooks):
                    r = hook(g)
                    if r is not None:
                        g = r
            if capture is not None:
                for i, t in enumerate(capture):
                    if t is leaf:
                        captured[i] = g
            else:
                _accumulate(leaf, g, create_graph, owned.get(id(g)) is g)
            if bnd is not None:
                leaf_buf[leaf] = g
        if bnd is not None:
            bnd.backward_end(leaf_buf)
    finally:
        STATE.grad_enabled = was_enabled
        if bnd is not None:
            republish()  # observers attached or detached meanwhile (live clients) count
    if capture is None:
        return None
    return [captured.get(i) for i in range(len(capture))]


def graph_nodes(roots: list) -> list:
    """Every node reachable from ``roots``, newest first: the order backward runs them in."""
    nodes: list[Any] = []
    seen: set = set()
    stack = list(roots)
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        nodes.append(n)
        for e in n.next:
            if e is not None and not e[4] and e[0] not in seen:
                stack.append(e[0])
    nodes.sort(key=_by_seq, reverse=True)
    return nodes


def _twice(g: Tensor, result: tuple) -> bool:
    """Whether a rule returned the same gradient object for two inputs (by identity)."""
    n = 0
    for r in result:
        if r is g:
            n += 1
    return n > 1


def _add(node: Any, t: Tensor, nr: int, g: Tensor, node_buf: dict, leaf_buf: dict) -> None:
    if node is None:
        prev = leaf_buf.get(t)
        leaf_buf[t] = g if prev is None else prev + g
        return
    buf = node_buf.get(node)
    if buf is None:
        buf = node_buf[node] = [None] * node.n_outputs
    buf[nr] = g if buf[nr] is None else buf[nr] + g


def _nodes_reaching(nodes: list, targets: list[Tensor]) -> set:
    """Nodes whose backward must run for a gradient to reach one of ``targets``: those with
    an edge into a target leaf, a target node, or another such node."""
    target_nodes = {t._grad_fn for t in targets if t._grad_fn is not None}
    target_leaves = {id(t) for t in targets if t._grad_fn is None}
    reach: set = set()
    for node in reversed(nodes):  # oldest first: children are decided before parents
        if any(e is not None and ((e[4] and id(e[0]) in target_leaves) or
                                  (not e[4] and (e[0] in reach or e[0] in target_nodes)))
               for e in node.next):
            reach.add(node)
    return reach


def _tensor_hooks(node: Any, bufs: list, create_graph: bool) -> None:
    if node._hooks:
        for nr, hooks in node._hooks.items():
            for hook in list(hooks):
                if bufs[nr] is None:
                    continue
                r = hook(bufs[nr])
                if r is not None:
                    bufs[nr] = r
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            if t is not None and bufs[nr] is not None:
                _accumulate(t, bufs[nr], create_graph)


def _accumulate(t: Tensor, g: Tensor, create_graph: bool, owned: bool = False) -> None:
    """``t.grad += g`` as PyTorch's AccumulateGrad does it. Without ``create_graph`` the first
    gradient is taken as is when nothing else refers to it (``owned``: made by one rule for
    this leaf alone, a writeable array of its own), else copied (``g`` may be a read-only
    broadcast view, the user's ``gradient=``, or the array another input received); later ones
    are added in place, so ``.grad`` keeps its identity and can be updated in place."""
    prev = t.grad
    if create_graph:
        t.grad = g if prev is None else prev + g
    elif prev is None:
        data = g._data
        if owned and getattr(data, "base", 0) is None and \
                getattr(getattr(data, "flags", None), "writeable", False):
            t.grad = g
        else:
            t.grad = wrap(g._device.xp.asarray(data, copy=True), g._device)
    elif prev.requires_grad or prev._data.shape != g._data.shape or \
            not getattr(getattr(prev._data, "flags", None), "writeable", True):
        t.grad = (prev + g).detach()
    else:
        data = prev._data
        data += g._data
        prev._shared_vbox()[0] += 1


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves (or of ``inputs``)."""
    outputs = _as_list(tensors)
    grads = _root_grads(outputs, grad_tensors, create_graph)
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        execute(outputs, grads, keep, create_graph)
        return
    inputs = _as_list(inputs)
    got = execute(outputs, grads, keep, create_graph, capture=inputs)
    for t, g in zip(inputs, got):
        if g is not None:
            _accumulate(t, g, create_graph)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None,
         materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``."""
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise GlassgradError(f"inputs[{i}] does not require grad")
    keep = create_graph if retain_graph is None else retain_graph
    roots = _root_grads(outs, grad_outputs, create_graph)
    got = execute(outs, roots, keep, create_graph, capture=ins)
    result = []
    for i, (t, g) in enumerate(zip(ins, got)):
        if g is None:
            if materialize_grads:
                from ..creation import zeros_like

                g = zeros_like(t)
            elif not allow_unused:
                raise GlassgradError(
                    f"one of the differentiated Tensors (inputs[{i}], shape {t.shape}) appears "
                    "to not have been used in the graph. Set allow_unused=True if this is the "
                    "desired behavior.")
        result.append(g)
    return tuple(result)

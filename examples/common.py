"""What the example scripts share: offline datasets and a progress bar.

Every dataset here is on the machine already: the handwritten digits that ship with
scikit-learn, and text from Python's own standard library sources.
"""

from __future__ import annotations

import os
import sysconfig
from collections.abc import Iterable

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import glassgrad as gg


def digits(test_fraction: float = 0.2, seed: int = 0) -> tuple:
    """scikit-learn's 8x8 handwritten digits as (x_train, y_train, x_test, y_test) tensors,
    images scaled to [0, 1] with a channel dim: (N, 1, 8, 8)."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = (data.images / 16.0).astype(np.float32)[:, None]
    y = data.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(len(x) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return (gg.tensor(x[train]), gg.tensor(y[train]), gg.tensor(x[test]), gg.tensor(y[test]))


def stdlib_text(max_chars: int = 200_000, modules: tuple[str, ...] = (
        "argparse.py", "collections/__init__.py", "functools.py", "inspect.py",
        "dataclasses.py", "typing.py")) -> str:
    """Python source text from this interpreter's standard library."""
    root = sysconfig.get_paths()["stdlib"]
    parts = []
    for name in modules:
        path = os.path.join(root, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                parts.append(f.read())
    text = "\n".join(parts)
    return text[:max_chars]


class CharVocab:
    """Characters <-> integer ids."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> gg.Tensor:
        return gg.tensor([self.index[c] for c in text], dtype=gg.int64)

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.chars[i] for i in ids)


class TrainingBar:
    """A progress bar over training steps that shows the latest metrics (rich; silent when
    the output is not a terminal, so logs stay readable)."""

    def __init__(self, total: int, description: str) -> None:
        columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[status]}"), TimeElapsedColumn())
        self.bar = Progress(*columns, disable=not os.isatty(1))
        self.task = self.bar.add_task(description, total=total, status="")

    def __enter__(self) -> TrainingBar:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def step(self, **metrics: float) -> None:
        status = "  ".join(f"{k} {v:.4f}" for k, v in metrics.items())
        self.bar.update(self.task, advance=1, status=status)


def accuracy(model: gg.nn.Module, x: gg.Tensor, y: gg.Tensor, batch: int = 512) -> float:
    model.eval()
    correct = 0
    with gg.no_grad():
        for i in range(0, len(x), batch):
            correct += int((model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item())
    model.train()
    return correct / len(x)


def char_corpus() -> tuple:
    """(vocab, train ids, validation ids) of the standard-library text, split 90/10."""
    text = stdlib_text()
    vocab = CharVocab(text)
    data = vocab.encode(text)
    split = int(len(data) * 0.9)
    return vocab, data[:split], data[split:]


def char_batches(data: gg.Tensor, seq: int, batch: int, gen: gg.Generator) -> tuple:
    """Random windows of ``seq`` characters and the characters that follow each one."""
    starts = gg.randint(0, len(data) - seq - 1, (batch,), generator=gen)
    idx = starts.unsqueeze(1) + gg.arange(seq)
    return data[idx], data[idx + 1]


def train_char_model(model: gg.nn.Module, optimizer: gg.optim.Optimizer, train: gg.Tensor,
                     val: gg.Tensor, seq: int, batch_size: int, steps: int, description: str,
                     scheduler: object | None = None) -> float:
    """Next-character training with gradient clipping; returns the validation loss."""
    loss_fn = gg.nn.CrossEntropyLoss()
    gen = gg.Generator().manual_seed(0)
    with TrainingBar(steps, description) as bar:
        for _ in range(steps):
            x, y = char_batches(train, seq, batch_size, gen)
            loss = loss_fn(model(x).flatten(0, 1), y.flatten())
            optimizer.zero_grad()
            loss.backward()
            gg.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            bar.step(loss=loss.item())
    model.eval()
    with gg.no_grad():
        x, y = char_batches(val, seq, 64, gg.Generator().manual_seed(1))
        return loss_fn(model(x).flatten(0, 1), y.flatten()).item()

"""A character-level LSTM language model on Python standard-library source code.

    python examples/char_lstm.py [--steps 300]
"""

from __future__ import annotations

import argparse
import math

from common import CharVocab, TrainingBar, stdlib_text

import glassgrad as gg
from glassgrad import nn


class CharLSTM(nn.Module):
    def __init__(self, vocab: int, embed: int = 32, hidden: int = 128) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids: gg.Tensor) -> gg.Tensor:
        h, _ = self.lstm(self.embed(ids))
        return self.head(h)


def batches(data: gg.Tensor, seq: int, batch: int, gen: gg.Generator) -> tuple:
    starts = gg.randint(0, len(data) - seq - 1, (batch,), generator=gen)
    offsets = gg.arange(seq)
    idx = starts.unsqueeze(1) + offsets
    return data[idx], data[idx + 1]


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seq", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)

    gg.manual_seed(0)
    text = stdlib_text()
    vocab = CharVocab(text)
    data = vocab.encode(text)
    split = int(len(data) * 0.9)
    train, val = data[:split], data[split:]
    model = CharLSTM(len(vocab))
    optimizer = gg.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    gen = gg.Generator().manual_seed(0)
    with TrainingBar(args.steps, "char lstm") as bar:
        for _ in range(args.steps):
            x, y = batches(train, args.seq, args.batch_size, gen)
            loss = loss_fn(model(x).flatten(0, 1), y.flatten())
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            bar.step(loss=loss.item())
    model.eval()
    with gg.no_grad():
        x, y = batches(val, args.seq, 64, gg.Generator().manual_seed(1))
        val_loss = loss_fn(model(x).flatten(0, 1), y.flatten()).item()
    print(f"validation loss {val_loss:.3f} nats/char ({val_loss / math.log(2):.2f} bits/char; "
          f"uniform would be {math.log(len(vocab)):.2f} nats)")
    return val_loss


if __name__ == "__main__":
    main()

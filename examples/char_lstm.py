"""A character-level LSTM language model on Python standard-library source code.

    python examples/char_lstm.py [--steps 300]
"""

from __future__ import annotations

import argparse
import math

from common import char_corpus, train_char_model

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


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seq", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)

    gg.manual_seed(0)
    vocab, train, val = char_corpus()
    model = CharLSTM(len(vocab))
    optimizer = gg.optim.Adam(model.parameters(), lr=3e-3)
    val_loss = train_char_model(model, optimizer, train, val, args.seq, args.batch_size,
                                args.steps, "char lstm")
    print(f"validation loss {val_loss:.3f} nats/char ({val_loss / math.log(2):.2f} bits/char; "
          f"uniform would be {math.log(len(vocab)):.2f} nats)")
    return val_loss


if __name__ == "__main__":
    main()

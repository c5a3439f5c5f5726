"""A small causal Transformer language model on Python standard-library source code.

    python examples/transformer_lm.py [--steps 300]
"""

from __future__ import annotations

import argparse
import math

from common import char_corpus, train_char_model

import glassgrad as gg
from glassgrad import nn


class TinyGPT(nn.Module):
    def __init__(self, vocab: int, context: int, d_model: int = 64, heads: int = 4,
                 layers: int = 2) -> None:
        super().__init__()
        self.token = nn.Embedding(vocab, d_model)
        self.position = nn.Embedding(context, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=4 * d_model,
                                           dropout=0.0, batch_first=True, norm_first=True,
                                           activation="gelu")
        self.blocks = nn.TransformerEncoder(layer, layers)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab)

    def forward(self, ids: gg.Tensor) -> gg.Tensor:
        t = ids.shape[1]
        h = self.token(ids) + self.position(gg.arange(t))
        causal = gg.arange(t).unsqueeze(0) > gg.arange(t).unsqueeze(1)  # True: may not attend
        h = self.blocks(h, mask=causal, is_causal=True)
        return self.head(self.norm(h))


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--context", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)

    gg.manual_seed(0)
    vocab, train, val = char_corpus()
    model = TinyGPT(len(vocab), args.context)
    optimizer = gg.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    scheduler = gg.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.steps)
    val_loss = train_char_model(model, optimizer, train, val, args.context, args.batch_size,
                                args.steps, "transformer lm", scheduler)
    print(f"validation loss {val_loss:.3f} nats/char (uniform would be "
          f"{math.log(len(vocab)):.2f})")
    return val_loss


if __name__ == "__main__":
    main()

"""A small CNN on scikit-learn's handwritten digits (8x8), trained with AdamW.

    python examples/cnn_digits.py [--epochs 20]

This is what `glassgrad demo` runs. Try it under the recorder (`glassgrad run
examples/cnn_digits.py`) or the debugger, with a breakpoint on a forward line.
"""

from __future__ import annotations

import argparse
import time

from common import TrainingBar, accuracy, digits

import glassgrad as gg
from glassgrad import nn


class CNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(32 * 4 * 4, 10))

    def forward(self, x: gg.Tensor) -> gg.Tensor:
        h = self.features(x)  # @features
        return self.classifier(h)  # @logits


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    gg.manual_seed(args.seed)
    x_train, y_train, x_test, y_test = digits(seed=args.seed)
    loader = gg.utils.data.DataLoader(gg.utils.data.TensorDataset(x_train, y_train),
                                      batch_size=args.batch_size, shuffle=True)
    model = CNN()
    optimizer = gg.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = gg.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.epochs * len(loader))
    loss_fn = nn.CrossEntropyLoss()

    start = time.perf_counter()
    with TrainingBar(args.epochs * len(loader), "cnn digits") as bar:
        for _epoch in range(args.epochs):
            for xb, yb in loader:
                loss = loss_fn(model(xb), yb)  # @loss
                optimizer.zero_grad()
                loss.backward()  # @backward
                optimizer.step()
                scheduler.step()
                bar.step(loss=loss.item())
    acc = accuracy(model, x_test, y_test)
    print(f"test accuracy {acc:.2%} after {args.epochs} epochs "
          f"({time.perf_counter() - start:.1f}s)")
    return acc


if __name__ == "__main__":
    main()

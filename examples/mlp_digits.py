"""A multilayer perceptron on scikit-learn's handwritten digits, trained with SGD + momentum.

    python examples/mlp_digits.py [--epochs 20]
"""

from __future__ import annotations

import argparse

from common import TrainingBar, accuracy, digits

import glassgrad as gg
from glassgrad import nn


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args(argv)

    gg.manual_seed(0)
    x_train, y_train, x_test, y_test = digits()
    x_train, x_test = x_train.flatten(1), x_test.flatten(1)
    loader = gg.utils.data.DataLoader(gg.utils.data.TensorDataset(x_train, y_train),
                                      batch_size=args.batch_size, shuffle=True)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    optimizer = gg.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    with TrainingBar(args.epochs * len(loader), "mlp digits") as bar:
        for _ in range(args.epochs):
            for xb, yb in loader:
                loss = loss_fn(model(xb), yb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                bar.step(loss=loss.item())
    acc = accuracy(model, x_test, y_test)
    print(f"test accuracy {acc:.2%}")
    return acc


if __name__ == "__main__":
    main()

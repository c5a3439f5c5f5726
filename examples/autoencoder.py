"""A convolutional autoencoder that compresses the 8x8 digits to 8 numbers and back.

    python examples/autoencoder.py [--epochs 30]
"""

from __future__ import annotations

import argparse

from common import TrainingBar, digits

import glassgrad as gg
from glassgrad import nn


class AutoEncoder(nn.Module):
    def __init__(self, code: int = 8) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),    # 8x8 -> 4x4
            nn.Flatten(), nn.Linear(8 * 4 * 4, code))
        self.decoder = nn.Sequential(
            nn.Linear(code, 8 * 4 * 4), nn.ReLU(), nn.Unflatten(1, (8, 4, 4)),
            nn.ConvTranspose2d(8, 1, 4, stride=2, padding=1), nn.Sigmoid())  # 4x4 -> 8x8

    def forward(self, x: gg.Tensor) -> gg.Tensor:
        return self.decoder(self.encoder(x))


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)

    gg.manual_seed(0)
    x_train, _, x_test, _ = digits()
    loader = gg.utils.data.DataLoader(gg.utils.data.TensorDataset(x_train),
                                      batch_size=args.batch_size, shuffle=True)
    model = AutoEncoder()
    optimizer = gg.optim.Adam(model.parameters(), lr=3e-3)
    with TrainingBar(args.epochs * len(loader), "autoencoder") as bar:
        for _ in range(args.epochs):
            for (xb,) in loader:
                loss = nn.functional.mse_loss(model(xb), xb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                bar.step(loss=loss.item())
    model.eval()
    with gg.no_grad():
        test_mse = nn.functional.mse_loss(model(x_test), x_test).item()
        baseline = nn.functional.mse_loss(x_test.mean(0, keepdim=True).expand_as(x_test),
                                          x_test).item()
    print(f"test reconstruction MSE {test_mse:.4f} (predicting the mean image: {baseline:.4f})")
    return test_mse


if __name__ == "__main__":
    main()

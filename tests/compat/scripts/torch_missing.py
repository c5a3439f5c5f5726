"""A PyTorch script that uses a name glassgrad does not have."""

import torch
import torch.nn.functional as F

image = torch.randn(1, 1, 4, 4)
grid = torch.zeros(1, 2, 2, 2)
warped = F.grid_sample(image, grid, align_corners=False)  # @missing
print(warped.shape)

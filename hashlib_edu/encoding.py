"""A trained network's codes for a dataset: b = sign(z), the continuous outputs and the labels."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch.utils.data import Dataset

from .batches import batches_in_order
from .codes import binarize_tensor
from .models import HashingNetwork

__all__ = ["Encoded", "encode"]


class Encoded(NamedTuple):
    """Binary codes (int8, +-1), continuous outputs h (float32) and labels of a dataset."""

    codes: np.ndarray
    outputs: np.ndarray
    labels: np.ndarray


@torch.no_grad()
def encode(model: HashingNetwork, dataset: Dataset, batch_size: int = 512) -> Encoded:
    """Codes b = sign(z) (int8, +-1, sign(0) = +1), outputs h = tanh(beta z) and labels of `dataset`."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    codes, outputs, labels = [], [], []
    for images, batch_labels in batches_in_order(dataset, batch_size):
        z = model.logits(images.to(device))
        outputs.append(torch.tanh(model.beta * z).cpu())
        codes.append(binarize_tensor(z, torch.int8).cpu())
        labels.append(torch.as_tensor(batch_labels).float())
    model.train(was_training)
    return Encoded(torch.cat(codes).numpy(), torch.cat(outputs).numpy(), torch.cat(labels).numpy())

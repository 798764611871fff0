"""The torch ``Dataset`` classes that hold one split, and the image finishing they share.

* :class:`TensorImageDataset` -- an in-memory split (the embedded digit datasets);
* :class:`IndexedImageDataset` -- a lazily converted split of a uint8 image pool (CIFAR-10);
* :class:`ImageListDataset` -- a split read from a list file, images opened on access.

Every item is ``(image float32 C x H x W, label float32 0/1 vector)``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "ImageListDataset",
    "IndexedImageDataset",
    "TensorImageDataset",
]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class TensorImageDataset(Dataset):
    """An in-memory split: ``.images`` (n, C, H, W) float32 in [0, 1] and ``.labels`` (n, C) 0/1.

    Training code may batch by index (``ds.images[idx]``, ``ds.labels[idx]``) instead of going
    through a DataLoader. ``.sources`` (composed datasets) holds the source-digit indices of each
    image, -1 for an empty slot; ``.indices`` (digits) the row indices into the source data.
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        *,
        sources: np.ndarray | None = None,
        indices: np.ndarray | None = None,
    ) -> None:
        if images.shape[0] != labels.shape[0]:
            raise ValueError(f"{images.shape[0]} images but {labels.shape[0]} label rows")
        self.images = images
        self.labels = labels
        self.sources = sources
        self.indices = indices

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.images[index], self.labels[index]

    def __repr__(self) -> str:
        return f"TensorImageDataset(n={len(self)}, image_shape={tuple(self.images.shape[1:])})"


class IndexedImageDataset(Dataset):
    """A lazily converted split of a uint8 (N, H, W, 3) image pool (CIFAR-10).

    ``.indices`` are the rows of the pool in this split and ``.labels`` their (n, C) 0/1 labels.
    Item = (float32 C x H x W tensor: ToTensor, optional resize, optional ImageNet normalisation,
    label vector). There is deliberately no ``.images`` attribute (54,000 float images would not
    fit comfortably in memory); use a DataLoader.
    """

    def __init__(
        self,
        pool: np.ndarray,
        labels: torch.Tensor,
        indices: np.ndarray,
        *,
        resize: int | None = None,
        normalize: bool = False,
    ) -> None:
        self._pool = pool
        self.labels = labels
        self.indices = indices
        self.resize = resize
        self.normalize = normalize

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        array = self._pool[self.indices[index]]
        image = torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1).float() / 255.0
        return _finish_image(image, self.resize, self.normalize), self.labels[index]

    def __repr__(self) -> str:
        return (
            f"IndexedImageDataset(n={len(self)}, resize={self.resize}, normalize={self.normalize})"
        )


class ImageListDataset(Dataset):
    """A split read from a list file: ``.paths`` (absolute), ``.labels`` (n, C) 0/1 float32.

    Images are opened with PIL at ``__getitem__``, converted to RGB, resized to
    ``image_size`` x ``image_size`` (bilinear, antialiased) and, if ``normalize``, standardised with
    the ImageNet mean and std (as the AlexNet backbones of DHN and HashNet expect).
    """

    def __init__(
        self,
        paths: Sequence[str],
        labels: torch.Tensor,
        *,
        image_size: int = 224,
        normalize: bool = True,
        list_file: str = "",
    ) -> None:
        self.paths = list(paths)
        self.labels = labels
        self.image_size = image_size
        self.normalize = normalize
        self.list_file = list_file

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        from PIL import Image

        path = self.paths[index]
        if not os.path.isfile(path):
            raise FileNotFoundError(f"image {path!r} (listed in {self.list_file}) does not exist")
        with Image.open(path) as img:
            array = np.asarray(img.convert("RGB"), dtype=np.uint8)
        image = torch.from_numpy(array.copy()).permute(2, 0, 1).float() / 255.0
        return _finish_image(image, self.image_size, self.normalize), self.labels[index]

    def __repr__(self) -> str:
        return f"ImageListDataset(n={len(self)}, list_file={self.list_file!r})"


def _finish_image(image: torch.Tensor, size: int | None, normalize: bool) -> torch.Tensor:
    """Resize a (3, H, W) tensor in [0, 1] to size x size and optionally ImageNet-normalise it."""
    if size is not None and tuple(image.shape[1:]) != (size, size):
        image = torch.nn.functional.interpolate(
            image[None], size=(size, size), mode="bilinear", align_corners=False, antialias=True
        )[0].clamp_(0.0, 1.0)
    if normalize:
        mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
        std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
        image = (image - mean) / std
    return image

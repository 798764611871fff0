"""The embedded world's "ImageNet": a classifier pretraining stage for the conv-pool trunk.

DHN (Zhu et al., AAAI 2016) and HashNet (Cao et al., ICCV 2017) never train from scratch: both
fine-tune an AlexNet pretrained as an ImageNet classifier. The embedded analogue trains the
`ConvPoolNet` trunk plus a linear classifier on the *training split only* (never a query or
database image), with the training split's own class labels:

    min_theta  sum_i  CE(W f_theta(x_i), y_i)        (single-label: softmax cross-entropy)
               sum_i  BCE(W f_theta(x_i), y_i)       (multi-label: one sigmoid per class)

then throws the classifier W away and hands f_theta to every deep hashing method as its starting
point. Why these labels: ImageNet-100's classes are a subset of the 1,000 ImageNet classes the
papers' AlexNet was pretrained on (and its database images come from ImageNet's training set), so
the papers' trunk had seen those very labels; here the trunk sees the labels of the training split
alone, which is the weaker, honest version of the same start.

The result is seeded and cached on disk by :mod:`hashlib_edu.cache` (``$HASHLIB_EDU_CACHE`` or
``~/.cache/hashlib-edu``), keyed by the dataset, its seed, the training split's indices and these
settings; files are written atomically, and a cache file that cannot be read or whose settings
differ is rebuilt, never trusted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from ._validation import (
    check_bool,
    check_choice,
    check_float,
    check_instance,
    check_positive_int,
    check_seed,
)
from .cache import cached, data_fingerprint
from .config import PRETRAIN_LABELS
from .data import HashingData, TensorImageDataset
from .data.digits import digits_source
from .device import resolve_device
from .models import ConvPoolNet

__all__ = ["PretrainConfig", "pretrained_trunk"]


@dataclass(frozen=True)
class PretrainConfig:
    """Settings of the classifier pretraining (Adam, one pass = `iterations` mini-batches)."""

    iterations: int = 400
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 5e-4
    labels: str = "own"  # config.PRETRAIN_LABELS

    def __post_init__(self) -> None:
        check_positive_int(self.iterations, "PretrainConfig.iterations")
        check_positive_int(self.batch_size, "PretrainConfig.batch_size")
        check_float(self.lr, "PretrainConfig.lr", 0.0, open_low=True)
        check_float(self.weight_decay, "PretrainConfig.weight_decay", 0.0)
        check_choice(self.labels, "PretrainConfig.labels", PRETRAIN_LABELS)


def pretrained_trunk(
    data,
    *,
    seed: int = 0,
    config: PretrainConfig | None = None,
    device: str | torch.device = "cpu",
    progress: bool = False,
) -> dict[str, torch.Tensor]:
    """The state dict of a `ConvPoolNet` pretrained as a classifier on ``data.train``.

    Loaded from the cache when a valid entry exists, else trained (seeded) and cached.
    ``device``: "auto", a device string or a torch.device (:func:`hashlib_edu.device.resolve_device`).
    """
    check_instance(data, HashingData, "data", "from hashlib_edu.data.load_dataset")
    seed = check_seed(seed)
    config = PretrainConfig() if config is None else config
    check_instance(config, PretrainConfig, "config", "hashlib_edu.pretraining.PretrainConfig")
    device = resolve_device(device)
    progress = check_bool(progress, "progress")
    description = {
        **data_fingerprint(data, ("train",)),
        "seed": seed,
        "config": asdict(config),
    }

    def build() -> dict:
        return {"state_dict": _train_classifier(data, seed, config, device, progress)}

    return cached("pretrained", data.name, description, build)["state_dict"]


def _train_classifier(
    data, seed: int, config: PretrainConfig, device: torch.device, progress: bool
) -> dict[str, torch.Tensor]:
    from tqdm.auto import tqdm

    from .batches import minibatches

    torch.manual_seed(seed)
    trunk = ConvPoolNet(image_shape=tuple(data.image_shape)).to(device)
    targets = _targets(data, config.labels)
    multi_label = config.labels == "own" and data.multi_label
    head = nn.Linear(trunk.feature_dim, targets.shape[1]).to(device)
    params = [*trunk.parameters(), *head.parameters()]
    optimizer = torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    train = TensorImageDataset(data.train.images, targets)
    batches = minibatches(train, config.batch_size, torch.Generator().manual_seed(seed))
    trunk.train()
    for _ in tqdm(range(config.iterations), desc="pretraining", disable=not progress):
        images, labels = next(batches)
        logits = head(trunk(images.to(device)))
        labels = labels.to(device)
        if multi_label:
            loss = nn.functional.binary_cross_entropy_with_logits(logits, labels)
        else:
            loss = nn.functional.cross_entropy(logits, labels.argmax(1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {k: v.detach().cpu().clone() for k, v in trunk.state_dict().items()}


def _targets(data, labels: str) -> torch.Tensor:
    """The classifier's 0/1 targets for ``data.train``: its own labels, or the first slot's digit."""
    if labels == "own":
        return data.train.labels
    sources = getattr(data.train, "sources", None)
    if sources is None or (sources[:, 0] < 0).any():
        raise ValueError(
            f"pretraining labels 'first-digit' need a composed digit set whose first slot is "
            f"never empty (digit-pairs, digit-triples), got {data.name!r}; use labels='own'"
        )
    _, digit_of = digits_source()
    first = torch.from_numpy(digit_of[sources[:, 0]]).long()
    return nn.functional.one_hot(first, 10).float()

"""What the shallow baselines hash: pretrained-trunk features or pixels, and fitting them.

The HashNet paper gives its shallow baselines (ITQ, LSH) DeCAF7 features of an ImageNet-pretrained
AlexNet; the embedded analogue is the features of the conv-pool trunk pretrained on the training
split (:mod:`hashlib_edu.pretraining`). File-backed data, and the from-scratch experiment, hash
pooled pixels instead. :func:`run_shallow` fits a baseline and encodes the query and database.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch

from .encoding import Encoded
from .methods import get_method

__all__ = ["run_shallow", "shallow_inputs", "trunk_features"]


def _pixels(dataset, size: int = 32) -> np.ndarray:
    """Flattened images for the shallow baselines (large images pooled to size x size first)."""
    if hasattr(dataset, "images"):
        images = dataset.images
    else:
        loader = torch.utils.data.DataLoader(dataset, batch_size=256, shuffle=False)
        images = torch.cat([x for x, _ in loader])
    if images.shape[-1] > size:
        images = torch.nn.functional.adaptive_avg_pool2d(images, size)
    return images.flatten(1).numpy().astype(np.float64)


@torch.no_grad()
def trunk_features(dataset, trunk_state: dict, image_shape) -> np.ndarray:
    """Features of the pretrained conv-pool trunk (the embedded analogue of the DeCAF7 / fc7
    features the HashNet paper gives its shallow baselines)."""
    from .models import ConvPoolNet

    trunk = ConvPoolNet(image_shape=tuple(image_shape))
    trunk.load_state_dict(trunk_state)
    trunk.eval()
    images = dataset.images
    chunks = [trunk(images[i : i + 1024]) for i in range(0, len(images), 1024)]
    return torch.cat(chunks).numpy().astype(np.float64)


def shallow_inputs(
    data, seed: int, init: str, pretrain_labels: str = "own"
) -> tuple[str, Callable]:
    """What ITQ and LSH see: pretrained-trunk features for the embedded data with the default
    `pretrained` start (as the papers give shallow methods pretrained CNN features), else pixels.
    `pretrain_labels` is what that trunk was pretrained to classify (`TrainConfig.pretrain_labels`)."""
    if init == "pretrained" and all(hasattr(s, "images") for s in (data.train, data.query)):
        from .pretraining import PretrainConfig, pretrained_trunk

        state = pretrained_trunk(data, seed=seed, config=PretrainConfig(labels=pretrain_labels))
        return "trunk features", lambda split: trunk_features(split, state, data.image_shape)
    return "pixels", _pixels


def run_shallow(
    method: str, data, bits: int, seed: int, init: str = "pretrained", pretrain_labels: str = "own"
) -> tuple[Encoded, Encoded, float]:
    """Fit `method` ("itq" or "lsh") on the training split's inputs (:func:`shallow_inputs`);
    returns the query and database encodings (h = tanh of the projection) and the fit seconds."""
    _, features_of = shallow_inputs(data, seed, init, pretrain_labels)
    start = time.perf_counter()
    estimator = get_method(method, "shallow").estimator
    hasher = estimator(bits, random_state=seed).fit(features_of(data.train))
    seconds = time.perf_counter() - start
    encoded = []
    for split in (data.query, data.database):
        features = features_of(split)
        outputs = np.tanh(hasher.project(features)).astype(np.float32)
        encoded.append(Encoded(hasher.transform(features), outputs, split.labels.numpy()))
    return encoded[0], encoded[1], seconds

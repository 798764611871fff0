"""Hashing networks: a backbone, a fully connected hash layer `fch` and the activation tanh(beta z).

DHN (Zhu et al., AAAI 2016) and HashNet (Cao et al., ICCV 2017) share this architecture: a
conv-pool sub-network (AlexNet conv1-5, fc6-7 in the papers) followed by a K-unit fully connected
hash layer whose output z is squashed to h = tanh(beta z). DHN keeps beta = 1; HashNet grows beta
during training (see `hashlib_edu.continuation`). At test time b = sign(z) with sign(0) = +1.

`ConvPoolNet` is a small conv-pool network for the embedded 8x8 digit images; `alexnet` and
`resnet50` wrap torchvision's backbones for full-scale runs (no weights unless asked for).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ._validation import (
    check_bool,
    check_choice,
    check_float,
    check_image_shape,
    check_instance,
    check_positive_int,
)
from .codes import binarize_tensor

__all__ = ["HashingNetwork", "ConvPoolNet", "build_model", "BACKBONES", "parameter_groups"]

BACKBONES = ("convpool", "alexnet", "resnet50")


class ConvPoolNet(nn.Module):
    """Two conv-conv-pool blocks and a fully connected layer: a small stand-in for AlexNet conv1-fc7.

    Sized for the embedded digit images (C x H x W = 1 x 8 x 8, 1 x 8 x 16, ...); outputs a
    `feature_dim` vector.
    """

    def __init__(
        self, image_shape: tuple[int, int, int] = (1, 8, 8), feature_dim: int = 256, width: int = 16
    ) -> None:
        super().__init__()
        in_channels, height, width_px = check_image_shape(image_shape)
        feature_dim = check_positive_int(feature_dim, "feature_dim")
        width = check_positive_int(width, "width")
        if height < 4 or width_px < 4:
            raise ValueError(f"images must be at least 4x4 pixels, got {height}x{width_px}")
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )
        self.fc = nn.Sequential(
            nn.Flatten(),
            nn.Linear(2 * width * (height // 4) * (width_px // 4), feature_dim),
            nn.ReLU(inplace=True),
        )
        self.feature_dim = feature_dim
        for module in self.modules():  # He init keeps activations O(1) through the ReLUs, so the
            if isinstance(module, (nn.Conv2d, nn.Linear)):  # pairwise loss is not born at its
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")  # h = 0 saddle point
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.conv(x))


class HashingNetwork(nn.Module):
    """backbone -> fch (K units, weights ~ N(0, 0.01^2)) -> h = tanh(beta z).

    `beta` is a buffer, so a checkpoint remembers the continuation stage it reached.
    `forward` returns the continuous code h; `logits` returns z; `encode` returns b = sign(z).
    """

    def __init__(self, backbone: nn.Module, feature_dim: int, bits: int) -> None:
        super().__init__()
        check_instance(
            backbone, nn.Module, "backbone", "a torch.nn.Module mapping images to features"
        )
        feature_dim = check_positive_int(feature_dim, "feature_dim")
        bits = check_positive_int(bits, "bits")
        self.backbone = backbone
        self.hash_layer = nn.Linear(feature_dim, bits)
        nn.init.normal_(self.hash_layer.weight, mean=0.0, std=0.01)
        nn.init.zeros_(self.hash_layer.bias)
        self.register_buffer("beta", torch.tensor(1.0))
        self.bits = bits

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """z, the pre-activation of the hash layer."""
        return self.hash_layer(self.backbone(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """h = tanh(beta z), the continuous code."""
        return torch.tanh(self.beta * self.logits(x))

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """b = sign(z) in {-1, +1}^K as int8, with sign(0) mapped to +1 (ValueError for a NaN or
        infinite z: a diverged model has no codes)."""
        check_instance(x, torch.Tensor, "x", "a batch of images (n, C, H, W)")
        return binarize_tensor(self.logits(x), torch.int8)


def _torchvision_backbone(name: str, pretrained: bool) -> tuple[nn.Module, int]:
    import torchvision

    if name == "alexnet":
        weights = torchvision.models.AlexNet_Weights.IMAGENET1K_V1 if pretrained else None
        _check_weights_available(weights)
        net = torchvision.models.alexnet(weights=weights)
        # conv1-5, then fc6 and fc7 (the classifier without its last layer), as in the papers
        net.classifier = nn.Sequential(*list(net.classifier.children())[:-1])
        return net, 4096
    weights = torchvision.models.ResNet50_Weights.IMAGENET1K_V2 if pretrained else None
    _check_weights_available(weights)
    net = torchvision.models.resnet50(weights=weights)
    net.fc = nn.Identity()
    return net, 2048


def _check_weights_available(weights) -> None:
    """Fail early, with the fix, when ImageNet weights are asked for but not on disk.

    Nothing is downloaded implicitly (the suite runs offline): the weights must already be in
    torch's hub cache.
    """
    if weights is None:
        return
    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name
    if cached.exists():
        return
    raise FileNotFoundError(
        f"ImageNet weights {type(weights).__name__}.{weights.name} are not on disk at {cached}. "
        f'On a machine with internet run `python -c "import torchvision; '
        f'torchvision.models.{type(weights).__name__}.{weights.name}.get_state_dict()"` (or '
        f"download {weights.url}) and copy the file to {cached}; or train with init='scratch'."
    )


def build_model(
    backbone: str,
    bits: int,
    image_shape: tuple[int, int, int] = (1, 8, 8),
    pretrained: bool = False,
) -> HashingNetwork:
    """A `HashingNetwork` with the named backbone ("convpool", "alexnet" or "resnet50").

    `image_shape` is (C, H, W) of the input images; torchvision backbones need C = 3.
    """
    check_choice(backbone, "backbone", BACKBONES)
    bits = check_positive_int(bits, "bits")
    image_shape = check_image_shape(image_shape)
    pretrained = check_bool(pretrained, "pretrained")
    if backbone == "convpool":
        if pretrained:
            raise ValueError(
                "the convpool backbone has no pretrained weights; use pretrained=False"
            )
        net = ConvPoolNet(image_shape=image_shape)
        return HashingNetwork(net, net.feature_dim, bits)
    if image_shape[0] != 3:
        raise ValueError(
            f"{backbone} expects RGB images (3 channels), got {image_shape[0]}: the embedded digit "
            "sets are grayscale; use backbone='convpool' for them, or an RGB dataset ('cifar10', "
            "'list') with the papers' backbones (reproduce: --dataset cifar10 --solver paper)"
        )
    net, dim = _torchvision_backbone(backbone, pretrained)
    return HashingNetwork(net, dim, bits)


def parameter_groups(
    model: HashingNetwork, lr: float, hash_lr_multiplier: float = 10.0
) -> list[dict]:
    """Optimizer groups: the backbone at `lr`, the hash layer at `hash_lr_multiplier * lr` (papers: x10)."""
    check_instance(model, HashingNetwork, "model", "models.build_model")
    lr = check_float(lr, "lr", 0.0, open_low=True)
    hash_lr_multiplier = check_float(hash_lr_multiplier, "hash_lr_multiplier", 0.0, open_low=True)
    return [
        {"params": list(model.backbone.parameters()), "lr": lr},
        {"params": list(model.hash_layer.parameters()), "lr": lr * hash_lr_multiplier},
    ]

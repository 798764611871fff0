"""The hashing networks (hashlib_edu.models): sizes, the hash layer's initialisation, the codes,
and the argument checks of every constructor and function (TypeError for the wrong kind,
ValueError for a wrong value, the argument named in the message)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from hashlib_edu.models import ConvPoolNet, HashingNetwork, build_model, parameter_groups


def test_convpool_features_and_hash_layer_sizes():
    torch.manual_seed(0)
    model = build_model("convpool", 12, (1, 8, 16))
    assert isinstance(model.backbone, ConvPoolNet) and model.bits == 12
    assert model.hash_layer.in_features == model.backbone.feature_dim == 256
    x = torch.rand(5, 1, 8, 16)
    h, z = model(x), model.logits(x)
    assert h.shape == z.shape == (5, 12)
    torch.testing.assert_close(h, torch.tanh(model.beta * z))
    assert float(model.hash_layer.weight.detach().std()) == pytest.approx(0.01, rel=0.2)


def test_encode_is_sign_with_zero_mapped_to_plus_one():
    model = HashingNetwork(nn.Flatten(), 4, 3)
    with torch.no_grad():
        model.hash_layer.weight.copy_(torch.eye(3, 4))
    codes = model.encode(torch.tensor([[1.0, -2.0, 0.0, 5.0]]))
    assert codes.dtype == torch.int8 and codes.tolist() == [[1, -1, 1]]
    with pytest.raises(ValueError, match="NaN or inf"):
        model.encode(torch.tensor([[np.nan, 0.0, 0.0, 0.0]]))


def test_parameter_groups_scale_the_hash_layer():
    model = build_model("convpool", 8)
    backbone, hash_layer = parameter_groups(model, 0.01, 10)
    assert backbone["lr"] == 0.01 and hash_layer["lr"] == pytest.approx(0.1)
    assert len(hash_layer["params"]) == 2  # weight and bias of fch


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"image_shape": (1, 8)}, ValueError, "image_shape"),
        ({"image_shape": "1x8x8"}, TypeError, "image_shape"),
        ({"image_shape": (1, 8.0, 8)}, TypeError, "image_shape"),
        ({"image_shape": (0, 8, 8)}, ValueError, "image_shape"),
        ({"image_shape": (1, 2, 8)}, ValueError, "4x4"),
        ({"feature_dim": 0}, ValueError, "feature_dim"),
        ({"feature_dim": 256.0}, TypeError, "feature_dim"),
        ({"width": True}, TypeError, "width"),
        ({"width": -3}, ValueError, "width"),
    ],
)
def test_convpool_rejects_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        ConvPoolNet(**kwargs)


@pytest.mark.parametrize(
    "args, error, name",
    [
        (("not a module", 4, 8), TypeError, "backbone"),
        ((nn.Flatten(), 0, 8), ValueError, "feature_dim"),
        ((nn.Flatten(), 4.0, 8), TypeError, "feature_dim"),
        ((nn.Flatten(), 4, 0), ValueError, "bits"),
        ((nn.Flatten(), 4, 2.5), TypeError, "bits"),  # never truncated to 2
        ((nn.Flatten(), 4, True), TypeError, "bits"),
    ],
)
def test_hashing_network_rejects_bad_arguments(args, error, name):
    with pytest.raises(error, match=name):
        HashingNetwork(*args)


def test_encode_needs_a_tensor():
    with pytest.raises(TypeError, match="x"):
        build_model("convpool", 8).encode(np.zeros((1, 1, 8, 8), np.float32))


@pytest.mark.parametrize(
    "args, kwargs, error, name",
    [
        (("vgg", 8), {}, ValueError, "backbone"),
        ((3, 8), {}, TypeError, "backbone"),
        (("convpool", 0), {}, ValueError, "bits"),
        (("convpool", 16.0), {}, TypeError, "bits"),
        (("convpool", False), {}, TypeError, "bits"),
        (("convpool", 8, (1, 8)), {}, ValueError, "image_shape"),
        (("convpool", 8, 8), {}, TypeError, "image_shape"),
        (("convpool", 8), {"pretrained": 1}, TypeError, "pretrained"),
        (("convpool", 8), {"pretrained": True}, ValueError, "pretrained"),
        (("alexnet", 8, (1, 224, 224)), {}, ValueError, "RGB"),
    ],
)
def test_build_model_rejects_bad_arguments(args, kwargs, error, name):
    with pytest.raises(error, match=name):
        build_model(*args, **kwargs)


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda m: parameter_groups(nn.Linear(2, 2), 0.01), TypeError, "model"),
        (lambda m: parameter_groups(m, 0.0), ValueError, "lr"),
        (lambda m: parameter_groups(m, "0.01"), TypeError, "lr"),
        (lambda m: parameter_groups(m, 0.01, 0.0), ValueError, "hash_lr_multiplier"),
        (lambda m: parameter_groups(m, 0.01, None), TypeError, "hash_lr_multiplier"),
    ],
)
def test_parameter_groups_rejects_bad_arguments(call, error, name):
    with pytest.raises(error, match=name):
        call(build_model("convpool", 8))

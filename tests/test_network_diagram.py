"""The network diagram is drawn from the model the package builds, so it matches the code."""

import pytest
from matplotlib.figure import Figure

from hashlib_edu.models import build_model
from hashlib_edu.plots import plot_network_diagram


def _texts(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in fig.axes[0].texts) + fig.axes[0].get_title()


@pytest.mark.parametrize("bits", [16, 64])
def test_sizes_come_from_the_built_model(bits):
    model = build_model("convpool", bits, (1, 8, 16))
    text = _texts(plot_network_diagram("hashnet", bits=bits, image_shape=(1, 8, 16)))
    fch = sum(p.numel() for p in model.hash_layer.parameters())
    trunk = sum(p.numel() for p in model.backbone.parameters())
    assert f"{model.hash_layer.in_features} → K = {bits}" in text
    assert f"{fch:,} params" in text and f"{trunk:,} params" in text
    assert f"{bits} bits = {bits // 8} bytes" in text and "1×8×16" in text


def test_each_method_shows_its_own_activation_and_loss():
    hashnet = _texts(plot_network_diagram("hashnet"))
    dhn = _texts(plot_network_diagram("dhn"))
    assert "tanh(βz)" in hashnet and "continuation" in hashnet and "|S|/|S1|" in hashnet
    assert "tanh(z)" in dhn and "β = 1" in dhn and "log cosh" in dhn and "i = j included" in dhn
    assert "log cosh" not in hashnet  # HashNet has no quantization term
    greedy = _texts(plot_network_diagram("greedyhash"))  # the registry's own texts
    assert "sign(z) forward" in greedy and "classifier on b" in greedy
    assert "hash centre" in _texts(plot_network_diagram("csq"))


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"method": "itq"}, ValueError, "unknown method"),  # a shallow method has no network
        ({"method": 3}, TypeError, "method"),
        ({"bits": 2.5}, TypeError, "bits"),  # never truncated to 2
        ({"bits": True}, TypeError, "bits"),
        ({"bits": 0}, ValueError, "bits"),
        ({"image_shape": (1, 8)}, ValueError, "image_shape"),
        ({"image_shape": "1x8x16"}, TypeError, "image_shape"),
        ({"image_shape": (1, 8, 16.0)}, TypeError, "image_shape"),
        ({"backbone": "vgg"}, ValueError, "backbone"),
        ({"backbone": None}, TypeError, "backbone"),
    ],
)
def test_bad_inputs_are_refused(kwargs, error, name):
    with pytest.raises(error, match=name):
        plot_network_diagram(**kwargs)

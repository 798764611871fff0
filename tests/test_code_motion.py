"""Codes moving towards the cube's corners: the static figure and the explorer (headless)."""

import numpy as np
import pytest

from hashlib_edu.explorers import code_motion_explorer
from hashlib_edu.plots import code_paths, corner_share, plot_code_motion


def _snapshots(n: int = 40, bits: int = 4, steps: int = 5) -> list[dict]:
    rng = np.random.default_rng(0)
    target = np.where(rng.random((n, bits)) < 0.5, -1.0, 1.0)
    return [
        {
            "step": 10 * t,
            "beta": 1.0 + t,
            "outputs": (t / (steps - 1)) * target + (1 - t / (steps - 1)) * 0.1 * target,
            "quantization_error": 0.5 / (t + 1),
            "map": 0.1 * t,
        }
        for t in range(steps)
    ]


def _labels(n: int = 40) -> np.ndarray:
    return np.eye(5)[np.arange(n) % 5]


def test_paths_follow_each_item_over_the_snapshots():
    snapshots = _snapshots()
    drawn = code_paths(snapshots, _labels(), bits=(1, 3), classes=2, per_class=3)
    assert drawn["paths"].shape == (5, 6, 2) and list(drawn["classes"]) == [0, 0, 0, 1, 1, 1]
    rows = [0, 5, 10, 1, 6, 11]  # the first three items of classes 0 and 1
    assert np.array_equal(drawn["paths"][-1], snapshots[-1]["outputs"][rows][:, [1, 3]])


def test_the_share_at_a_corner_grows_to_one():
    paths = code_paths(_snapshots(), _labels())["paths"]
    assert corner_share(paths[0]) == 0.0 and corner_share(paths[-1]) == 1.0


def test_the_static_figure_says_where_the_codes_are():
    fig = plot_code_motion(_snapshots(), _labels(), index=-1)
    ax = fig.axes[0]
    assert "step 40" in ax.get_title() and "100% of these codes at a corner" in ax.get_title()
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("h[0]", "h[1]")
    assert (
        "0% of these codes"
        in plot_code_motion(_snapshots(), _labels(), index=0).axes[0].get_title()
    )


def test_the_explorer_moves_along_the_snapshots():
    explorer = code_motion_explorer(_snapshots(), _labels())
    assert "step <b>0</b>" in explorer.info.value and "<b>0%</b>" in explorer.info.value
    before = explorer.image.value
    explorer.slider.value = 4
    assert "step <b>40</b>" in explorer.info.value and "<b>100%</b>" in explorer.info.value
    assert explorer.image.value != before


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="rows"):
        code_paths(_snapshots(), _labels(39))
    with pytest.raises(ValueError, match="two different coordinates"):
        code_paths(_snapshots(), _labels(), bits=(1, 1))
    with pytest.raises(TypeError, match=r"bits\[0\] must be an integer"):
        code_motion_explorer(_snapshots(), _labels(), bits=(0.5, 1))
    with pytest.raises(ValueError, match="index"):
        plot_code_motion(_snapshots(), _labels(), index=5)


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: code_paths(_snapshots(), _labels(), bits=0), TypeError, "bits"),
        (lambda: code_paths(_snapshots(), _labels(), bits=(0, 1, 2)), ValueError, "bits"),
        (lambda: code_paths(_snapshots(), _labels(), bits=(0, 4)), ValueError, r"bits\[1\]"),
        (lambda: code_paths(_snapshots(), _labels(), bits=(0, True)), TypeError, r"bits\[1\]"),
        (lambda: code_paths(_snapshots(), _labels(), classes=0), ValueError, "classes"),
        (lambda: code_paths(_snapshots(), _labels(), classes=2.0), TypeError, "classes"),
        (lambda: code_paths(_snapshots(), _labels(), per_class=None), TypeError, "per_class"),
        (lambda: code_paths(_snapshots(), _labels().tolist()), TypeError, "labels"),
        (lambda: code_paths({"step": 0}, _labels()), TypeError, "snapshots"),
        (lambda: code_paths([], _labels()), ValueError, "snapshots"),
        (lambda: plot_code_motion(_snapshots(), _labels(), index=1.0), TypeError, "index"),
        (lambda: plot_code_motion(_snapshots(), _labels(), index=-6), ValueError, "index"),
        (lambda: corner_share("points"), TypeError, "points"),
        (lambda: corner_share(np.zeros((3, 3))), ValueError, "points"),
        (lambda: corner_share(np.zeros((3, 2)), within=-0.1), ValueError, "within"),
        (lambda: corner_share(np.zeros((3, 2)), within="0.1"), TypeError, "within"),
    ],
)
def test_every_argument_is_checked(call, error, name):
    with pytest.raises(error, match=name):
        call()

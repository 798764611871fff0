"""Tests of hashlib_edu.plots.evaluation beyond tests/test_plots.py: precision-recall curves
coloured by method and dashed by code length, precision@N with each method in its own colour,
marker and display name whatever the order of the dict, and galleries drawn from datasets."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from hashlib_edu import plots  # noqa: E402
from hashlib_edu.data.torch_datasets import TensorImageDataset  # noqa: E402
from hashlib_edu.methods import method_name  # noqa: E402
from hashlib_edu.plots import plot_precision_at_k  # noqa: E402
from hashlib_edu.plots.evaluation import BITS_LINESTYLES  # noqa: E402

PRECISION, RECALL = np.array([1.0, 0.8, 0.5]), np.array([0.1, 0.4, 1.0])
KS, AT_K = np.array([1, 10, 100]), np.array([0.9, 0.8, 0.6])


@pytest.fixture(autouse=True)
def no_figure_left_open():
    yield
    assert plt.get_fignums() == [], "plots must close new figures in pyplot before returning"


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.lines}


def test_pr_curves_by_method_and_bits_colour_by_method_and_dash_by_bits():
    scale = {"lsh": 0.5, "itq": 1.0}
    curves = {(m, b): (PRECISION * scale[m], RECALL) for m in scale for b in (32, 16)}
    fig = plots.plot_pr_curves(curves)
    lines = lines_by_label(fig.axes[0])
    assert set(lines) == {"LSH, 16 bits", "LSH, 32 bits", "ITQ, 16 bits", "ITQ, 32 bits"}
    for method, name in (("itq", "ITQ"), ("lsh", "LSH")):
        colour = to_rgba(plots.method_style(method)["color"])
        for bits in (16, 32):
            assert to_rgba(lines[f"{name}, {bits} bits"].get_color()) == colour
    # the shortest code solid, the next dashed: the same for both methods
    for name in ("ITQ", "LSH"):
        assert lines[f"{name}, 16 bits"].get_linestyle() == "-"
        assert lines[f"{name}, 32 bits"].get_linestyle() == "--"
    np.testing.assert_allclose(lines["LSH, 16 bits"].get_ydata(), PRECISION * 0.5)
    np.testing.assert_allclose(lines["LSH, 16 bits"].get_xdata(), RECALL)


def test_pr_curves_legend_names_each_method_and_each_length_once():
    curves = {(m, b): (PRECISION, RECALL) for m in ("itq", "lsh") for b in (16, 32, 64)}
    legend = plots.plot_pr_curves(curves).axes[0].get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == ["ITQ", "LSH", "16 bits", "32 bits", "64 bits"]


def test_pr_curves_method_keys_get_their_style_and_display_name():
    fig = plots.plot_pr_curves({"hashnet": (PRECISION, RECALL), "toy": (PRECISION, RECALL)})
    lines = lines_by_label(fig.axes[0])
    assert set(lines) == {"HashNet", "toy"}
    assert lines["HashNet"].get_marker() == plots.method_style("hashnet")["marker"]
    assert to_rgba(lines["HashNet"].get_color()) == to_rgba(plots.method_style("hashnet")["color"])
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["HashNet", "toy"]


@pytest.mark.parametrize(
    "key, error",
    [
        (("itq", 16, 1), TypeError),
        ((16, "itq"), TypeError),
        (3, TypeError),
        (("my-method", 16), ValueError),
        (("itq", 0), ValueError),
    ],
)
def test_pr_curves_reject_bad_keys(key, error):
    with pytest.raises(error):
        plots.plot_pr_curves({key: (PRECISION, RECALL)})


def test_pr_curves_reject_more_lengths_than_line_styles():
    lengths = [8 * (i + 1) for i in range(len(BITS_LINESTYLES) + 1)]
    with pytest.raises(ValueError, match="line style"):
        plots.plot_pr_curves({("itq", b): (PRECISION, RECALL) for b in lengths})


def gallery_case():
    rng = np.random.default_rng(0)
    query = torch.from_numpy(rng.uniform(size=(4, 1, 8, 8)).astype(np.float32))
    database = torch.from_numpy(rng.uniform(size=(30, 1, 8, 8)).astype(np.float32))
    labels_q, labels_db = torch.eye(2)[[0, 1, 0, 1]], torch.eye(2)[rng.integers(0, 2, 30)]
    ids = np.array([[3, 29, 5], [0, 1, 2]])
    args = ([1, 2], ids, np.ones_like(ids), np.array([[1, 0, 1], [0, 0, 1]], bool))
    return (query, labels_q), (database, labels_db), args


def test_gallery_from_datasets_shows_the_same_images_as_from_arrays():
    (query, labels_q), (database, labels_db), args = gallery_case()
    from_arrays = plots.plot_retrieval_gallery(query.numpy(), database.numpy(), *args)
    datasets = TensorImageDataset(query, labels_q), TensorImageDataset(database, labels_db)
    from_datasets = plots.plot_retrieval_gallery(*datasets, *args)
    assert len(from_arrays.axes) == len(from_datasets.axes) == 2 * 4
    for a, b in zip(from_arrays.axes, from_datasets.axes):
        np.testing.assert_array_equal(a.images[0].get_array(), b.images[0].get_array())
        assert a.get_title() == b.get_title()


def test_gallery_from_a_dataset_reads_only_the_shown_items():
    (query, labels_q), (database, labels_db), args = gallery_case()

    class Counting(TensorImageDataset):
        read: set[int] = set()

        def __getitem__(self, index):
            self.read.add(index)
            return super().__getitem__(index)

    db = Counting(database, labels_db)
    plots.plot_retrieval_gallery(query.numpy(), db, *args)
    assert db.read == {0, 1, 2, 3, 5, 29}


def test_gallery_from_a_dataset_checks_the_indices():
    (query, labels_q), (database, labels_db), (query_ids, ids, distances, relevant) = gallery_case()
    datasets = TensorImageDataset(query, labels_q), TensorImageDataset(database, labels_db)
    with pytest.raises(ValueError, match="index db_images"):
        plots.plot_retrieval_gallery(*datasets, query_ids, ids + 30, distances, relevant)
    with pytest.raises(ValueError, match="index query_images"):
        plots.plot_retrieval_gallery(*datasets, [4, 0], ids, distances, relevant)


# ------------------------------------------------------------------------- precision@N
@pytest.mark.parametrize("order", [("hashnet", "dhn", "itq"), ("itq", "dhn", "hashnet")])
def test_each_method_styled_by_its_key_not_by_the_order(order):
    curves = {m: (KS, AT_K * (i + 1) / 3) for i, m in enumerate(order)}
    fig = plot_precision_at_k(curves)
    lines = lines_by_label(fig.axes[0])
    assert set(lines) == {method_name(m) for m in order}
    for i, method in enumerate(order):
        line, style = lines[method_name(method)], plots.method_style(method)
        assert to_rgba(line.get_color()) == to_rgba(style["color"])
        assert line.get_marker() == style["marker"]
        np.testing.assert_array_equal(line.get_xdata(), KS)
        np.testing.assert_allclose(line.get_ydata(), AT_K * (i + 1) / 3)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "precision@N" and ax.get_legend() is not None


def test_other_labels_take_the_palette_as_given():
    fig = plot_precision_at_k({"my hash": (KS, AT_K), "HashNet": (KS, AT_K)})
    lines = lines_by_label(fig.axes[0])
    assert list(lines) == ["my hash", "HashNet"]  # not a key of the suite: shown as given
    assert to_rgba(lines["my hash"].get_color()) == to_rgba(plots.PALETTE[0])


def test_the_suite_variant_is_labelled_by_its_display_name():
    fig = plot_precision_at_k({"hashnet-rank-h": (KS, AT_K)})
    assert list(lines_by_label(fig.axes[0])) == ["HashNet ranked by h"]


def test_log_scale_with_plain_numbers_on_request():
    fig = plot_precision_at_k({"lsh": (KS, AT_K)}, xscale="log")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and "log scale" in ax.get_xlabel()
    fig.canvas.draw()
    shown = {t.get_text() for t in ax.get_xticklabels()}
    assert {"1", "10", "100"} <= shown  # plain numbers, not powers of ten
    linear = plot_precision_at_k({"lsh": (KS, AT_K)}, xscale="linear")
    assert linear.axes[0].get_xscale() == "linear"
    assert "log" not in linear.axes[0].get_xlabel()


def test_draws_on_a_given_axes():
    fig, ax = plt.subplots()
    plt.close(fig)
    assert plot_precision_at_k({"dhn": (KS, AT_K)}, ax=ax, title="t") is fig
    assert ax.get_title() == "t" and len(ax.lines) == 1


@pytest.mark.parametrize(
    "curves, error, match",
    [
        ({}, ValueError, "empty"),
        ([("hashnet", (KS, AT_K))], TypeError, "dict"),
        ({"hashnet": (KS, AT_K[:2])}, ValueError, "equal length"),
        ({"hashnet": (KS, [0.5, 1.5, 0.2])}, ValueError, r"\[0, 1\]"),
        ({"hashnet": ([0, 10, 100], AT_K)}, ValueError, ">= 1"),
        ({"hashnet": (KS, ["a", "b", "c"])}, TypeError, "numeric"),
        ({"hashnet": KS}, ValueError, "pair"),
        ({"hashnet": 0.5}, TypeError, "hashnet"),
        ({"hashnet": (KS, None)}, TypeError, "precisions"),
        ({"hashnet": (KS, [[0.5, 0.4, 0.3]])}, ValueError, "precisions"),
    ],
)
def test_reject_bad_curves(curves, error, match):
    with pytest.raises(error, match=match):
        plot_precision_at_k(curves)


def test_reject_bad_ax_and_scale():
    with pytest.raises(TypeError, match="Axes"):
        plot_precision_at_k({"dhn": (KS, AT_K)}, ax="left")
    with pytest.raises(ValueError, match="xscale"):
        plot_precision_at_k({"dhn": (KS, AT_K)}, xscale="symlog")
    with pytest.raises(TypeError, match="xscale"):
        plot_precision_at_k({"dhn": (KS, AT_K)}, xscale=10)
    with pytest.raises(TypeError, match="title"):
        plot_precision_at_k({"dhn": (KS, AT_K)}, title=["t"])


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"ax": "left"}, TypeError, "ax"),
        ({"title": 3}, TypeError, "title"),
    ],
)
def test_pr_curves_reject_bad_ax_and_title(kwargs, error, name):
    with pytest.raises(error, match=name):
        plots.plot_pr_curves({"hashnet": (PRECISION, RECALL)}, **kwargs)

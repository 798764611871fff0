"""Tests of hashlib_edu.plots: plotted data, labelled axes, input validation (headless, Agg)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from hashlib_edu import plots  # noqa: E402
from hashlib_edu.continuation import BetaSchedule  # noqa: E402
from hashlib_edu.plots.training import first_iteration_reaching  # noqa: E402


def line_by_label(ax, prefix):
    matches = [line for line in ax.lines if line.get_label().startswith(prefix)]
    assert len(matches) == 1, [line.get_label() for line in ax.lines]
    return matches[0]


def assert_labelled(fig, skip_images=True):
    for ax in fig.axes:
        if skip_images and ax.images:
            continue
        assert ax.get_xlabel().strip(), f"axes {ax.get_title()!r} has no x label"
        assert ax.get_ylabel().strip(), f"axes {ax.get_title()!r} has no y label"


@pytest.fixture(autouse=True)
def no_figure_left_open():
    yield
    assert plt.get_fignums() == [], "plots must close new figures in pyplot before returning"


@pytest.fixture
def snapshots():
    rng = np.random.default_rng(0)
    return [
        {
            "step": step,
            "beta": 1.0 + step / 100,
            "outputs": np.tanh((1 + step / 100) * rng.normal(size=(30, 8))),
            "quantization_error": 0.4 / (1 + step / 100),
            "map": 0.3 + step / 1000,
        }
        for step in (0, 100, 200, 300)
    ]


# ------------------------------------------------------------------------------------ style
def test_set_style_is_idempotent_and_applies_the_theme():
    with mpl.rc_context():
        plots.set_style()
        once = dict(mpl.rcParams)
        plots.set_style()
        assert dict(mpl.rcParams) == once
        assert mpl.rcParams["axes.grid"] is True
        first = mpl.rcParams["axes.prop_cycle"].by_key()["color"][0]
        assert to_rgba(first) == to_rgba(plots.PALETTE[0])


def test_plot_functions_do_not_change_global_rcparams():
    with mpl.rc_context({"axes.grid": False, "font.size": 7.0}):
        fig = plots.plot_quantization_surrogates()
        assert mpl.rcParams["axes.grid"] is False and mpl.rcParams["font.size"] == 7.0
        # ... but the figure was drawn in the package style (grid on, larger font)
        assert fig.axes[0].xaxis.get_gridlines()[0].get_visible()
        assert fig.axes[0].xaxis.label.get_fontsize() > 7.0


# --------------------------------------------------------------------------- continuation
def test_sign_approximation_plots_tanh_gradient_and_sign():
    fig = plots.plot_sign_approximation([1, 5], z_range=(-1.5, 1.5))
    value_ax, grad_ax = fig.axes
    for beta in (1, 5):
        line = line_by_label(value_ax, f"tanh(βz), β = {beta}")
        z = line.get_xdata()
        assert z.min() == -1.5 and z.max() == 1.5
        np.testing.assert_allclose(line.get_ydata(), np.tanh(beta * z))
        grad = line_by_label(grad_ax, f"β = {beta}").get_ydata()
        np.testing.assert_allclose(grad, beta / np.cosh(beta * z) ** 2, rtol=1e-10)
    sign = line_by_label(value_ax, "sign(z)")
    assert set(np.unique(sign.get_ydata())) == {-1.0, 1.0}
    assert_labelled(fig)


def test_sign_approximation_marks_where_the_schedule_reaches_beta():
    # official schedule: beta_t = sqrt(1 + 0.005 t) >= 2 first at t = 600; 10 never in 10k its
    fig = plots.plot_sign_approximation([2, 10], schedule=BetaSchedule())
    assert len(fig.axes) == 3
    legend = [t.get_text() for t in fig.axes[2].get_legend().get_texts()]
    assert "β = 2: reached at t = 600" in legend
    assert "β = 10: not reached" in legend
    steps = line_by_label(fig.axes[2], "schedule").get_xdata()
    assert steps[0] == 0 and steps[-1] == 9800
    assert_labelled(fig)


def test_sign_approximation_draws_on_given_axes():
    fig, axes = plt.subplots(1, 2)
    plt.close(fig)
    assert plots.plot_sign_approximation(3.0, ax=axes) is fig
    assert len(axes[0].lines) == 2  # sign + one tanh


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"betas": []}, ValueError),
        ({"betas": [1, -2]}, ValueError),
        ({"betas": [float("inf")]}, ValueError),
        ({"betas": [1], "z_range": (2, -2)}, ValueError),
        ({"betas": [1], "schedule": 7.1}, TypeError),
        ({"betas": [1], "schedule": BetaSchedule(), "num_iterations": 0}, ValueError),
    ],
)
def test_sign_approximation_rejects_bad_input(kwargs, error):
    with pytest.raises(error):
        plots.plot_sign_approximation(**kwargs)


def test_sign_approximation_rejects_wrong_number_of_axes():
    fig, axes = plt.subplots(1, 2)
    plt.close(fig)
    with pytest.raises(ValueError, match="3 Axes"):
        plots.plot_sign_approximation([1], ax=axes, schedule=BetaSchedule())


def test_quantization_surrogates_vanish_at_plus_minus_one():
    fig = plots.plot_quantization_surrogates()
    ax = fig.axes[0]
    l1 = line_by_label(ax, "| |h|")
    logcosh = line_by_label(ax, "log cosh")
    squared = line_by_label(ax, "(h − sign h)²")
    h = l1.get_xdata()
    at_one = np.isclose(np.abs(h), 1.0)
    assert at_one.sum() == 2
    for line in (l1, logcosh, squared):
        np.testing.assert_allclose(line.get_ydata()[at_one], 0.0, atol=1e-12)
    np.testing.assert_allclose(logcosh.get_ydata(), np.log(np.cosh(np.abs(h) - 1)))
    assert np.all(logcosh.get_ydata() <= l1.get_ydata() + 1e-12)  # log cosh x <= |x|
    assert squared.get_ydata()[np.argmin(np.abs(h))] == pytest.approx(1.0)
    assert_labelled(fig)


# -------------------------------------------------------------------------------- training
def test_training_history_has_a_beta_panel_only_when_beta_changes():
    history = {
        "step": [0, 10, 20],
        "loss": [3.0, 2.0, 1.5],
        "quantization_error": [0.5, 0.3, 0.2],
        "beta": [1.0, 1.5, 2.0],
    }
    fig = plots.plot_training_history(history)
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "quant. error", "β"]
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), history["loss"])
    np.testing.assert_allclose(fig.axes[2].lines[0].get_ydata(), history["beta"])
    assert_labelled(fig)
    constant = plots.plot_training_history({**history, "beta": [1.0, 1.0, 1.0]})
    assert len(constant.axes) == 2


@pytest.mark.parametrize(
    "history, match",
    [
        ({"step": [0, 1], "loss": [1.0]}, "has 1 values"),
        ({"step": [0, 1]}, "lacks"),
        ({"step": [], "loss": []}, "empty"),
        ({"step": [0, 1], "loss": [1.0, 0.5], "beta": [1.0]}, "history\\['beta'\\]"),
    ],
)
def test_training_history_rejects_bad_input(history, match):
    with pytest.raises(ValueError, match=match):
        plots.plot_training_history(history)


def test_code_histogram_is_a_distribution_over_minus_one_one():
    outputs = np.tanh(np.random.default_rng(1).normal(size=(50, 16)) * 3)
    fig = plots.plot_code_histogram(torch.from_numpy(outputs), title="after training")
    ax = fig.axes[0]
    heights = np.array([patch.get_height() for patch in ax.patches])
    assert heights.sum() == pytest.approx(1.0)
    assert heights[0] > heights[len(heights) // 2]  # mass at -1 exceeds mass near 0
    assert ax.get_title() == "after training"
    assert_labelled(fig)


@pytest.mark.parametrize(
    "outputs, match",
    [
        (np.linspace(-3, 3, 12).reshape(3, 4), "\\[-1, 1\\]"),
        (np.zeros(5), "2-D"),
        (np.full((2, 2), np.nan), "NaN"),
    ],
)
def test_code_histogram_rejects_bad_input(outputs, match):
    with pytest.raises(ValueError, match=match):
        plots.plot_code_histogram(outputs)


def test_continuation_snapshot_marks_the_selected_snapshot(snapshots):
    fig = plots.plot_continuation_snapshot(snapshots, index=2)
    hist_ax, curve_ax = fig.axes
    assert hist_ax.get_title().startswith("step 200")
    marked = [line for line in curve_ax.lines if len(line.get_xdata()) == 1]
    assert {float(line.get_xdata()[0]) for line in marked} == {200.0}
    expected = sorted([snapshots[2]["quantization_error"], snapshots[2]["map"]])
    assert sorted(float(line.get_ydata()[0]) for line in marked) == pytest.approx(expected)
    assert_labelled(fig)


def test_snapshots_are_validated(snapshots):
    with pytest.raises(ValueError, match="empty"):
        plots.check_snapshots([])
    with pytest.raises(TypeError, match="list of dicts"):
        plots.check_snapshots(snapshots[0])
    broken = [dict(snapshots[0])]
    del broken[0]["map"]
    with pytest.raises(ValueError, match="lacks keys \\['map'\\]"):
        plots.check_snapshots(broken)
    with pytest.raises(ValueError, match="index"):
        plots.plot_continuation_snapshot(snapshots, index=4)
    with pytest.raises(TypeError, match="index"):
        plots.plot_continuation_snapshot(snapshots, index=1.0)


@pytest.mark.parametrize(
    "key, value, error",
    [
        ("step", -1, ValueError),
        ("step", 1.5, TypeError),
        ("beta", 0.0, ValueError),
        ("beta", "1", TypeError),
        ("map", 1.5, ValueError),
        ("map", None, TypeError),
        ("quantization_error", -0.1, ValueError),
        ("outputs", np.full((3, 2), 2.0), ValueError),
        ("outputs", "codes", TypeError),
    ],
)
def test_each_snapshot_value_is_checked(snapshots, key, value, error):
    broken = [dict(s) for s in snapshots]
    broken[1][key] = value
    with pytest.raises(error, match=rf"snapshots\[1\]\['{key}'\]"):
        plots.check_snapshots(broken)


# ------------------------------------------------------------------------------ evaluation
def test_pr_curves_plot_precision_against_recall():
    precision, recall = np.array([1.0, 0.8, 0.5]), np.array([0.1, 0.4, 1.0])
    fig = plots.plot_pr_curves({"HashNet": (precision, recall), "DHN": (precision / 2, recall)})
    line = line_by_label(fig.axes[0], "HashNet")
    np.testing.assert_allclose(line.get_xdata(), recall)
    np.testing.assert_allclose(line.get_ydata(), precision)
    assert fig.axes[0].get_xlabel() == "recall"
    assert_labelled(fig)


@pytest.mark.parametrize(
    "curves, error",
    [
        ({}, ValueError),
        ({"a": ([0.5, 0.4], [0.1])}, ValueError),
        ({"a": ([1.5, 0.4], [0.1, 0.2])}, ValueError),
        ({"a": [0.5, 0.4, 0.3]}, ValueError),
        ({"a": 0.5}, TypeError),
        ({"a": ("0.5", [0.1])}, TypeError),
        ([([0.5], [0.1])], TypeError),
    ],
)
def test_pr_curves_reject_bad_input(curves, error):
    with pytest.raises(error):
        plots.plot_pr_curves(curves)


def test_map_vs_bits_sorts_by_bits_per_method():
    results = [
        {"method": "hashnet", "bits": 48, "map": 0.66},
        {"method": "hashnet", "bits": 16, "map": 0.51},
        {"method": "dhn", "bits": 16, "map": 0.31},
        {"method": "dhn", "bits": 48, "map": 0.54},
    ]
    fig = plots.plot_map_vs_bits(results)
    line = line_by_label(fig.axes[0], "HashNet")
    offset = plots.evaluation.dodge_offsets(["hashnet"])["hashnet"]
    np.testing.assert_allclose(line.get_xdata(), [16 + offset, 48 + offset])
    np.testing.assert_allclose(line.get_ydata(), [0.51, 0.66])
    assert list(fig.axes[0].get_xticks()) == [16, 48]
    assert_labelled(fig)


def test_each_method_sits_in_the_same_place_in_every_figure():
    dodge = plots.evaluation.dodge_offsets
    both = dodge(["hashnet", "lsh"])
    assert both["hashnet"] == dodge(["itq", "dhn", "hashnet"])["hashnet"]  # whatever else is drawn
    assert both["lsh"] == dodge(["lsh"])["lsh"]
    offsets = list(dodge([*plots.METHOD_STYLES, "my-own"]).values())
    assert len(set(offsets)) == len(offsets)  # nobody shares a slot
    assert min(np.diff(sorted(offsets))) == pytest.approx(plots.evaluation.DODGE)


@pytest.mark.parametrize(
    "results, match",
    [
        ([], "results is empty"),
        ([{"method": "a", "bits": 16}], "lacks keys \\['map'\\]"),
        ([{"method": "a", "bits": 0, "map": 0.5}], "bits.* must be >= 1"),
        ([{"method": "a", "bits": 16, "map": 50.0}], "\\[0, 1\\]"),
        ([{"method": "a", "bits": 16, "map": 0.5}] * 2, "same bits"),
    ],
)
def test_map_vs_bits_rejects_bad_input(results, match):
    with pytest.raises(ValueError, match=match):
        plots.plot_map_vs_bits(results)
    with pytest.raises(TypeError, match="must be an integer"):
        plots.plot_map_vs_bits([{"method": "a", "bits": 16.5, "map": 0.5}])


def test_precision_at_k_plots_each_curve():
    ks, precision = np.array([1, 10, 100]), np.array([0.9, 0.8, 0.6])
    fig = plots.plot_precision_at_k({"HashNet": (ks, precision)})
    line = line_by_label(fig.axes[0], "HashNet")
    np.testing.assert_array_equal(line.get_xdata(), ks)
    np.testing.assert_allclose(line.get_ydata(), precision)
    assert_labelled(fig)
    with pytest.raises(ValueError, match=">= 1"):
        plots.plot_precision_at_k({"a": ([0, 10], [0.9, 0.8])})


# -------------------------------------------------------------------------------- gallery
def gallery_inputs(channels=3, k=4):
    rng = np.random.default_rng(2)
    query_images = rng.uniform(size=(3, channels, 8, 8))
    db_images = rng.uniform(-0.5, 1.5, size=(20, channels, 8, 8))  # normalised: must be clipped
    ids = np.array([[4, 7, 1, 0], [3, 2, 9, 19]])[:, :k]
    distances = np.array([[0, 1, 1, 3], [2, 2, 2, 5]])[:, :k]
    relevant = np.array([[True, False, True, True], [False, False, True, False]])[:, :k]
    return query_images, db_images, [2, 0], ids, distances, relevant


def test_retrieval_gallery_titles_frames_and_images():
    query_images, db_images, query_ids, ids, distances, relevant = gallery_inputs()
    fig = plots.plot_retrieval_gallery(query_images, db_images, query_ids, ids, distances, relevant)
    axes = np.array(fig.axes).reshape(2, 5)
    assert axes[0, 0].get_title() == "query 2" and axes[1, 0].get_title() == "query 0"
    np.testing.assert_allclose(axes[0, 0].images[0].get_array(), query_images[2].transpose(1, 2, 0))
    for row in range(2):
        for col in range(4):
            ax = axes[row, col + 1]
            mark = plots.RELEVANT_MARK if relevant[row, col] else plots.IRRELEVANT_MARK
            assert ax.get_title() == f"{mark} d = {distances[row, col]}"  # readable without colour
            shown = np.asarray(ax.images[0].get_array())
            expected = np.clip(db_images[ids[row, col]], 0, 1).transpose(1, 2, 0)
            np.testing.assert_allclose(shown, expected)
            color = plots.RELEVANT_COLOR if relevant[row, col] else plots.IRRELEVANT_COLOR
            assert to_rgba(ax.spines["left"].get_edgecolor()) == to_rgba(color)
            solid = ax.spines["left"].get_linestyle() == "solid"
            assert solid == bool(relevant[row, col])  # dotted frame: not relevant


def test_retrieval_gallery_accepts_float_tensors_and_rejects_uint8_images():
    query_images, db_images, query_ids, ids, distances, relevant = gallery_inputs()
    fig = plots.plot_retrieval_gallery(
        torch.from_numpy(query_images).float(), db_images, query_ids, ids, distances, relevant
    )
    assert len(fig.axes) == 10
    with pytest.raises(TypeError, match="/ 255"):
        plots.plot_retrieval_gallery(
            (query_images * 255).astype(np.uint8), db_images, query_ids, ids, distances, relevant
        )


def test_retrieval_gallery_grayscale_and_empty_results():
    query_images, db_images, query_ids, ids, distances, relevant = gallery_inputs(channels=1, k=0)
    fig = plots.plot_retrieval_gallery(query_images, db_images, query_ids, ids, distances, relevant)
    assert fig.axes[0].images[0].get_array().shape == (8, 8)
    assert "no item" in fig.axes[1].texts[0].get_text()


@pytest.mark.parametrize(
    "change, match",
    [
        ({"query_images": np.zeros((3, 2, 8, 8))}, "C = 1"),
        ({"query_ids": [5]}, "query_ids must index"),
        ({"ids": np.array([[4, 7, 1, 20], [3, 2, 9, 19]])}, "ids must index"),
        ({"distances": np.zeros((2, 3), int)}, "same shape"),
        ({"relevant": np.zeros((1, 4), bool)}, "relevant must have shape"),
        ({"query_ids": []}, "query_ids"),
        ({"ids": np.array([[4, -7, 1, 0], [3, 2, 9, 19]])}, "non-negative"),
    ],
)
def test_retrieval_gallery_rejects_bad_input(change, match):
    names = ("query_images", "db_images", "query_ids", "ids", "distances", "relevant")
    arguments = dict(zip(names, gallery_inputs(), strict=True))
    arguments.update(change)
    with pytest.raises(ValueError, match=match):
        plots.plot_retrieval_gallery(**arguments)


@pytest.mark.parametrize(
    "change, name",
    [
        ({"ids": np.array([[4.0, 7, 1, 0], [3, 2, 9, 19]])}, "ids"),
        ({"distances": np.zeros((2, 4))}, "distances"),
        ({"relevant": np.full((2, 4), "yes")}, "relevant"),
        ({"query_ids": [2.0, 0.0]}, "query_ids"),
        ({"query_images": [[[[0.5]]]]}, "query_images"),
        ({"db_images": "images"}, "db_images"),
        ({"title": 3}, "title"),
    ],
)
def test_retrieval_gallery_rejects_the_wrong_kind(change, name):
    names = ("query_images", "db_images", "query_ids", "ids", "distances", "relevant")
    arguments = dict(zip(names, gallery_inputs(), strict=True))
    arguments.update(change)
    with pytest.raises(TypeError, match=name):
        plots.plot_retrieval_gallery(**arguments)


def test_every_method_has_one_fixed_colour_and_marker():
    from hashlib_edu.experiment import ALL_METHODS
    from hashlib_edu.plots import METHOD_STYLES, plot_map_vs_bits

    assert set(METHOD_STYLES) == set(ALL_METHODS)
    colours = [tuple(style["color"]) for style in METHOD_STYLES.values()]
    assert len(set(colours)) == len(colours)
    rows = [{"method": m, "bits": b, "map": 0.5} for m in ("lsh", "hashnet") for b in (16, 64)]
    fig = plot_map_vs_bits(rows)
    xs = []
    for method, name in (("lsh", "LSH"), ("hashnet", "HashNet")):
        line = line_by_label(fig.axes[0], name)  # the display name, one per method
        assert line.get_label() == name
        assert line.get_color() == METHOD_STYLES[method]["color"]
        assert line.get_marker() == METHOD_STYLES[method]["marker"]
        xs.append(line.get_xdata())
        offset = plots.evaluation.dodge_offsets([method])[method]
        assert np.allclose(xs[-1] - offset, [16, 64])  # only computed lengths, with a marker
    # equal values at one length: the two markers side by side, neither hidden under the other
    assert np.all(np.abs(xs[0] - xs[1]) >= plots.evaluation.DODGE)


def test_map_vs_bits_draws_mean_and_sd_of_summary_rows():
    from hashlib_edu.plots import plot_map_vs_bits

    rows = [{"method": "dhn", "bits": b, "map_mean": 0.4, "map_sd": 0.05} for b in (16, 32)]
    fig = plot_map_vs_bits(rows)
    assert list(line_by_label(fig.axes[0], "DHN").get_ydata()) == [0.4, 0.4]
    (container,) = fig.axes[0].containers
    assert container.has_yerr  # error bars: the sd over seeds


def test_imbalance_sweep_plots_the_two_gaps():
    from hashlib_edu.plots import plot_imbalance_sweep

    rows = []
    for name, fraction in (("digits", 0.1), ("digit-pairs", 0.01)):
        for method, value in (("hashnet", 0.6), ("hashnet-w", 0.4), ("hashnet-sgn", 0.5)):
            rows.append(
                {
                    "dataset": name,
                    "similar_fraction": fraction,
                    "iterations": 200,
                    "method": method,
                    "map_expected_mean": value,
                    "map_expected_sd": 0.01,
                }
            )
    fig = plot_imbalance_sweep(rows)
    left, right = fig.axes
    assert list(left.containers[0].lines[0].get_ydata()) == pytest.approx([0.2, 0.2])
    assert list(right.containers[0].lines[0].get_ydata()) == pytest.approx([0.1, 0.1])
    assert left.get_xscale() == "log" and "similar pairs" in left.get_xlabel()


# ------------------------------------------------------------ every argument, one style
def _sweep_rows():
    return [
        {
            "dataset": "digits",
            "similar_fraction": 0.1,
            "iterations": 200,
            "method": m,
            "map_expected_mean": 0.5,
            "map_expected_sd": 0.01,
        }
        for m in ("hashnet", "hashnet-w", "hashnet-sgn")
    ]


HISTORY = {"step": [0, 1], "loss": [1.0, 0.5]}
CODES = np.tanh(np.linspace(-2, 2, 12).reshape(3, 4))


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: plots.plot_sign_approximation("1"), TypeError, "betas"),
        (lambda: plots.plot_sign_approximation([1, "2"]), TypeError, r"betas\[1\]"),
        (lambda: plots.plot_sign_approximation([1, 0]), ValueError, r"betas\[1\]"),
        (lambda: plots.plot_sign_approximation(True), TypeError, "betas"),
        (lambda: plots.plot_sign_approximation(1, z_range=2.0), TypeError, "z_range"),
        (lambda: plots.plot_sign_approximation(1, z_range=("a", 1)), TypeError, "z_range"),
        (lambda: plots.plot_sign_approximation(1, num_points=2.5), TypeError, "num_points"),
        (lambda: plots.plot_sign_approximation(1, num_points=1), ValueError, "num_points"),
        (
            lambda: plots.plot_sign_approximation(1, num_iterations=True),
            TypeError,
            "num_iterations",
        ),
        (lambda: plots.plot_sign_approximation(1, ax="left"), TypeError, "ax"),
        (lambda: plots.plot_beta_schedule(BetaSchedule(), [1], 800.0), TypeError, "num_iterations"),
        (lambda: plots.plot_beta_schedule(BetaSchedule(), [1], 800, ax=1), TypeError, "ax"),
        (lambda: plots.plot_quantization_surrogates((1, -1)), ValueError, "h_range"),
        (lambda: plots.plot_quantization_surrogates(num_points=50.0), TypeError, "num_points"),
        (lambda: plots.plot_training_history([0, 1]), TypeError, "history"),
        (lambda: plots.plot_training_history({**HISTORY, "loss": "ab"}), TypeError, "loss"),
        (lambda: plots.plot_code_histogram("codes"), TypeError, "outputs"),
        (lambda: plots.plot_code_histogram(CODES, bins=2.5), TypeError, "bins"),
        (lambda: plots.plot_code_histogram(CODES, bins=0), ValueError, "bins"),
        (lambda: plots.plot_code_histogram(CODES, title=3), TypeError, "title"),
        (lambda: plots.plot_imbalance_sweep({"rows": []}), TypeError, "rows"),
        (lambda: plots.plot_imbalance_sweep([]), ValueError, "rows"),
        (lambda: plots.plot_imbalance_sweep([{"dataset": "d"}]), ValueError, r"rows\[0\]"),
        (
            lambda: plots.plot_imbalance_sweep([{**_sweep_rows()[0], "map_expected_mean": "x"}]),
            TypeError,
            "map_expected_mean",
        ),
        (lambda: plots.plot_imbalance_sweep(_sweep_rows(), ax="left"), TypeError, "ax"),
        (lambda: plots.plot_map_vs_bits({"method": "a"}), TypeError, "results"),
        (lambda: plots.plot_map_vs_bits([("a", 16, 0.5)]), TypeError, r"results\[0\]"),
        (
            lambda: plots.plot_map_vs_bits([{"method": "a", "bits": 16, "map": "0.5"}]),
            TypeError,
            "map",
        ),
        (
            lambda: plots.plot_map_vs_bits([{"method": 3, "bits": 16, "map": 0.5}]),
            TypeError,
            "method",
        ),
        (
            lambda: plots.plot_map_vs_bits([{"method": "a", "bits": True, "map": 0.5}]),
            TypeError,
            "bits",
        ),
        (
            lambda: plots.plot_map_vs_bits([{"method": "a", "bits": 8, "map": 0.5}], metric=3),
            TypeError,
            "metric",
        ),
        (
            lambda: plots.plot_map_vs_bits([{"method": "a", "bits": 8, "map": 0.5}], title=1),
            TypeError,
            "title",
        ),
        (lambda: plots.plot_mih_probes(radii=3), TypeError, "radii"),
        (lambda: plots.plot_mih_probes(radii=[]), ValueError, "radii"),
        (lambda: plots.plot_mih_probes(radii=[0, 1.5]), TypeError, r"radii\[1\]"),
        (lambda: plots.plot_mih_probes(radii=[-1]), ValueError, r"radii\[0\]"),
        (lambda: plots.plot_mih_probes(bits=65), ValueError, "bits"),
        (lambda: plots.plot_mih_probes(substrings=2.0), TypeError, "substrings"),
        (lambda: plots.evaluation.dodge_offsets("hashnet"), TypeError, "methods"),
        (lambda: plots.evaluation.dodge_offsets([1]), TypeError, r"methods\[0\]"),
        (lambda: first_iteration_reaching(BetaSchedule(), 0, 10), ValueError, "beta"),
        (lambda: first_iteration_reaching(7.1, 2, 10), TypeError, "schedule"),
        (lambda: first_iteration_reaching(BetaSchedule(), 2, 10.0), TypeError, "num_iterations"),
    ],
)
def test_bad_arguments_name_themselves(call, error, name):
    with pytest.raises(error, match=name):
        call()

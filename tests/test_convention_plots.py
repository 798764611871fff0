"""Tests of the figures of notebook 05, hashlib_edu.ties and hashlib_edu.plots.conventions (headless, Agg)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from hashlib_edu import plots, ties  # noqa: E402
from hashlib_edu.conventions import MAP_CONVENTIONS, map_conventions  # noqa: E402
from hashlib_edu.methods import method_name  # noqa: E402
from hashlib_edu.plots import conventions as cp  # noqa: E402


@pytest.fixture(autouse=True)
def no_figure_left_open():
    yield
    assert plt.get_fignums() == [], "figures must be closed in pyplot before they are returned"
    plt.close("all")


@pytest.fixture
def results():
    rng = np.random.default_rng(0)
    q = np.where(rng.random((20, 8)) < 0.5, -1, 1)
    db = np.where(rng.random((60, 8)) < 0.5, -1, 1)
    ql, dl = np.eye(4, dtype=int)[rng.integers(0, 4, 20)], np.eye(4, dtype=int)[np.arange(60) % 4]
    ones_q, ones_db = np.ones_like(q), np.ones_like(db)
    return {
        "itq": map_conventions(q, db, ql, dl, topk=10),
        "hashnet": map_conventions(-q, db, ql, dl, topk=10),
        "constant code": map_conventions(ones_q, ones_db, ql, dl, topk=10),
    }


def texts(fig):
    return [t for ax in fig.axes for t in ax.texts]


# ------------------------------------------------------------------------------ the tie example
@pytest.mark.parametrize("order", ["index", "relevant first", "relevant last", 3])
def test_tie_list_shows_every_item_code_and_the_precision_at_relevant_ranks(order):
    fig = ties.plot_tie_list(order)
    r, ex = ties.tie_ranking(order), ties.tie_example()
    shown = [t.get_text() for t in texts(fig)]
    codes = ["".join("+" if b > 0 else "−" for b in ex["db_codes"][i]) for i in r["ids"]]
    code_texts = [t.get_text() for t in texts(fig) if "DejaVu Sans Mono" in t.get_fontfamily()]
    assert code_texts == codes  # in rank order
    assert [s for s in shown if s.startswith("#")] == [f"#{i}" for i in r["ids"]]
    assert shown.count("✓") == int(ex["relevant"].sum()) and shown.count("✗") == 7
    fractions = [
        f"{p.numerator}/{p.denominator}" if p.denominator > 1 else "1"
        for p, rel in zip(r["precision"], r["relevant"])
        if rel
    ]
    assert [s for s in shown if s in fractions] == fractions
    assert len(np.unique(ex["distances"])) == sum(
        1 for p in fig.axes[0].patches if not p.get_fill()
    )  # one outline per tie group


def test_tie_list_fonts_are_readable_on_a_projector():
    fig = ties.plot_tie_list()
    assert min(t.get_fontsize() for t in texts(fig)) >= 14
    assert fig.get_size_inches()[0] <= 11.5  # shown near its own size on a slide


def test_tie_aps_bars_are_the_conventions_of_the_example():
    fig = ties.plot_tie_aps("relevant last")
    c = ties.tie_ranking("relevant last")["conventions"]
    widths = [bar.get_width() for bar in fig.axes[0].patches]
    assert widths == pytest.approx(
        [
            c["worst tie order"],
            c["ties by index"],
            c["ties averaged (tie-aware)"],
            c["best tie order"],
            c["worst tie order"],
        ]
    )
    assert fig.axes[0].get_xlabel()
    assert "AP = (" in fig.axes[0].get_title()


@pytest.mark.parametrize("function", [ties.plot_tie_list, ties.plot_tie_aps])
def test_tie_figures_validate_order_and_ax(function):
    with pytest.raises(ValueError):
        function("sideways")
    with pytest.raises(TypeError):
        function(1.5)
    with pytest.raises(TypeError):
        function("index", ax="not an axes")
    fig, ax = plt.subplots()
    assert function("index", ax=ax) is fig
    plt.close(fig)


# ---------------------------------------------------------------------- the convention spread
def test_convention_spread_colours_methods_by_style_and_names_them(results):
    fig = cp.plot_convention_spread(results, chance=0.25, xlabel="mAP@10")
    ax = fig.axes[0]
    by_label = {c.get_label(): c for c in ax.collections}
    assert set(by_label) == {method_name(m) for m in results}
    for method in ("itq", "hashnet"):
        colour = by_label[method_name(method)].get_facecolor()[0]
        assert tuple(colour) == pytest.approx(to_rgba(plots.method_style(method)["color"]))
    constant = by_label["constant code"].get_facecolor()[0]
    assert tuple(constant) == pytest.approx(to_rgba(cp.NON_METHOD_STYLE["color"]))
    method_colours = {to_rgba(s["color"]) for s in plots.METHOD_STYLES.values()}
    assert to_rgba(cp.NON_METHOD_STYLE["color"]) not in method_colours
    xs = np.asarray(by_label["ITQ"].get_offsets())[:, 0].tolist()
    assert xs == pytest.approx([results["itq"][c] for c in MAP_CONVENTIONS])
    assert [t.get_text() for t in ax.get_yticklabels()] == list(MAP_CONVENTIONS)
    assert ax.get_xlabel() == "mAP@10" and ax.get_ylabel() == "convention"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "chance (random ranking)" in legend and "HashNet" in legend and "hashnet" not in legend


def test_convention_spread_dodges_models_inside_a_row(results):
    ax = cp.plot_convention_spread(results).axes[0]
    ys = [c.get_offsets()[0, 1] for c in ax.collections]
    assert len(set(np.round(ys, 6))) == len(results)
    assert max(ys) - min(ys) < 1  # all inside the first row


def test_convention_spread_validates_its_input(results):
    with pytest.raises(TypeError):
        cp.plot_convention_spread([1, 2])
    with pytest.raises(ValueError):
        cp.plot_convention_spread({})
    with pytest.raises(ValueError):
        cp.plot_convention_spread({"itq": {"ties by index": 0.5}})
    with pytest.raises(TypeError):
        cp.plot_convention_spread({"itq": 0.5})
    with pytest.raises(ValueError):
        cp.plot_convention_spread(results, chance=1.5)
    with pytest.raises(TypeError):
        cp.plot_convention_spread(results, chance="low")
    with pytest.raises(TypeError):
        cp.plot_convention_spread(results, xlabel=3)


@pytest.mark.parametrize(
    "change, error, name",
    [
        (lambda r: [1, 2], TypeError, "results"),
        (lambda r: {}, ValueError, "results"),
        (lambda r: {**r, 3: r["itq"]}, TypeError, "model name"),
        (lambda r: {"itq": 0.5}, TypeError, "itq"),
        (lambda r: {"itq": {}}, ValueError, "itq"),
        (lambda r: {"itq": {"ties by index": 0.5}}, ValueError, "lacks the conventions"),
        (lambda r: {"itq": {**r["itq"], "ties by index": "0.5"}}, TypeError, "ties by index"),
        (lambda r: {"itq": {**r["itq"], "ties by index": 1.5}}, ValueError, "ties by index"),
    ],
)
def test_convention_spread_names_the_bad_entry(results, change, error, name):
    with pytest.raises(error, match=name):
        cp.plot_convention_spread(change(results))


def test_an_undefined_convention_is_drawn_as_a_gap(results):
    first = MAP_CONVENTIONS[0]
    fig = cp.plot_convention_spread({"itq": {**results["itq"], first: float("nan")}})
    xs = np.asarray(fig.axes[0].collections[0].get_offsets())[:, 0]
    assert np.isnan(xs[0]) and np.isfinite(xs[1:]).all()


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"chance": 1.5}, ValueError, "chance"),
        ({"chance": "low"}, TypeError, "chance"),
        ({"xlabel": 3}, TypeError, "xlabel"),
        ({"ax": "left"}, TypeError, "ax"),
    ],
)
def test_convention_spread_names_the_bad_argument(results, kwargs, error, name):
    with pytest.raises(error, match=name):
        cp.plot_convention_spread(results, **kwargs)

"""The explorers without a browser: move a control, check the redrawn figure (sign approximation,
continuation replay, retrieval) and the package's one import path per explorer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from hashlib_edu import explorers  # noqa: E402
from hashlib_edu.continuation import BetaSchedule  # noqa: E402
from hashlib_edu.retrieval import HammingIndex  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def tanh_line(explorer):
    (line,) = [x for x in explorer.figure.axes[0].lines if x.get_label().startswith("tanh")]
    return line


# ----------------------------------------------------------------------------- sign / tanh
@pytest.fixture(scope="module")
def sign_explorer():
    return explorers.sign_approximation_explorer()


def test_sign_explorer_is_a_widget_with_a_log_beta_slider(sign_explorer):
    slider = sign_explorer.slider
    assert isinstance(slider, ipywidgets.FloatLogSlider)
    assert slider.base**slider.min == pytest.approx(1.0)
    assert slider.base**slider.max == pytest.approx(100.0)
    assert sign_explorer.controls == {"beta": slider}
    assert isinstance(sign_explorer.widget, ipywidgets.VBox)
    assert sign_explorer.image in sign_explorer.widget.children
    assert sign_explorer.png.startswith(PNG_MAGIC)
    bundle = sign_explorer._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == sign_explorer.widget.model_id


def test_moving_the_beta_slider_redraws_tanh_and_gradient(sign_explorer):
    before = sign_explorer.png
    sign_explorer.slider.value = 10
    line = tanh_line(sign_explorer)
    z = line.get_xdata()
    np.testing.assert_allclose(line.get_ydata(), np.tanh(10 * z))
    gradient = sign_explorer.figure.axes[1].lines[0].get_ydata()
    assert gradient.max() == pytest.approx(10, rel=1e-3)  # beta sech^2(0) = beta
    assert sign_explorer.png != before and sign_explorer.png.startswith(PNG_MAGIC)
    assert "β = 10" in sign_explorer.info.value
    assert "does not reach it in 10,000 iterations" in sign_explorer.info.value
    # the schedule panel marks the slider's beta
    legend = [t.get_text() for t in sign_explorer.figure.axes[2].get_legend().get_texts()]
    assert "β = 10: not reached" in legend


def test_update_sets_controls_and_redraws_once(sign_explorer, monkeypatch):
    draws = []
    original = type(sign_explorer).draw

    def counting_draw(self):
        draws.append(self.beta)
        return original(self)

    monkeypatch.setattr(type(sign_explorer), "draw", counting_draw)
    sign_explorer.update(beta=2.0)
    assert draws == [2.0]
    np.testing.assert_allclose(
        tanh_line(sign_explorer).get_ydata(), np.tanh(2.0 * tanh_line(sign_explorer).get_xdata())
    )
    assert "reaches it at iteration 600" in sign_explorer.info.value
    with pytest.raises(KeyError, match="unknown control"):
        sign_explorer.update(gamma=1)


def test_sign_explorer_uses_the_given_schedule():
    explorer = explorers.sign_approximation_explorer(
        BetaSchedule.compressed(1000), num_iterations=1000, beta=5.0
    )
    steps = explorer.figure.axes[2].lines[0].get_xdata()
    assert steps[-1] < 1000


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"schedule": 7.0}, TypeError),
        ({"num_iterations": 0}, ValueError),
        ({"beta": 500.0}, ValueError),
        ({"beta_max": 1.0}, ValueError),
    ],
)
def test_sign_explorer_rejects_bad_input(kwargs, error):
    with pytest.raises(error):
        explorers.sign_approximation_explorer(**kwargs)


# ------------------------------------------------------------------------------------- replay
def make_snapshots():
    rng = np.random.default_rng(0)
    return [
        {
            "step": step,
            "beta": 1.0 + step / 100,
            "outputs": np.tanh((1 + step / 50) * rng.normal(size=(40, 12))).astype(np.float32),
            "quantization_error": 0.3 / (1 + step / 100) + 0.00123,
            "map": 0.3 + step / 1000,
        }
        for step in (0, 100, 200)
    ]


def test_replay_shows_the_selected_snapshot():
    snapshots = make_snapshots()
    replay = explorers.continuation_replay(snapshots)
    assert isinstance(replay.slider, ipywidgets.IntSlider)
    assert (replay.slider.min, replay.slider.max) == (0, 2)
    before = replay.png
    assert f"{snapshots[0]['quantization_error']:.4f}" in replay.info.value
    replay.slider.value = 2
    assert replay.current is snapshots[2]
    assert f"{snapshots[2]['quantization_error']:.4f}" in replay.info.value
    assert f"{snapshots[2]['map']:.4f}" in replay.info.value
    hist_ax, curve_ax = replay.figure.axes
    assert hist_ax.get_title().startswith("step 200")
    heights = np.array([patch.get_height() for patch in hist_ax.patches])
    expected, _ = np.histogram(snapshots[2]["outputs"], bins=np.linspace(-1, 1, len(heights) + 1))
    np.testing.assert_allclose(heights, expected / snapshots[2]["outputs"].size, atol=1e-12)
    marked = [line for line in curve_ax.lines if len(line.get_xdata()) == 1]
    assert {float(line.get_xdata()[0]) for line in marked} == {200.0}
    assert replay.png != before


@pytest.mark.parametrize(
    "snapshots, error",
    [
        ([], ValueError),
        ({"step": 0}, TypeError),
        ([{"step": 0, "beta": 1.0, "outputs": np.zeros((2, 2))}], ValueError),
        (
            [{"step": 0, "beta": 1.0, "outputs": np.full((2, 2), 3.0), "quantization_error": 0,
              "map": 0}],
            ValueError,
        ),
    ],
)  # fmt: skip
def test_replay_rejects_bad_snapshots(snapshots, error):
    with pytest.raises(error):
        explorers.continuation_replay(snapshots)


# ---------------------------------------------------------------------------------- retrieval
@pytest.fixture(scope="module")
def retrieval_data():
    rng = np.random.default_rng(3)
    n_db, n_q, bits = 40, 4, 8
    db_codes = np.where(rng.normal(size=(n_db, bits)) >= 0, 1, -1)
    query_codes = db_codes[[0, 5, 9, 13]] * np.where(rng.uniform(size=(n_q, bits)) < 0.1, -1, 1)
    db_labels = np.eye(3)[rng.integers(0, 3, n_db)]
    query_labels = np.eye(3)[rng.integers(0, 3, n_q)]
    query_images = rng.uniform(size=(n_q, 1, 8, 8))
    db_images = rng.uniform(size=(n_db, 1, 8, 8))
    return query_images, db_images, query_codes, db_codes, query_labels, db_labels


def brute_force_distances(query_code, db_codes):
    return (db_codes.shape[1] - db_codes @ query_code) // 2


def test_retrieval_explorer_knn_matches_the_index(retrieval_data):
    query_images, db_images, query_codes, db_codes, query_labels, db_labels = retrieval_data
    explorer = explorers.retrieval_explorer(*retrieval_data, max_results=6)
    assert set(explorer.controls) == {"query", "mode", "k", "radius"}
    assert explorer.slider is explorer.controls["query"]
    before = explorer.png
    explorer.update(query=2, k=5)
    distances, ids = HammingIndex(db_codes, backend="numpy").search(query_codes[2:3], 5)
    np.testing.assert_array_equal(explorer.results["ids"], ids[0])
    np.testing.assert_array_equal(explorer.results["distances"], distances[0])
    relevant = db_labels[ids[0]] @ query_labels[2] > 0
    np.testing.assert_array_equal(explorer.results["relevant"], relevant)
    titles = [ax.get_title() for ax in explorer.figure.axes]
    marks = ["✓" if r else "✗" for r in relevant]
    assert titles == ["query 2"] + [f"{m} d = {d}" for m, d in zip(marks, distances[0])]
    assert explorer.png != before
    assert f"{relevant.sum()} of 5 shown are relevant" in explorer.info.value


def test_retrieval_explorer_radius_mode(retrieval_data):
    _, _, query_codes, db_codes, _, _ = retrieval_data
    explorer = explorers.retrieval_explorer(*retrieval_data, max_results=4)
    explorer.update(query=1, mode="radius", radius=3)
    assert explorer.controls["k"].disabled and not explorer.controls["radius"].disabled
    distances = brute_force_distances(query_codes[1], db_codes)
    within = np.flatnonzero(distances <= 3)
    order = np.lexsort((within, distances[within]))
    assert explorer.results["total"] == len(within)
    shown = within[order][:4]
    np.testing.assert_array_equal(explorer.results["ids"], shown)
    np.testing.assert_array_equal(explorer.results["distances"], distances[shown])
    assert f"{len(within)} items within Hamming radius 3" in explorer.info.value
    explorer.update(radius=0, query=0)  # query 0 may have an empty ball: must still draw
    assert explorer.results["total"] == int(
        np.sum(brute_force_distances(query_codes[0], db_codes) == 0)
    )


def test_retrieval_explorer_rejects_bad_input(retrieval_data):
    query_images, db_images, query_codes, db_codes, query_labels, db_labels = retrieval_data
    with pytest.raises(ValueError, match="only -1 and \\+1"):
        explorers.retrieval_explorer(
            query_images, db_images, np.zeros_like(query_codes), db_codes, query_labels, db_labels
        )
    with pytest.raises(ValueError, match="db_images has 39 images"):
        explorers.retrieval_explorer(
            query_images, db_images[:-1], query_codes, db_codes, query_labels, db_labels
        )
    with pytest.raises(ValueError, match="bits"):
        explorers.retrieval_explorer(
            query_images, db_images, query_codes[:, :4], db_codes, query_labels, db_labels
        )
    with pytest.raises(ValueError, match="query_labels has 3 rows"):
        explorers.retrieval_explorer(
            query_images, db_images, query_codes, db_codes, query_labels[:3], db_labels
        )


# ------------------------------------------------------------------------------ the package
def test_each_explorer_has_one_module_and_one_import_path():
    """hashlib_edu.explorers exports every explorer once; each is defined in its own module of
    the package (named for what it explores) on the shared Explorer plumbing."""
    factories = {
        "sign_approximation_explorer": "sign_approximation",
        "continuation_replay": "continuation",
        "code_motion_explorer": "code_motion",
        "retrieval_explorer": "retrieval",
        "imbalance_explorer": "imbalance",
        "tie_explorer": "ties",
    }
    assert len(set(explorers.__all__)) == len(explorers.__all__)
    for name, module in factories.items():
        assert name in explorers.__all__
        factory = getattr(explorers, name)
        assert factory.__module__ == f"hashlib_edu.explorers.{module}"
        made = factory.__annotations__["return"]
        cls = getattr(explorers, made) if isinstance(made, str) else made
        assert issubclass(cls, explorers.Explorer) and cls.__name__ in explorers.__all__

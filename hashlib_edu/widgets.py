"""Interactive explorers for the notebooks (ipywidgets), testable without a browser.

Each factory returns an :class:`Explorer`:

* ``.widget``: the ipywidgets container (controls, a text line, the figure as a PNG image);
  an explorer left last in a cell displays this widget;
* ``.controls``: dict name -> control widget; ``.slider``: the main slider;
* ``.figure``: the current matplotlib Figure, drawn by the *same* :mod:`hashlib_edu.plots`
  function as the static figure; ``.image``: the ``ipywidgets.Image`` holding its PNG bytes;
  ``.info``: the ``ipywidgets.HTML`` text line;
* ``.update(**values)``: set several controls at once and redraw once.

Moving a control (``explorer.slider.value = 10`` in Python, or the mouse / keyboard in the
browser) redraws the figure into a new PNG. A PNG image needs no interactive matplotlib backend
(ipympl), so it works the same in JupyterLab, classic notebook, VS Code and exported HTML.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from hashlib_edu import plots
from hashlib_edu._validation import (
    as_codes,
    as_labels,
    check_float,
    check_positive_int,
    check_same_bits,
)
from hashlib_edu.continuation import BetaSchedule
from hashlib_edu.plots.evaluation import check_images
from hashlib_edu.plots.training import first_iteration_reaching

__all__ = [
    "Explorer",
    "SignApproximationExplorer",
    "ContinuationReplay",
    "CodeMotion",
    "RetrievalExplorer",
    "sign_approximation_explorer",
    "continuation_replay",
    "code_motion_explorer",
    "retrieval_explorer",
]


class Explorer:
    """Controls + a figure redrawn (as PNG) whenever a control changes. Subclasses implement
    :meth:`draw` (return a new Figure from the current control values) and :meth:`describe`
    (one line of HTML shown above the figure)."""

    #: resolution of the PNG shown in the notebook
    dpi: int = 80

    def __init__(self, controls: Mapping[str, widgets.ValueWidget], main: str) -> None:
        self.controls: dict[str, widgets.ValueWidget] = dict(controls)
        self.slider = self.controls[main]
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.info = widgets.HTML()
        self.figure: Figure | None = None
        self._holding = False
        self.widget = widgets.VBox(
            [widgets.HBox(self._control_row()), self.info, self.image],
            layout=widgets.Layout(width="100%"),
        )
        self.widget.add_class("hashlib-edu-explorer")
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.redraw()

    # --------------------------------------------------------------------------- subclass API
    def draw(self) -> Figure:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _control_row(self) -> list[widgets.Widget]:
        return list(self.controls.values())

    # --------------------------------------------------------------------------- behaviour
    def redraw(self) -> None:
        """Redraw the figure and the text from the current control values."""
        figure = self.draw()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=self.dpi)
        self.figure = figure
        self.image.value = buffer.getvalue()
        self.info.value = self.describe()

    def _on_change(self, _change: Mapping[str, Any]) -> None:
        if not self._holding:
            self.redraw()

    @contextmanager
    def _hold(self):
        self._holding = True
        try:
            yield
        finally:
            self._holding = False

    def update(self, **values: Any) -> None:
        """Set controls by name (e.g. ``update(query=3, k=8)``) and redraw once."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise KeyError(f"unknown control(s) {unknown}; controls are {sorted(self.controls)}")
        with self._hold():
            for name, value in values.items():
                self.controls[name].value = value
        self.redraw()

    @property
    def png(self) -> bytes:
        """The PNG bytes currently shown."""
        return bytes(self.image.value)

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={control.value!r}" for name, control in self.controls.items())
        return f"{type(self).__name__}({values})"


# ------------------------------------------------------------------------------------------------
# tanh(beta z) -> sign(z)
# ------------------------------------------------------------------------------------------------
class SignApproximationExplorer(Explorer):
    """A log-scale beta slider redrawing :func:`hashlib_edu.plots.plot_sign_approximation`."""

    def __init__(
        self, schedule: BetaSchedule, num_iterations: int, beta: float, beta_max: float
    ) -> None:
        self.schedule = schedule
        self.num_iterations = int(num_iterations)
        slider = widgets.FloatLogSlider(
            value=beta,
            base=10,
            min=0.0,
            max=float(np.log10(beta_max)),
            step=0.05,
            description="β",
            readout_format=".3g",
            continuous_update=False,
            layout=widgets.Layout(width="480px"),
        )
        super().__init__({"beta": slider}, main="beta")

    @property
    def beta(self) -> float:
        return float(self.slider.value)

    def draw(self) -> Figure:
        return plots.plot_sign_approximation(
            [self.beta], schedule=self.schedule, num_iterations=self.num_iterations
        )

    def describe(self) -> str:
        beta = self.beta
        reached = first_iteration_reaching(self.schedule, beta, self.num_iterations)
        final = float(self.schedule.values(self.num_iterations)[-1])
        where = (
            f"the schedule reaches it at iteration {reached:,}"
            if reached is not None
            else f"the schedule does not reach it in {self.num_iterations:,} iterations "
            f"(final β = {final:.3g})"
        )
        grad_half = float(beta / np.cosh(beta * 0.5) ** 2)
        return (
            f"<b>β = {beta:.3g}</b>: gradient {beta:.3g} at z = 0 but {grad_half:.2g} at "
            f"z = 0.5; {where}."
        )


def sign_approximation_explorer(
    schedule: BetaSchedule | None = None,
    num_iterations: int = 10_000,
    beta: float = 1.0,
    beta_max: float = 100.0,
) -> SignApproximationExplorer:
    """Explore h = tanh(beta z) against sign(z) and its gradient beta sech^2(beta z) (HashNet).

    A log-scale slider sets beta in [1, ``beta_max``]; the figure marks where the continuation
    ``schedule`` (default: the official :class:`~hashlib_edu.continuation.BetaSchedule`) reaches
    that beta within ``num_iterations``. Returns a :class:`SignApproximationExplorer`; its
    ``.slider`` is the beta slider and ``.figure.axes[0]`` holds the tanh(beta z) line.
    """
    schedule = BetaSchedule() if schedule is None else schedule
    if not isinstance(schedule, BetaSchedule):
        raise TypeError(f"schedule must be a BetaSchedule, got {type(schedule).__name__}")
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    beta_max = check_float(beta_max, "beta_max", 1.0, open_low=True)
    beta = check_float(beta, "beta", 1.0, beta_max)
    return SignApproximationExplorer(schedule, num_iterations, float(beta), float(beta_max))


# ------------------------------------------------------------------------------------------------
# Continuation replay
# ------------------------------------------------------------------------------------------------
class ContinuationReplay(Explorer):
    """A slider (and play button) over training snapshots, redrawing
    :func:`hashlib_edu.plots.plot_continuation_snapshot`."""

    def __init__(self, snapshots: list[Mapping[str, Any]]) -> None:
        self.snapshots = snapshots
        slider = widgets.IntSlider(
            value=0,
            min=0,
            max=len(snapshots) - 1,
            description="snapshot",
            continuous_update=False,
            layout=widgets.Layout(width="480px"),
        )
        self.play = widgets.Play(value=0, min=0, max=len(snapshots) - 1, interval=700)
        widgets.jslink((self.play, "value"), (slider, "value"))
        super().__init__({"snapshot": slider}, main="snapshot")

    def _control_row(self) -> list[widgets.Widget]:
        return [self.play, *self.controls.values()]

    @property
    def current(self) -> Mapping[str, Any]:
        """The snapshot shown now."""
        return self.snapshots[int(self.slider.value)]

    def draw(self) -> Figure:
        return plots.plot_continuation_snapshot(self.snapshots, int(self.slider.value))

    def describe(self) -> str:
        s = self.current
        return (
            f"step <b>{int(s['step']):,}</b> · β = {float(s['beta']):.3g} · "
            f"quantization error <b>{float(s['quantization_error']):.4f}</b> · "
            f"mAP <b>{float(s['map']):.4f}</b>"
        )


def continuation_replay(snapshots: Sequence[Mapping[str, Any]]) -> ContinuationReplay:
    """Replay training: histogram of h, quantization error and mAP at each snapshot.

    ``snapshots``: non-empty list of dicts {"step": int, "beta": float, "outputs": (n, K) float
    continuous codes h in [-1, 1], "quantization_error": float, "map": float}, as recorded by
    :func:`hashlib_edu.training.train_hashing_model`. Returns a :class:`ContinuationReplay`;
    ``.slider`` selects the snapshot, ``.info`` shows its step, beta, quantization error and mAP.
    """
    return ContinuationReplay(plots.check_snapshots(snapshots))


class CodeMotion(ContinuationReplay):
    """The continuation replay in 2-D: a slider over the snapshots redrawing
    :func:`hashlib_edu.plots.plot_code_motion` (a handful of codes and their paths)."""

    def __init__(self, snapshots: list[Mapping[str, Any]], labels: Any, bits: Sequence[int]):
        drawn = plots.code_paths(snapshots, labels, bits)  # validates before any widget exists
        self.labels, self.bits, self.paths = labels, drawn["bits"], drawn["paths"]
        super().__init__(snapshots)

    def draw(self) -> Figure:
        index = int(self.slider.value)
        return plots.plot_code_motion(self.snapshots, self.labels, index, self.bits)

    def describe(self) -> str:
        s, index = self.current, int(self.slider.value)
        share = plots.corner_share(self.paths[index])
        return (
            f"step <b>{int(s['step']):,}</b> · β = {float(s['beta']):.3g} · "
            f"<b>{share:.0%}</b> of these codes within 0.1 of a corner"
        )


def code_motion_explorer(
    snapshots: Sequence[Mapping[str, Any]], labels: Any, bits: Sequence[int] = (0, 1)
) -> CodeMotion:
    """A slider (and play button) over training snapshots showing two coordinates of a handful of
    codes moving towards the corners of the cube (:func:`hashlib_edu.plots.plot_code_motion`).
    ``labels``: the 0/1 labels of the snapshot's items (``data.database.labels[:n]``)."""
    return CodeMotion(plots.check_snapshots(snapshots), labels, bits)


# ------------------------------------------------------------------------------------------------
# Retrieval
# ------------------------------------------------------------------------------------------------
class RetrievalExplorer(Explorer):
    """Pick a query, a search mode (k nearest / Hamming radius) and k or r; shows the results
    with :func:`hashlib_edu.plots.plot_retrieval_gallery`."""

    def __init__(self, query_images, db_images, query_codes, db_codes, query_labels, db_labels,
                 max_results: int, backend: str) -> None:  # fmt: skip
        from hashlib_edu.retrieval import HammingIndex

        self.query_images, self.db_images = query_images, db_images
        self.query_codes, self.db_codes = query_codes, db_codes
        self.query_labels, self.db_labels = query_labels, db_labels
        self.max_results = max_results
        self.index = HammingIndex(db_codes, backend=backend)
        bits = db_codes.shape[1]
        controls = {
            "query": widgets.IntSlider(
                value=0, min=0, max=len(query_codes) - 1, description="query",
                continuous_update=False,
            ),
            "mode": widgets.ToggleButtons(
                options=[("k nearest", "knn"), ("radius", "radius")], value="knn",
                description="mode", style={"button_width": "90px"},
            ),
            "k": widgets.IntSlider(
                value=min(8, max_results), min=1, max=max_results, description="k",
                continuous_update=False,
            ),
            "radius": widgets.IntSlider(
                value=min(2, bits), min=0, max=bits, description="radius",
                continuous_update=False, disabled=True,
            ),
        }  # fmt: skip
        self.results: dict[str, Any] = {}
        super().__init__(controls, main="query")

    def _control_row(self) -> list[widgets.Widget]:
        c = self.controls
        return [widgets.VBox([c["query"], c["mode"]]), widgets.VBox([c["k"], c["radius"]])]

    def search(self) -> dict[str, Any]:
        """Run the search for the current controls with :class:`~hashlib_edu.retrieval.HammingIndex`.

        Returns dict with ``ids`` and ``distances`` (shown items, by (distance, id)),
        ``relevant`` (shares a label with the query) and ``total`` (items found; in radius mode it
        may exceed the ``max_results`` shown).
        """
        q = int(self.controls["query"].value)
        code = self.query_codes[q : q + 1]
        if self.controls["mode"].value == "knn":
            distances, ids = self.index.search(code, int(self.controls["k"].value))
            ids, distances = ids[0], distances[0].astype(np.int64)
        else:
            radius = int(self.controls["radius"].value)
            found, dist = self.index.radius_search(code, radius, return_distances=True)
            ids, distances = found[0], dist[0].astype(np.int64)
            order = np.lexsort((ids, distances))
            ids, distances = ids[order], distances[order]
        total = len(ids)
        ids, distances = ids[: self.max_results], distances[: self.max_results]
        relevant = (
            self.db_labels[ids].astype(np.int64) @ self.query_labels[q].astype(np.int64)
        ) > 0
        return {
            "query": q,
            "ids": ids,
            "distances": distances,
            "relevant": relevant,
            "total": total,
        }

    def draw(self) -> Figure:
        radius_mode = self.controls["mode"].value == "radius"
        self.controls["radius"].disabled = not radius_mode
        self.controls["k"].disabled = radius_mode
        self.results = r = self.search()
        return plots.plot_retrieval_gallery(
            self.query_images, self.db_images, [r["query"]], r["ids"][None, :],
            r["distances"][None, :], r["relevant"][None, :], title=self._title(r),
        )  # fmt: skip

    def _title(self, r: Mapping[str, Any]) -> str:
        if self.controls["mode"].value == "knn":
            return f"{len(r['ids'])} nearest neighbours of query {r['query']}"
        radius = int(self.controls["radius"].value)
        shown = f", first {len(r['ids'])} shown" if r["total"] > len(r["ids"]) else ""
        return f"{r['total']} items within Hamming radius {radius} of query {r['query']}{shown}"

    def describe(self) -> str:
        r = self.results
        hits = int(np.sum(r["relevant"]))
        precision = f"{hits / len(r['ids']):.2f}" if len(r["ids"]) else "n/a (nothing retrieved)"
        return html.escape(
            f"{self._title(r)}: {hits} of {len(r['ids'])} shown are relevant "
            f"(precision {precision})."
        )


def retrieval_explorer(
    query_images: Any,
    db_images: Any,
    query_codes: Any,
    db_codes: Any,
    query_labels: Any,
    db_labels: Any,
    max_results: int = 12,
    backend: str = "numpy",
) -> RetrievalExplorer:
    """Browse Hamming retrieval results: query slider, mode (k nearest / radius), k or radius.

    Images are float arrays or tensors (n, C, H, W) in [0, 1] (C = 1 or 3); codes are ±1 (n, K);
    labels are 0/1 (n, C). The search is :class:`hashlib_edu.retrieval.HammingIndex` (``backend``,
    default the numpy reference: no compile delay); at most ``max_results`` items are shown.
    Returns a :class:`RetrievalExplorer`: ``.controls`` = {"query", "mode", "k", "radius"},
    ``.results`` = the shown ids, distances, relevance and the total found.
    """
    qimg = check_images(query_images, "query_images")
    dimg = check_images(db_images, "db_images")
    qcodes = as_codes(query_codes, "query_codes")
    dcodes = as_codes(db_codes, "db_codes")
    check_same_bits(qcodes, dcodes, ("query_codes", "db_codes"))
    if len(qimg) != len(qcodes):
        raise ValueError(f"query_images has {len(qimg)} images but query_codes has {len(qcodes)}")
    if len(dimg) != len(dcodes):
        raise ValueError(f"db_images has {len(dimg)} images but db_codes has {len(dcodes)}")
    qlab = as_labels(query_labels, len(qcodes), "query_labels", "query_codes")
    dlab = as_labels(db_labels, len(dcodes), "db_labels", "db_codes")
    if qlab.shape[1] != dlab.shape[1]:
        raise ValueError(
            f"query_labels has {qlab.shape[1]} classes but db_labels has {dlab.shape[1]}"
        )
    max_results = check_positive_int(max_results, "max_results")
    max_results = min(max_results, len(dcodes))
    return RetrievalExplorer(qimg, dimg, qcodes, dcodes, qlab, dlab, max_results, backend)

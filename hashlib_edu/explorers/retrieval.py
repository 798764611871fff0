"""Browse Hamming retrieval: pick a query, k nearest or a Hamming radius, and see the results.

The search is :class:`hashlib_edu.retrieval.HammingIndex`; the explorer redraws
:func:`hashlib_edu.plots.plot_retrieval_gallery` (the query, then the retrieved images marked
relevant or not, with their Hamming distances).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from hashlib_edu._validation import (
    as_codes,
    as_labels,
    check_images,
    check_positive_int,
    check_same_bits,
)
from hashlib_edu.explorers._base import Explorer
from hashlib_edu.plots.evaluation import plot_retrieval_gallery
from hashlib_edu.retrieval import HammingIndex

__all__ = ["RetrievalExplorer", "retrieval_explorer"]


class RetrievalExplorer(Explorer):
    """Pick a query, a search mode (k nearest / Hamming radius) and k or r; shows the results
    with :func:`hashlib_edu.plots.plot_retrieval_gallery`."""

    def __init__(self, query_images, db_images, query_codes, db_codes, query_labels, db_labels,
                 max_results: int, backend: str) -> None:  # fmt: skip
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
        """Run the search for the current controls with
        :class:`~hashlib_edu.retrieval.HammingIndex`.

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
        return plot_retrieval_gallery(
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

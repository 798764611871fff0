"""Figures of retrieval quality: precision-recall, mAP against code length, precision of the top N,
a gallery of retrieved images, and the probes of multi-index hashing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter
from torch.utils.data import Dataset

from hashlib_edu._validation import (
    check_ax,
    check_choice,
    check_float,
    check_images,
    check_int,
    check_mapping,
    check_positive_int,
    check_records,
    check_sequence,
    check_str,
    check_unit,
    curve_pair,
)
from hashlib_edu.methods import METHODS, method_name
from hashlib_edu.multi_index import default_substrings, probe_counts
from hashlib_edu.plots.style import (
    IRRELEVANT_COLOR,
    IRRELEVANT_MARK,
    METHOD_STYLES,
    RELEVANT_COLOR,
    RELEVANT_MARK,
    finish_axes,
    method_style,
    new_figure,
    styled,
)

#: Line styles of the code lengths in `plot_pr_curves`, shortest code first.
BITS_LINESTYLES = ("-", "--", ":", "-.")


def _curve_key(key: Any) -> tuple[str | None, int | None]:
    """(method, bits) of a `plot_pr_curves` key: a (method, bits) pair, a method key of
    METHOD_STYLES (bits None) or any other label (method None)."""
    if isinstance(key, tuple):
        if len(key) != 2 or not isinstance(key[0], str):
            raise TypeError(f"a curve key must be a label or a (method, bits) pair, got {key!r}")
        if key[0] not in METHOD_STYLES:
            raise ValueError(
                f"curve {key!r}: a (method, bits) key colours by method and needs one of "
                f"{sorted(METHOD_STYLES)}; label a curve of another method with a string"
            )
        return key[0], check_positive_int(key[1], f"bits of curve {key!r}")
    if not isinstance(key, str):
        raise TypeError(f"a curve key must be a string or a (method, bits) pair, got {key!r}")
    return (key if key in METHOD_STYLES else None), None


def _pr_inputs(curves: Any) -> tuple[dict, dict, list[int]]:
    """The checked keys ((method, bits) of each curve), curves ((precision, recall) arrays) and
    code lengths of `plot_pr_curves`."""
    check_mapping(curves, "curves", "a dict label -> (precision, recall) arrays")
    keys = {key: _curve_key(key) for key in curves}
    pairs = {
        key: curve_pair(value, str(key), ("precision", "recall")) for key, value in curves.items()
    }
    for key, (precision, recall) in pairs.items():
        check_unit(precision, f"precision of {key!r}")
        check_unit(recall, f"recall of {key!r}")
    lengths = sorted({bits for _, bits in keys.values() if bits is not None})
    if len(lengths) > len(BITS_LINESTYLES):
        raise ValueError(
            f"at most {len(BITS_LINESTYLES)} code lengths can be told apart by line style, "
            f"got {lengths}; draw them in several figures"
        )
    return keys, pairs, lengths


@styled
def plot_pr_curves(
    curves: Mapping[Any, tuple[Any, Any]], ax: Axes | None = None, title: str | None = None
) -> Figure:
    """Precision-recall curves: ``{key: (precision, recall)}``, one curve per key.

    The pair order matches :func:`hashlib_edu.metrics.pr_curve_by_radius` (precision, recall for
    Hamming radius r = 0..K); the points are joined in radius order. A key is

    * a ``(method, bits)`` pair such as ``("itq", 16)``: the curve has the method's colour and
      marker (:func:`method_style`) and the line style of its code length (`BITS_LINESTYLES`:
      solid for the shortest, then dashed, dotted, dash-dot); the legend names each method once
      (its display name, :func:`hashlib_edu.methods.method_name`) and each code length once;
    * a method key such as ``"itq"``: the method's colour, marker and display name;
    * any other label: the palette in order, the label as given.
    """
    keys, pairs, lengths = _pr_inputs(curves)
    check_ax(ax)
    check_str(title, "title", optional=True)
    if ax is None:
        fig, ax = new_figure(1, 1, (6.4, 4.6))
    fig = ax.figure
    handles: list[Line2D] = []
    methods: list[str] = []  # the methods drawn with a code length, in order
    for key, (precision, recall) in pairs.items():
        method, bits = keys[key]
        if method is None:  # a plain label: the palette in order
            (line,) = ax.plot(recall, precision, "-o", ms=3, lw=2, label=str(key))
            handles.append(line)
            continue
        linestyle = "-" if bits is None else BITS_LINESTYLES[lengths.index(bits)]
        name = method_name(method) + ("" if bits is None else f", {bits} bits")
        style = {"ls": linestyle, "ms": 6, "lw": 2, "mec": "white", "mew": 0.5}
        (line,) = ax.plot(recall, precision, label=name, **style, **method_style(method))
        if bits is None:
            handles.append(line)
        elif method not in methods:
            methods.append(method)
    # one legend entry per method (its colour and marker) and per code length (its line style)
    for method in methods:
        handles.append(
            Line2D([], [], lw=2, ms=6, label=method_name(method), **method_style(method))
        )
    for bits, linestyle in zip(lengths, BITS_LINESTYLES):
        handles.append(Line2D([], [], color="0.3", lw=2, ls=linestyle, label=f"{bits} bits"))
    title = title if title is not None else "precision-recall by Hamming radius"
    finish_axes(ax, "recall", "precision", title, xlim=(0, 1.02), ylim=(0, 1.02), legend=None)
    ax.legend(handles=handles, loc="best", fontsize="small")
    return fig


#: How far apart (in bits) `plot_map_vs_bits` draws two neighbouring methods at one code length.
DODGE = 0.5


def dodge_offsets(methods: Sequence[str]) -> dict[str, float]:
    """Where (in bits, beside the tick) each method is drawn, so that equal values of two methods
    stay visible side by side instead of one marker hiding another. Each method of the suite has
    a fixed slot (its place in :data:`~hashlib_edu.methods.METHODS`), the same in every
    figure whatever else is drawn; other names take the slots after them, in order."""
    methods = check_sequence(methods, "methods", "a list of method names", min_length=0)
    for i, method in enumerate(methods):
        check_str(method, f"methods[{i}]")
    slots = {m: i for i, m in enumerate(METHODS)}
    for m in methods:
        slots.setdefault(m, len(slots))
    centre = (len(METHODS) - 1) / 2
    return {m: DODGE * (slots[m] - centre) for m in methods}


def _points_by_method(results: Any, metric: str) -> dict[str, list[tuple[int, float, float]]]:
    """{method: [(bits, value, sd), ...]} of the run or summary rows of `plot_map_vs_bits`."""
    results = check_records(results, "results", ("method", "bits"))
    by_method: dict[str, list[tuple[int, float, float]]] = {}
    for i, row in enumerate(results):
        key = f"{metric}_mean" if f"{metric}_mean" in row else metric
        if key not in row:
            raise ValueError(
                f"results[{i}] lacks keys [{metric!r}]; each needs method, bits, {metric}"
            )
        method = check_str(row["method"], f"results[{i}]['method']")
        bits = check_positive_int(row["bits"], f"results[{i}]['bits']")
        value = check_float(row[key], f"results[{i}]['{key}']", 0.0, 1.0)
        sd = row.get(f"{metric}_sd")
        spread = 0.0 if sd is None else check_float(sd, f"results[{i}]['{metric}_sd']", 0.0)
        by_method.setdefault(method, []).append((bits, value, spread))
    return by_method


@styled
def plot_map_vs_bits(
    results: Sequence[Mapping[str, Any]],
    ax: Axes | None = None,
    title: str | None = None,
    metric: str = "map",
) -> Figure:
    """mAP against code length, one line per method, markers on the computed lengths only.

    ``results`` are run rows ``[{"method", "bits", "map"}, ...]`` or summary rows with
    ``"<metric>_mean"`` and ``"<metric>_sd"`` (drawn as mean ± sd error bars). Each method has its
    fixed colour and marker (`METHOD_STYLES`).
    """
    check_str(metric, "metric", empty=False)
    by_method = _points_by_method(results, metric)
    check_ax(ax)
    check_str(title, "title", optional=True)
    if ax is None:
        fig, ax = new_figure(1, 1, (6.0, 4.4))
    fig = ax.figure
    all_bits: set[int] = set()
    offsets = dodge_offsets(list(by_method))
    for method, points in by_method.items():
        points.sort()
        bits = [b for b, _, _ in points]
        if len(set(bits)) != len(bits):
            raise ValueError(f"method {method!r} has several results for the same bits {bits}")
        all_bits.update(bits)
        x = np.array(bits) + offsets[method]
        values, spreads = [v for _, v, _ in points], [e for _, _, e in points]
        style = method_style(method)
        ax.plot(x, values, lw=2, ms=7, mec="white", label=method_name(method), **style)
        if any(spreads):
            ax.errorbar(x, values, yerr=spreads, fmt="none", capsize=3, color=style["color"])
    ax.set_xticks(sorted(all_bits))
    ylabel = "mAP" if metric == "map" else metric.replace("_", " ")
    finish_axes(ax, "code length K (bits)", ylabel, title or "mAP vs code length")
    return fig


#: Axis scales `plot_precision_at_k` accepts for N.
XSCALES = ("linear", "log")


@styled
def plot_precision_at_k(
    curves: Mapping[str, tuple[Any, Any]],
    ax: Axes | None = None,
    title: str | None = None,
    xscale: str = "linear",
) -> Figure:
    r"""Precision of the top N of the Hamming ranking against N, ``{key: (ks, precisions)}``
    (:func:`~hashlib_edu.metrics.precision_at_k`, :math:`P@N = \frac1N \sum_{k \le N}
    \mathrm{rel}_k`, one of the HashNet paper's three evaluations, Cao et al., ICCV 2017).

    A key that is a method of the suite (``"hashnet"``) is drawn in the method's colour and
    marker and named by its display name, whatever the order of the dict; any other label takes
    the palette in order. ``xscale="log"`` spreads the first page of results (N = 1, 2, 5, 10)
    over the left half of the axis, its ticks written as plain numbers (1, 10, 100, 1,000).
    """
    check_mapping(curves, "curves", "a dict label -> (ks, precisions) arrays")
    check_ax(ax)
    check_str(title, "title", optional=True)
    check_choice(xscale, "xscale", XSCALES)
    pairs = {
        label: curve_pair(value, str(label), ("ks", "precisions"))
        for label, value in curves.items()
    }
    for label, (ks, precisions) in pairs.items():
        if (ks < 1).any():
            raise ValueError(f"ks of {label!r} must be >= 1")
        check_unit(precisions, f"precisions of {label!r}")
    if ax is None:
        fig, ax = new_figure(1, 1, (7.6, 4.4))
    fig = ax.figure
    for label, (ks, precisions) in pairs.items():
        if label in METHODS:
            style = {"ms": 6, "mec": "white", **method_style(label)}
            ax.plot(ks, precisions, lw=2, label=method_name(label), **style)
        else:
            ax.plot(ks, precisions, "-o", ms=3, lw=2, label=str(label))
    title = title if title is not None else "precision of the top N (Hamming ranking)"
    xlabel = "number of retrieved items N" + (" (log scale)" if xscale == "log" else "")
    finish_axes(ax, xlabel, "precision@N", title, ylim=(0, 1.02), xscale=xscale, legend=None)
    if xscale == "log":  # N as plain numbers, not powers of ten
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")
    return fig


# --------------------------------------------------------------------------------------------
# Retrieval gallery
# --------------------------------------------------------------------------------------------
def _is_dataset(images: Any) -> bool:
    """A dataset of (image, label) items (a torch Dataset), not an array of images."""
    return isinstance(images, Dataset)


def _gallery_images(images: Any, name: str, needed: np.ndarray) -> tuple[int, dict[int, Any]]:
    """(number of items, {index: image (C, H, W)}) for the `needed` indices of an image array
    or of a dataset; a dataset is read at those items only (a gallery of a large database)."""
    if not _is_dataset(images):
        array = check_images(images, name)
        return len(array), {int(i): array[i] for i in needed if 0 <= i < len(array)}
    n = len(images)
    if n == 0:
        raise ValueError(f"{name} is empty")
    found = {}
    for i in needed:
        if 0 <= i < n:
            item = images[int(i)]
            image = item[0] if isinstance(item, (tuple, list)) else item
            found[int(i)] = check_images(image[None], f"item {int(i)} of {name}")[0]
    return n, found


def _to_display(image: np.ndarray) -> np.ndarray:
    """(C, H, W) float -> (H, W) or (H, W, 3) in [0, 1]; values outside (normalised RGB) clip."""
    image = np.clip(image, 0.0, 1.0)
    return image[0] if image.shape[0] == 1 else np.transpose(image, (1, 2, 0))


def _show_image(
    ax: Axes, image: np.ndarray, frame: str | None, title: str, lw: float = 4, dotted: bool = False
) -> None:
    ax.imshow(_to_display(image), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.set_title(title, fontsize="small", color=frame or "black")
    for spine in ax.spines.values():
        spine.set_visible(frame is not None)
        if frame is not None:
            spine.set(edgecolor=frame, linewidth=lw, capstyle="butt")
            if dotted:
                spine.set_linestyle((0, (1, 1)))


def _check_query_ids(query_ids: Any) -> np.ndarray:
    array = np.asarray(query_ids)
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(f"query_ids must be a non-empty 1-D array of indices, got {query_ids!r}")
    if array.dtype.kind not in "iu":
        raise TypeError(f"query_ids must be integer indices, got dtype {array.dtype}")
    return array


def _check_retrieved(ids: Any, distances: Any, relevant: Any, nq: int) -> tuple[np.ndarray, ...]:
    """ids, distances (integers) and relevant (booleans or 0/1), each of shape (nq, k)."""
    arrays = []
    for name, value, kinds in (
        ("ids", ids, "iu"),
        ("distances", distances, "iu"),
        ("relevant", relevant, "biu"),
    ):
        array = np.asarray(value)
        if array.ndim != 2 or array.shape[0] != nq:
            raise ValueError(
                f"{name} must have shape (len(query_ids), k) = ({nq}, k), got {array.shape}"
            )
        if array.size and array.dtype.kind not in kinds:
            raise TypeError(f"{name} must hold integers, got dtype {array.dtype}")
        arrays.append(array)
    ids, distances, relevant = arrays
    if not ids.shape == distances.shape == relevant.shape:
        raise ValueError(
            f"ids, distances and relevant must have the same shape, got {ids.shape}, "
            f"{distances.shape}, {relevant.shape}"
        )
    if ids.size and ids.min() < 0:
        raise ValueError("ids must be non-negative indices into db_images")
    return ids, distances, relevant


def _draw_retrieved(axes: Any, images: list, distances: np.ndarray, relevant: np.ndarray) -> None:
    """One row of results: each image framed and titled by its relevance and distance; an empty
    row (k = 0) says that nothing was retrieved."""
    for ax, image, distance, is_relevant in zip(axes, images, distances, relevant):
        color = RELEVANT_COLOR if is_relevant else IRRELEVANT_COLOR
        mark = RELEVANT_MARK if is_relevant else IRRELEVANT_MARK
        _show_image(ax, image, color, f"{mark} d = {int(distance)}", dotted=not is_relevant)
    if not images:
        axes[0].axis("off")
        axes[0].text(0.5, 0.5, "no item\nretrieved", ha="center", va="center")


@styled
def plot_retrieval_gallery(
    query_images: Any,
    db_images: Any,
    query_ids: Sequence[int] | np.ndarray,
    ids: Any,
    distances: Any,
    relevant: Any,
    title: str | None = None,
) -> Figure:
    """Rows = queries: the query image, then its retrieved database items in rank order.

    ``query_ids`` (nq,) indexes ``query_images``; row i of ``ids`` / ``distances`` / ``relevant``
    (nq, k) holds the database indices, Hamming distances and relevance (shares a label) of the
    items retrieved for query ``query_ids[i]`` (e.g. from ``HammingIndex.search``). Each result
    is titled "✓ d = <distance>" with a solid blue frame if relevant, "✗ d = <distance>" with a
    dotted vermillion frame if not (colour-blind safe, and readable without colour). Images are
    float arrays (n, C, H, W), C = 1 or 3, in [0, 1] (values outside, normalised RGB, are clipped
    for display), or datasets of (image, label) items such as ``data.query``, which are read at
    the shown items only.
    k may be 0 (e.g. an empty Hamming ball): the row then shows only the query.
    """
    query_ids = _check_query_ids(query_ids)
    n_queries, queries = _gallery_images(query_images, "query_images", query_ids)
    if query_ids.min() < 0 or query_ids.max() >= n_queries:
        raise ValueError(f"query_ids must index query_images (0..{n_queries - 1})")
    ids, distances, relevant = _check_retrieved(ids, distances, relevant, len(query_ids))
    n_database, database = _gallery_images(db_images, "db_images", np.unique(ids))
    if ids.size and ids.max() >= n_database:
        raise ValueError(f"ids must index db_images (0..{n_database - 1}), found {ids.max()}")
    if title is None:
        title = f"Hamming retrieval ({RELEVANT_MARK} relevant, {IRRELEVANT_MARK} not)"
    check_str(title, "title")
    nq, k = ids.shape
    ncols = 1 + max(k, 1)
    width = max(1.55 * ncols, 0.12 * len(title))  # wide enough for the title
    fig, axes = new_figure(nq, ncols, (width, 1.85 * nq), squeeze=False)
    for row, query in enumerate(query_ids):
        _show_image(axes[row, 0], queries[int(query)], "black", f"query {int(query)}", lw=2)
        retrieved = [database[int(i)] for i in ids[row]]
        _draw_retrieved(axes[row, 1:], retrieved, distances[row], relevant[row])
    fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------------------------
# Multi-index hashing
# --------------------------------------------------------------------------------------------
@styled
def plot_mih_probes(
    bits: int = 64,
    n: int = 10_000_000,
    radii: Sequence[int] = range(0, 9),
    substrings: int | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Hash buckets probed by a radius-r search: one table of K bits vs multi-index hashing.

    One table keyed by the whole code probes every code of the Hamming ball,
    ``sum_{i<=r} C(K, i)``; MIH (Norouzi et al., CVPR 2012) probes each of its m substring tables
    within ``floor(r / m)``: ``m * sum_{j<=floor(r/m)} C(K/m, j)`` (summed over the actual
    substring lengths when m does not divide K). ``substrings=None`` uses the paper's rule
    ``m ~ K / log2(n)``. Log-scale y axis; the two lines are labelled "single table" and "MIH".
    """
    check_ax(ax)
    bits = check_positive_int(bits, "bits", 64, "64 (one hash key)")
    n = check_positive_int(n, "n")
    radii = check_sequence(radii, "radii", "a sequence of integers >= 0 (e.g. range(0, 9))")
    radii = [check_int(r, f"radii[{i}]", minimum=0) for i, r in enumerate(radii)]
    if substrings is None:
        m = default_substrings(bits, n)
    else:
        m = check_positive_int(substrings, "substrings", bits, "the code length bits")
    counts = np.array([probe_counts(bits, int(r), m) for r in radii], dtype=float)
    if ax is None:
        fig, ax = new_figure(1, 1, (6.4, 4.4))
    else:
        fig = ax.figure
    ax.plot(radii, counts[:, 0], marker="o", lw=2, label=f"single table: Σ C({bits}, i), i ≤ r")
    lengths = "–".join(str(length) for length in sorted({bits // m, -(-bits // m)}))
    label = f"MIH: {m} tables of {lengths} bits, Σ C(K/m, j), j ≤ ⌊r/{m}⌋"
    ax.plot(radii, counts[:, 1], marker="s", lw=2, label=label)
    ax.set_xticks(radii)
    title = f"{bits}-bit codes, N = {n:,}: hash-table probes"
    ylabel = "buckets probed per query (log scale)"
    finish_axes(ax, "search radius r (bits)", ylabel, title, yscale="log", legend="upper left")
    return fig

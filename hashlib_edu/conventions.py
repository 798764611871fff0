r"""One set of codes, seven mAP numbers: the conventions behind published mAP@R values.

Learning-to-hash papers compare mAP@R values computed by different scripts, and the scripts do not
agree on the definition. With the average precision of one query over its top R,

.. math::

    \mathrm{AP}_q = \frac{1}{H_q}\sum_{k=1}^{R} P@k\,\mathrm{rel}_k,\qquad
    P@k = \frac1k\sum_{j\le k}\mathrm{rel}_j,\qquad H_q = \sum_{k\le R}\mathrm{rel}_k ,

they differ in (a) the order of database items at equal Hamming distance (*ties*; with K-bit codes
there are only K + 1 distances, so ties are the rule), (b) what a query with no relevant item in its
top R (H_q = 0) contributes, and (c) the normaliser of AP. :func:`map_conventions` computes the
same codes under each convention (keys of the returned dict, in the order of
:data:`MAP_CONVENTIONS`):

``"ties by index"``
    Equal distances in ascending database index (a stable sort); AP_q = 0 when H_q = 0; mean over
    all queries. Equals ``mean_average_precision(..., ties="index")``, the package default.
``"ties averaged (tie-aware)"``
    :math:`\mathbb E_\pi[\mathrm{AP}_q(\pi)]` over uniformly random orders π of tied items, exact
    (McSherry & Najork, ECIR 2008); equals ``mean_average_precision(..., ties="expected")``.
``"best tie order"`` / ``"worst tie order"``
    :math:`\max_\pi \mathrm{AP}_q(\pi)` and :math:`\min_\pi \mathrm{AP}_q(\pi)` per query: exact
    bounds on what any tie order (any sort, any database order) can report. Every group of tied
    items that lies wholly in the top R puts its relevant items first (best) or last (worst). The
    group cut by rank R (m of its n items, r relevant, are ranked) also decides how many relevant
    items x enter the top R, and more is not always better: after a relevant item at rank 1 and
    eight irrelevant ones, a relevant item at rank 10 lowers AP from 1 to (1 + 2/10)/2 = 0.6. So
    the bound is the maximum (minimum) over x of the AP with those x items first (last) among the
    m ranked positions, with A relevant items and s items before the group:

    .. math::

        \mathrm{AP}^{best} = \max_x \frac{S^{best}_{in} + \sum_{i=1}^{x}\frac{A+i}{s+i}}{A+x},\qquad
        \mathrm{AP}^{worst} = \min_x \frac{S^{worst}_{in} + \sum_{i=1}^{x}\frac{A+i}{s+m-x+i}}{A+x}

    for :math:`\max(0, m-(n-r)) \le x \le \min(r, m)` (a term with A + x = 0 is 0). Without a cut
    (``topk=None``) x = r and the bounds are simply "relevant first / last in every tie group".
``"random tie order (seeded)"``
    AP under one uniformly random order of the tied items per query, drawn from ``seed``. This
    stands in for the order the official scripts get from numpy's default, unstable
    ``np.argsort`` (quicksort: ``np.argsort(-sim)`` in thuml/HashNet's PyTorch ``test.py`` and
    thulab's DeepHash ``get_mAPs``, ``np.argsort(hamm)`` in DeepHash-pytorch's ``CalcTopMap``).
    That order is deterministic for a given numpy build and CPU (numpy dispatches to introsort or
    to SIMD sorts depending on the machine) but arbitrary with respect to the data, and it depends
    on the whole distance array, so it cannot be reproduced without sorting every row. It is
    *emulated*, not reproduced: within each tie group the relevance pattern is a uniform random
    arrangement of its r relevant and n - r other items (only the pattern matters for AP). The
    draw is deterministic for a given seed, query index and histogram (SplitMix64 stream seeded by
    ``(seed, query index)``: position j of a group, with n' items and r' relevant ones left, is
    relevant iff a uniform u < r'/n'; no draw when r' = 0 or r' = n'). Its mean over seeds is the
    tie-aware value.
``"empty queries skipped"``
    Ties by index, but the mean runs only over queries with H_q > 0:
    :math:`\frac{1}{|Q_+|}\sum_{q\in Q_+}\mathrm{AP}_q`. This is the convention of thuml/HashNet's
    PyTorch ``test.py`` and thulab's ``get_mAPs`` (``if relevant_num != 0: APx.append(...)``); a
    constant code then scores far above chance. DeepHash-pytorch's ``CalcTopMap`` skips them in
    the sum but divides by all queries, i.e. counts them as 0 like ``"ties by index"``. NaN when
    no query has a relevant item in its top R.
``"divide by R (MAP@R)"``
    Ties by index, :math:`\frac1R\sum_{k\le R} P@k\,\mathrm{rel}_k`: pytorch-metric-learning's
    MAP@R (Musgrave et al., *A metric learning reality check*, ECCV 2020) divides by R, not by
    H_q. There R is chosen per query as its number of relevant database items; here R is
    ``topk`` for every query, so the two agree when every query has exactly ``topk`` relevant
    items (e.g. single-label data with ``topk`` = class size in the database).

Always ``best >= tie-aware >= worst``, and the index and random orders lie between best and worst.

How it is computed: one compiled pass per query, the counting scan of
:func:`hashlib_edu.metrics.mean_average_precision` (no sort), gives the distance histogram
``cnt[d]``, the relevant-item histogram ``relcnt[d]`` for d up to the distance t of the R-th item,
and the relevance of ranks 1..R in index order. Best, worst, tie-aware and random orders need only
the histograms, O(R) per query; the index, skipped and divide-by-R conventions read the ranked
relevance. Memory: per-thread buffers of O(N) and 7 numbers per query.
"""

from __future__ import annotations

import numpy as np

from hashlib_edu._kernels import conventions as kernels
from hashlib_edu._kernels.scan import block_count
from hashlib_edu._ranking import (
    RankingInputs,
    numpy_histograms,
    numpy_top_relevance,
    query_chunks,
    rank_threshold,
)
from hashlib_edu._validation import check_seed

__all__ = ["MAP_CONVENTIONS", "map_conventions"]

#: Keys of :func:`map_conventions`, in order (see the module docstring for the definitions).
MAP_CONVENTIONS = (
    "ties by index",
    "ties averaged (tie-aware)",
    "best tie order",
    "worst tie order",
    "random tie order (seeded)",
    "empty queries skipped",
    "divide by R (MAP@R)",
)


def _per_query(p: RankingInputs, topk: int, seed: np.uint64, chunk_size: int | None) -> np.ndarray:
    """(nq, 7) per-query values, columns as in :mod:`hashlib_edu._kernels.conventions`."""
    out = np.empty((p.nq, kernels.N_COLUMNS))
    if p.backend == "numpy":  # sort-based histograms and ranking, same per-query arithmetic
        cnt, relcnt = numpy_histograms(p, chunk_size)
        rel = numpy_top_relevance(p, topk, chunk_size)
        for i in range(p.nq):
            t = rank_threshold(cnt[i], topk)  # distance of the R-th item
            kernels.query_conventions(cnt[i], relcnt[i], t, topk, rel[i], seed, i, out[i])
        return out
    for rows in query_chunks(p.nq, topk, chunk_size):
        nq = rows.stop - rows.start
        out[rows] = kernels.conventions_kernel(
            nq * p.n,
            p.query_words[rows],
            p.db_words,
            *p.relevance_args(rows),
            topk,
            p.max_dist,
            block_count(nq),
            seed,
            rows.start,
        )
    return out


def _summarise(per: np.ndarray) -> dict[str, float]:
    has_hit = per[:, kernels.HITS] > 0
    skipped = float(per[has_hit, kernels.INDEX].mean()) if has_hit.any() else float("nan")
    columns = (
        kernels.INDEX,
        kernels.EXPECTED,
        kernels.BEST,
        kernels.WORST,
        kernels.RANDOM,
        None,
        kernels.BY_R,
    )
    return {
        name: skipped if column is None else float(per[:, column].mean())
        for name, column in zip(MAP_CONVENTIONS, columns, strict=True)
    }


def map_conventions(
    query_codes,
    db_codes,
    query_labels,
    db_labels,
    topk: int | None = None,
    *,
    seed: int = 0,
    backend: str = "auto",
    chunk_size: int | None = None,
) -> dict[str, float]:
    r"""mAP@R of the same codes under each published convention: ``{name: mAP}``.

    Keys, in the order of :data:`MAP_CONVENTIONS` (definitions, equations and the published code
    that uses each: see the module docstring of :mod:`hashlib_edu.conventions`):

    ``"ties by index"`` (= ``mean_average_precision(ties="index")``),
    ``"ties averaged (tie-aware)"`` (= ``ties="expected"``), ``"best tie order"`` and
    ``"worst tie order"`` (exact max / min over all orders of tied items),
    ``"random tie order (seeded)"`` (one seeded random tie order per query: an emulation, not a
    reproduction, of the unstable ``np.argsort`` quicksort order of the official scripts, whose
    order is fixed for a given numpy build and CPU but arbitrary),
    ``"empty queries skipped"`` (mean over queries with a relevant item in the top R, ties by
    index: thuml/HashNet ``test.py``, thulab ``get_mAPs``; NaN if there is none) and
    ``"divide by R (MAP@R)"`` (:math:`\frac1R\sum_{k\le R}P@k\,\mathrm{rel}_k`, ties by index, as
    pytorch-metric-learning's MAP@R with a common R).

    Parameters
    ----------
    query_codes, db_codes, query_labels, db_labels, topk, backend, chunk_size :
        as in :func:`hashlib_edu.metrics.mean_average_precision`.
    seed : non-negative integer seeding the random tie order (deterministic for a given seed,
        independent of threads and ``chunk_size``).

    All values are exact (no sampling except the one seeded draw of the random order) and come
    from one counting pass per query; ``best >= tie-aware >= worst`` always.
    """
    seed64 = np.uint64(check_seed(seed))
    p = RankingInputs(query_codes, db_codes, query_labels, db_labels, backend)
    topk = p.check_topk(topk)
    return _summarise(_per_query(p, topk, seed64, chunk_size))

"""Multi-index hashing (``HammingIndex(backend="mih")``) vs the linear scan vs faiss hash indexes.

Data with the structure of learned codes: 10,000,000 codes of 64 bits in clusters: 300 random
centres, each item a centre with every bit flipped independently with probability 1/16 (about 4
flips per code). 1,000 queries drawn the same way (new draws, not database items).

* k-NN, k = 10: MIH vs the numba linear scan (``HammingIndex`` default backend), identical
  distances and ids required; faiss ``IndexBinaryHash`` / ``IndexBinaryMultiHash`` k-NN only probe
  a fixed number of bit flips, so they are approximate: the rows report on how many queries their
  distances equal the exact ones.
* radius 3: MIH vs the linear scan vs the default backend (one hash table keyed by the whole
  code, ``sum_{i<=3} C(64, i) = 43,745`` probes per query) vs faiss (``range_search`` returns
  ``d < thresh``, so thresh = 4; exact here by the pigeonhole bound: nflip >= floor(3 / nhash)).

Build times and memory per item are reported in the check column (run this file directly for a
longer report). Numbers on a shared machine are pessimistic; ratios compare one run.
"""

from __future__ import annotations

import time

import numpy as np

from hashlib_edu.retrieval import HammingIndex, pack_codes

N_DB, N_QUERY, BITS, K, RADIUS = 10_000_000, 1_000, 64, 10, 3
N_CENTRES, FLIP_LOG2 = 300, 4  # flip probability 2**-4: a bit of 4 random words ANDed together
DATA = (
    f"{N_DB:,} clustered {BITS}-bit codes ({N_CENTRES} centres, bits flipped w.p. 1/16, "
    f"~4 flips), {N_QUERY:,} fresh queries"
)


def _median_time(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _random_words(rng, n):
    return np.frombuffer(rng.bytes(8 * n), dtype="<u8")


def clustered_words(rng, centres, n):
    """n packed 64-bit codes: a random centre each, every bit flipped with probability 1/16."""
    words = centres[rng.integers(0, len(centres), n)]
    flips = _random_words(rng, n).copy()
    for _ in range(FLIP_LOG2 - 1):
        flips &= _random_words(rng, n)
    return words ^ flips


def to_pm1(words):
    """uint64 words -> (n, 64) int8 ±1 codes, bit i of a word = code bit i (in place, no copy)."""
    bits = np.unpackbits(words.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    codes = bits.view(np.int8)
    codes *= 2
    codes -= 1
    return codes


def _row(label, method, seconds, speedup, check):
    return {
        "benchmark": label,
        "method": method,
        "time_s": seconds,
        "per_query_ms": seconds / N_QUERY * 1e3,
        "speedup": speedup,
        "check": check,
    }


def _same_lists(a, b) -> int:
    return sum(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _faiss_lists(lims, ids):
    return [np.sort(ids[lims[i] : lims[i + 1]]) for i in range(len(lims) - 1)]


def run(repeats: int = 3, verbose: bool = False) -> list[dict]:
    import faiss

    def say(*parts):
        if verbose:
            print(*parts, flush=True)

    rng = np.random.default_rng(0)
    centres = _random_words(rng, N_CENTRES).copy()
    start = time.perf_counter()
    db = to_pm1(clustered_words(rng, centres, N_DB))
    q = to_pm1(clustered_words(rng, centres, N_QUERY))
    say(f"data: {DATA}; generated in {time.perf_counter() - start:.1f} s")

    rss = _rss_mib()
    t_scan_build, scan = _median_time(lambda: HammingIndex(db), 1)
    t_mih_build, mih = _median_time(lambda: HammingIndex(db, backend="mih"), 1)
    mih_rss = _rss_mib() - rss
    tables = mih._mih
    per_item = tables.nbytes / N_DB
    build = (
        f"m = {mih.substrings} tables of {'/'.join(str(n) for _, n in tables.substring_bounds)} "
        f"bits; built in {t_mih_build:.1f} s (HammingIndex(db) alone: {t_scan_build:.1f} s); "
        f"tables {per_item:.1f} B/item + 8 B/item packed codes = "
        f"{(tables.nbytes + 8 * N_DB) / 2**30:.2f} GiB"
    )
    say(f"MIH: {build}; RSS growth of both indexes {mih_rss:.0f} MiB")
    packed_db = scan._words.view(np.uint8)  # = pack_codes(db) for 64 bits, without a copy
    assert np.array_equal(packed_db[:1000], pack_codes(db[:1000]))
    packed_q = pack_codes(q)

    faiss_indexes = {}
    for name, index, nflip in (
        ("IndexBinaryHash(b=24, nflip=3)", faiss.IndexBinaryHash(BITS, 24), 3),
        (
            "IndexBinaryMultiHash(nhash=3, b=21, nflip=1)",
            faiss.IndexBinaryMultiHash(BITS, 3, 21),
            1,
        ),
    ):
        rss = _rss_mib()
        start = time.perf_counter()
        index.nflip = nflip
        index.add(packed_db)
        seconds, grown = time.perf_counter() - start, _rss_mib() - rss
        built = f"built in {seconds:.1f} s, RSS +{grown / N_DB * 2**20:.0f} B/item"
        faiss_indexes[name] = (index, built)
        say(f"faiss {name}: {built}")

    rows = []
    # ------------------------------------------------------------------------------ k-NN
    label = f"k-NN k={K}, {DATA}"
    warm = q[:16]  # enough work for the parallel kernels: compile them before timing
    for warm_up in (mih.search, scan.search):
        warm_up(warm, K)
    t_scan, (dist, ids) = _median_time(lambda: scan.search(q, K), repeats)
    t_mih, (m_dist, m_ids) = _median_time(lambda: mih.search(q, K), repeats)
    assert np.array_equal(m_dist, dist) and np.array_equal(m_ids, ids), "MIH k-NN differs"
    rows.append(_row(label, "linear scan, HammingIndex (numba)", t_scan, 1.0, "exact reference"))
    rows.append(
        _row(
            label,
            f"MIH, HammingIndex(backend='mih'), m = {mih.substrings}",
            t_mih,
            t_scan / t_mih,
            f"distances and ids identical on {N_QUERY}/{N_QUERY} q; {build}",
        )
    )
    for name, (index, built) in faiss_indexes.items():
        t_f, (f_dist, _) = _median_time(lambda index=index: index.search(packed_q, K), repeats)
        same = int((f_dist == dist).all(axis=1).sum())
        rows.append(
            _row(
                label,
                f"faiss {name}",
                t_f,
                t_scan / t_f,
                f"approximate: distances exact on {same}/{N_QUERY} q; {built}",
            )
        )

    # ------------------------------------------------------------------------------ radius
    label = f"radius {RADIUS}, {DATA}"
    for warm_up in (scan._radius_scan, scan.radius_search, mih.radius_search):
        warm_up(warm, RADIUS)
    t_lin, expected = _median_time(lambda: scan._radius_scan(q, RADIUS), repeats)
    hits = sum(map(len, expected))
    rows.append(_row(label, "linear scan (numba)", t_lin, 1.0, f"{hits:,} hits in total"))
    how = "one 64-bit hash table, 43,745 probes" if scan.uses_hash_table(RADIUS) else "scan"
    t_hash, found = _median_time(lambda: scan.radius_search(q, RADIUS), repeats)
    assert _same_lists(found, expected) == N_QUERY
    rows.append(
        _row(
            label,
            f"HammingIndex default backend ({how})",
            t_hash,
            t_lin / t_hash,
            "identical id sets",
        )
    )
    t_mih_r, found = _median_time(lambda: mih.radius_search(q, RADIUS), repeats)
    assert _same_lists(found, expected) == N_QUERY, "MIH radius search differs"
    rows.append(
        _row(
            label,
            f"MIH, m = {mih.substrings}",
            t_mih_r,
            t_lin / t_mih_r,
            f"identical id sets on {N_QUERY}/{N_QUERY} q",
        )
    )
    for name, (index, _built) in faiss_indexes.items():
        t_f, (lims, _, f_ids) = _median_time(
            lambda index=index: index.range_search(packed_q, RADIUS + 1), repeats
        )
        same = _same_lists(_faiss_lists(lims, f_ids), expected)
        verdict = "exact" if same == N_QUERY else "NOT exact"
        rows.append(
            _row(
                label,
                f"faiss {name}, range_search(thresh={RADIUS + 1})",
                t_f,
                t_lin / t_f,
                f"{verdict}: id sets identical on {same}/{N_QUERY} q",
            )
        )
    return rows


if __name__ == "__main__":
    import faiss
    import numba

    print(
        f"numba threads {numba.get_num_threads()}, faiss threads {faiss.omp_get_max_threads()}; "
        f"the machine is shared: absolute times are pessimistic, ratios compare one run"
    )
    for row in run(verbose=True):
        print(
            f"{row['benchmark'].split(',')[0]:9s} | {row['method']:74s} | "
            f"{row['per_query_ms']:7.4f} ms/q | {N_QUERY / row['time_s']:6.0f} q/s | "
            f"{row['speedup']:5.1f}x | {row['check']}"
        )

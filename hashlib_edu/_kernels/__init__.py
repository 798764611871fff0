"""All compiled (numba) code of the package, private: no public API lives here.

The modules students read (:mod:`hashlib_edu.retrieval`, :mod:`hashlib_edu.metrics`,
:mod:`hashlib_edu.conventions`, :mod:`hashlib_edu.multi_index`) hold the numpy references, the
validation and the explanations; they call these kernels for speed.

* :mod:`~hashlib_edu._kernels.scan`: bit packing, popcount distances, the counting top-k scan,
  k-NN and radius linear scans, the serial/parallel :class:`~hashlib_edu._kernels.scan.Kernel`.
* :mod:`~hashlib_edu._kernels.hash_table`: hash-table radius search (probing the Hamming ball).
* :mod:`~hashlib_edu._kernels.average_precision`: relevance by rank, AP, tie-aware AP.
* :mod:`~hashlib_edu._kernels.conventions`: every mAP convention in one pass.
* :mod:`~hashlib_edu._kernels.multi_index`: multi-index hashing (substring tables).

numba is a hard dependency: there is no pure-Python fallback here (``backend="numpy"`` of the
public functions is the readable reference instead).
"""

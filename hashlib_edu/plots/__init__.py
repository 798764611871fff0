"""Static figures for the teaching notebooks, in one consistent style.

Every function takes plain arrays (numpy, or torch tensors which are detached to the cpu), draws
with labelled axes and returns the matplotlib :class:`~matplotlib.figure.Figure`. Functions that
accept ``ax`` draw on it and return its figure; otherwise they create a new figure.

A new figure is closed in pyplot before it is returned: in a notebook it shows exactly once when
it is the last expression of a cell (``fig = plot_...(...)`` shows nothing, ``fig`` shows it), and
figures drawn repeatedly by :mod:`hashlib_edu.explorers` never pile up in pyplot's registry.

All figures are drawn under the package style (seaborn ``"whitegrid"`` / ``"notebook"`` context,
the ``"colorblind"`` palette, larger fonts for the classroom) without touching the global
matplotlib settings; call :func:`set_style` to use the same style for your own plots.

Modules: :mod:`~hashlib_edu.plots.style` (palette, method styles, helpers),
:mod:`~hashlib_edu.plots.training` (continuation, losses, training curves),
:mod:`~hashlib_edu.plots.imbalance` (the imbalance x training-length sweep),
:mod:`~hashlib_edu.plots.saturation` (learning or β: the network's z beside tanh(βz)) and
:mod:`~hashlib_edu.plots.evaluation` (retrieval quality, gallery, multi-index probes),
:mod:`~hashlib_edu.plots.network` (the network diagram, sizes read from the model) and
:mod:`~hashlib_edu.plots.motion` (codes moving towards the cube's corners during training) and
:mod:`~hashlib_edu.plots.conventions` (one set of codes under every mAP convention) and
:mod:`~hashlib_edu.plots.binarization` (three ways through sign(z); CSQ's hash centres). Every
public name is importable from ``hashlib_edu.plots``.
"""

from hashlib_edu.plots.binarization import (
    THREE_WAYS,
    BinarizationCurve,
    binarization_curves,
    centre_distances,
    plot_binarization_gradients,
    plot_centre_distances,
)
from hashlib_edu.plots.conventions import NON_METHOD_STYLE, plot_convention_spread
from hashlib_edu.plots.evaluation import (
    BITS_LINESTYLES,
    plot_map_vs_bits,
    plot_mih_probes,
    plot_pr_curves,
    plot_precision_at_k,
    plot_retrieval_gallery,
)
from hashlib_edu.plots.imbalance import plot_imbalance_sweep
from hashlib_edu.plots.motion import code_paths, corner_share, plot_code_motion
from hashlib_edu.plots.network import plot_network_diagram
from hashlib_edu.plots.saturation import plot_learning_vs_beta, pre_activations, saturation_shares
from hashlib_edu.plots.style import (
    IRRELEVANT_COLOR,
    IRRELEVANT_MARK,
    METHOD_STYLES,
    PALETTE,
    RELEVANT_COLOR,
    RELEVANT_MARK,
    finish_axes,
    method_style,
    set_style,
    style_rc,
)
from hashlib_edu.plots.training import (
    check_snapshots,
    plot_beta_schedule,
    plot_code_histogram,
    plot_continuation_snapshot,
    plot_quantization_surrogates,
    plot_sign_approximation,
    plot_training_history,
)

__all__ = [
    "BITS_LINESTYLES",
    "IRRELEVANT_COLOR",
    "IRRELEVANT_MARK",
    "METHOD_STYLES",
    "NON_METHOD_STYLE",
    "PALETTE",
    "RELEVANT_COLOR",
    "RELEVANT_MARK",
    "THREE_WAYS",
    "BinarizationCurve",
    "binarization_curves",
    "centre_distances",
    "check_snapshots",
    "code_paths",
    "corner_share",
    "finish_axes",
    "method_style",
    "plot_beta_schedule",
    "plot_binarization_gradients",
    "plot_centre_distances",
    "plot_code_histogram",
    "plot_code_motion",
    "plot_continuation_snapshot",
    "plot_convention_spread",
    "plot_imbalance_sweep",
    "plot_learning_vs_beta",
    "plot_map_vs_bits",
    "plot_mih_probes",
    "plot_network_diagram",
    "plot_pr_curves",
    "plot_precision_at_k",
    "plot_quantization_surrogates",
    "plot_retrieval_gallery",
    "plot_sign_approximation",
    "plot_training_history",
    "pre_activations",
    "saturation_shares",
    "set_style",
    "style_rc",
]

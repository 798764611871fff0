"""Interactive explorers for the notebooks (ipywidgets), testable without a browser.

Each explorer is a slider (or dropdown) over one of the package's *static* figures: moving the
control redraws that same figure (:mod:`hashlib_edu.plots`, :mod:`hashlib_edu.ties`) into a PNG,
so the static render and the interactive one never disagree. Every factory returns an
:class:`Explorer` (``.widget``, ``.controls``, ``.slider``, ``.figure``, ``.info``, ``.png``,
``.update(**values)``); an explorer left last in a cell displays its widget. A PNG image needs
no interactive matplotlib backend, so it works the same in JupyterLab, classic notebook,
VS Code and exported HTML.

Modules, one explorer each:

* :mod:`~hashlib_edu.explorers.sign_approximation`: tanh(beta z) against sign(z);
* :mod:`~hashlib_edu.explorers.continuation`: replay of training snapshots (HashNet's
  continuation);
* :mod:`~hashlib_edu.explorers.code_motion`: codes moving towards the cube's corners;
* :mod:`~hashlib_edu.explorers.retrieval`: k nearest / Hamming-radius retrieval of one query;
* :mod:`~hashlib_edu.explorers.imbalance`: HashNet's weights as the share of similar pairs moves;
* :mod:`~hashlib_edu.explorers.ties`: one query's AP as the order inside ties changes;
* ``_base`` (private): the :class:`Explorer` plumbing they share.

Import them from here (``from hashlib_edu.explorers import tie_explorer``).
"""

from hashlib_edu.explorers._base import Explorer
from hashlib_edu.explorers.code_motion import CodeMotion, code_motion_explorer
from hashlib_edu.explorers.continuation import ContinuationReplay, continuation_replay
from hashlib_edu.explorers.imbalance import ImbalanceExplorer, imbalance_explorer
from hashlib_edu.explorers.retrieval import RetrievalExplorer, retrieval_explorer
from hashlib_edu.explorers.sign_approximation import (
    SignApproximationExplorer,
    sign_approximation_explorer,
)
from hashlib_edu.explorers.ties import TieExplorer, tie_explorer

__all__ = [
    "CodeMotion",
    "ContinuationReplay",
    "Explorer",
    "ImbalanceExplorer",
    "RetrievalExplorer",
    "SignApproximationExplorer",
    "TieExplorer",
    "code_motion_explorer",
    "continuation_replay",
    "imbalance_explorer",
    "retrieval_explorer",
    "sign_approximation_explorer",
    "tie_explorer",
]

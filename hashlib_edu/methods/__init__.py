"""The registry: every method of the suite declared once, as a :class:`Method`.

Training (:func:`hashlib_edu.training.train_hashing_model`), tuning (:mod:`hashlib_edu.tune`),
the main job (:mod:`hashlib_edu.reproduce`), the claims (:mod:`hashlib_edu.results`), every figure
(:func:`hashlib_edu.plots.method_style`) and the README table read it. A method's module declares
its loss, its binarization, its pairing, its tuning grid, its paper's solver, its display name,
colour and marker and the claims it takes part in; adding a method is its module plus one line
below (docs/design.md, "Adding a method").

| key              | display name        | binarization in training           | supervision          |
|------------------|---------------------|------------------------------------|----------------------|
| dhn              | DHN                 | h = tanh(z)                        | pairs, all           |
| hashnet          | HashNet             | h = tanh(βz), β ↑ (continuation)   | weighted pairs, i≠j  |
| hashnet-rank-h   | HashNet ranked by h | as HashNet; ranked by h            | weighted pairs, i≠j  |
| hashnet-w        | HashNet-W           | h = tanh(βz), β ↑                  | pairs, i≠j           |
| hashnet-sgn      | HashNet-sgn         | h = tanh(z)                        | weighted pairs, i≠j  |
| greedyhash       | GreedyHash          | b = sign(z), straight-through      | classifier on b      |
| csq              | CSQ                 | h = tanh(z)                        | hash centres         |
| itq, lsh         | ITQ, LSH            | (shallow, on trunk features)       | none                 |
"""

from __future__ import annotations

from .._validation import check_choice
from ._spec import LEARNING_RATES, PAIRINGS, SCALED_TANH, TANH, Binarization, Claim, Method
from .csq import CSQ
from .greedyhash import GREEDYHASH
from .pairwise import DHN, HASHNET, HASHNET_RANK_H, HASHNET_SGN, HASHNET_W
from .shallow import ITQ_METHOD, LSH_METHOD

__all__ = [
    "LEARNING_RATES",
    "METHODS",
    "PAIRINGS",
    "SCALED_TANH",
    "TANH",
    "Binarization",
    "Claim",
    "Method",
    "claims",
    "deep_methods",
    "get_method",
    "method_name",
]

#: Every method, by key, in the order of the main job, its tables and its legends.
METHODS: dict[str, Method] = {
    m.key: m
    for m in (
        DHN,
        HASHNET,
        HASHNET_RANK_H,
        HASHNET_W,
        HASHNET_SGN,
        GREEDYHASH,
        CSQ,
        ITQ_METHOD,
        LSH_METHOD,
    )
}


def get_method(method: str, kind: str | None = None) -> Method:
    """The registry's :class:`Method` for the key `method` (optionally only of `kind`, "deep" or
    "shallow"); TypeError for a non-string, ValueError naming the choices for an unknown key."""
    choices = [k for k, m in METHODS.items() if kind is None or m.kind == kind]
    return METHODS[check_choice(method, "method", choices)]


def deep_methods() -> tuple[str, ...]:
    """The keys of the trained methods, in registry order."""
    return tuple(k for k, m in METHODS.items() if m.kind == "deep")


def method_name(method: str) -> str:
    """The display name of `method`; a name the suite does not know is shown as it is (a
    student's own variant)."""
    if not isinstance(method, str):
        raise TypeError(f"method must be a string such as 'hashnet', not {type(method).__name__}")
    return METHODS[method].name if method in METHODS else method


def claims(source: str) -> tuple[tuple[str, str, str], ...]:
    """The (a, b, text) comparisons of every method whose claim ``source`` is "paper" (the papers'
    orderings the suite checks) or "suite" (the suite's own questions), in registry order."""
    check_choice(source, "source", ("paper", "suite"))
    return tuple(
        (c.a, c.b, c.text) for m in METHODS.values() for c in m.claims if c.source == source
    )

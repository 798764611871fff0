"""Continuation: the scaled tanh activation and its beta schedule (HashNet, Cao et al., ICCV 2017).

HashNet replaces the non-smooth sign function by a sequence of smooth activations

    h = tanh(beta * z),        lim_{beta -> inf} tanh(beta * z) = sign(z),

and trains with beta growing, so that optimisation starts on a smooth problem and is *continued*
towards the binary one. The official Caffe layer (ScaleTanH) and PyTorch port grow beta as

    beta_t = beta_0 * (1 + gamma * t) ** power,   updated every `step` iterations,

with beta_0 = 1, gamma = 0.005, power = 0.5, step = 200 (beta ~ 7.1 after 10,000 iterations).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ._validation import check_float, check_instance, check_int, check_positive_int

__all__ = ["BetaSchedule", "scaled_tanh", "scaled_tanh_grad"]


@dataclass(frozen=True)
class BetaSchedule:
    """The HashNet continuation schedule beta_t = beta_0 (1 + gamma t)^power, held for `step` iterations.

    The defaults are the official ones (HashNet Caffe `ScaleTanH`, PyTorch `train.py`).
    beta is piecewise constant: at iteration t it uses t_step = step * floor(t / step).
    """

    beta0: float = 1.0
    gamma: float = 0.005
    power: float = 0.5
    step: int = 200

    def __post_init__(self) -> None:
        check_float(self.beta0, "beta0", 0.0, open_low=True)
        check_float(self.gamma, "gamma", 0.0)  # >= 0: beta must not shrink
        check_float(self.power, "power", 0.0)
        check_positive_int(self.step, "step")

    def __call__(self, iteration: int) -> float:
        """beta at training iteration `iteration` (0-based)."""
        iteration = check_int(iteration, "iteration", minimum=0)
        t = self.step * (iteration // self.step)
        return float(self.beta0 * (1.0 + self.gamma * t) ** self.power)

    def values(self, num_iterations: int) -> np.ndarray:
        """The distinct beta values used during `num_iterations` iterations, one per step."""
        num_iterations = check_positive_int(num_iterations, "num_iterations")
        return np.array([self(t) for t in range(0, num_iterations, self.step)])

    @classmethod
    def compressed(cls, num_iterations: int, reference_iterations: int = 10_000) -> BetaSchedule:
        """The official schedule squeezed into `num_iterations` instead of `reference_iterations`.

        Time is rescaled, not truncated: gamma' = gamma * reference / n and step' = step * n /
        reference, so beta follows the same curve in fractional training time and reaches the same
        final value (sqrt(51) ~ 7.1 for the official 10,000 iterations) after `num_iterations`.
        Short runs on the embedded data use this; full-scale runs use the official defaults.
        """
        num_iterations = check_positive_int(num_iterations, "num_iterations")
        reference_iterations = check_positive_int(reference_iterations, "reference_iterations")
        official = cls()
        ratio = reference_iterations / num_iterations
        step = max(1, round(official.step / ratio))
        return cls(
            beta0=official.beta0, gamma=official.gamma * ratio, power=official.power, step=step
        )


def scaled_tanh(z: torch.Tensor, beta: float) -> torch.Tensor:
    """h = tanh(beta * z), HashNet's continuation activation (eq. 6 of the paper)."""
    check_instance(z, torch.Tensor, "z", "the pre-activations; scaled_tanh_grad takes numpy too")
    beta = check_float(beta, "beta", 0.0, open_low=True)
    return torch.tanh(beta * z)


def scaled_tanh_grad(z: Any, beta: float) -> Any:
    """d/dz tanh(beta z) = beta * sech^2(beta z) = beta * (1 - tanh^2(beta z)).

    Works on numpy arrays and torch tensors (the result is of the same kind). As beta grows the
    gradient concentrates at z = 0 and vanishes elsewhere: the reason sign(z) cannot be trained
    directly.
    """
    check_instance(z, (np.ndarray, torch.Tensor), "z", "wrap a list with np.asarray(z)")
    beta = check_float(beta, "beta", 0.0, open_low=True)
    t = torch.tanh(beta * z) if isinstance(z, torch.Tensor) else np.tanh(beta * z)
    return beta * (1 - t * t)

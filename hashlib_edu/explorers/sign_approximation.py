"""tanh(beta z) against sign(z): a log-scale beta slider over HashNet's smooth sign.

The explorer redraws :func:`hashlib_edu.plots.plot_sign_approximation` (the static figure) and
says where the continuation schedule (Cao et al., HashNet, ICCV 2017, Sec. 3.3) reaches the beta.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from hashlib_edu._validation import check_float, check_positive_int
from hashlib_edu.continuation import BetaSchedule
from hashlib_edu.explorers._base import Explorer
from hashlib_edu.plots.training import first_iteration_reaching, plot_sign_approximation

__all__ = ["SignApproximationExplorer", "sign_approximation_explorer"]


class SignApproximationExplorer(Explorer):
    """A log-scale beta slider redrawing :func:`hashlib_edu.plots.plot_sign_approximation`."""

    def __init__(
        self, schedule: BetaSchedule, num_iterations: int, beta: float, beta_max: float
    ) -> None:
        self.schedule = schedule
        self.num_iterations = num_iterations
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
        return plot_sign_approximation(
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

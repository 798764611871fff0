"""The plumbing every explorer shares: controls, a text line and the figure as a PNG image.

An :class:`Explorer` holds

* ``.widget``: the ipywidgets container (controls, a text line, the figure as a PNG image); an
  explorer left last in a cell displays this widget;
* ``.controls``: dict name -> control widget; ``.slider``: the main control;
* ``.figure``: the current matplotlib Figure, drawn by the *same* package function as the static
  figure; ``.image``: the ``ipywidgets.Image`` holding its PNG bytes; ``.info``: the
  ``ipywidgets.HTML`` text line;
* ``.update(**values)``: set several controls at once and redraw once.

Moving a control (``explorer.slider.value = 10`` in Python, or the mouse / keyboard in the
browser) redraws the figure into a new PNG. A PNG image needs no interactive matplotlib backend
(ipympl), so it works the same in JupyterLab, classic notebook, VS Code and exported HTML.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

__all__ = ["Explorer"]


class Explorer:
    """Controls + a figure redrawn (as PNG) whenever a control changes. Subclasses implement
    :meth:`draw` (return a new Figure from the current control values) and :meth:`describe`
    (one line of HTML shown above the figure)."""

    #: resolution of the PNG shown in the notebook
    dpi: int = 80

    def __init__(self, controls: Mapping[str, widgets.ValueWidget], main: str) -> None:
        self.controls: dict[str, widgets.ValueWidget] = dict(controls)
        self.slider = self.controls[main]
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.info = widgets.HTML()
        self.figure: Figure | None = None
        self._holding = False
        self.widget = widgets.VBox(
            [widgets.HBox(self._control_row()), self.info, self.image],
            layout=widgets.Layout(width="100%"),
        )
        self.widget.add_class("hashlib-edu-explorer")
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.redraw()

    # --------------------------------------------------------------------------- subclass API
    def draw(self) -> Figure:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _control_row(self) -> list[widgets.Widget]:
        return list(self.controls.values())

    # --------------------------------------------------------------------------- behaviour
    def redraw(self) -> None:
        """Redraw the figure and the text from the current control values."""
        figure = self.draw()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=self.dpi)
        self.figure = figure
        self.image.value = buffer.getvalue()
        self.info.value = self.describe()

    def _on_change(self, _change: Mapping[str, Any]) -> None:
        if not self._holding:
            self.redraw()

    @contextmanager
    def _hold(self) -> Iterator[None]:
        self._holding = True
        try:
            yield
        finally:
            self._holding = False

    def update(self, **values: Any) -> None:
        """Set controls by name (e.g. ``update(query=3, k=8)``) and redraw once."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise KeyError(f"unknown control(s) {unknown}; controls are {sorted(self.controls)}")
        with self._hold():
            for name, value in values.items():
                self.controls[name].value = value
        self.redraw()

    @property
    def png(self) -> bytes:
        """The PNG bytes currently shown."""
        return bytes(self.image.value)

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={control.value!r}" for name, control in self.controls.items())
        return f"{type(self).__name__}({values})"

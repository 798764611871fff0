"""Reading and writing notebooks for the tools in this folder.

Notebooks are handled as plain JSON (no nbformat round trip), and written back exactly the way
nbformat and JupyterLab write them (``indent=1``, sorted keys, UTF-8, a final newline), so a tool
that changes one key changes one key in the file. Every write is atomic: a temporary file in the
target folder, then ``os.replace``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def read(path: str | os.PathLike) -> dict[str, Any]:
    """Load a notebook file as a dict."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def dumps(nb: dict[str, Any]) -> str:
    """Serialise like nbformat/JupyterLab, so an unchanged notebook is byte-for-byte unchanged."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def write_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    A reader never sees a half-written file, and an interrupted run leaves the old file intact.
    An existing file keeps its permission bits.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def source(cell: dict[str, Any]) -> str:
    """A cell's source as one string (the file may hold a string or a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def set_source(cell: dict[str, Any], text: str) -> None:
    """Store ``text`` the way nbformat writes sources: a list of lines, newlines kept."""
    cell["source"] = text.splitlines(keepends=True)


def tags(cell: dict[str, Any]) -> list[str]:
    """The cell's tags (``metadata.tags``), an empty list when it has none."""
    return list(cell.get("metadata", {}).get("tags", []))


def strings(value: Any) -> Iterator[str]:
    """Every string anywhere in a JSON value; a list of strings (a source, a stream's text) is
    yielded joined, as the text it stands for."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        if value and all(isinstance(v, str) for v in value):
            yield "".join(value)
        else:
            for v in value:
                yield from strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)

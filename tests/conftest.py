"""Shared pytest fixtures.

Data fixtures (owned by the data helper): a tiny fake CIFAR-10 in torchvision's pickle format and a
tiny HashNet-style list-file dataset made of PNGs written with PIL. Nothing is downloaded.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from hashlib_edu.data.files import CIFAR10_CLASSES


def write_fake_cifar10(root: Path, per_class_per_batch: int = 2, seed: int = 0) -> Path:
    """Write cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta} under ``root``.

    Same pickle layout torchvision reads ({"data": uint8 (n, 3072), "labels": [...]} and
    {"label_names": [...]}), random pixels, ``per_class_per_batch`` images of each class per batch
    (so 12 per class pooled with the default). The MD5 sums of course differ from the real files.
    """
    folder = Path(root) / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        labels = np.repeat(np.arange(10), per_class_per_batch)
        rng.shuffle(labels)
        data = rng.integers(0, 256, size=(len(labels), 3 * 32 * 32), dtype=np.uint8)
        with open(folder / name, "wb") as f:
            pickle.dump({"batch_label": name, "labels": labels.tolist(), "data": data}, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": CIFAR10_CLASSES, "num_cases_per_batch": 0}, f)
    return folder


@pytest.fixture
def fake_cifar_root(tmp_path: Path) -> Path:
    """A root with a tiny fake CIFAR-10 (md5 sums NOT matching; see ``skip_cifar_md5``)."""
    write_fake_cifar10(tmp_path)
    return tmp_path


@pytest.fixture
def skip_cifar_md5(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make torchvision's CIFAR-10 integrity check accept any existing file (this test only).

    torchvision's ``CIFAR10.__init__`` (``_check_integrity``) and ``_load_meta`` both call the
    module-level ``torchvision.datasets.cifar.check_integrity(path, md5)``; a fake file cannot match
    the real MD5 sums, so the fixture replaces it by a file-exists check. Production code is not
    changed: real loads still verify the MD5 sums.
    """
    import torchvision.datasets.cifar as cifar

    monkeypatch.setattr(cifar, "check_integrity", lambda fpath, md5=None: os.path.isfile(fpath))


LIST_IMAGES = {
    # relative path -> (label vector, RGB colour); 4 labels, multi-label rows included
    "train.txt": [
        ("img/a.png", [1, 0, 0, 0]),
        ("img/b.png", [0, 1, 1, 0]),
        ("img/c.jpg", [0, 0, 0, 1]),
    ],
    "test.txt": [("img/q1.png", [1, 1, 0, 0]), ("img/q2.png", [0, 0, 1, 0])],
    "database.txt": [
        ("img/a.png", [1, 0, 0, 0]),
        ("img/b.png", [0, 1, 1, 0]),
        ("img/c.jpg", [0, 0, 0, 1]),
        ("img/d.png", [0, 0, 1, 1]),
    ],
}


@pytest.fixture
def list_root(tmp_path: Path) -> Path:
    """A HashNet-style dataset: train.txt / test.txt / database.txt and tiny images under img/.

    Images have different sizes and modes (RGB 12x10, grayscale, RGBA, a JPEG) so loading must
    convert to RGB and resize.
    """
    from PIL import Image

    (tmp_path / "img").mkdir()
    rng = np.random.default_rng(0)
    modes = ["RGB", "L", "RGBA"]
    written = set()
    for list_name, rows in LIST_IMAGES.items():
        lines = []
        for i, (rel, labels) in enumerate(rows):
            if rel not in written:
                mode = "RGB" if rel.endswith(".jpg") else modes[len(written) % len(modes)]
                channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
                pixels = rng.integers(0, 256, size=(10 + i, 12, channels), dtype=np.uint8)
                # fromarray infers the mode: (h, w) -> L, (h, w, 3) -> RGB, (h, w, 4) -> RGBA
                Image.fromarray(pixels[..., 0] if channels == 1 else pixels).save(tmp_path / rel)
                written.add(rel)
            lines.append(rel + " " + " ".join(str(v) for v in labels))
        (tmp_path / list_name).write_text("\n".join(lines) + "\n")
    return tmp_path


@pytest.fixture
def offline_hub(tmp_path, monkeypatch):
    """torch's hub dir in an empty temp folder (TORCH_HOME), and any download fails the test.

    Returns the folder where torchvision looks for cached ImageNet weights.
    """
    home = tmp_path / "torch-home"
    monkeypatch.setenv("TORCH_HOME", str(home))

    def no_download(url, *args, **kwargs):
        raise AssertionError(f"the test tried to download {url}")

    monkeypatch.setattr(torch.hub, "download_url_to_file", no_download)
    assert Path(torch.hub.get_dir()) == home / "hub"
    return home / "hub" / "checkpoints"


@pytest.fixture
def assert_classroom_fonts():
    """A check that every visible text of a matplotlib figure is at least 11 pt (projector size)."""
    from matplotlib.text import Text

    def check(fig) -> None:
        fig.canvas.draw()  # tick labels exist only once drawn
        texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        small = [(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < 11]
        assert not small, f"text below 11 pt: {small}"

    return check

"""The package stays small enough to read: no module (of the package or of tools/) over 450 lines,
every method in the registry declared in its own module of hashlib_edu/methods."""

from pathlib import Path

import hashlib_edu
from hashlib_edu.methods import METHODS

PACKAGE = Path(hashlib_edu.__file__).parent
TOOLS = Path(__file__).resolve().parents[1] / "tools"
LIMIT = 450


def test_no_module_is_longer_than_the_limit():
    paths = [*PACKAGE.rglob("*.py"), *TOOLS.glob("*.py")]
    lengths = {str(path): len(path.read_text().splitlines()) for path in paths}
    too_long = {name: n for name, n in lengths.items() if n > LIMIT}
    assert not too_long, f"split these modules (over {LIMIT} lines): {too_long}"
    assert len(lengths) > 40  # the walk found the package


def test_each_method_is_declared_in_a_module_of_the_methods_package():
    for key, spec in METHODS.items():
        loss_module = spec.make_loss.__module__ if spec.make_loss else spec.estimator.__module__
        assert loss_module.startswith(("hashlib_edu.methods.", "hashlib_edu.baselines")), key

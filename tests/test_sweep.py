"""The imbalance x training-length sweep (hashlib_edu.sweep) without training: run_experiment and
load_dataset are replaced by fakes returning canned runs, so the sweep's own work is checked (the
points it asks for, the rows and runs it tags, the claims it pairs over the seeds, the file main()
writes, the command-line errors)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hashlib_edu import sweep

SEEDS = (0, 1, 2, 3, 4)
FRACTIONS = {"digits": 0.1, "digit-pairs": 0.01}
#: per-seed paired differences of the canned runs: HashNet - HashNet-W and HashNet - HashNet-sgn
GAPS = {
    200: {"hashnet-w": [0.10, 0.11, 0.09, 0.10, 0.12], "hashnet-sgn": [-0.05, -0.06, -0.04, -0.05, -0.07]},
    800: {"hashnet-w": [0.05, -0.05, 0.04, -0.04, 0.0], "hashnet-sgn": [0.2, 0.21, 0.19, 0.2, 0.2]},
}  # fmt: skip
VERDICTS = {
    200: {"hashnet-w": "holds", "hashnet-sgn": "reversed"},
    800: {"hashnet-w": "not shown", "hashnet-sgn": "holds"},
}


def canned_runs(name: str, methods, bits: int, seeds, iterations: int) -> list[dict]:
    runs = []
    for i, seed in enumerate(seeds):
        base = 0.5 + 0.01 * seed + (0.1 if name == "digits" else 0.0)
        values = {"hashnet": base, "dhn": base - 0.2}
        values.update({m: base - GAPS[iterations][m][i] for m in ("hashnet-w", "hashnet-sgn")})
        runs += [
            {"seed": seed, "bits": bits, "method": m, "map_expected": values[m]} for m in methods
        ]
    return runs


class FakeData:
    def __init__(self, name: str):
        self.name = name

    def similar_fraction(self) -> float:
        return FRACTIONS[self.name]


@pytest.fixture
def calls(monkeypatch):
    """Replace training by canned runs; record every call the sweep makes."""
    made = {"experiments": [], "datasets": []}

    def fake_experiment(name, methods, bits, *, seeds, iterations, progress, **rest):
        made["experiments"].append((name, tuple(methods), list(bits), tuple(seeds), iterations))
        assert progress is False and not rest
        runs = canned_runs(name, methods, bits[0], seeds, iterations)
        summary = [
            {"method": m, "bits": bits[0], "map_expected_mean": 0.5, "map_expected_sd": 0.01}
            for m in methods
        ]
        return {"runs": runs, "summary": summary}

    def fake_load(name, seed=0, **options):
        made["datasets"].append((name, seed))
        return FakeData(name)

    monkeypatch.setattr(sweep, "run_experiment", fake_experiment)
    monkeypatch.setattr(sweep, "load_dataset", fake_load)
    return made


def sweep_of(**kwargs):
    arguments = {
        "datasets": ("digits", "digit-pairs"),
        "iterations": (200, 800),
        "bits": 16,
        "seeds": SEEDS,
        "progress": False,
    }
    return sweep.run_sweep(**{**arguments, **kwargs})


def test_every_dataset_and_length_is_one_experiment(calls):
    sweep_of()
    assert calls["datasets"] == [("digits", 0), ("digit-pairs", 0)]  # the share, from seed 0
    assert calls["experiments"] == [
        (name, sweep.SWEEP_METHODS, [16], SEEDS, length)
        for name in ("digits", "digit-pairs")
        for length in (200, 800)
    ]


def test_rows_and_runs_are_tagged_with_their_point(calls):
    outcome = sweep_of()
    points = [(n, FRACTIONS[n], length) for n in ("digits", "digit-pairs") for length in (200, 800)]
    rows = [(r["dataset"], r["similar_fraction"], r["iterations"]) for r in outcome["rows"]]
    methods = len(sweep.SWEEP_METHODS)
    assert rows == [point for point in points for _ in range(methods)]
    assert [r["method"] for r in outcome["rows"][:methods]] == list(sweep.SWEEP_METHODS)
    assert len(outcome["runs"]) == len(points) * methods * len(SEEDS)
    for run in outcome["runs"]:
        expected = canned_runs(run["dataset"], sweep.SWEEP_METHODS, 16, SEEDS, run["iterations"])
        assert {k: run[k] for k in ("seed", "bits", "method", "map_expected")} in expected
        assert run["similar_fraction"] == FRACTIONS[run["dataset"]]


def test_each_point_pairs_the_two_claims_over_the_seeds(calls):
    claims = sweep_of()["claims"]
    assert len(claims) == 4 * len(sweep.SWEEP_CLAIMS)
    for claim in claims:
        a, b, text = next(c for c in sweep.SWEEP_CLAIMS if c[1] == claim["b"])
        assert (claim["a"], claim["claim"], claim["bits"], claim["n_seeds"]) == (a, text, 16, 5)
        gaps = GAPS[claim["iterations"]][b]
        assert claim["mean_difference"] == pytest.approx(np.mean(gaps))
        assert claim["verdict"] == VERDICTS[claim["iterations"]][b]
        if claim["verdict"] == "holds":
            assert 0 < claim["ci_low"] < np.mean(gaps) < claim["ci_high"]


def test_progress_prints_one_line_per_claim_and_row(calls, capsys):
    sweep_of(progress=True, datasets=("digits",), iterations=(200,))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(sweep.SWEEP_CLAIMS) + len(sweep.SWEEP_METHODS)
    assert lines[0].startswith("digits") and lines[0].endswith("holds")
    assert "mAP tie-aware 0.5000 ± 0.0100" in lines[-1]
    sweep_of(datasets=("digits",), iterations=(200,))
    assert capsys.readouterr().out == ""


def test_main_writes_the_record(calls, tmp_path, capsys):
    out = tmp_path / "sub" / "sweep.json"
    argv = ["--datasets", "digits", "--iterations", "200", "--bits", "8", "--seeds", "0", "1"]
    argv += ["--out", str(out)]
    assert sweep.main(argv) == 0
    record = json.loads(out.read_text())
    assert record["command"] == "python -m hashlib_edu.sweep " + " ".join(argv)
    assert (record["bits"], record["seeds"]) == (8, [0, 1])
    assert {"python", "torch", "numpy"} <= set(record["environment"])
    assert len(record["claims"]) == 2 and len(record["runs"]) == 2 * len(sweep.SWEEP_METHODS)
    assert calls["experiments"] == [("digits", sweep.SWEEP_METHODS, [8], (0, 1), 200)]
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {out}"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--bits", "2.5"], "argument --bits: invalid int value: '2.5'"),
        (["--iterations", "200", "x"], "argument --iterations: invalid int value: 'x'"),
        (["--seeds"], "argument --seeds: expected at least one argument"),
        (["--datasets"], "argument --datasets: expected at least one argument"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_command_line_errors_exit_with_usage(calls, argv, message, capsys):
    with pytest.raises(SystemExit) as stopped:
        sweep.main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m hashlib_edu.sweep") and message in err
    assert calls["experiments"] == []  # refused before anything runs


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"seeds": ()}, ValueError),
        ({"seeds": (0,)}, ValueError),  # a paired claim needs two seeds
        ({"datasets": "digits"}, TypeError),
        ({"bits": 2.5}, TypeError),
        ({"bits": 0}, ValueError),
        ({"iterations": (0,)}, ValueError),
        ({"progress": 1}, TypeError),
        ({"methods": ("hashnet", "sdh")}, ValueError),
    ],
)
def test_wrong_arguments_are_refused_before_anything_runs(kwargs, error, monkeypatch):
    from hashlib_edu import sweep

    monkeypatch.setattr(sweep, "run_experiment", lambda *a, **k: pytest.fail("ran"))
    with pytest.raises(error):
        sweep.run_sweep(**kwargs)

"""The headless main job: output files, several seeds, summary, determinism and errors (tiny runs)."""

import errno
import io
import json
from pathlib import Path

import numpy as np
import pytest

from hashlib_edu import experiment, reproduce
from hashlib_edu.reproduce import main
from hashlib_edu.results import paired_claim, summarize

METHODS = ("hashnet", "hashnet-rank-h", "itq", "lsh")
ARGS = [
    "--dataset",
    "digits",
    "--methods",
    *METHODS,
    "--bits",
    "8",
    "16",
    "--iterations",
    "40",
    "--quiet",
    "--seeds",
    "0",
    "1",
]
RUN_KEYS = set(experiment.RUN_KEYS)
CLAIM_KEYS = {
    "claim",
    "a",
    "b",
    "bits",
    "n_seeds",
    "mean_difference",
    "ci_low",
    "ci_high",
    "verdict",
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    assert main([*ARGS, "--out", str(out), "--export-codes"]) == 0
    return out


@pytest.fixture(scope="module")
def results(run_dir):
    return json.loads((run_dir / "results.json").read_text())


def test_results_json_schema(results):
    assert results["dataset"] == "digits" and results["seeds"] == [0, 1]
    assert [(r["seed"], r["bits"], r["method"]) for r in results["runs"]] == [
        (s, b, m) for s in (0, 1) for b in (8, 16) for m in METHODS
    ]
    for run in results["runs"]:
        assert set(run) == RUN_KEYS
        assert 0 <= run["map"] <= 1 and 0 <= run["map_expected"] <= 1
        assert 0 <= run["quantization_error"] <= 1
        assert run["topk"] == 1597  # digits: R = the whole database
        assert (run["precision_radius2"] is None) == (run["method"] == "hashnet-rank-h")
    assert set(results["settings"]) == {"hashnet", "hashnet-rank-h"}
    assert results["settings"]["hashnet"]["iterations"] == 40
    assert results["environment"]["torch"] and results["shallow_inputs"] == "trunk features"
    assert [c["seed"] for c in results["chance"]] == [0, 1]
    assert all(abs(c["map_expected"] - 0.104) < 0.003 for c in results["chance"])


def test_summary_is_mean_and_sd_over_seeds(results):
    rows = {(r["method"], r["bits"]): r for r in results["summary"]}
    assert len(rows) == 8
    for (method, bits), row in rows.items():
        values = [r["map"] for r in results["runs"] if (r["method"], r["bits"]) == (method, bits)]
        assert row["n_seeds"] == 2
        assert row["map_mean"] == pytest.approx(np.mean(values))
        assert row["map_sd"] == pytest.approx(np.std(values, ddof=1))
    assert rows[("hashnet-rank-h", 8)]["precision_radius2_mean"] is None


def _toy_runs(values_by_method: dict, bits: int = 8) -> list[dict]:
    return [
        {"method": m, "bits": bits, "seed": s, "map_expected": v}
        for m, values in values_by_method.items()
        for s, v in enumerate(values)
    ]


def test_a_paired_claim_is_a_t_interval_of_the_per_seed_differences():
    # a - b = 0.02, 0.03, 0.01, 0.04, 0.02: mean 0.024, sd 0.011402; t(0.975, 4) = 2.776445
    runs = _toy_runs({"a": (0.52, 0.63, 0.41, 0.74, 0.52), "b": (0.50, 0.60, 0.40, 0.70, 0.50)})
    claim = paired_claim(runs, "a", "b", 8, claim="a beats b")
    half = 2.776445 * 0.0114018 / 5**0.5
    assert claim["n_seeds"] == 5 and claim["mean_difference"] == pytest.approx(0.024)
    assert claim["ci_low"] == pytest.approx(0.024 - half, abs=1e-6)
    assert claim["ci_high"] == pytest.approx(0.024 + half, abs=1e-6)
    assert claim["verdict"] == "holds"
    assert paired_claim(runs, "b", "a", 8)["verdict"] == "reversed"


def test_pairing_decides_where_the_unpaired_spread_cannot():
    # seeds move both methods together (sd 0.13 each), but b is behind on every seed
    runs = _toy_runs({"a": (0.52, 0.63, 0.41, 0.74, 0.52), "b": (0.50, 0.60, 0.40, 0.70, 0.50)})
    blanks = {"map": 0, "precision_radius2": 0, "quantization_error": 0, "train_seconds": 0}
    summary = {r["method"]: r for r in summarize([{**r, **blanks} for r in runs])}
    gap = summary["a"]["map_expected_mean"] - summary["b"]["map_expected_mean"]
    assert gap < summary["a"]["map_expected_sd"]  # the old unpaired criterion: "not shown"
    assert paired_claim(runs, "a", "b", 8)["verdict"] == "holds"


def test_a_claim_is_not_shown_when_the_interval_covers_zero_or_one_seed_only():
    runs = _toy_runs({"a": (0.50, 0.56, 0.47), "b": (0.52, 0.50, 0.46)})
    assert paired_claim(runs, "a", "b", 8)["verdict"] == "not shown"
    single = paired_claim(_toy_runs({"a": (0.9,), "b": (0.1,)}), "a", "b", 8)
    assert single["verdict"] == "not shown" and single["ci_low"] is None
    with pytest.raises(ValueError, match="no seed has runs of both"):
        paired_claim(runs, "a", "z", 8)


def test_results_hold_paired_claims_that_recompute_from_the_runs(results):
    texts = [c["claim"] for c in results["claims"]]
    assert texts == ["HashNet beats ITQ"] * 2 + ["HashNet beats LSH"] * 2
    for claim in results["claims"] + results["questions"]:
        assert set(claim) == CLAIM_KEYS and claim["n_seeds"] == 2
        again = paired_claim(results["runs"], claim["a"], claim["b"], claim["bits"], claim["claim"])
        assert again == claim
    assert {q["a"] for q in results["questions"]} == {"hashnet-rank-h"}


def test_splits_are_saved_per_seed(run_dir):
    for seed in (0, 1):
        splits = json.loads((run_dir / f"splits_seed{seed}.json").read_text())
        assert splits["seed"] == seed and len(splits["indices"]["query"]) == 200


def test_ranking_by_h_ranks_hashnets_own_model(results):
    runs = {(r["method"], r["bits"], r["seed"]): r for r in results["runs"]}
    for bits in (8, 16):
        for seed in (0, 1):
            a, c = runs[("hashnet", bits, seed)], runs[("hashnet-rank-h", bits, seed)]
            assert a["quantization_error"] == c["quantization_error"]  # the same model
            assert a["train_seconds"] == c["train_seconds"]  # trained once


def test_same_seed_gives_identical_metrics(run_dir, results, tmp_path):
    assert main([*ARGS[:-2], "0", "--out", str(tmp_path)]) == 0
    strip = lambda runs: [{k: v for k, v in r.items() if k != "train_seconds"} for r in runs]  # noqa: E731
    first = [r for r in results["runs"] if r["seed"] == 0]
    second = json.loads((tmp_path / "results.json").read_text())["runs"]
    assert strip(first) == strip(second)


def test_single_seed_and_table(tmp_path, capsys):
    args = ["--dataset", "digits", "--methods", "lsh", "--bits", "8", "--quiet", "--seed", "3"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "mAP@1597" in out and "LSH" in out and "results.json" in out and "seeds: 3" in out
    assert json.loads((tmp_path / "results.json").read_text())["seeds"] == [3]


def test_seed_and_seeds_are_exclusive(capsys):
    with pytest.raises(SystemExit):
        main(["--seed", "1", "--seeds", "0", "1"])
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if any model is trained or pretrained."""
    from hashlib_edu import pretraining, training

    def refuse(*args, **kwargs):
        raise AssertionError("a model was trained instead of reporting the missing weights")

    monkeypatch.setattr(training, "_optimizer", refuse)
    monkeypatch.setattr(pretraining, "pretrained_trunk", refuse)


@pytest.mark.parametrize(
    "backbone, weights",
    [(None, "AlexNet_Weights.IMAGENET1K_V1"), ("resnet50", "ResNet50_Weights.IMAGENET1K_V2")],
)
def test_paper_solver_without_weights_says_which_are_missing(
    backbone, weights, offline_hub, no_training, tmp_path, list_root, capsys
):
    import torchvision

    args = ["--dataset", "list", "--root", str(list_root), "--methods", "hashnet"]
    args += ["--bits", "8", "--solver", "paper", "--seed", "0", "--quiet"]
    args += ["--out", str(tmp_path / "o")] + (["--backbone", backbone] if backbone else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    # the paper solver's backbone (AlexNet by default) is asked for, never a silent fall-back
    # to the conv-pool net; the error names the file and how to fetch it
    name, member = weights.split(".")
    url = getattr(getattr(torchvision.models, name), member).url
    assert weights in err and str(offline_hub / Path(url).name) in err
    assert "get_state_dict()" in err and url in err
    assert not (tmp_path / "o" / "results.json").exists()
    assert not offline_hub.exists()  # nothing downloaded


def test_paper_solver_refuses_grey_images_instead_of_switching_backbone(
    offline_hub, no_training, tmp_path, capsys
):
    args = ["--dataset", "digits", "--methods", "dhn", "--bits", "8", "--solver", "paper"]
    assert main([*args, "--seed", "0", "--quiet", "--out", str(tmp_path)]) == 2
    assert "alexnet expects RGB images" in capsys.readouterr().err


class _Captured(Exception):
    pass


@pytest.mark.parametrize("solver", ["paper", "embedded"])
def test_solver_option_gives_each_deep_method_its_config(solver, monkeypatch):
    from hashlib_edu.config import TrainConfig

    captured = {}

    def capture(*args, **kwargs):
        captured.update(kwargs["config"])
        raise _Captured

    monkeypatch.setattr(reproduce, "run_experiment", capture)
    args = ["--methods", "dhn", "hashnet", "hashnet-w", "itq", "--solver", solver]
    with pytest.raises(_Captured):
        main([*args, "--iterations", "7", "--quiet"])
    assert set(captured) == {"dhn", "hashnet", "hashnet-w"}  # shallow methods have none
    for method, config in captured.items():
        if solver == "paper":
            expected = TrainConfig.paper(method, iterations=7, continuous_similarity=False)
            assert config.backbone == "alexnet" and config.optimizer == "sgd"
        else:
            expected = TrainConfig.tuned(method, iterations=7, continuous_similarity=False)
            assert config.backbone == "convpool"
        assert config == expected
    captured.clear()
    with pytest.raises(_Captured):
        main([*args, "--backbone", "resnet50", "--init", "scratch", "--quiet"])
    assert {(c.backbone, c.init) for c in captured.values()} == {("resnet50", "scratch")}


def test_unknown_dataset_and_method_are_clear_errors(tmp_path, capsys):
    assert main(["--dataset", "mnist", "--methods", "lsh", "--out", str(tmp_path)]) == 2
    assert "unknown dataset" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--methods", "sdh"])
    assert "invalid choice" in capsys.readouterr().err
    assert not (tmp_path / "results.json").exists()  # a refused run writes nothing


def test_a_write_interrupted_midway_leaves_no_partial_file_and_the_old_results(
    tmp_path, monkeypatch
):
    """results.json is written atomically: a failure *during* the write (here: the disk fills
    up after half the bytes reached the file) leaves the previous results.json byte for byte
    and no temporary file."""
    from hashlib_edu import _io

    out = tmp_path / "o"
    out.mkdir()
    previous = b'{"runs": "the previous results"}\n'
    (out / "results.json").write_bytes(previous)
    real_atomic_write = _io.atomic_write
    written = []

    def disk_full_midway(path, write):
        if Path(path).name != "results.json":
            return real_atomic_write(path, write)

        def half_then_fail(handle):
            buffer = io.BytesIO()
            write(buffer)  # the real serialization
            data = buffer.getvalue()
            handle.write(data[: len(data) // 2])
            handle.flush()
            written.append((handle.name, len(data) // 2))
            raise OSError(errno.ENOSPC, "No space left on device")

        return real_atomic_write(path, half_then_fail)

    monkeypatch.setattr(experiment, "atomic_write", disk_full_midway)
    args = ["--dataset", "digits", "--methods", "lsh", "--bits", "8", "--seed", "0", "--quiet"]
    with pytest.raises(OSError, match="No space left on device"):
        main([*args, "--out", str(out)])
    assert len(written) == 1 and written[0][1] > 100  # it failed with bytes already written
    assert (out / "results.json").read_bytes() == previous
    # the files of the run that were complete are there; no half-written or temporary file
    assert sorted(p.name for p in out.iterdir()) == ["results.json", "splits_seed0.json"]


def test_missing_cifar_files_offline(tmp_path, capsys):
    args = ["--dataset", "cifar10", "--root", str(tmp_path), "--methods", "lsh"]
    assert main([*args, "--seed", "0", "--out", str(tmp_path / "o")]) == 2
    assert "download=True" in capsys.readouterr().err


def test_conventions_are_added_per_run(tmp_path):
    args = ["--dataset", "digits", "--methods", "hashnet-rank-h", "itq", "--bits", "8", "--quiet"]
    args += ["--iterations", "20", "--seed", "0", "--conventions", "--out", str(tmp_path)]
    assert main(args) == 0
    runs = {r["method"]: r for r in json.loads((tmp_path / "results.json").read_text())["runs"]}
    assert runs["hashnet-rank-h"]["conventions"] is None  # continuous ranking: no Hamming ties
    values = runs["itq"]["conventions"]
    assert values["ties by index"] == runs["itq"]["map"]
    assert values["ties averaged (tie-aware)"] == pytest.approx(runs["itq"]["map_expected"])
    assert values["worst tie order"] <= values["ties by index"] <= values["best tie order"]


def test_the_main_job_writes_to_runs_and_never_to_the_reference(tmp_path, monkeypatch):
    from hashlib_edu.reference import REFERENCE_FILES, path

    before = {name: path(name).read_bytes() for name in REFERENCE_FILES}
    monkeypatch.chdir(tmp_path)
    args = ["--dataset", "digits", "--methods", "lsh", "--bits", "8", "--seed", "0", "--quiet"]
    assert main(args) == 0
    assert json.loads((tmp_path / "runs" / "results.json").read_text())["seeds"] == [0]
    assert {name: path(name).read_bytes() for name in REFERENCE_FILES} == before


def test_the_sweep_pairs_its_claims_over_the_seeds():
    from hashlib_edu.sweep import SWEEP_CLAIMS, run_sweep

    methods = ("hashnet", "hashnet-w", "hashnet-sgn")
    outcome = run_sweep(("digits",), (5,), bits=8, seeds=(0, 1), methods=methods, progress=False)
    assert [(c["a"], c["b"]) for c in outcome["claims"]] == [(a, b) for a, b, _ in SWEEP_CLAIMS]
    for claim in outcome["claims"]:
        assert (claim["dataset"], claim["iterations"], claim["n_seeds"]) == ("digits", 5, 2)
        again = paired_claim(outcome["runs"], claim["a"], claim["b"], 8, claim["claim"])
        assert {k: claim[k] for k in again} == again
    assert len(outcome["rows"]) == len(methods) and len(outcome["runs"]) == 2 * len(methods)

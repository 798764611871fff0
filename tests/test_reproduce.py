"""The headless main job: output files, determinism and errors (tiny runs on the embedded digits)."""

import json

import numpy as np
import pytest

from hashlib_edu.reproduce import main

ARGS = [
    "--dataset",
    "digits",
    "--methods",
    "hashnet",
    "itq",
    "lsh",
    "--bits",
    "8",
    "16",
    "--iterations",
    "40",
    "--quiet",
    "--seed",
    "0",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    assert main([*ARGS, "--out", str(out), "--export-codes"]) == 0
    return out


def test_results_json_schema(run_dir, capsys):
    results = json.loads((run_dir / "results.json").read_text())
    assert results["dataset"] == "digits" and results["seed"] == 0
    assert [(r["method"], r["bits"]) for r in results["runs"]] == [
        ("hashnet", 8),
        ("itq", 8),
        ("lsh", 8),
        ("hashnet", 16),
        ("itq", 16),
        ("lsh", 16),
    ]
    for run in results["runs"]:
        assert set(run) == {
            "method",
            "bits",
            "map",
            "topk",
            "precision_radius2",
            "quantization_error",
            "train_seconds",
        }
        assert 0 <= run["map"] <= 1 and 0 <= run["precision_radius2"] <= 1
        assert 0 <= run["quantization_error"] <= 1
        assert run["topk"] == 1597  # digits: R = the whole database


def test_splits_are_saved_with_the_results(run_dir):
    splits = json.loads((run_dir / "splits.json").read_text())
    assert splits["seed"] == 0 and len(splits["indices"]["query"]) == 200


def test_exported_codes(run_dir):
    files = sorted(p.name for p in (run_dir / "codes").iterdir())
    assert files == sorted(f"{m}_{b}.npz" for b in (8, 16) for m in ("hashnet", "itq", "lsh"))
    with np.load(run_dir / "codes" / "hashnet_16.npz") as npz:
        assert npz["query_codes"].shape == (200, 16) and npz["db_codes"].shape == (1597, 16)
        assert set(np.unique(npz["db_codes"])) <= {-1, 1}
        assert npz["query_labels"].shape == (200, 10)


def test_same_seed_gives_identical_metrics(run_dir, tmp_path):
    assert main([*ARGS, "--out", str(tmp_path)]) == 0
    strip = lambda runs: [{k: v for k, v in r.items() if k != "train_seconds"} for r in runs]  # noqa: E731
    first = json.loads((run_dir / "results.json").read_text())["runs"]
    second = json.loads((tmp_path / "results.json").read_text())["runs"]
    assert strip(first) == strip(second)


def test_table_is_printed(tmp_path, capsys):
    assert (
        main(
            [
                "--dataset",
                "digits",
                "--methods",
                "lsh",
                "--bits",
                "8",
                "--quiet",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "mAP@1597" in out and "lsh" in out and "results.json" in out


def test_unknown_dataset_and_method_are_clear_errors(tmp_path, capsys):
    assert main(["--dataset", "mnist", "--methods", "lsh", "--out", str(tmp_path)]) == 2
    assert "unknown dataset" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--methods", "sdh"])
    assert "invalid choice" in capsys.readouterr().err
    assert not (tmp_path / "results.json").exists()  # nothing half-written


def test_missing_cifar_files_offline(tmp_path, capsys):
    assert (
        main(
            [
                "--dataset",
                "cifar10",
                "--root",
                str(tmp_path),
                "--methods",
                "lsh",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    assert "download=True" in capsys.readouterr().err

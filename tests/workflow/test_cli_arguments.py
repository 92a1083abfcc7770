"""Command-line arguments of run and demo are checked before any work starts."""

import os
from pathlib import Path

import pytest
import yaml

from radiogenomics.cli import main
from radiogenomics.errors import RadiogenomicsError
from radiogenomics.workflow.runner import resolve_workers

WORKFLOW = str(Path(__file__).resolve().parents[2] / "workflows" / "tcga_brca_mri.yaml")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["demo", "--seed", "-1"],
         "radiogenomics demo: error: --seed must be an integer from 0 to 4294967295 (the "
         "random seed), got -1"),
        (["demo", "--seed", "4294967296"],
         "radiogenomics demo: error: --seed must be an integer from 0 to 4294967295 (the "
         "random seed), got 4294967296"),
        (["demo", "--patients", "3"],
         "radiogenomics demo: error: --patients must be an integer of at least 10 for the "
         "association and prediction steps, got 3"),
        (["demo", "--jobs", "0"],
         "radiogenomics demo: error: --jobs 0 starts no worker; give 1 or more, or -1 for all "
         "CPUs"),
        (["run", WORKFLOW, "--jobs", "0"],
         "radiogenomics run: error: --jobs 0 starts no worker; give 1 or more, or -1 for all "
         "CPUs"),
        (["run", WORKFLOW, "--jobs", "-2"],
         "radiogenomics run: error: --jobs -2 is not a valid number of worker processes; give "
         "1 or more, or -1 for all CPUs"),
    ],
)
def test_invalid_argument_is_named(tmp_path, capsys, arguments, message):
    code = main([*arguments, "--out", str(tmp_path / "out")])
    assert code == 1
    error = capsys.readouterr().err
    assert error.strip() == message
    assert not (tmp_path / "out").exists()


def test_minus_one_means_all_cpus():
    assert resolve_workers(-1) == len(os.sched_getaffinity(0))
    assert resolve_workers(None) == len(os.sched_getaffinity(0))
    assert resolve_workers(3) == 3


@pytest.mark.parametrize("value", [0, -2, 1.5, True])
def test_invalid_worker_count_raises(value):
    with pytest.raises(RadiogenomicsError, match=r"or -1 for all CPUs"):
        resolve_workers(value)


def test_run_accepts_jobs_minus_one(small_study, capsys):
    folder, spec = small_study
    spec["analyses"] = {"associations": {}}
    workflow = folder / "small.yaml"
    workflow.write_text(yaml.safe_dump(spec))
    code = main(["run", str(workflow), "--out", str(folder / "out"), "--jobs", "-1"])
    assert code == 0
    assert (folder / "out" / "associations.csv").is_file()


@pytest.mark.parametrize("seed", [2**32, -1])
def test_run_rejects_seed_outside_range(small_study, capsys, seed):
    folder, spec = small_study
    spec["seed"] = seed
    workflow = folder / "seed.yaml"
    workflow.write_text(yaml.safe_dump(spec))
    code = main(["run", str(workflow), "--out", str(folder / "out")])
    assert code == 1
    error = capsys.readouterr().err.strip()
    assert error == (f"radiogenomics run: error: seed must be an integer from 0 to 4294967295, "
                     f"got {seed}")
    assert not (folder / "out").exists()


def test_largest_seed_is_accepted():
    from radiogenomics.workflow.demo import check_demo_arguments

    check_demo_arguments(10, 2**32 - 1)


@pytest.mark.parametrize("command", ["run", "demo"])
def test_help_documents_jobs(capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "a positive integer, or -1 for all CPUs" in text

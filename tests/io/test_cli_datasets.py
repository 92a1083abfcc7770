"""The output lines of ``radiogenomics datasets verify``."""

import pandas as pd

from radiogenomics.cli import main
from radiogenomics.io import registry


def test_verify_complete_dataset_line(data_root, capsys):
    code = main(["datasets", "verify", "tcga_brca_radiogenomics", "--data-dir", str(data_root)])
    assert code == 0
    files = len(registry.get_dataset("tcga_brca_radiogenomics").files)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"tcga_brca_radiogenomics: {files}/{files} files ok"]


def test_verify_counts_problems(monkeypatch, capsys):
    report = pd.DataFrame({
        "dataset": ["demo"] * 3,
        "file": ["a.csv", "b.csv", "c.csv"],
        "status": ["ok", "missing", "corrupt"],
        "path": ["/data/a.csv", "", ""],
        "expected_sha256": ["0" * 64] * 3,
        "message": ["", "b.csv not found in /data", "checksum mismatch for c.csv"],
    })
    monkeypatch.setattr(registry, "verify_dataset", lambda name, data_dir=None: report)
    code = main(["datasets", "verify", "demo"])
    assert code == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "demo: 1/3 files ok, 2 problem(s)",
        "  missing  b.csv",
        "  corrupt  c.csv",
        "    checksum mismatch for c.csv",
        "    for example: b.csv not found in /data",
    ]

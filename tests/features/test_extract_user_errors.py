"""User errors of ``features extract``: a clear ``error:`` line, no traceback, no leftovers."""

from __future__ import annotations

import pytest

from radiogenomics.cli import main
from radiogenomics.errors import RadiogenomicsError
from radiogenomics.features.batch import extract_batch, read_cases
from radiogenomics.features.settings import Settings


@pytest.fixture
def phantom_paths(data_root):
    folder = data_root / "ibsi" / "ibsi_1_digital_phantom" / "nifti"
    return folder / "image" / "phantom.nii.gz", folder / "mask" / "mask.nii.gz"


@pytest.fixture
def work(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def _extract(work, cases, *extra):
    return main(
        [
            "features",
            "extract",
            "--cases",
            str(cases),
            "--out",
            str(work / "out.parquet"),
            "--no-progress",
            *extra,
        ]
    )


def _error_line(capsys) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = [line for line in captured.err.splitlines() if ": error: " in line]
    assert len(lines) == 1, captured.err
    return lines[0]


def _leftovers(work, *inputs) -> list[str]:
    return sorted(p.name for p in work.iterdir() if p.name not in inputs)


def test_empty_cases_file(work, capsys):
    cases = work / "cases.csv"
    cases.write_bytes(b"")
    assert _extract(work, cases) == 1
    line = _error_line(capsys)
    assert "cases.csv is empty" in line
    assert "id,image,mask" in line
    assert _leftovers(work, "cases.csv") == []


def test_binary_cases_file(work, capsys):
    cases = work / "cases.csv"
    cases.write_bytes(bytes([0xB6, 0xF2, 0xE5, 0x4D, 0xAD, 0xF9, 0x00, 0x01]) * 8)
    assert _extract(work, cases) == 1
    line = _error_line(capsys)
    assert "is not UTF-8 text" in line
    assert "0xb6" in line
    assert _leftovers(work, "cases.csv") == []


def test_text_label_leaves_nothing(work, phantom_paths, capsys):
    image, mask = phantom_paths
    cases = work / "cases.csv"
    cases.write_text(f"id,image,mask,label\nphantom,{image},{mask},one\n")
    assert _extract(work, cases) == 1
    line = _error_line(capsys)
    assert "'one'" in line
    assert "line(s) [2]" in line
    assert "integer" in line
    assert _leftovers(work, "cases.csv") == []


def test_jobs_zero_leaves_nothing(work, phantom_paths, capsys):
    image, mask = phantom_paths
    cases = work / "cases.csv"
    cases.write_text(f"id,image,mask\nphantom,{image},{mask}\n")
    assert _extract(work, cases, "--jobs", "0") == 1
    line = _error_line(capsys)
    assert "--jobs" in line
    assert "--jobs 0 is not a number of workers" in line
    assert _leftovers(work, "cases.csv") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bin_number: sixteen\n", "bin_number must be an integer, got 'sixteen'"),
        (": : :\n", "is not valid YAML"),
        ("partial_volume: half\n", "partial_volume must be a number, got 'half'"),
        ("resample_mask: maybe\n", "resample_mask must be true or false, got 'maybe'"),
        ("resegment_range: [-500]\n", "resegment_range must be a pair"),
        ("resampled_spacing: [two, 2, 2]\n", "resampled_spacing must contain numbers"),
        ("resampled_spacing: [1, 1]\n", "resampled_spacing needs 3 values (x, y, z)"),
        ("resampled_spacing: fine\n", "resampled_spacing must be a number or 3 values"),
    ],
)
def test_bad_settings_file(work, phantom_paths, capsys, text, expected):
    image, mask = phantom_paths
    cases = work / "cases.csv"
    cases.write_text(f"id,image,mask\nphantom,{image},{mask}\n")
    settings = work / "settings.yaml"
    settings.write_text(text)
    assert _extract(work, cases, "--settings", str(settings)) == 1
    line = _error_line(capsys)
    assert expected in line
    assert f"settings file {settings}" in line
    assert _leftovers(work, "cases.csv", "settings.yaml") == []


def test_settings_accept_numeric_text():
    # PyYAML reads 1e-3 (YAML 1.1, no decimal point) as a string.
    settings = Settings.from_dict({"geometry_tolerance": "1e-3", "bin_number": 16.0})
    assert settings.geometry_tolerance == 0.001
    assert settings.bin_number == 16
    assert isinstance(settings.bin_number, int)


def test_cases_ids_nan_and_na_are_text(work, phantom_paths):
    image, mask = phantom_paths
    cases = work / "cases.csv"
    cases.write_text(f"id,image,mask\nnan,{image},{mask}\nNA,{image},{mask}\n")
    table = read_cases(cases)
    assert table["id"].tolist() == ["nan", "NA"]
    features, errors = extract_batch(
        table, Settings(families=("intensity",)), work / "out.parquet", progress=False
    )
    assert features.index.tolist() == ["nan", "NA"]
    assert errors.empty


def test_cases_empty_id_cell_rejected(work, phantom_paths):
    image, mask = phantom_paths
    cases = work / "cases.csv"
    cases.write_text(f"id,image,mask\n,{image},{mask}\n")
    message = r"empty id, image or mask cells on line\(s\) \[2\]"
    with pytest.raises(RadiogenomicsError, match=message):
        read_cases(cases)


def test_label_dataframe_checked_before_parts(work, phantom_paths):
    import pandas as pd

    image, mask = phantom_paths
    cases = pd.DataFrame({"id": ["a"], "image": [str(image)], "mask": [str(mask)], "label": [1.5]})
    with pytest.raises(RadiogenomicsError, match=r"label\(s\) \[1.5\]"):
        extract_batch(cases, Settings(), work / "out.parquet", progress=False)
    assert _leftovers(work) == []

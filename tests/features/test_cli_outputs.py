"""Output files of the feature commands: no silent replacement, usual permissions."""

import os
import stat

import pandas as pd

from radiogenomics.cli import main


def compliance_args(data_root, out):
    ibsi = data_root / "ibsi"
    phantom = ibsi / "ibsi_1_digital_phantom" / "nifti"
    reference = ibsi / "reference_values" / "ibsi_1_reference_values_digital_phantom.csv"
    return [
        "ibsi", "compliance", "--config", "phantom",
        "--reference", str(reference),
        "--image", str(phantom / "image" / "phantom.nii.gz"),
        "--mask", str(phantom / "mask" / "mask.nii.gz"),
        "--out", str(out),
    ]


def test_compliance_keeps_existing_file(data_root, tmp_path, capsys):
    out = tmp_path / "mine.csv"
    out.write_text("my notes\n")
    assert main(compliance_args(data_root, out)) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert out.read_text() == "my notes\n"
    assert main([*compliance_args(data_root, out), "--overwrite"]) == 0
    assert "your result" in pd.read_csv(out).columns


def test_catalogue_keeps_existing_file(tmp_path, capsys):
    out = tmp_path / "catalogue.csv"
    out.write_text("my notes\n")
    assert main(["features", "catalogue", "--out", str(out)]) == 1
    assert out.read_text() == "my notes\n"
    assert main(["features", "catalogue", "--out", str(out), "--overwrite"]) == 0
    assert "morph_volume" in out.read_text()


def test_written_files_follow_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        out = tmp_path / "catalogue.csv"
        assert main(["features", "catalogue", "--out", str(out)]) == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_extract_rejects_foreign_output_file(data_root, tmp_path, capsys):
    phantom = data_root / "ibsi" / "ibsi_1_digital_phantom" / "nifti"
    cases = tmp_path / "cases.csv"
    pd.DataFrame({"id": ["phantom"], "image": [phantom / "image" / "phantom.nii.gz"],
                  "mask": [phantom / "mask" / "mask.nii.gz"]}).to_csv(cases, index=False)
    out = tmp_path / "features.csv"
    out.write_text("a,b\n1,2\n")
    code = main(["features", "extract", "--cases", str(cases), "--out", str(out),
                 "--no-progress"])
    assert code == 1
    message = capsys.readouterr().err
    assert "was not written by 'radiogenomics features extract'" in message
    assert out.read_text() == "a,b\n1,2\n"


def test_unknown_aggregation_lists_accepted_names(capsys):
    assert main(["features", "catalogue", "--aggregation", "4d_avg"]) == 1
    message = capsys.readouterr().err
    assert "'4d_avg'" in message
    assert "3d_avg" in message

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
    cases = phantom_cases(data_root, tmp_path)
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


def phantom_cases(data_root, tmp_path):
    phantom = data_root / "ibsi" / "ibsi_1_digital_phantom" / "nifti"
    cases = tmp_path / "cases.csv"
    pd.DataFrame({"id": ["phantom"], "image": [phantom / "image" / "phantom.nii.gz"],
                  "mask": [phantom / "mask" / "mask.nii.gz"]}).to_csv(cases, index=False)
    return cases


def test_errors_table_never_replaces_inputs(data_root, tmp_path, capsys):
    cases = phantom_cases(data_root, tmp_path)
    before = cases.read_text()
    out = tmp_path / "features.csv"
    for errors in (cases, out):
        code = main(["features", "extract", "--cases", str(cases), "--out", str(out),
                     "--errors", str(errors), "--no-progress"])
        assert code == 1
        assert "give --errors another path" in capsys.readouterr().err
    assert cases.read_text() == before
    assert not out.exists()


def test_errors_table_keeps_foreign_file(data_root, tmp_path, capsys):
    cases = phantom_cases(data_root, tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    code = main(["features", "extract", "--cases", str(cases), "--out",
                 str(tmp_path / "features.csv"), "--errors", str(notes), "--no-progress"])
    assert code == 1
    assert "is not an errors table" in capsys.readouterr().err
    assert notes.read_text() == "my notes\n"


def test_catalogue_writes_parquet(tmp_path):
    out = tmp_path / "catalogue.parquet"
    assert main(["features", "catalogue", "--out", str(out)]) == 0
    table = pd.read_parquet(out)
    assert "morph_volume" in set(table.iloc[:, 0])


def test_dce_output_never_replaces_cases_file(tmp_path, capsys):
    cases = tmp_path / "cases.csv"
    cases.write_text("patient,frames,times,seed\nP1,a.nii;b.nii,0;60,1;1;1\n")
    before = cases.read_text()
    code = main(["features", "dce", "--cases", str(cases), "--out", str(cases), "--overwrite"])
    assert code == 1
    assert "over the cases file" in capsys.readouterr().err
    assert cases.read_text() == before


def test_jobs_below_minus_one_rejected(tmp_path, capsys):
    code = main(["features", "dce", "--cases", str(tmp_path / "c.csv"), "--out",
                 str(tmp_path / "p.csv"), "--jobs", "-3"])
    assert code == 1
    assert "--jobs -3 is not a number of workers" in capsys.readouterr().err


def test_missing_output_folder_is_created(tmp_path):
    out = tmp_path / "new" / "sub" / "catalogue.csv"
    assert main(["features", "catalogue", "--out", str(out)]) == 0
    assert "morph_volume" in out.read_text()


def test_output_inside_a_file_rejected(tmp_path, capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("my notes\n")
    assert main(["features", "catalogue", "--out", str(blocker / "catalogue.csv")]) == 1
    assert "is a file" in capsys.readouterr().err
    assert blocker.read_text() == "my notes\n"


def test_unwritable_folder_fails_before_computing(tmp_path, monkeypatch, capsys):
    import radiogenomics.features.cli_features as cli_features

    monkeypatch.setattr(cli_features.os, "access", lambda path, mode: False)
    out = tmp_path / "catalogue.csv"
    assert main(["features", "catalogue", "--out", str(out)]) == 1
    assert f"cannot access {tmp_path}: no permission to write" in capsys.readouterr().err
    assert not out.exists()

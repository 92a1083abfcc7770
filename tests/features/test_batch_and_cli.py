"""Batch extraction (resumable, errors table, metadata) and the command line."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

import radiogenomics.features.pipeline as pipeline
from radiogenomics import __version__
from radiogenomics.cli import main
from radiogenomics.features.batch import extract_batch, read_metadata
from radiogenomics.features.settings import Settings

NON_TEXTURE = ("morphology", "local_intensity", "intensity", "histogram", "ivh")


@pytest.fixture
def cases_csv(data_root, tmp_path):
    phantom = data_root / "ibsi" / "ibsi_1_digital_phantom" / "nifti"
    brain = data_root / "pyradiomics"
    table = pd.DataFrame(
        {
            "id": ["phantom", "brain1", "broken"],
            "image": [
                phantom / "image" / "phantom.nii.gz",
                brain / "brain1_image.nrrd",
                brain / "brain1_image.nrrd",
            ],
            "mask": [
                phantom / "mask" / "mask.nii.gz",
                brain / "brain1_label.nrrd",
                phantom / "mask" / "mask.nii.gz",  # another grid: must fail
            ],
            "label": [1, 1, 1],
        }
    )
    path = tmp_path / "cases.csv"
    table.to_csv(path, index=False)
    return path


def test_batch_writes_rows_errors_and_metadata(cases_csv, tmp_path):
    settings = Settings(families=NON_TEXTURE, discretisation="fixed_bin_size", bin_width=1.0)
    out = tmp_path / "features.parquet"
    table, errors = extract_batch(cases_csv, settings, out, n_jobs=2, progress=False)

    assert list(table.index) == ["phantom", "brain1"]
    assert table.loc["phantom", "morph_volume"] == pytest.approx(556, abs=4)
    assert errors["id"].tolist() == ["broken"]
    assert "does not lie on the image grid" in errors["error"].iloc[0]
    stored_errors = pd.read_csv(tmp_path / "features.parquet.errors.csv")
    assert stored_errors["id"].tolist() == ["broken"]

    stored = pd.read_parquet(out)
    assert stored.shape == table.shape
    metadata = read_metadata(out)
    assert metadata["radiogenomics_version"] == __version__
    assert metadata["settings"]["bin_width"] == 1.0


def test_batch_rerun_skips_finished_cases(cases_csv, tmp_path, monkeypatch):
    settings = Settings(families=("intensity",))
    out = tmp_path / "features.parquet"
    extract_batch(cases_csv, settings, out, n_jobs=1, progress=False)

    calls = []
    original = pipeline.extract

    def counting_extract(image, mask, settings=None, **overrides):
        calls.append(str(image))
        return original(image, mask, settings, **overrides)

    monkeypatch.setattr(pipeline, "extract", counting_extract)
    table, errors = extract_batch(cases_csv, settings, out, n_jobs=1, progress=False)
    # Only the failed case is tried again.
    assert len(calls) == 1
    assert list(table.index) == ["phantom", "brain1"]
    assert len(errors) == 1


def test_batch_rejects_output_of_other_settings(cases_csv, tmp_path):
    out = tmp_path / "features.parquet"
    extract_batch(cases_csv, Settings(families=("intensity",)), out, progress=False)
    with pytest.raises(ValueError, match="made with other settings"):
        extract_batch(cases_csv, Settings(families=("histogram",)), out, progress=False)


def test_cases_table_needs_columns(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("id,image\na,b.nii\n")
    with pytest.raises(ValueError, match=r"is missing column\(s\) \['mask'\]"):
        extract_batch(path, Settings(), tmp_path / "out.parquet", progress=False)


def test_cli_extract(cases_csv, tmp_path, capsys):
    settings = tmp_path / "settings.yaml"
    settings.write_text("families: [intensity, histogram]\nbin_number: 8\n")
    out = tmp_path / "features.csv"
    code = main(
        [
            "features",
            "extract",
            "--cases",
            str(cases_csv),
            "--settings",
            str(settings),
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 1  # one case failed
    assert "2 cases written" in capsys.readouterr().out
    table = pd.read_csv(out, index_col=0)
    assert table.loc["phantom", "stat_mean"] == pytest.approx(2.15, abs=0.005)


def test_cli_catalogue(capsys):
    assert main(["features", "catalogue"]) == 0
    output = capsys.readouterr().out
    assert "morph_volume" in output
    assert "RNU0" in output
    assert "cm_joint_max_3D_avg" in output


def test_cli_ibsi_compliance_phantom(data_root, tmp_path, capsys):
    ibsi = data_root / "ibsi"
    phantom = ibsi / "ibsi_1_digital_phantom" / "nifti"
    out = tmp_path / "compliance.csv"
    code = main(
        [
            "ibsi",
            "compliance",
            "--config",
            "phantom",
            "--reference",
            str(ibsi / "reference_values" / "ibsi_1_reference_values_digital_phantom.csv"),
            "--image",
            str(phantom / "image" / "phantom.nii.gz"),
            "--mask",
            str(phantom / "mask" / "mask.nii.gz"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    non_texture = table[~table["family"].str.contains("matrix") & table["reference value"].notna()]
    assert non_texture["check"].eq(True).all()
    assert table["your result"].notna().sum() >= 482
    assert "features with a reference value match" in capsys.readouterr().out


def test_settings_reject_unknown_key(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("bin_widht: 25\n")
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['bin_widht'\]"):
        Settings.from_yaml(path)


def test_settings_ibsi_preset_from_yaml(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("ibsi: C\nfamilies: [intensity]\n")
    settings = Settings.from_yaml(path)
    assert settings.resegment_range == (-1000.0, 400.0)
    assert settings.bin_width == 25.0
    assert settings.families == ("intensity",)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"discretisation": "fixed_bin_size"}, "needs a positive bin_width"),
        ({"bin_number": 0}, "bin_number must be a positive integer"),
        ({"resegment_range": (400, -500)}, "lower bound 400 exceeds upper bound -500"),
        ({"resampled_spacing": (2.0, 0.0, 2.0)}, "resampled_spacing must be positive"),
        ({"ivh_discretisation": "fixed_bin_size"}, "needs a positive ivh_bin_width"),
        ({"texture_aggregation": ["4d_avg"]}, r"unknown texture aggregation \['4d_avg'\]"),
        ({"families": ["shape"]}, r"unknown feature families \['shape'\]"),
        ({"nan_policy": "ignore"}, "nan_policy must be"),
    ],
)
def test_settings_reject_invalid_value(values, message):
    with pytest.raises(ValueError, match=message):
        Settings(**values)


def test_catalogue_describes_every_column(data_root):
    from radiogenomics.features.feature_catalogue import catalogue
    from radiogenomics.features.pipeline import extract

    folder = data_root / "ibsi" / "ibsi_1_digital_phantom" / "nifti"
    settings = Settings.ibsi("phantom")
    settings.diagnostics = True
    row = extract(folder / "image" / "phantom.nii.gz", folder / "mask" / "mask.nii.gz", settings)
    table = catalogue(settings.texture_aggregation, diagnostics=True)
    assert set(row) == set(table["column"])
    assert table["column"].is_unique
    assert table.loc[table["column"] == "morph_volume", "ibsi_code"].item() == "RNU0"


def _interrupt_after_first_case(monkeypatch):
    """Make the next batch stop with KeyboardInterrupt once one case is finished."""
    original = pipeline.extract
    calls = []

    def interrupted_extract(image, mask, settings=None, **overrides):
        calls.append(str(image))
        if len(calls) > 1:
            raise KeyboardInterrupt
        return original(image, mask, settings, **overrides)

    monkeypatch.setattr(pipeline, "extract", interrupted_extract)


def test_resume_discards_parts_of_other_settings(cases_csv, tmp_path, monkeypatch, caplog):
    out = tmp_path / "features.parquet"
    with monkeypatch.context() as patch:
        _interrupt_after_first_case(patch)
        with pytest.raises(KeyboardInterrupt):
            extract_batch(cases_csv, Settings(families=("intensity",)), out, progress=False)
    assert len(list((tmp_path / ".features.parquet.parts").glob("*.json"))) == 1

    with caplog.at_level(logging.INFO, logger="radiogenomics.features.batch"):
        table, _ = extract_batch(cases_csv, Settings(families=("histogram",)), out, progress=False)

    # Every row comes from the histogram settings: no intensity column of the first run.
    assert not any(column.startswith("stat_") for column in table.columns)
    assert table.loc["phantom"].notna().sum() == table.loc["brain1"].notna().sum()
    assert "discarded 1 stored row(s)" in caplog.text
    assert "made with other settings" in caplog.text


def test_resume_reuses_parts_of_same_settings(cases_csv, tmp_path, monkeypatch, caplog):
    settings = Settings(families=("intensity",))
    out = tmp_path / "features.parquet"
    with monkeypatch.context() as patch:
        _interrupt_after_first_case(patch)
        with pytest.raises(KeyboardInterrupt):
            extract_batch(cases_csv, settings, out, progress=False)

    with caplog.at_level(logging.INFO, logger="radiogenomics.features.batch"):
        table, _ = extract_batch(cases_csv, settings, out, progress=False)
    assert list(table.index) == ["phantom", "brain1"]
    assert table.loc["phantom", "stat_mean"] == pytest.approx(2.15, abs=0.005)
    assert "reusing 1 of 3 cases" in caplog.text
    assert "discarded" not in caplog.text


def _single_voxel_mask(like, path):
    """Write a mask with one ROI voxel on the grid of mask file ``like``."""
    import SimpleITK as sitk

    mask = sitk.ReadImage(str(like))
    array = sitk.GetArrayFromImage(mask) * 0
    array[1, 2, 2] = 1
    single = sitk.GetImageFromArray(array)
    single.CopyInformation(mask)
    sitk.WriteImage(single, str(path))


@pytest.fixture
def phantom_case(data_root, tmp_path):
    folder = data_root / "ibsi" / "ibsi_1_digital_phantom" / "nifti"
    mask = tmp_path / "mask.nii.gz"
    mask.write_bytes((folder / "mask" / "mask.nii.gz").read_bytes())
    cases = tmp_path / "cases.csv"
    cases.write_text(f"id,image,mask\nphantom,{folder / 'image' / 'phantom.nii.gz'},{mask}\n")
    return cases, mask


def test_resume_recomputes_case_with_other_mask(phantom_case, tmp_path, caplog):
    cases, mask = phantom_case
    settings = Settings(families=("morphology",))
    out = tmp_path / "features.parquet"
    first, _ = extract_batch(cases, settings, out, progress=False)
    # The IBSI 1 digital phantom ROI has an approximate volume of 592 mm^3 (IBSI code YEKZ).
    assert first.loc["phantom", "morph_vol_approx"] == pytest.approx(592.0)

    single = tmp_path / "single.nii.gz"
    _single_voxel_mask(mask, single)
    cases.write_text(cases.read_text().replace(str(mask), str(single)))
    with caplog.at_level(logging.INFO, logger="radiogenomics.features.batch"):
        second, _ = extract_batch(cases, settings, out, progress=False)
    # One voxel of 2 x 2 x 2 mm.
    assert second.loc["phantom", "morph_vol_approx"] == pytest.approx(8.0)
    assert "image, mask or label changed" in caplog.text
    assert "reusing" not in caplog.text


def test_resume_recomputes_case_with_rewritten_mask(phantom_case, tmp_path, caplog):
    cases, mask = phantom_case
    settings = Settings(families=("morphology",))
    out = tmp_path / "features.parquet"
    extract_batch(cases, settings, out, progress=False)

    _single_voxel_mask(mask, mask)
    with caplog.at_level(logging.INFO, logger="radiogenomics.features.batch"):
        second, _ = extract_batch(cases, settings, out, progress=False)
    assert second.loc["phantom", "morph_vol_approx"] == pytest.approx(8.0)
    assert "discarded 1 stored row(s)" in caplog.text


def test_resume_logs_reused_cases_at_info(phantom_case, tmp_path, caplog):
    cases, _ = phantom_case
    settings = Settings(families=("morphology",))
    out = tmp_path / "features.parquet"
    extract_batch(cases, settings, out, progress=False)
    with caplog.at_level(logging.INFO, logger="radiogenomics.features.batch"):
        table, _ = extract_batch(cases, settings, out, progress=False)
    assert table.loc["phantom", "morph_vol_approx"] == pytest.approx(592.0)
    reused = [r for r in caplog.records if "reusing 1 of 1 cases" in r.getMessage()]
    assert [r.levelno for r in reused] == [logging.INFO]


@pytest.mark.parametrize(
    ("config", "table", "found"),
    [
        ("A", "ibsi_1_reference_values_digital_phantom.csv", "digital phantom"),
        ("A", "ibsi_1_reference_values_config_B.csv", "configuration B"),
        ("phantom", "ibsi_1_reference_values_config_A.csv", "configuration A"),
    ],
)
def test_cli_ibsi_rejects_other_configuration(data_root, tmp_path, capsys, config, table, found):
    ibsi = data_root / "ibsi"
    ct = ibsi / "ibsi_1_ct_radiomics_phantom" / "nifti"
    out = tmp_path / "compliance.csv"
    code = main(
        [
            "ibsi",
            "compliance",
            "--config",
            config,
            "--reference",
            str(ibsi / "reference_values" / table),
            "--image",
            str(ct / "image" / "phantom.nii.gz"),
            "--mask",
            str(ct / "mask" / "mask.nii.gz"),
            "--out",
            str(out),
        ]
    )
    assert code == 1
    error = capsys.readouterr().err
    assert f"is for {found}" in error
    assert f"not for configuration {config!r}" in error
    assert "Traceback" not in error
    assert not out.exists()


@pytest.mark.parametrize("group", ["features", "ibsi"])
def test_cli_group_requires_subcommand(group, capsys):
    with pytest.raises(SystemExit) as stop:
        main([group])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert f"usage: radiogenomics {group} [-h] COMMAND" in error
    assert "the following arguments are required: COMMAND" in error


def test_cli_errors_name_settings_file_keys(data_root, tmp_path):
    import numpy as np
    import SimpleITK as sitk

    phantom = data_root / "ibsi" / "ibsi_1_digital_phantom" / "nifti"
    brain = data_root / "pyradiomics"
    image = sitk.ReadImage(str(phantom / "image" / "phantom.nii.gz"))
    two_labels = sitk.GetArrayFromImage(image) * 0
    two_labels[1, 2, 2] = 1
    two_labels[2, 2, 2] = 2
    labelled = sitk.GetImageFromArray(two_labels.astype(np.int16))
    labelled.CopyInformation(image)
    sitk.WriteImage(labelled, str(tmp_path / "two_labels.nii.gz"))
    with_nan = sitk.Cast(image, sitk.sitkFloat32)
    with_nan[2, 2, 1] = float("nan")
    sitk.WriteImage(with_nan, str(tmp_path / "nan.nrrd"))
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "id,image,mask\n"
        f"two_labels,{phantom / 'image' / 'phantom.nii.gz'},two_labels.nii.gz\n"
        f"off_grid,{brain / 'brain1_image.nrrd'},{phantom / 'mask' / 'mask.nii.gz'}\n"
        f"nan_voxel,nan.nrrd,{phantom / 'mask' / 'mask.nii.gz'}\n"
    )
    out = tmp_path / "features.parquet"
    code = main(["features", "extract", "--cases", str(cases), "--out", str(out), "--no-progress"])
    assert code == 1
    errors = pd.read_csv(tmp_path / "features.parquet.errors.csv").set_index("id")["error"]
    assert "a label column in the cases table" in errors["two_labels"]
    assert "settings file 'resample_mask: true'" in errors["off_grid"]
    assert "settings file 'geometry_tolerance: 0.01'" in errors["off_grid"]
    assert "settings file 'nan_policy: exclude'" in errors["nan_voxel"]

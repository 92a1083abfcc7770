"""``radiogenomics features dce``: cases files, phenotype tables and errors tables."""

import argparse
import csv
import inspect

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk
from dce_phantoms import KINETIC_TIMES, TIMES, ellipsoid, realistic_lesion, series_from_enhancement

from radiogenomics.cli import build_parser, main
from radiogenomics.features.dce import DCE_PHENOTYPES, DCESeries, compute_dce_phenotypes
from radiogenomics.features.dce.cases import (
    DCECasesError,
    DCESettingsError,
    read_dce_cases,
    resolve_dce_settings,
)

C = DCE_PHENOTYPES
SHAPE = (16, 32, 32)
SEED = (8, 16, 16)
BOX = (2, 14, 4, 28, 4, 28)
# Enhancement of every voxel of the uniform lesion at the four post-contrast frames.
UNIFORM_CURVE = np.array([0.8, 1.2, 1.0, 0.9])
UNIFORM_SPACING = (2.0, 0.8, 0.8)


def write_image(array, spacing, path):
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(tuple(float(s) for s in reversed(spacing)))
    sitk.WriteImage(image, str(path))
    return path


def write_frames(series, folder):
    """Write one float32 NIfTI file per frame and return the in-memory float32 series."""
    folder.mkdir()
    frames = series.frames.astype(np.float32)
    for index, frame in enumerate(frames):
        write_image(frame, series.spacing, folder / f"frame{index}.nii.gz")
    return DCESeries(frames, series.times, series.spacing)


def frame_names(folder):
    return ";".join(f"{folder}/frame{index}.nii.gz" for index in range(len(TIMES)))


def write_cases(path, rows, columns=("patient", "frames", "times", "seed", "box", "mask")):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(column, "") for column in columns])
    return path


TIMES_TEXT = ";".join(f"{t:g}" for t in TIMES)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Four phantom lesions on disk: a seed, a box, a mask and a uniform lesion's mask."""
    folder = tmp_path_factory.mktemp("dce_study")
    series = {}
    for patient, seed in (("P1", 0), ("P2", 1), ("P3", 2)):
        phantom, lesion = realistic_lesion(np.random.default_rng(seed), shape=SHAPE, radius=5.0)
        series[patient] = write_frames(phantom, folder / patient)
    _, lesion = realistic_lesion(np.random.default_rng(2), shape=SHAPE, radius=5.0)
    masks = {"P3": lesion}
    write_image(lesion.astype(np.uint8), series["P3"].spacing, folder / "P3_mask.nii.gz")

    uniform = ellipsoid(SHAPE, UNIFORM_SPACING, (8.0, 6.0, 5.0))
    enhancement = np.where(uniform, UNIFORM_CURVE[:, None, None, None], 0.05)
    series["P4"] = write_frames(
        series_from_enhancement(enhancement, spacing=UNIFORM_SPACING), folder / "P4"
    )
    masks["P4"] = uniform
    write_image(uniform.astype(np.uint8), UNIFORM_SPACING, folder / "P4_mask.nii.gz")

    rows = [
        {"patient": "P1", "frames": frame_names("P1"), "times": TIMES_TEXT,
         "seed": ",".join(map(str, SEED))},
        {"patient": "P2", "frames": frame_names("P2"), "times": TIMES_TEXT,
         "box": ",".join(map(str, BOX))},
        {"patient": "P3", "frames": frame_names("P3"), "times": TIMES_TEXT,
         "mask": "P3_mask.nii.gz"},
        {"patient": "P4", "frames": frame_names("P4"), "times": TIMES_TEXT,
         "mask": "P4_mask.nii.gz"},
    ]
    cases = write_cases(folder / "cases.csv", rows)
    return {"folder": folder, "cases": cases, "rows": rows, "series": series, "masks": masks}


@pytest.fixture(scope="module")
def written(study):
    """Run the command once on the study and return its exit code and tables."""
    out = study["folder"] / "results" / "phenotypes.csv"
    out.parent.mkdir()
    code = main(["features", "dce", "--cases", str(study["cases"]), "--out", str(out)])
    table = pd.read_csv(out, index_col="patient")
    errors = pd.read_csv(out.parent / "phenotypes_errors.csv")
    return code, table, errors


def test_cli_writes_every_case(written):
    code, table, errors = written
    assert code == 0
    assert list(table.columns) == list(C.values())
    assert list(table.index) == ["P1", "P2", "P3", "P4"]
    assert list(errors.columns) == ["patient", "message"]
    assert errors.empty


def test_cli_matches_direct_calls(study, written):
    _, table, _ = written
    series, masks = study["series"], study["masks"]
    expected = {
        "P1": compute_dce_phenotypes(series["P1"], seed=SEED),
        "P2": compute_dce_phenotypes(series["P2"], box=BOX),
        "P3": compute_dce_phenotypes(series["P3"], mask=masks["P3"]),
        "P4": compute_dce_phenotypes(series["P4"], mask=masks["P4"]),
    }
    for patient, row in expected.items():
        # NIfTI stores the spacing as float32, so sizes differ in the 7th digit.
        np.testing.assert_allclose(
            table.loc[patient].to_numpy(), row.to_numpy(), rtol=1e-5, err_msg=patient
        )


def test_cli_mask_case_closed_form(written, study):
    _, table, _ = written
    uniform = study["masks"]["P4"]
    volume = uniform.sum() * np.prod(UNIFORM_SPACING)
    assert table.loc["P4", C["S1"]] == pytest.approx(volume, rel=1e-6)
    # Every lesion voxel follows UNIFORM_CURVE, so the characteristic curve is that curve.
    assert table.loc["P4", C["K1"]] == pytest.approx(UNIFORM_CURVE.max(), rel=1e-6)
    assert table.loc["P4", C["K2"]] == pytest.approx(KINETIC_TIMES[UNIFORM_CURVE.argmax()])
    mask_volume = study["masks"]["P3"].sum() * np.prod(study["series"]["P3"].spacing)
    assert table.loc["P3", C["S1"]] == pytest.approx(mask_volume, rel=1e-6)


def test_cli_settings_reach_phenotypes(study, tmp_path):
    out = tmp_path / "coarse.csv"
    code = main(["features", "dce", "--cases", str(study["cases"]), "--out", str(out),
                 "--gray-levels", "8", "--threshold", "0.6", "--fuzziness", "2.5"])
    assert code == 0
    table = pd.read_csv(out, index_col="patient")
    expected = compute_dce_phenotypes(
        study["series"]["P1"], seed=SEED, gray_levels=8, membership_threshold=0.6,
        fuzziness=2.5,
    )
    np.testing.assert_allclose(table.loc["P1"].to_numpy(), expected.to_numpy(), rtol=1e-5)


def test_cli_missing_frame_goes_to_errors(study, tmp_path):
    rows = [dict(row) for row in study["rows"][:2]]
    for row in rows:
        row["frames"] = ";".join(
            str(study["folder"] / name) for name in row["frames"].split(";")
        )
    missing = dict(rows[0], patient="P9")
    missing["frames"] = missing["frames"].replace("frame3.nii.gz", "frame7.nii.gz")
    cases = write_cases(tmp_path / "cases.csv", [*rows, missing])
    out = tmp_path / "phenotypes.parquet"

    code = main(["features", "dce", "--cases", str(cases), "--out", str(out)])

    assert code == 1
    table = pd.read_parquet(out)
    assert list(table.index) == ["P1", "P2"]
    errors = pd.read_csv(tmp_path / "phenotypes_errors.csv")
    assert list(errors["patient"]) == ["P9"]
    assert "frame7.nii.gz" in errors.loc[0, "message"]
    assert "not found" in errors.loc[0, "message"]


def test_cli_rejects_existing_output(study, tmp_path, capsys):
    out = tmp_path / "phenotypes.csv"
    out.write_text("keep me\n")
    code = main(["features", "dce", "--cases", str(study["cases"]), "--out", str(out)])
    assert code == 1
    assert out.read_text() == "keep me\n"
    assert not (tmp_path / "phenotypes_errors.csv").exists()
    assert "--overwrite" in capsys.readouterr().err


def test_cli_rejects_existing_errors_file(study, tmp_path, capsys):
    errors = tmp_path / "phenotypes_errors.csv"
    errors.write_text("keep me\n")
    code = main(["features", "dce", "--cases", str(study["cases"]),
                 "--out", str(tmp_path / "phenotypes.csv")])
    assert code == 1
    assert errors.read_text() == "keep me\n"
    assert not (tmp_path / "phenotypes.csv").exists()


def test_cli_overwrite_replaces_output(study, tmp_path):
    out = tmp_path / "phenotypes.csv"
    out.write_text("old\n")
    (tmp_path / "phenotypes_errors.csv").write_text("old\n")
    code = main(["features", "dce", "--cases", str(study["cases"]), "--out", str(out),
                 "--overwrite"])
    assert code == 0
    assert pd.read_csv(out, index_col="patient").shape == (4, 36)
    assert list(pd.read_csv(tmp_path / "phenotypes_errors.csv").columns) == [
        "patient", "message"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--threshold", "1.5"], "membership_threshold"),
        (["--fuzziness", "1"], "fuzziness"),
        (["--gray-levels", "1"], "gray_levels"),
        (["--first-postcontrast-time", "-1"], "first_postcontrast_time"),
        (["--jobs", "0"], "--jobs 0"),
    ],
)
def test_cli_rejects_bad_setting(study, tmp_path, capsys, options, message):
    out = tmp_path / "phenotypes.csv"
    code = main(["features", "dce", "--cases", str(study["cases"]), "--out", str(out),
                 *options])
    assert code == 1
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_cli_rejects_unknown_suffix(study, tmp_path, capsys):
    code = main(["features", "dce", "--cases", str(study["cases"]),
                 "--out", str(tmp_path / "phenotypes.xlsx")])
    assert code == 1
    assert ".csv or .parquet" in capsys.readouterr().err


def test_cli_missing_cases_file(tmp_path, capsys):
    code = main(["features", "dce", "--cases", str(tmp_path / "absent.csv"),
                 "--out", str(tmp_path / "phenotypes.csv")])
    assert code == 1
    assert "absent.csv" in capsys.readouterr().err


def subcommand(parser, name):
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return actions[0].choices[name]


def test_help_defaults_match_library():
    dce = subcommand(subcommand(build_parser(), "features"), "dce")
    signature = inspect.signature(compute_dce_phenotypes).parameters
    checked = 0
    for action in dce._actions:
        if action.dest in signature:
            default = signature[action.dest].default
            assert f"(default {default:g})" in action.help, action.dest
            checked += 1
    assert checked == 7


# Cases-file parsing: every bad cell is reported with its line, column and value.

def read_text(tmp_path, text):
    path = tmp_path / "cases.csv"
    path.write_text(text, encoding="utf-8")
    return read_dce_cases(path)


def test_read_cases_resolves_paths(tmp_path):
    cases = read_text(
        tmp_path,
        "patient,frames,times,seed,box,mask\n"
        'A,a/0.nii;a/1.nii;/abs/2.nii,0;60;120,"1,2,3",,\n'
        'B,b/0.nii;b/1.nii;b/2.nii,0;61.5;130,,"0,4,0,5,1,6",\n'
        "C,c/0.nii;c/1.nii;c/2.nii,0;60;120,,,c/mask.nii\n",
    )
    assert [c.patient for c in cases] == ["A", "B", "C"]
    assert cases[0].frames == [str(tmp_path / "a/0.nii"), str(tmp_path / "a/1.nii"),
                               "/abs/2.nii"]
    assert cases[0].times == (0.0, 60.0, 120.0)
    assert cases[0].seed == (1, 2, 3)
    assert cases[1].box == (0, 4, 0, 5, 1, 6)
    assert cases[1].times == (0.0, 61.5, 130.0)
    assert cases[2].mask == str(tmp_path / "c/mask.nii")
    assert cases[2].seed is None
    assert cases[2].box is None


def test_read_cases_ignores_empty_extra_cells(tmp_path):
    cases = read_text(tmp_path, 'patient,dicom,seed\nA,d,"1,2,3",,\n')
    assert cases[0].seed == (1, 2, 3)


def test_read_cases_dicom_folder(tmp_path):
    cases = read_text(tmp_path, 'patient,dicom,seed\nA,scans/a,"4,5,6"\n')
    assert cases[0].dicom == str(tmp_path / "scans/a")
    assert cases[0].frames is None
    assert cases[0].seed == (4, 5, 6)


def test_read_cases_keeps_identifier_text(tmp_path):
    cases = read_text(tmp_path, 'patient,dicom,seed\n007,d,"1,2,3"\nNA,e,"1,2,3"\n')
    assert [c.patient for c in cases] == ["007", "NA"]


FRAMES = "f0.nii;f1.nii;f2.nii"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f'A,{FRAMES},0;60;120,"1,2",,', ["line 2, column 'seed'", "'1,2'", "2 value(s)"]),
        (f'A,{FRAMES},0;60;120,"1,x,3",,', ["column 'seed'", "'x'", "not a number"]),
        (f'A,{FRAMES},0;60;120,"1,2.5,3",,', ["column 'seed'", "'2.5'", "not a voxel index"]),
        (f'A,{FRAMES},0;60;120,"1,-2,3",,', ["column 'seed'", "'-2'"]),
        (f'A,{FRAMES},0;60;120,,"0,4,0,5,1",', ["column 'box'", "5 value(s)"]),
        (f'A,{FRAMES},0;60;120,,"0,4,5,5,1,6",', ["column 'box'", "y1 = 5"]),
        (f'A,{FRAMES},0;60;120,"1,2,3","0,4,0,5,1,6",', ["line 2", "'seed' and 'box'"]),
        (f"A,{FRAMES},0;60;120,,,", ["line 2", "got none"]),
        (f'A,{FRAMES},0;60,"1,2,3",,', ["column 'times'", "2 time(s)", "3 file(s)"]),
        (f'A,{FRAMES},0;sixty;120,"1,2,3",,', ["column 'times'", "'sixty'"]),
        (f'A,{FRAMES},0;120;60,"1,2,3",,', ["column 'times'", "strictly increasing"]),
        (f'A,{FRAMES},,"1,2,3",,', ["column 'times'", "empty"]),
        (f'A,{FRAMES},0;60;inf,"1,2,3",,', ["column 'times'", "'inf'"]),
        ('A,f0.nii;f1.nii,0;60,"1,2,3",,', ["column 'frames'", "2 file(s)"]),
        ('A,f0.nii;;f2.nii,0;60;120,"1,2,3",,', ["column 'frames'", "empty file name"]),
        (f',{FRAMES},0;60;120,"1,2,3",,', ["line 2, column 'patient'", "empty"]),
        (',,,"1,2,3",,', ["line 2", "'frames'", "neither"]),
        ("A,f0.nii;f1.nii;f2.nii,0;60;120,,0,4,0,5,1,6", ["line 2", "10 cells", "quote"]),
    ],
)
def test_read_cases_reports_bad_cell(tmp_path, line, expected):
    with pytest.raises(DCECasesError) as raised:
        read_text(tmp_path, f"patient,frames,times,seed,box,mask\n{line}\n")
    for text in expected:
        assert text in str(raised.value)


def test_read_cases_reports_every_line(tmp_path):
    with pytest.raises(DCECasesError) as raised:
        read_text(
            tmp_path,
            "patient,frames,times,seed\n"
            f'A,{FRAMES},0;60;120,"1,2,3"\n'
            f'B,{FRAMES},0;60;120,"1,2"\n'
            f"C,{FRAMES},0;60,\n",
        )
    message = str(raised.value)
    assert "3 invalid entries" in message
    assert "line 3, column 'seed'" in message
    assert "line 4, column 'times'" in message
    assert "line 4: give exactly one of" in message


def test_read_cases_rejects_repeated_patient(tmp_path):
    with pytest.raises(DCECasesError, match="line 3, column 'patient': 'A' repeats line 2"):
        read_text(tmp_path, 'patient,dicom,seed\nA,d1,"1,2,3"\nA,d2,"1,2,3"\n')


def test_read_cases_rejects_frames_with_dicom(tmp_path):
    with pytest.raises(DCECasesError, match="'frames' and 'dicom'"):
        read_text(tmp_path, f'patient,frames,times,dicom,seed\nA,{FRAMES},0;60;120,d,"1,2,3"\n')


def test_read_cases_rejects_times_with_dicom(tmp_path):
    with pytest.raises(DCECasesError, match="column 'times'.*DICOM headers"):
        read_text(tmp_path, 'patient,frames,times,dicom,seed\nA,,0;60;120,d,"1,2,3"\n')


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("id,frames,times,seed", "lacks the column 'patient'"),
        ("patient,seed", "lacks an image column"),
        ("patient,frames,seed", "no 'times' column"),
        ("patient,dicom", "lacks a lesion column"),
        ("patient,dicom,seed,seed", "repeats column"),
    ],
)
def test_read_cases_rejects_bad_header(tmp_path, header, message):
    with pytest.raises(DCECasesError, match=message):
        read_text(tmp_path, f"{header}\nA,x,y,z\n")


def test_read_cases_rejects_empty_file(tmp_path):
    with pytest.raises(DCECasesError, match="is empty"):
        read_text(tmp_path, "")
    with pytest.raises(DCECasesError, match="no case lines"):
        read_text(tmp_path, "patient,dicom,seed\n\n")


def test_read_cases_warns_unknown_column(tmp_path, caplog):
    with caplog.at_level("WARNING"):
        cases = read_text(tmp_path, 'patient,dicom,seed,note\nA,d,"1,2,3",left breast\n')
    assert len(cases) == 1
    assert "'note'" in caplog.text


def test_read_cases_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.csv"):
        read_dce_cases(tmp_path / "absent.csv")


def test_resolve_settings_fills_defaults():
    settings = resolve_dce_settings({"fuzziness": 2.5})
    assert settings["fuzziness"] == 2.5
    assert settings["membership_threshold"] == 0.5
    assert set(settings) == {
        name for name, parameter in
        inspect.signature(compute_dce_phenotypes).parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY
    }


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"fuzzyness": 2.0}, "unknown DCE phenotype setting"),
        ({"membership_threshold": 0.0}, "in \\(0.0, 1.0\\)"),
        ({"kinetic_clusters": 1}, "at least 2"),
        ({"gray_levels": 16.0}, "integer"),
        ({"roi_radius_mm": "40"}, "number"),
        ({"random_state": True}, "integer"),
        ({"random_state": 2**32}, "random_state"),
        ({"first_postcontrast_time": -1.0}, "first_postcontrast_time .* above 0.0 s"),
        ({"first_postcontrast_time": 0.0}, "above 0.0 s, got 0.0"),
    ],
)
def test_resolve_settings_rejects(settings, message):
    with pytest.raises(DCESettingsError, match=message):
        resolve_dce_settings(settings)


def test_cli_bad_cases_go_to_errors(study, tmp_path):
    folder = study["folder"]
    absolute = {
        row["patient"]: ";".join(str(folder / name) for name in row["frames"].split(";"))
        for row in study["rows"]
    }
    # The P3 mask with its origin moved by 50 mm along x: right shape, other grid.
    shifted = sitk.ReadImage(str(folder / "P3_mask.nii.gz"))
    shifted.SetOrigin((50.0, 0.0, 0.0))
    sitk.WriteImage(shifted, str(tmp_path / "shifted_mask.nii.gz"))
    # P1's frames with the second post-contrast frame cut to half its bytes.
    truncated = tmp_path / "truncated"
    truncated.mkdir()
    for index in range(len(TIMES)):
        data = (folder / "P1" / f"frame{index}.nii.gz").read_bytes()
        (truncated / f"frame{index}.nii.gz").write_bytes(data if index != 2 else
                                                         data[: len(data) // 2])
    rows = [
        {"patient": "background seed", "frames": absolute["P1"], "times": TIMES_TEXT,
         "seed": "1,1,1"},
        {"patient": "shifted mask", "frames": absolute["P3"], "times": TIMES_TEXT,
         "mask": str(tmp_path / "shifted_mask.nii.gz")},
        {"patient": "truncated frame", "frames": frame_names(truncated), "times": TIMES_TEXT,
         "seed": ",".join(map(str, SEED))},
        {"patient": "P1", "frames": absolute["P1"], "times": TIMES_TEXT,
         "seed": ",".join(map(str, SEED))},
    ]
    cases = write_cases(tmp_path / "cases.csv", rows)
    out = tmp_path / "phenotypes.csv"

    code = main(["features", "dce", "--cases", str(cases), "--out", str(out)])

    assert code == 1
    assert list(pd.read_csv(out, index_col="patient").index) == ["P1"]
    errors = pd.read_csv(tmp_path / "phenotypes_errors.csv", index_col="patient")
    assert set(errors.index) == {"background seed", "shifted mask", "truncated frame"}
    assert "seed (1, 1, 1)" in errors.loc["background seed", "message"]
    assert "Move the seed into the lesion" in errors.loc["background seed", "message"]
    assert "origin (x, y, z) DCE frames (0.0, 0.0, 0.0) vs mask (50.0, 0.0, 0.0)" in (
        errors.loc["shifted mask", "message"])
    assert "frame2.nii.gz: the file is truncated" in errors.loc["truncated frame", "message"]


def test_cli_small_sphere_volume(tmp_path):
    # A 9 mm sphere on a 1 mm grid is 1 % of the default 40 mm region, where two-class
    # fuzzy c-means once split the noise and returned 15,223 mm³.
    shape = (20, 48, 48)
    rng = np.random.default_rng(0)
    lesion = ellipsoid(shape, (1.0, 1.0, 1.0), (4.5, 4.5, 4.5))
    enhancement = np.where(lesion, 1.0, 0.15)
    frames = [np.full(shape, 100.0)]
    frames += [100.0 * (1 + scale * enhancement) for scale in (1.0, 0.95, 0.9, 0.85)]
    noisy = np.stack(frames) + rng.normal(0.0, 5.0, (len(frames), *shape))
    write_frames(DCESeries(noisy, TIMES, (1.0, 1.0, 1.0)), tmp_path / "S")
    cases = write_cases(tmp_path / "cases.csv", [
        {"patient": "S", "frames": frame_names(tmp_path / "S"), "times": TIMES_TEXT,
         "seed": "10,24,24"}])
    out = tmp_path / "phenotypes.csv"

    assert main(["features", "dce", "--cases", str(cases), "--out", str(out)]) == 0
    volume = pd.read_csv(out, index_col="patient").loc["S", C["S1"]]
    assert volume == pytest.approx(4.0 / 3.0 * np.pi * 4.5**3, rel=0.15)

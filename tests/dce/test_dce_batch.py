"""Phenotype tables from DCE image files, with failed cases left out and logged."""

import numpy as np
import pytest
import SimpleITK as sitk
from dce_phantoms import TIMES, realistic_lesion

from radiogenomics.features.dce import (
    DCE_PHENOTYPES,
    DCECase,
    compute_dce_phenotype_table,
    compute_dce_phenotypes,
)


def write_case(folder, seed):
    series, lesion = realistic_lesion(np.random.default_rng(seed), shape=(20, 40, 40), radius=5.0)
    paths = []
    for index, frame in enumerate(series.frames):
        image = sitk.GetImageFromArray(frame.astype(np.float32))
        image.SetSpacing(tuple(reversed(series.spacing)))
        path = folder / f"frame{index}.nii.gz"
        sitk.WriteImage(image, str(path))
        paths.append(path)
    mask = sitk.GetImageFromArray(lesion.astype(np.uint8))
    mask.SetSpacing(tuple(reversed(series.spacing)))
    sitk.WriteImage(mask, str(folder / "mask.nii.gz"))
    return paths


def test_table_from_files_matches_single_calls(tmp_path, caplog):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    frames_a = write_case(first, 0)
    frames_b = write_case(second, 1)
    cases = [
        DCECase("A", frames=frames_a, times=TIMES, seed=(10, 20, 20)),
        DCECase("B", frames=frames_b, times=TIMES, mask=second / "mask.nii.gz"),
        DCECase("C", frames=[tmp_path / "missing.nii.gz"] * 5, times=TIMES, seed=(1, 1, 1)),
    ]
    with caplog.at_level("WARNING"):
        table = compute_dce_phenotype_table(cases)

    assert list(table.columns) == list(DCE_PHENOTYPES.values())
    assert list(table.index) == ["A", "B"]
    assert "case C dropped" in caplog.text
    assert "missing.nii.gz" in table.attrs["failed"]["C"]

    series = cases[0].load_series()
    expected = compute_dce_phenotypes(series, seed=(10, 20, 20))
    np.testing.assert_allclose(table.loc["A"].to_numpy(), expected.to_numpy())


def test_table_rejects_repeated_patients(tmp_path):
    case = DCECase("A", dicom=tmp_path, seed=(0, 0, 0))
    with pytest.raises(ValueError, match="repeated"):
        compute_dce_phenotype_table([case, case])


def test_case_needs_one_image_source(tmp_path):
    case = DCECase("A", seed=(0, 0, 0))
    with pytest.raises(ValueError, match="either frames"):
        case.load_series()


def test_corrupt_files_drop_only_their_case(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    frames = write_case(good, 2)
    junk = tmp_path / "junk.nii.gz"
    junk.write_bytes(b"not an image")
    cases = [
        DCECase("good", frames=frames, times=TIMES, seed=(10, 20, 20)),
        DCECase("bad frame", frames=[junk] + frames[1:], times=TIMES, seed=(10, 20, 20)),
        DCECase("bad mask", frames=frames, times=TIMES, mask=junk),
    ]
    table = compute_dce_phenotype_table(cases)
    assert list(table.index) == ["good"]
    for patient in ("bad frame", "bad mask"):
        assert "cannot read image" in table.attrs["failed"][patient]
        assert "junk.nii.gz" in table.attrs["failed"][patient]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda image: image.SetOrigin((0.0, 50.0, 0.0)),
         r"origin \(x, y, z\) DCE frames \(0.0, 0.0, 0.0\) vs mask \(0.0, 50.0, 0.0\) mm"),
        (lambda image: image.SetSpacing((0.7, 0.7, 2.0)),
         r"spacing \(x, y, z\) DCE frames \(0\.69\d*, 0\.69\d*, 1\.600\d*\) vs mask "
         r"\(0\.69\d*, 0\.69\d*, 2\.0\) mm"),
        (lambda image: image.SetDirection((-1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0)),
         r"direction DCE frames \(1.0, 0.0"),
    ],
)
def test_mask_on_other_grid_raises(tmp_path, change, message):
    frames = write_case(tmp_path, 3)
    mask = sitk.ReadImage(str(tmp_path / "mask.nii.gz"))
    change(mask)
    moved = tmp_path / "moved_mask.nii.gz"
    sitk.WriteImage(mask, str(moved))
    case = DCECase("A", frames=frames, times=TIMES, mask=moved)
    series = case.load_series()

    with pytest.raises(ValueError, match=message):
        case.load_mask(series)
    table = compute_dce_phenotype_table([case])
    assert "moved_mask.nii.gz does not lie on the DCE grid" in table.attrs["failed"]["A"]


def test_mask_on_same_grid_loads(tmp_path):
    frames = write_case(tmp_path, 4)
    case = DCECase("A", frames=frames, times=TIMES, mask=tmp_path / "mask.nii.gz")
    _, lesion = realistic_lesion(np.random.default_rng(4), shape=(20, 40, 40), radius=5.0)
    np.testing.assert_array_equal(case.load_mask(case.load_series()), lesion)

"""Bad or degenerate inputs: each gets a clear error or a documented NaN."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from radiogenomics.features.image import ImageError, Volume, read_volume
from radiogenomics.features.pipeline import ExtractionError, extract

NON_TEXTURE = ["morphology", "local_intensity", "intensity", "histogram", "ivh"]
SETTINGS = {"discretisation": "fixed_bin_size", "bin_width": 1.0}


@pytest.fixture(scope="module")
def phantom(data_root):
    folder = data_root / "ibsi" / "ibsi_1_digital_phantom" / "nifti"
    image = read_volume(folder / "image" / "phantom.nii.gz")
    mask = read_volume(folder / "mask" / "mask.nii.gz")
    return image, mask


def _with_array(volume: Volume, array) -> Volume:
    return Volume(np.asarray(array), volume.spacing, volume.origin, volume.direction)


def test_empty_mask(phantom):
    image, mask = phantom
    with pytest.raises(ImageError, match="the mask is empty"):
        extract(image, _with_array(mask, np.zeros(mask.shape, np.int16)), SETTINGS)


def test_single_voxel_mask(phantom):
    image, mask = phantom
    single = np.zeros(mask.shape, np.int16)
    single[1, 2, 2] = 1
    row = extract(image, _with_array(mask, single), SETTINGS)
    assert row["morph_vol_approx"] == 8.0
    assert row["stat_mean"] == image.array[1, 2, 2]
    assert row["stat_var"] == 0.0
    # Undefined for a single voxel: a zero-variance shape and intensity distribution.
    assert np.isnan(row["morph_pca_elongation"])
    assert np.isnan(row["stat_skew"])
    assert np.isnan(row["morph_moran_i"])


def test_four_voxel_line(phantom):
    image, mask = phantom
    line = np.zeros(mask.shape, np.int16)
    line[1, 1, 0:4] = 1
    row = extract(image, _with_array(mask, line), SETTINGS)
    assert row["morph_vol_approx"] == 32.0
    assert row["morph_pca_maj_axis"] == pytest.approx(4 * np.sqrt(np.var([0, 2, 4, 6], ddof=1)))
    assert row["morph_pca_elongation"] == 0.0
    assert np.isnan(row["morph_vol_dens_aee"])
    assert np.isfinite(row["morph_volume"])


def test_constant_intensity_region(phantom):
    image, mask = phantom
    constant = _with_array(image, np.full(image.shape, 42, np.int16))
    row = extract(constant, mask, {"families": NON_TEXTURE, "bin_number": 16})
    assert row["stat_mean"] == 42.0
    assert row["stat_range"] == 0.0
    assert row["ih_entropy"] == 0.0
    assert np.isnan(row["stat_skew"])
    assert np.isnan(row["morph_moran_i"])
    assert row["loc_peak_glob"] == pytest.approx(42.0, rel=1e-12)


@pytest.mark.parametrize("scale", [255, 1.0])
def test_mask_stored_as_255_or_float(phantom, scale):
    image, mask = phantom
    reference = extract(image, mask, SETTINGS)
    rescaled = _with_array(
        mask, mask.array.astype(np.float32 if scale == 1.0 else np.uint8) * scale
    )
    row = extract(image, rescaled, SETTINGS)
    assert row.keys() == reference.keys()
    assert np.allclose(list(row.values()), list(reference.values()), equal_nan=True)


def test_fractional_mask_is_rejected(phantom):
    image, mask = phantom
    with pytest.raises(ImageError, match="fractional"):
        extract(image, _with_array(mask, mask.array * 0.7), SETTINGS)


def test_absent_label_lists_present_labels(phantom):
    image, mask = phantom
    labels = mask.array.astype(np.int16) * 3
    labels[0, 0, 0] = 5
    with pytest.raises(ImageError, match=r"label 2 is not in the mask; labels present: \[3, 5\]"):
        extract(image, _with_array(mask, labels), dict(SETTINGS, label=2))
    with pytest.raises(ImageError, match="several labels"):
        extract(image, _with_array(mask, labels), SETTINGS)


def test_mask_one_slice_shorter(phantom):
    image, mask = phantom
    shorter = _with_array(mask, mask.array[:-1])
    with pytest.raises(ImageError, match=r"size \(z, y, x\) image \(4, 4, 5\) vs mask \(3, 4, 5\)"):
        extract(image, shorter, SETTINGS)
    row = extract(image, shorter, dict(SETTINGS, resample_mask=True))
    assert row["morph_vol_approx"] == 8.0 * mask.array[:-1].sum()


def test_mask_origin_shifted(phantom):
    image, mask = phantom
    shifted = Volume(mask.array, mask.spacing, (0.01, 0.0, 0.0), mask.direction)
    with pytest.raises(
        ImageError,
        match=r"origin \(x, y, z\) image \(0.0, 0.0, 0.0\) vs mask "
        r"\(0.01, 0.0, 0.0\)",
    ):
        extract(image, shifted, SETTINGS)
    reference = extract(image, mask, SETTINGS)
    tolerant = extract(image, shifted, dict(SETTINGS, geometry_tolerance=0.02))
    resampled = extract(image, shifted, dict(SETTINGS, resample_mask=True))
    assert tolerant["morph_volume"] == reference["morph_volume"]
    assert resampled["morph_volume"] == reference["morph_volume"]


def test_nan_voxels_raise_or_are_excluded(phantom, caplog):
    image, mask = phantom
    values = image.array.astype(float)
    values[0, 0, 0] = np.nan
    with_nan = _with_array(image, values)
    with pytest.raises(ImageError, match="contains 1 NaN voxels \\(1 inside the mask\\)"):
        extract(with_nan, mask, SETTINGS)
    with caplog.at_level(logging.WARNING):
        row = extract(with_nan, mask, dict(SETTINGS, nan_policy="exclude"))
    assert "dropping 1 NaN voxels" in caplog.text
    assert row["morph_vol_approx"] == 8.0 * (mask.array.sum() - 1)
    assert np.isfinite(row["stat_mean"])


def test_numpy_inputs_need_spacing(phantom):
    image, mask = phantom
    with pytest.raises(ImageError, match="pass spacing"):
        extract(image.array, mask.array, SETTINGS)
    row = extract(image.array, mask.array, SETTINGS, spacing=(2.0, 2.0, 2.0))
    assert row["morph_volume"] == pytest.approx(556, abs=4)


def test_resegmentation_range_outside_roi(phantom):
    image, mask = phantom
    with pytest.raises(ExtractionError, match=r"intensities run from 1 to 6"):
        extract(image, mask, dict(SETTINGS, resegment_range=(100, 200)))


@pytest.mark.parametrize("suffix", [".nii.gz", ".nii", ".nrrd"])
def test_nan_voxel_survives_file_reading(phantom, tmp_path, suffix):
    # SimpleITK 2.5.7 (ITK 5) reads every NaN of a NIfTI file as 0, which would hide the
    # NaN from nan_policy.
    import SimpleITK as sitk

    image, mask = phantom
    values = image.array.astype(np.float32)
    values[1, 2, 2] = np.nan
    written = sitk.GetImageFromArray(values)
    written.SetSpacing(image.spacing[::-1])
    written.SetOrigin(image.origin)
    written.SetDirection(image.direction)
    path = tmp_path / f"nan{suffix}"
    sitk.WriteImage(written, str(path))

    stored = read_volume(path)
    assert np.isnan(stored.array[1, 2, 2])
    assert np.isnan(stored.array).sum() == 1
    with pytest.raises(ImageError, match="contains 1 NaN voxels"):
        extract(path, mask, SETTINGS)


def test_infinite_voxel_rejected(phantom):
    image, mask = phantom
    values = image.array.astype(np.float32)
    values[1, 2, 2] = np.inf
    with pytest.raises(ImageError, match="contains 1 infinite voxels"):
        extract(_with_array(image, values), mask, dict(SETTINGS, nan_policy="exclude"))

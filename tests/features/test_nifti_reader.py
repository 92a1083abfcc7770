"""The NIfTI-1 reader against nibabel: non-finite voxels that ITK zeroes, truncated files."""

import nibabel
import numpy as np
import pytest
import SimpleITK as sitk

from radiogenomics.features.image import ImageError, _read_nifti1_voxels, read_volume


@pytest.mark.parametrize("suffix", [".nii", ".nii.gz"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, ">f4"])
def test_float_voxels_equal_nibabel(tmp_path, suffix, dtype):
    values = np.random.default_rng(0).normal(size=(5, 6, 7)).astype(dtype)
    values[1, 2, 3] = np.nan
    values[4, 5, 6] = np.inf
    path = tmp_path / f"image{suffix}"
    image = nibabel.Nifti1Image(values, np.diag([0.5, 0.7, 2.0, 1.0]))
    image.header.set_slope_inter(2.0, -1.0)
    nibabel.save(image, path)
    expected = np.asanyarray(nibabel.load(path).dataobj).T
    voxels = _read_nifti1_voxels(path)
    assert voxels.shape == (7, 6, 5)
    np.testing.assert_allclose(voxels, expected, rtol=1e-6, equal_nan=True)


def test_big_endian_file_equals_nibabel(tmp_path):
    values = np.random.default_rng(1).normal(size=(4, 5, 6)).astype(np.float32)
    path = tmp_path / "big_endian.nii.gz"
    header = nibabel.Nifti1Header(endianness=">")
    nibabel.save(nibabel.Nifti1Image(values, np.eye(4), header=header), path)
    assert nibabel.load(path).header.endianness == ">"
    voxels = _read_nifti1_voxels(path)
    assert voxels.dtype.isnative
    np.testing.assert_array_equal(voxels, values.T)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint16, np.int32])
def test_integer_voxels_equal_nibabel(tmp_path, dtype):
    values = np.random.default_rng(2).integers(0, 200, size=(4, 5, 6)).astype(dtype)
    path = tmp_path / "mask.nii.gz"
    nibabel.save(nibabel.Nifti1Image(values, np.eye(4)), path)
    voxels = _read_nifti1_voxels(path)
    assert voxels.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(voxels, values.T)


@pytest.mark.parametrize("suffix", [".nii", ".nii.gz"])
def test_truncated_file_is_rejected(tmp_path, suffix):
    path = tmp_path / f"image{suffix}"
    values = np.random.default_rng(3).normal(size=(20, 20, 20)).astype(np.float32)
    nibabel.save(nibabel.Nifti1Image(values, np.eye(4)), path)
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(ImageError, match="truncated"):
        read_volume(path)


def test_truncated_mask_is_rejected(tmp_path):
    path = tmp_path / "mask.nii.gz"
    mask = np.zeros((30, 30, 30), dtype=np.uint8)
    mask[5:25, 5:25, 5:25] = 1
    nibabel.save(nibabel.Nifti1Image(mask, np.eye(4)), path)
    content = path.read_bytes()
    path.write_bytes(content[: len(content) * 2 // 3])
    with pytest.raises(ImageError, match=str(path.name)):
        read_volume(path)


def test_ct_phantom_matches_simpleitk(data_root):
    path = data_root / "ibsi" / "ibsi_1_ct_radiomics_phantom" / "nifti" / "image" / "phantom.nii.gz"
    volume = read_volume(path)
    reference = sitk.ReadImage(str(path))
    np.testing.assert_array_equal(volume.array, sitk.GetArrayFromImage(reference))
    assert volume.spacing == reference.GetSpacing()[::-1]
    assert volume.origin == reference.GetOrigin()
    assert volume.direction == reference.GetDirection()


@pytest.mark.parametrize("size", [0, 63])
def test_cut_header_names_the_problem(tmp_path, size):
    path = tmp_path / "image.nii.gz"
    values = np.zeros((4, 4, 4), dtype=np.float32)
    nibabel.save(nibabel.Nifti1Image(values, np.eye(4)), path)
    path.write_bytes(path.read_bytes()[:size])
    with pytest.raises(ImageError, match="cut short|truncated") as raised:
        read_volume(path)
    assert "sitk::ERROR" not in str(raised.value)
    assert "image.nii.gz" in str(raised.value)

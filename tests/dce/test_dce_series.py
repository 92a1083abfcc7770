"""DCE series: checks, relative enhancement and the NIfTI, NRRD and DICOM readers."""

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

from radiogenomics.features.dce import DCESeries, read_dce_dicom, read_dce_stack
from radiogenomics.features.dce.series import DCESeriesError, read_image_file

SHAPE = (4, 6, 5)


def frames_with_values(n_frames=4):
    rng = np.random.default_rng(0)
    base = 2.0 * rng.integers(25, 75, SHAPE)  # even, so every frame is integer-valued
    return np.stack([base * (1 + 0.5 * k) for k in range(n_frames)])


def test_relative_enhancement_is_fraction():
    frames = frames_with_values()
    series = DCESeries(frames, [0, 60, 120, 180], (2.0, 1.0, 1.0))
    enhancement = series.relative_enhancement()
    np.testing.assert_allclose(enhancement[:, 0, 0, 0], [0.5, 1.0, 1.5])
    mask = np.zeros(SHAPE, dtype=bool)
    mask[1, 2, 3] = True
    np.testing.assert_allclose(series.relative_enhancement(mask), [[0.5, 1.0, 1.5]])


def test_zero_baseline_gives_nan():
    frames = frames_with_values()
    frames[:, 0, 0, 0] = [0.0, 10.0, 20.0, 30.0]
    enhancement = DCESeries(frames, [0, 60, 120, 180]).relative_enhancement()
    assert np.isnan(enhancement[:, 0, 0, 0]).all()


def test_kinetic_clock_starts_at_60_s():
    series = DCESeries(frames_with_values(), [0, 95, 185, 275])
    np.testing.assert_allclose(series.kinetic_times(), [60, 150, 240])


@pytest.mark.parametrize(
    ("times", "message"),
    [([0, 60, 60, 120], "strictly increasing"), ([0, 60, 120], "one acquisition time")],
)
def test_series_rejects_bad_times(times, message):
    with pytest.raises(ValueError, match=message):
        DCESeries(frames_with_values(), times)


def test_series_rejects_two_frames():
    with pytest.raises(ValueError, match="at least two post-contrast"):
        DCESeries(frames_with_values(2), [0, 60])


@pytest.mark.parametrize("suffix", [".nii.gz", ".nrrd"])
def test_read_stack(tmp_path, suffix):
    frames = frames_with_values()
    paths = []
    for index, frame in enumerate(frames):
        image = sitk.GetImageFromArray(frame.astype(np.int16))
        image.SetSpacing((0.7, 0.8, 2.0))
        image.SetOrigin((10.0, -5.0, 3.0))
        path = tmp_path / f"frame{index}{suffix}"
        sitk.WriteImage(image, str(path))
        paths.append(path)
    series = read_dce_stack(paths, [0, 90, 180, 270])
    np.testing.assert_array_equal(series.frames, frames)
    assert series.spacing == pytest.approx((2.0, 0.8, 0.7))
    assert series.origin == pytest.approx((3.0, -5.0, 10.0))


def test_read_stack_rejects_other_grid(tmp_path):
    paths = []
    for index, size in enumerate([(5, 6, 4), (5, 6, 4), (5, 6, 3)]):
        image = sitk.Image(size, sitk.sitkInt16)
        path = tmp_path / f"frame{index}.nii.gz"
        sitk.WriteImage(image, str(path))
        paths.append(path)
    with pytest.raises(ValueError, match="different grid"):
        read_dce_stack(paths, [0, 60, 120])


def write_dicom_slice(path, pixels, z_mm, series_uid, acquisition_time, temporal=None):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset = pydicom.Dataset()
    dataset.file_meta = meta
    dataset.SOPClassUID = MRImageStorage
    dataset.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    dataset.SeriesInstanceUID = series_uid
    dataset.Modality = "MR"
    dataset.AcquisitionTime = acquisition_time
    if temporal is not None:
        dataset.TemporalPositionIdentifier = temporal
    dataset.ImagePositionPatient = [0.0, 0.0, z_mm]
    dataset.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    dataset.PixelSpacing = [0.8, 0.7]
    dataset.SliceThickness = 2.0
    dataset.Rows, dataset.Columns = pixels.shape
    dataset.SamplesPerPixel = 1
    dataset.PhotometricInterpretation = "MONOCHROME2"
    dataset.BitsAllocated = 16
    dataset.BitsStored = 16
    dataset.HighBit = 15
    dataset.PixelRepresentation = 0
    dataset.PixelData = pixels.astype(np.uint16).tobytes()
    dataset.save_as(path, enforce_file_format=True)


ACQUISITION_TIMES = ["101500", "101630.5", "101800", "101930"]


@pytest.mark.parametrize("layout", ["series per time point", "temporal positions"])
def test_read_dicom_orders_by_acquisition_time(tmp_path, layout):
    frames = frames_with_values()
    one_series = generate_uid()
    # Files are written in a shuffled order with uninformative names.
    jobs = [(t, z) for t in range(len(frames)) for z in range(SHAPE[0])]
    order = np.random.default_rng(1).permutation(len(jobs))
    series_uids = [generate_uid() for _ in frames]
    for file_index, job in enumerate(order):
        t, z = jobs[job]
        if layout == "series per time point":
            uid, temporal = series_uids[t], None
        else:
            uid, temporal = one_series, t + 1
        write_dicom_slice(
            tmp_path / f"IM{file_index:04d}", frames[t, z], 2.0 * z, uid,
            ACQUISITION_TIMES[t], temporal,
        )
    series = read_dce_dicom(tmp_path)
    np.testing.assert_array_equal(series.frames, frames)
    np.testing.assert_allclose(series.times, [0.0, 90.5, 180.0, 270.0])
    assert series.spacing == pytest.approx((2.0, 0.8, 0.7))


def test_read_dicom_needs_three_time_points(tmp_path):
    frames = frames_with_values(2)
    for t in range(2):
        uid = generate_uid()
        for z in range(SHAPE[0]):
            write_dicom_slice(tmp_path / f"t{t}z{z}.dcm", frames[t, z], 2.0 * z, uid,
                              ACQUISITION_TIMES[t])
    with pytest.raises(ValueError, match="2 time point"):
        read_dce_dicom(tmp_path)


def test_integer_frames_stored_as_float32():
    frames = frames_with_values().astype(np.int16)
    series = DCESeries(frames, [0, 60, 120, 180])
    assert series.frames.dtype == np.float32
    np.testing.assert_allclose(
        series.relative_enhancement(), DCESeries(frames.astype(float), [0, 60, 120, 180])
        .relative_enhancement(), rtol=1e-6,
    )


@pytest.mark.parametrize("suffix", [".nii.gz", ".nii"])
def test_read_image_rejects_truncated_file(tmp_path, suffix):
    # SimpleITK 2.5.7 reads a truncated NIfTI file and fills the missing voxels with zeros.
    complete = tmp_path / f"frame{suffix}"
    array = np.random.default_rng(0).normal(100.0, 5.0, (20, 48, 48)).astype(np.float32)
    sitk.WriteImage(sitk.GetImageFromArray(array), str(complete))
    data = complete.read_bytes()
    truncated = tmp_path / f"half{suffix}"
    truncated.write_bytes(data[: len(data) // 2])

    np.testing.assert_array_equal(sitk.GetArrayFromImage(read_image_file(complete)), array)
    with pytest.raises(DCESeriesError, match=r"half\.nii.* is truncated"):
        read_image_file(truncated)


def test_read_image_file_size_from_header(tmp_path):
    # 20 x 48 x 48 float32 voxels (184,320 bytes) after the 352-byte NIfTI-1 header.
    path = tmp_path / "frame.nii"
    sitk.WriteImage(sitk.GetImageFromArray(np.zeros((20, 48, 48), np.float32)), str(path))
    assert path.stat().st_size == 352 + 20 * 48 * 48 * 4
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(DCESeriesError, match="voxels end after 184319 of 184320 bytes"):
        read_image_file(path)


def test_read_stack_rejects_other_direction(tmp_path):
    paths = []
    for index in range(3):
        image = sitk.Image((5, 6, 4), sitk.sitkInt16)
        if index == 2:
            image.SetDirection((0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0))
        path = tmp_path / f"frame{index}.nii.gz"
        sitk.WriteImage(image, str(path))
        paths.append(path)
    with pytest.raises(ValueError, match=r"frame2\.nii\.gz lies on a different grid.*direction"):
        read_dce_stack(paths, [0, 60, 120])


def test_series_repr_is_summary():
    series = DCESeries(frames_with_values(), [0, 60, 120, 180], (2.0, 0.7, 0.7))
    assert repr(series) == (
        "DCESeries(n_frames=4, shape=(4, 6, 5), spacing=(2, 0.7, 0.7) mm, "
        "times=[0, 60, 120, 180] s, dtype=float64)"
    )


def test_series_repr_shortens_long_times():
    frames = np.ones((10, 2, 2, 2), dtype=np.int16)
    series = DCESeries(frames, np.arange(10) * 30.5)
    assert repr(series) == (
        "DCESeries(n_frames=10, shape=(2, 2, 2), spacing=(1, 1, 1) mm, "
        "times=[0, 30.5, 61, ..., 213.5, 244, 274.5] s, dtype=float32)"
    )


@pytest.mark.parametrize("as_path", [False, True])
def test_read_stack_rejects_single_path(tmp_path, as_path):
    path = tmp_path / "frame0.nii.gz"
    sitk.WriteImage(sitk.Image((5, 6, 4), sitk.sitkInt16), str(path))
    single = path if as_path else str(path)
    with pytest.raises(ValueError) as error:
        read_dce_stack(single, [0, 60, 120])
    assert str(error.value) == (
        f"paths must be a list of files, one per frame, got the single path {single!r}; "
        "give the pre-contrast file first, then one file per post-contrast frame"
    )


@pytest.mark.parametrize("start", [-5.0, 0.0, float("nan")])
def test_kinetic_clock_rejects_start_not_above_zero(start):
    series = DCESeries(frames_with_values(), [0, 95, 185, 275])
    with pytest.raises(ValueError) as error:
        series.kinetic_times(start)
    assert str(error.value) == (
        f"first_postcontrast_time must be above 0 s, got {start!r}, because the uptake "
        "rates K3 and E3 divide by a time to peak"
    )

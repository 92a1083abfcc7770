"""DICOM series, RTSTRUCT and SEG readers on the IBSI CT phantom and broken copies of it.

The phantom ships both as DICOM (CT series + RTSTRUCT) and as NIfTI written by the IBSI; the
NIfTI files are the external reference for voxel values, geometry and the GTV mask.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from radiogenomics.cli import main
from radiogenomics.io.dicom_seg import list_segments, read_dicom_seg
from radiogenomics.io.dicom_series import (
    FRAME_OF_REFERENCE_KEY,
    check_series,
    list_series,
    read_dicom_series,
)
from radiogenomics.io.exceptions import DicomError
from radiogenomics.io.rtstruct import list_rois, read_rtstruct

PHANTOM = Path("ibsi") / "ibsi_1_ct_radiomics_phantom"


@pytest.fixture(scope="module")
def phantom(data_root) -> Path:
    return data_root / PHANTOM


@pytest.fixture(scope="module")
def ct_image(phantom):
    return read_dicom_series(phantom / "dicom" / "image")


@pytest.fixture(scope="module")
def nifti_image(phantom):
    return sitk.ReadImage(str(phantom / "nifti" / "image" / "phantom.nii.gz"))


@pytest.fixture(scope="module")
def nifti_mask(phantom) -> np.ndarray:
    mask = sitk.ReadImage(str(phantom / "nifti" / "mask" / "mask.nii.gz"))
    return sitk.GetArrayFromImage(mask).astype(bool)


@pytest.fixture()
def series_copy(phantom, tmp_path) -> Path:
    """A writable copy of the CT series, with files renamed so that name order is random."""
    folder = tmp_path / "series"
    folder.mkdir()
    files = sorted((phantom / "dicom" / "image").glob("*.dcm"))
    permutation = np.random.default_rng(7).permutation(len(files))
    for new_index, old_index in enumerate(permutation):
        shutil.copy(files[old_index], folder / f"slice_{new_index:03d}.dcm")
    return folder


def dice(a: np.ndarray, b: np.ndarray) -> float:
    return 2.0 * np.logical_and(a, b).sum() / (a.sum() + b.sum())


def _sorted_by_height(folder: Path) -> list[Path]:
    return sorted(
        folder.glob("*.dcm"),
        key=lambda path: float(
            pydicom.dcmread(path, stop_before_pixels=True).ImagePositionPatient[2]
        ),
    )


def test_ct_values_equal_nifti(ct_image, nifti_image):
    loaded = sitk.GetArrayFromImage(ct_image)
    reference = sitk.GetArrayFromImage(nifti_image)
    assert loaded.shape == reference.shape == (60, 201, 204)
    assert np.array_equal(loaded, reference)


def test_ct_geometry_equal_nifti(ct_image, nifti_image):
    assert ct_image.GetSpacing() == pytest.approx(nifti_image.GetSpacing(), abs=1e-5)
    assert ct_image.GetOrigin() == pytest.approx(nifti_image.GetOrigin(), abs=1e-4)
    assert ct_image.GetDirection() == pytest.approx(nifti_image.GetDirection(), abs=1e-6)


def test_ct_rescaled_to_hounsfield(ct_image, phantom):
    first = pydicom.dcmread(_sorted_by_height(phantom / "dicom" / "image")[0])
    expected = first.pixel_array * float(first.RescaleSlope) + float(first.RescaleIntercept)
    assert float(first.RescaleIntercept) == -1000.0
    assert np.array_equal(sitk.GetArrayFromImage(ct_image)[0], expected)


def test_frame_of_reference_kept(ct_image, phantom):
    first = pydicom.dcmread(next((phantom / "dicom" / "image").glob("*.dcm")))
    assert ct_image.GetMetaData(FRAME_OF_REFERENCE_KEY) == first.FrameOfReferenceUID


def test_rtstruct_matches_nifti_mask(ct_image, phantom, nifti_mask):
    masks = read_rtstruct(phantom / "dicom" / "mask" / "DCM_RS_00060.dcm", ct_image)
    assert list(masks) == ["GTV-1"]
    mask = sitk.GetArrayFromImage(masks["GTV-1"]).astype(bool)
    assert dice(mask, nifti_mask) >= 0.995
    assert masks["GTV-1"].GetOrigin() == ct_image.GetOrigin()


def test_rtstruct_lists_rois(phantom):
    rois = list_rois(phantom / "dicom" / "mask" / "DCM_RS_00060.dcm")
    assert rois["roi_name"].tolist() == ["GTV-1"]
    assert rois["n_contours"].tolist() == [26]


def test_rtstruct_unknown_roi_named(ct_image, phantom):
    with pytest.raises(DicomError, match="GTV-2.*GTV-1"):
        read_rtstruct(phantom / "dicom" / "mask" / "DCM_RS_00060.dcm", ct_image, ["GTV-2"])


def test_rtstruct_rejects_ct_file(ct_image, phantom):
    ct_file = next((phantom / "dicom" / "image").glob("*.dcm"))
    with pytest.raises(DicomError, match="not an RT Structure Set"):
        read_rtstruct(ct_file, ct_image)


def test_rtstruct_other_frame_of_reference(ct_image, phantom):
    foreign = sitk.Image(ct_image)
    foreign.SetMetaData(FRAME_OF_REFERENCE_KEY, "1.2.3.4")
    with pytest.raises(DicomError, match="frame of reference"):
        read_rtstruct(phantom / "dicom" / "mask" / "DCM_RS_00060.dcm", foreign)


def test_slice_order_ignores_file_names(series_copy, nifti_image):
    image = read_dicom_series(series_copy)
    assert np.array_equal(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(nifti_image))


def test_missing_slice_reported(series_copy):
    _sorted_by_height(series_copy)[30].unlink()
    with pytest.raises(DicomError, match="missing slices"):
        read_dicom_series(series_copy)
    report = check_series(series_copy)
    assert len(report.missing_slices) == 1
    assert report.missing_slices[0][1] - report.missing_slices[0][0] == pytest.approx(6.0)


def test_missing_slice_filled_on_request(series_copy, nifti_image):
    _sorted_by_height(series_copy)[30].unlink()
    image = read_dicom_series(series_copy, allow_missing_slices=True)
    assert image.GetSize() == nifti_image.GetSize()
    reference = sitk.GetArrayFromImage(nifti_image)
    loaded = sitk.GetArrayFromImage(image)
    assert np.array_equal(loaded[29], reference[29])
    assert np.array_equal(loaded[31], reference[31])
    assert (loaded[30] == reference.min()).all()


def test_duplicated_slice_skipped(series_copy, nifti_image):
    duplicate = _sorted_by_height(series_copy)[10]
    shutil.copy(duplicate, series_copy / "zz_copy_of_slice.dcm")
    report = check_series(series_copy)
    assert [path.name for path in report.duplicate_files] == ["zz_copy_of_slice.dcm"]
    image = read_dicom_series(series_copy)
    assert np.array_equal(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(nifti_image))


def test_two_instances_same_position_rejected(series_copy):
    source = _sorted_by_height(series_copy)[10]
    dataset = pydicom.dcmread(source)
    dataset.SOPInstanceUID = pydicom.uid.generate_uid()
    dataset.save_as(series_copy / "other_instance.dcm")
    with pytest.raises(DicomError, match="same position"):
        read_dicom_series(series_copy)


def test_rotated_slice_rejected(series_copy):
    target = _sorted_by_height(series_copy)[5]
    dataset = pydicom.dcmread(target)
    dataset.ImageOrientationPatient = [0.0, 1.0, 0.0, 1.0, 0.0, 0.0]
    dataset.save_as(target)
    with pytest.raises(DicomError, match="mixed slice orientations.*" + target.name):
        read_dicom_series(series_copy)


def test_non_dicom_file_skipped(series_copy, nifti_image):
    (series_copy / "notes.txt").write_text("scanned on Tuesday\n")
    report = check_series(series_copy)
    assert [path.name for path in report.non_dicom_files] == ["notes.txt"]
    image = read_dicom_series(series_copy)
    assert np.array_equal(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(nifti_image))


def test_several_series_need_selection(series_copy, phantom):
    second = series_copy / "second"
    second.mkdir()
    new_uid = pydicom.uid.generate_uid()
    for path in _sorted_by_height(series_copy)[:3]:
        dataset = pydicom.dcmread(path)
        dataset.SeriesInstanceUID = new_uid
        dataset.SOPInstanceUID = pydicom.uid.generate_uid()
        dataset.SeriesDescription = "scout copy"
        dataset.save_as(second / path.name)

    listing = list_series(series_copy)
    assert sorted(listing["n_files"]) == [3, 60]
    with pytest.raises(DicomError, match="2 image series"):
        read_dicom_series(series_copy)
    image = read_dicom_series(series_copy, series_uid=new_uid)
    assert image.GetSize()[2] == 3


def test_empty_folder_rejected(tmp_path):
    with pytest.raises(DicomError, match="no DICOM image slices"):
        read_dicom_series(tmp_path)


@pytest.fixture(scope="module")
def seg_file(phantom, nifti_mask, tmp_path_factory) -> Path:
    """A binary DICOM SEG of the GTV built with highdicom from the NIfTI mask."""
    import highdicom as hd
    from pydicom.sr.codedict import codes

    sources = [pydicom.dcmread(path) for path in _sorted_by_height(phantom / "dicom" / "image")]
    description = hd.seg.SegmentDescription(
        segment_number=1,
        segment_label="GTV-1",
        segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
        segmented_property_type=codes.SCT.Neoplasm,
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
    )
    seg = hd.seg.Segmentation(
        source_images=sources,
        pixel_array=nifti_mask,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[description],
        series_instance_uid=hd.UID(),
        series_number=2,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="radiogenomics tests",
        manufacturer_model_name="highdicom",
        software_versions="0",
        device_serial_number="0",
    )
    path = tmp_path_factory.mktemp("seg") / "gtv_seg.dcm"
    seg.save_as(path)
    return path


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_seg_round_trip_equals_mask(seg_file, ct_image, nifti_mask):
    assert list_segments(seg_file)["segment_label"].tolist() == ["GTV-1"]
    masks = read_dicom_seg(seg_file, ct_image)
    mask = sitk.GetArrayFromImage(masks["GTV-1"]).astype(bool)
    assert np.array_equal(mask, nifti_mask)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_seg_on_shifted_grid_rejected(seg_file, ct_image):
    shifted = sitk.Image(ct_image)
    origin = np.array(ct_image.GetOrigin())
    shifted.SetOrigin(tuple(origin + [0.4, 0.0, 0.0]))
    with pytest.raises(DicomError, match="offset from the reference grid"):
        read_dicom_seg(seg_file, shifted)


def test_convert_command_writes_nifti(phantom, tmp_path, nifti_image, nifti_mask, capsys):
    out = tmp_path / "converted"
    code = main(
        [
            "convert",
            str(phantom / "dicom" / "image"),
            "--rtstruct",
            str(phantom / "dicom" / "mask" / "DCM_RS_00060.dcm"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["image.nii.gz", "mask_GTV-1.nii.gz"]
    assert str(out / "mask_GTV-1.nii.gz") in capsys.readouterr().out

    image = sitk.ReadImage(str(out / "image.nii.gz"))
    assert np.array_equal(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(nifti_image))
    assert image.GetOrigin() == pytest.approx(nifti_image.GetOrigin(), abs=1e-3)
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(out / "mask_GTV-1.nii.gz"))).astype(bool)
    assert dice(mask, nifti_mask) >= 0.995


def test_convert_command_reports_bad_folder(tmp_path, capsys):
    code = main(["convert", str(tmp_path / "absent"), "--out", str(tmp_path / "out")])
    assert code == 1
    assert "DICOM folder not found" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_uneven_slice_spacing_rejected(series_copy):
    target = _sorted_by_height(series_copy)[30]
    dataset = pydicom.dcmread(target)
    position = [float(value) for value in dataset.ImagePositionPatient]
    dataset.ImagePositionPatient = [position[0], position[1], position[2] + 1.0]
    dataset.save_as(target)
    with pytest.raises(DicomError, match="non-uniform slice spacing"):
        read_dicom_series(target.parent)


def test_structure_set_beside_series_skipped(phantom, nifti_image):
    image = read_dicom_series(phantom / "dicom")
    assert np.array_equal(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(nifti_image))


def test_rtstruct_half_voxel_shift_detected(ct_image, phantom, nifti_mask):
    # A grid shifted by half a voxel in-plane must fail the 0.995 Dice bound that the
    # unshifted grid passes, or the bound could not detect an offset.
    shifted = sitk.Image(ct_image)
    spacing = np.array(ct_image.GetSpacing())
    shifted.SetOrigin(tuple(np.array(ct_image.GetOrigin()) + [spacing[0] / 2, spacing[1] / 2, 0]))
    masks = read_rtstruct(phantom / "dicom" / "mask" / "DCM_RS_00060.dcm", shifted)
    mask = sitk.GetArrayFromImage(masks["GTV-1"]).astype(bool)
    assert 0.95 < dice(mask, nifti_mask) < 0.995


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_convert_command_with_seg(phantom, seg_file, tmp_path, nifti_mask):
    out = tmp_path / "converted"
    code = main(
        ["convert", str(phantom / "dicom" / "image"), "--seg", str(seg_file), "--out", str(out)]
    )
    assert code == 0
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(out / "mask_GTV-1.nii.gz"))).astype(bool)
    assert np.array_equal(mask, nifti_mask)


def _write_dynamic_copy(phantom, folder, phase_tags, offsets):
    """Write ten phantom slices once per phase, with stored values raised by ``offsets``."""
    sources = _sorted_by_height(phantom / "dicom" / "image")[:10]
    folder.mkdir()
    for phase, (tags, offset) in enumerate(zip(phase_tags, offsets, strict=True)):
        for index, path in enumerate(sources):
            dataset = pydicom.dcmread(path)
            dataset.SOPInstanceUID = pydicom.uid.generate_uid()
            for keyword, value in tags.items():
                setattr(dataset, keyword, value)
            dataset.PixelData = (dataset.pixel_array + offset).astype(np.uint16).tobytes()
            dataset.InstanceNumber = phase * 10 + index + 1
            dataset.save_as(folder / f"{(index * 7 + phase * 3) % 97:03d}_{phase}.dcm")
    return sources


def test_dynamic_series_by_temporal_position(phantom, tmp_path, nifti_image):
    from radiogenomics.io.dicom_dynamic import read_dynamic_series

    folder = tmp_path / "dce"
    phase_tags = [
        {"TemporalPositionIdentifier": 1, "AcquisitionTime": "120000"},
        {"TemporalPositionIdentifier": 2, "AcquisitionTime": "120130.5"},
    ]
    _write_dynamic_copy(phantom, folder, phase_tags, [0, 100])
    with pytest.raises(DicomError, match="read_dynamic_series"):
        read_dicom_series(folder)

    dynamic = read_dynamic_series(folder)

    assert dynamic.grouped_by == "temporal_position"
    assert len(dynamic.images) == 2
    assert dynamic.times.tolist() == pytest.approx([0.0, 90.5])
    first, second = (sitk.GetArrayFromImage(image) for image in dynamic.images)
    assert np.array_equal(first, sitk.GetArrayFromImage(nifti_image)[:10])
    assert np.array_equal(second - first, np.full_like(first, 100))
    assert dynamic.images[1].GetOrigin() == dynamic.images[0].GetOrigin()


def test_dynamic_series_by_acquisition_time(phantom, tmp_path):
    from radiogenomics.io.dicom_dynamic import read_dynamic_series

    folder = tmp_path / "dce"
    phase_tags = [{"AcquisitionTime": "083000"}, {"AcquisitionTime": "083100"}]
    _write_dynamic_copy(phantom, folder, phase_tags, [0, 50])

    dynamic = read_dynamic_series(folder)

    assert dynamic.grouped_by == "acquisition_time"
    assert dynamic.times.tolist() == pytest.approx([0.0, 60.0])
    difference = sitk.GetArrayFromImage(dynamic.images[1]) - sitk.GetArrayFromImage(
        dynamic.images[0]
    )
    assert (difference == 50).all()


def test_dynamic_series_uneven_repeats(phantom, tmp_path):
    from radiogenomics.io.dicom_dynamic import read_dynamic_series

    folder = tmp_path / "dce"
    phase_tags = [{"AcquisitionTime": "083000"}, {"AcquisitionTime": "083100"}]
    _write_dynamic_copy(phantom, folder, phase_tags, [0, 50])
    next(folder.glob("*_1.dcm")).unlink()
    with pytest.raises(DicomError, match="repeat \\[1, 2\\] times"):
        read_dynamic_series(folder)


def test_truncated_slice_reported(series_copy, tmp_path, capsys):
    damaged = _sorted_by_height(series_copy)[12]
    damaged.write_bytes(damaged.read_bytes()[:2000])
    out = tmp_path / "out"

    code = main(["convert", str(series_copy), "--out", str(out)])

    assert code == 1
    error = capsys.readouterr().err
    assert f"cannot read the pixel data of {damaged}" in error
    assert "fetch the series again" in error
    assert "Traceback" not in error
    assert not out.exists()


def test_missing_slice_message_names_flag(series_copy):
    _sorted_by_height(series_copy)[30].unlink()
    with pytest.raises(DicomError, match="--allow-missing-slices"):
        read_dicom_series(series_copy)


def test_rtstruct_text_file_message(ct_image, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not DICOM\n")

    with pytest.raises(DicomError) as raised:
        read_rtstruct(text, ct_image)

    assert "is not a DICOM file" in str(raised.value)
    assert "force=True" not in str(raised.value)


def convert_args(phantom, out, *extra):
    return ["convert", str(phantom / "dicom" / "image"), "--out", str(out), *extra]


def test_convert_existing_folder_rejected(phantom, tmp_path, capsys):
    out = tmp_path / "converted"
    out.mkdir()
    (out / "mask_GTV-1.nii.gz").write_bytes(b"earlier mask")

    code = main(convert_args(phantom, out))

    assert code == 1
    assert "--overwrite" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["mask_GTV-1.nii.gz"]


def test_convert_overwrite_drops_stale_masks(phantom, tmp_path, nifti_image):
    out = tmp_path / "converted"
    rtstruct = str(phantom / "dicom" / "mask" / "DCM_RS_00060.dcm")
    assert main(convert_args(phantom, out, "--rtstruct", rtstruct)) == 0

    code = main(convert_args(phantom, out, "--overwrite"))

    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["image.nii.gz"]
    image = sitk.ReadImage(str(out / "image.nii.gz"))
    assert np.array_equal(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(nifti_image))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["converted"]


def test_convert_overwrite_keeps_other_files(phantom, tmp_path, capsys):
    out = tmp_path / "project"
    out.mkdir()
    (out / "image.nii.gz").write_bytes(b"earlier image")
    (out / "notes.txt").write_text("my notes")

    code = main(convert_args(phantom, out, "--overwrite"))

    assert code == 1
    assert "'notes.txt'" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "my notes"
    assert (out / "image.nii.gz").read_bytes() == b"earlier image"


def test_convert_out_is_file_rejected(phantom, tmp_path, capsys):
    out = tmp_path / "out.nii.gz"
    out.write_bytes(b"a file")

    code = main(convert_args(phantom, out))

    assert code == 1
    assert "is a file, not a folder" in capsys.readouterr().err
    assert out.read_bytes() == b"a file"


def test_convert_failure_keeps_earlier_output(series_copy, tmp_path):
    out = tmp_path / "converted"
    out.mkdir()
    (out / "image.nii.gz").write_bytes(b"earlier image")
    _sorted_by_height(series_copy)[30].unlink()

    code = main(["convert", str(series_copy), "--out", str(out), "--overwrite"])

    assert code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["converted", "series"]
    assert (out / "image.nii.gz").read_bytes() == b"earlier image"

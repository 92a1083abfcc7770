"""Read a folder of single-frame DICOM slices as one 3-D image.

Slices are ordered by their position along the slice normal, which is the cross product of the
row and column direction cosines of Image Orientation Patient (DICOM PS3.3 C.7.6.2.1.1). File
names and Instance Numbers are ignored because neither is guaranteed to follow anatomy.
Stored values are mapped to output units with Rescale Slope and Rescale Intercept
(PS3.3 C.11.1.1.2), which gives Hounsfield units for CT.

The result is a :class:`SimpleITK.Image` in the DICOM patient coordinate system (LPS, mm), with
the series, frame of reference and modality stored as image metadata under their DICOM tags.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
from pydicom.errors import InvalidDicomError

from radiogenomics.io.exceptions import DicomError

logger = logging.getLogger(__name__)

# Metadata keys of the returned image, in SimpleITK's "gggg|eeee" tag notation.
SERIES_UID_KEY = "0020|000e"
FRAME_OF_REFERENCE_KEY = "0020|0052"
MODALITY_KEY = "0008|0060"
SOP_INSTANCE_UIDS_KEY = "radiogenomics|sop_instance_uids"

# Tolerances of the geometry checks. Direction cosines are unit vectors, so 1e-4 is about
# 0.006 degrees; slice positions are in mm and stored with about 1e-5 mm precision.
ORIENTATION_TOLERANCE = 1e-4
POSITION_TOLERANCE_MM = 1e-3

_IMAGE_TAGS = ["SeriesInstanceUID", "ImagePositionPatient", "ImageOrientationPatient"]


@dataclass
class SliceHeader:
    """Header fields of one slice file that the volume assembly needs."""

    path: Path
    series_uid: str
    sop_instance_uid: str
    modality: str
    series_description: str
    instance_number: int | None
    position: np.ndarray
    orientation: np.ndarray
    rows: int
    columns: int
    pixel_spacing: tuple[float, float]
    frame_of_reference_uid: str
    number_of_frames: int
    temporal_position: int | None = None
    acquisition_number: int | None = None
    trigger_time: float | None = None
    acquisition_time: str = ""


@dataclass
class SeriesReport:
    """Outcome of the checks on one series.

    Attributes
    ----------
    series_uid : str
        Series Instance UID.
    slices : list of SliceHeader
        Slices sorted by position along the slice normal, duplicates removed.
    slice_spacing : float
        Distance between neighbouring slices along the normal, in mm (median step).
    missing_slices : list of tuple of float
        Gaps larger than one step, as (position before, position after) in mm along the normal.
    duplicate_files : list of Path
        Files that repeat the SOP Instance UID of another file of the series and were skipped.
    non_dicom_files : list of Path
        Files of the folder that are not DICOM.
    """

    series_uid: str
    slices: list[SliceHeader]
    slice_spacing: float
    missing_slices: list[tuple[float, float]] = field(default_factory=list)
    duplicate_files: list[Path] = field(default_factory=list)
    non_dicom_files: list[Path] = field(default_factory=list)


def _iter_files(folder: Path) -> Iterable[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def pydicom_reason(error: Exception) -> str:
    """Return pydicom's error message without its advice to call ``dcmread(force=True)``.

    The command line has no such option, and forcing would read a file without the DICOM
    preamble that is more likely not DICOM at all.
    """
    return re.sub(r"\s*Use force=True to force reading\.?", "", str(error)).strip()


def _read_header(path: Path) -> pydicom.Dataset | None:
    try:
        return pydicom.dcmread(path, stop_before_pixels=True)
    except (InvalidDicomError, EOFError, OSError) as error:
        logger.warning("Skipped %s: not a readable DICOM file (%s)", path, pydicom_reason(error))
        return None


def _slice_header(path: Path, dataset: pydicom.Dataset) -> SliceHeader:
    instance_number = dataset.get("InstanceNumber")
    return SliceHeader(
        path=path,
        series_uid=str(dataset.SeriesInstanceUID),
        sop_instance_uid=str(dataset.get("SOPInstanceUID", "")),
        modality=str(dataset.get("Modality", "")),
        series_description=str(dataset.get("SeriesDescription", "")),
        instance_number=int(instance_number) if instance_number not in (None, "") else None,
        position=np.asarray(dataset.ImagePositionPatient, dtype=float),
        orientation=np.asarray(dataset.ImageOrientationPatient, dtype=float),
        rows=int(dataset.Rows),
        columns=int(dataset.Columns),
        pixel_spacing=tuple(float(value) for value in dataset.PixelSpacing),
        frame_of_reference_uid=str(dataset.get("FrameOfReferenceUID", "")),
        number_of_frames=int(dataset.get("NumberOfFrames", 1) or 1),
        temporal_position=_optional_int(dataset.get("TemporalPositionIdentifier")),
        acquisition_number=_optional_int(dataset.get("AcquisitionNumber")),
        trigger_time=_optional_float(dataset.get("TriggerTime")),
        acquisition_time=str(dataset.get("AcquisitionTime") or dataset.get("ContentTime") or ""),
    )


def _optional_int(value) -> int | None:
    return int(value) if value not in (None, "") else None


def _optional_float(value) -> float | None:
    return float(value) if value not in (None, "") else None


def scan_folder(folder: str | Path) -> tuple[dict[str, list[SliceHeader]], list[Path]]:
    """Read the headers of every file under ``folder`` and group image slices by series.

    Parameters
    ----------
    folder : str or Path
        Folder searched recursively.

    Returns
    -------
    series : dict of str to list of SliceHeader
        Image slices (files with Image Position and Orientation Patient) by Series Instance UID.
    non_dicom_files : list of Path
        Files that are not DICOM; each one is also logged as a warning.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DicomError(f"DICOM folder not found: {folder}; pass a folder of DICOM slices")

    series: dict[str, list[SliceHeader]] = {}
    non_dicom: list[Path] = []
    for path in _iter_files(folder):
        dataset = _read_header(path)
        if dataset is None:
            non_dicom.append(path)
            continue
        if not all(tag in dataset for tag in _IMAGE_TAGS) or "Rows" not in dataset:
            logger.info(
                "Skipped %s: %s object without an image plane", path, dataset.get("Modality")
            )
            continue
        header = _slice_header(path, dataset)
        series.setdefault(header.series_uid, []).append(header)
    return series, non_dicom


def list_series(folder: str | Path) -> pd.DataFrame:
    """List the image series found under a folder.

    Parameters
    ----------
    folder : str or Path
        Folder searched recursively.

    Returns
    -------
    pandas.DataFrame
        One row per series: ``series_uid``, ``modality``, ``series_description``,
        ``n_files`` and ``folder`` (the common parent of its files).
    """
    series, _ = scan_folder(folder)
    rows = []
    for uid, headers in series.items():
        rows.append(
            {
                "series_uid": uid,
                "modality": headers[0].modality,
                "series_description": headers[0].series_description,
                "n_files": len(headers),
                "folder": str(Path(*_common_parts([h.path.parent for h in headers]))),
            }
        )
    columns = ["series_uid", "modality", "series_description", "n_files", "folder"]
    return pd.DataFrame(rows, columns=columns)


def _common_parts(paths: list[Path]) -> tuple[str, ...]:
    parts = paths[0].parts
    for path in paths[1:]:
        common = 0
        for left, right in zip(parts, path.parts, strict=False):
            if left != right:
                break
            common += 1
        parts = parts[:common]
    return parts


def select_series(series: dict[str, list[SliceHeader]], series_uid: str | None, folder: Path):
    """Return ``(uid, headers)`` of the requested series, or of the only one present."""
    if not series:
        raise DicomError(f"no DICOM image slices found under {folder}")
    if series_uid is not None:
        if series_uid not in series:
            raise DicomError(
                f"series {series_uid!r} not found under {folder}; series present: "
                f"{', '.join(sorted(series))}"
            )
        return series_uid, series[series_uid]
    if len(series) > 1:
        listing = "; ".join(
            f"{uid} ({headers[0].modality}, {headers[0].series_description!r}, "
            f"{len(headers)} files)"
            for uid, headers in sorted(series.items())
        )
        raise DicomError(
            f"{folder} contains {len(series)} image series; choose one with series_uid "
            f"(--series-uid on the command line): {listing}"
        )
    uid = next(iter(series))
    return uid, series[uid]


def _check_orientation(headers: list[SliceHeader]) -> np.ndarray:
    reference = headers[0].orientation
    differing = [
        h.path.name
        for h in headers
        if not np.allclose(h.orientation, reference, atol=ORIENTATION_TOLERANCE)
    ]
    if differing:
        raise DicomError(
            f"mixed slice orientations in series {headers[0].series_uid}: "
            f"{len(differing)} file(s) differ from Image Orientation Patient "
            f"{reference.round(5).tolist()} of {headers[0].path.name}: "
            f"{', '.join(differing[:10])}; remove the foreign slices or split the series"
        )
    return reference


def _check_plane_geometry(headers: list[SliceHeader]) -> None:
    first = headers[0]
    for header in headers[1:]:
        if (header.rows, header.columns) != (first.rows, first.columns):
            raise DicomError(
                f"slice {header.path.name} has {header.rows}x{header.columns} pixels but "
                f"{first.path.name} has {first.rows}x{first.columns}; a volume needs one size"
            )
        if not np.allclose(header.pixel_spacing, first.pixel_spacing, atol=POSITION_TOLERANCE_MM):
            raise DicomError(
                f"slice {header.path.name} has Pixel Spacing {header.pixel_spacing} but "
                f"{first.path.name} has {first.pixel_spacing}"
            )
    multi_frame = [h.path.name for h in headers if h.number_of_frames > 1]
    if multi_frame:
        # NOTE: enhanced (multi-frame) CT/MR objects keep per-frame geometry in functional
        # groups, which this single-frame reader does not parse.
        raise DicomError(
            f"multi-frame DICOM files are not supported by read_dicom_series: "
            f"{', '.join(multi_frame[:5])}"
        )


def check_series(folder: str | Path, series_uid: str | None = None) -> SeriesReport:
    """Sort the slices of one series and report duplicates, gaps and non-DICOM files.

    Parameters
    ----------
    folder : str or Path
        Folder searched recursively.
    series_uid : str, optional
        Series Instance UID to check; required when the folder contains several image series.

    Returns
    -------
    SeriesReport
        The sorted slices and every problem found that does not stop the assembly.

    Raises
    ------
    DicomError
        If the folder has no image slices, or several series and no ``series_uid``. Also for
        mixed orientations, slices of different sizes or pixel spacings, two different slices
        at the same position, and slice steps that are not whole multiples of the common step.
    """
    folder = Path(folder)
    series, non_dicom = scan_folder(folder)
    uid, headers = select_series(series, series_uid, folder)
    return check_slices(headers, uid, non_dicom)


def check_slices(
    headers: list[SliceHeader], uid: str, non_dicom: list[Path] | None = None
) -> SeriesReport:
    """Sort the slices of one volume along the slice normal and check their geometry.

    See :func:`check_series`, which reads the headers from a folder first.
    """
    non_dicom = list(non_dicom or [])
    headers, duplicates = _drop_duplicate_instances(headers)
    orientation = _check_orientation(headers)
    _check_plane_geometry(headers)

    normal = np.cross(orientation[:3], orientation[3:])
    distances = np.array([float(np.dot(h.position, normal)) for h in headers])
    order = np.argsort(distances, kind="stable")
    headers = [headers[i] for i in order]
    distances = distances[order]

    if len(headers) == 1:
        logger.warning("Series %s has one slice; slice spacing set to 1 mm", uid)
        return SeriesReport(uid, headers, 1.0, [], duplicates, non_dicom)

    steps = np.diff(distances)
    stacked = np.flatnonzero(steps < POSITION_TOLERANCE_MM)
    if stacked.size:
        i = int(stacked[0])
        raise DicomError(
            f"slices {headers[i].path.name} and {headers[i + 1].path.name} of series {uid} lie "
            f"at the same position ({distances[i]:.3f} mm along the slice normal) but are "
            "different instances; read a dynamic series with read_dynamic_series, or split a "
            "multi-echo series first"
        )

    # Dividing by the smallest step gives the number of slice steps in each gap. The mean step
    # over the whole extent is then the spacing, with the rounding of single positions averaged
    # out.
    whole_steps = np.maximum(np.round(steps / np.min(steps)), 1)
    spacing = float((distances[-1] - distances[0]) / whole_steps.sum())
    multiples = steps / spacing
    irregular = np.flatnonzero(np.abs(multiples - np.round(multiples)) * spacing > 0.01 * spacing)
    if irregular.size:
        i = int(irregular[0])
        raise DicomError(
            f"non-uniform slice spacing in series {uid}: step {steps[i]:.4f} mm between "
            f"{headers[i].path.name} and {headers[i + 1].path.name} is not a multiple of "
            f"{spacing:.4f} mm"
        )
    gaps = [(float(distances[i]), float(distances[i + 1])) for i in np.flatnonzero(multiples > 1.5)]
    return SeriesReport(uid, headers, spacing, gaps, duplicates, non_dicom)


def _drop_duplicate_instances(headers: list[SliceHeader]) -> tuple[list[SliceHeader], list[Path]]:
    seen: dict[str, Path] = {}
    kept, duplicates = [], []
    for header in headers:
        if header.sop_instance_uid and header.sop_instance_uid in seen:
            logger.warning(
                "Skipped %s: it repeats SOP Instance UID %s of %s",
                header.path,
                header.sop_instance_uid,
                seen[header.sop_instance_uid],
            )
            duplicates.append(header.path)
            continue
        seen[header.sop_instance_uid] = header.path
        kept.append(header)
    return kept, duplicates


def read_dicom_series(
    folder: str | Path,
    series_uid: str | None = None,
    *,
    allow_missing_slices: bool = False,
):
    """Read one DICOM series as a 3-D image in patient coordinates.

    Parameters
    ----------
    folder : str or Path
        Folder with the slice files, searched recursively. Files that are not DICOM, and
        DICOM objects without an image plane (RTSTRUCT, SEG, reports), are skipped and logged.
    series_uid : str, optional
        Series Instance UID to read; required when the folder contains several image series
        (:func:`list_series` lists them).
    allow_missing_slices : bool, default False
        If False, a gap in the slice positions raises :class:`DicomError`. If True, each missing
        slice is filled with the minimum value of the series and a warning is logged.

    Returns
    -------
    SimpleITK.Image
        Voxel values after Rescale Slope and Intercept (float32 where a slope or intercept is
        fractional, otherwise the smallest signed integer type that fits them). Spacing in mm
        is (column spacing, row spacing, slice step). The origin is the Image Position Patient
        of the first slice along the normal. The direction columns are the row direction, the
        column direction and the slice normal.

    Raises
    ------
    DicomError
        See :func:`check_series`; also for a missing slice unless ``allow_missing_slices``.

    Examples
    --------
    >>> image = read_dicom_series("ct/dicom/image")  # doctest: +SKIP
    >>> image.GetSize(), image.GetSpacing()  # doctest: +SKIP
    ((204, 201, 60), (0.977, 0.977, 3.0))
    """
    report = check_series(folder, series_uid)
    return assemble_volume(report, allow_missing_slices=allow_missing_slices, source=folder)


def assemble_volume(report: SeriesReport, *, allow_missing_slices: bool = False, source=""):
    """Read the pixel data of checked slices and stack them into a SimpleITK image.

    See :func:`read_dicom_series` for the output; ``source`` names the folder in messages.
    """
    import SimpleITK as sitk

    headers = report.slices
    folder = source
    if report.missing_slices and not allow_missing_slices:
        described = ", ".join(f"between {a:.2f} and {b:.2f} mm" for a, b in report.missing_slices)
        raise DicomError(
            f"series {report.series_uid} under {folder} is missing slices ({described} along "
            f"the slice normal; step {report.slice_spacing:.3f} mm); fetch the series again, or "
            "fill the gaps with the series minimum (--allow-missing-slices of `radiogenomics "
            "convert`, allow_missing_slices=True in Python)"
        )

    planes = [_read_plane(header.path) for header in headers]
    volume = _stack_with_gaps(planes, headers, report)

    orientation = headers[0].orientation
    row_direction, column_direction = orientation[:3], orientation[3:]
    normal = np.cross(row_direction, column_direction)
    image = sitk.GetImageFromArray(volume)
    # Pixel Spacing is (row spacing, column spacing): the step between rows comes first.
    row_spacing, column_spacing = headers[0].pixel_spacing
    image.SetSpacing((column_spacing, row_spacing, report.slice_spacing))
    image.SetOrigin(tuple(headers[0].position))
    image.SetDirection(tuple(np.column_stack([row_direction, column_direction, normal]).ravel()))

    image.SetMetaData(SERIES_UID_KEY, report.series_uid)
    image.SetMetaData(FRAME_OF_REFERENCE_KEY, headers[0].frame_of_reference_uid)
    image.SetMetaData(MODALITY_KEY, headers[0].modality)
    image.SetMetaData(SOP_INSTANCE_UIDS_KEY, "\\".join(h.sop_instance_uid for h in headers))
    logger.info(
        "Read series %s: %d slices, size %s, spacing %s mm",
        report.series_uid,
        len(headers),
        image.GetSize(),
        tuple(round(s, 4) for s in image.GetSpacing()),
    )
    return image


def _read_plane(path: Path) -> np.ndarray:
    try:
        dataset = pydicom.dcmread(path)
        stored = dataset.pixel_array
    except (InvalidDicomError, EOFError, OSError, ValueError, AttributeError) as error:
        # pydicom raises ValueError for a pixel data element shorter than rows x columns x
        # samples x bits, e.g. a file cut off during a download.
        raise DicomError(
            f"cannot read the pixel data of {path}: {pydicom_reason(error)}; the file is damaged "
            "or incomplete, so fetch the series again or remove that slice"
        ) from error
    slope = float(dataset.get("RescaleSlope", 1) or 1)
    intercept = float(dataset.get("RescaleIntercept", 0) or 0)
    if slope == 1 and intercept == 0:
        return stored
    return stored * slope + intercept


def _output_dtype(planes: list[np.ndarray]) -> np.dtype:
    floating = any(np.issubdtype(p.dtype, np.floating) for p in planes)
    if floating:
        integral = all(np.array_equal(p, np.round(p)) for p in planes)
        if not integral:
            return np.dtype(np.float32)
    low = min(float(p.min()) for p in planes)
    high = max(float(p.max()) for p in planes)
    for candidate in (np.int16, np.int32):
        info = np.iinfo(candidate)
        if info.min <= low and high <= info.max:
            return np.dtype(candidate)
    return np.dtype(np.float64)


def _stack_with_gaps(
    planes: list[np.ndarray], headers: list[SliceHeader], report: SeriesReport
) -> np.ndarray:
    dtype = _output_dtype(planes)
    if not report.missing_slices:
        return np.stack(planes).astype(dtype, copy=False)

    normal = np.cross(headers[0].orientation[:3], headers[0].orientation[3:])
    distances = np.array([float(np.dot(h.position, normal)) for h in headers])
    indices = np.round((distances - distances[0]) / report.slice_spacing).astype(int)
    fill = min(float(p.min()) for p in planes)
    volume = np.full((indices[-1] + 1, *planes[0].shape), fill, dtype=dtype)
    for index, plane in zip(indices, planes, strict=True):
        volume[index] = plane
    missing = sorted(set(range(indices[-1] + 1)) - set(indices.tolist()))
    logger.warning(
        "Series %s: filled %d missing slice(s) at index %s with %g",
        report.series_uid,
        len(missing),
        missing,
        fill,
    )
    return volume

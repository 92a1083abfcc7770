"""Rasterise the contours of a DICOM RT Structure Set onto an image grid.

Each ROI of an RTSTRUCT is a stack of closed planar polygons in patient coordinates (LPS, mm;
DICOM PS3.3 C.8.8.6). A polygon is mapped to the continuous voxel indices of the reference image
and filled on its slice: a voxel belongs to the ROI when its centre lies inside the polygon.
Several polygons on one slice combine with the even-odd rule, so an inner contour cuts a hole,
which is how RTSTRUCT encodes holes (PS3.3 C.8.8.6.3).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
from pydicom.errors import InvalidDicomError

from radiogenomics.io.dicom_series import FRAME_OF_REFERENCE_KEY, pydicom_reason
from radiogenomics.io.exceptions import DicomError

logger = logging.getLogger(__name__)

# A contour further than this from the nearest slice centre (in slice steps) does not belong
# to any slice of the grid.
OFF_SLICE_TOLERANCE = 0.25


def _read_rtstruct(path: str | Path) -> pydicom.Dataset:
    path = Path(path)
    if not path.is_file():
        raise DicomError(f"RTSTRUCT file not found: {path}")
    try:
        dataset = pydicom.dcmread(path)
    except (InvalidDicomError, EOFError) as error:
        raise DicomError(
            f"{path} is not a DICOM file ({pydicom_reason(error)}); pass the RTSTRUCT file of "
            "the series"
        ) from error
    if dataset.get("Modality") != "RTSTRUCT" or "StructureSetROISequence" not in dataset:
        raise DicomError(
            f"{path} is not an RT Structure Set (Modality {dataset.get('Modality')!r}); "
            "pass the RTSTRUCT file of the series"
        )
    return dataset


def list_rois(path: str | Path) -> pd.DataFrame:
    """List the ROIs of an RTSTRUCT file.

    Parameters
    ----------
    path : str or Path
        RTSTRUCT file.

    Returns
    -------
    pandas.DataFrame
        One row per ROI: ``roi_number``, ``roi_name``, ``n_contours`` and
        ``geometric_types`` (the Contour Geometric Type values used, joined by ``,``).
    """
    dataset = _read_rtstruct(path)
    contours = _contours_by_roi(dataset)
    rows = []
    for roi in dataset.StructureSetROISequence:
        number = int(roi.ROINumber)
        items = contours.get(number, [])
        types = sorted({str(item.get("ContourGeometricType", "")) for item in items})
        rows.append(
            {
                "roi_number": number,
                "roi_name": str(roi.get("ROIName", f"ROI_{number}")),
                "n_contours": len(items),
                "geometric_types": ",".join(types),
            }
        )
    return pd.DataFrame(rows, columns=["roi_number", "roi_name", "n_contours", "geometric_types"])


def _contours_by_roi(dataset: pydicom.Dataset) -> dict[int, list[pydicom.Dataset]]:
    contours: dict[int, list[pydicom.Dataset]] = {}
    for roi_contour in dataset.get("ROIContourSequence", []):
        number = int(roi_contour.ReferencedROINumber)
        contours[number] = list(roi_contour.get("ContourSequence", []))
    return contours


def _frame_of_reference(dataset: pydicom.Dataset) -> set[str]:
    uids = set()
    for item in dataset.get("ReferencedFrameOfReferenceSequence", []):
        uids.add(str(item.FrameOfReferenceUID))
    for roi in dataset.StructureSetROISequence:
        if "ReferencedFrameOfReferenceUID" in roi:
            uids.add(str(roi.ReferencedFrameOfReferenceUID))
    return uids


def read_rtstruct(path: str | Path, reference, roi_names: list[str] | None = None) -> dict:
    """Rasterise RTSTRUCT ROIs as binary masks on the grid of a reference image.

    Parameters
    ----------
    path : str or Path
        RTSTRUCT file.
    reference : SimpleITK.Image
        Image whose grid the masks share, normally the series the structures were drawn on
        (:func:`radiogenomics.io.dicom_series.read_dicom_series`). When it carries a Frame of
        Reference UID, a structure set with another one is rejected.
    roi_names : list of str, optional
        ROIs to rasterise, by ROI Name; all ROIs with contours by default.

    Returns
    -------
    dict of str to SimpleITK.Image
        One uint8 mask (0 and 1) per ROI name, with the geometry of ``reference``.

    Raises
    ------
    DicomError
        If the file is not an RTSTRUCT, a requested ROI is absent or the frames of reference
        differ. Also when a contour is not parallel to the slices or lies off the grid.
    """
    import SimpleITK as sitk

    dataset = _read_rtstruct(path)
    _check_frame_of_reference(dataset, reference, path)

    names = {
        int(roi.ROINumber): str(roi.get("ROIName", f"ROI_{roi.ROINumber}"))
        for roi in dataset.StructureSetROISequence
    }
    contours = _contours_by_roi(dataset)
    if roi_names is None:
        selected = [number for number in names if contours.get(number)]
    else:
        by_name = {name: number for number, name in names.items()}
        absent = [name for name in roi_names if name not in by_name]
        if absent:
            raise DicomError(
                f"ROI(s) {absent} not found in {path}; ROIs present: {sorted(by_name)}"
            )
        selected = [by_name[name] for name in roi_names]

    masks = {}
    for number in selected:
        array = rasterise_contours(contours.get(number, []), reference, label=names[number])
        mask = sitk.GetImageFromArray(array)
        mask.CopyInformation(reference)
        masks[names[number]] = mask
        logger.info("ROI %r: %d voxels", names[number], int(array.sum()))
    return masks


def _check_frame_of_reference(dataset: pydicom.Dataset, reference, path) -> None:
    image_uid = (
        reference.GetMetaData(FRAME_OF_REFERENCE_KEY)
        if reference.HasMetaDataKey(FRAME_OF_REFERENCE_KEY)
        else ""
    )
    structure_uids = _frame_of_reference(dataset)
    if image_uid and structure_uids and image_uid not in structure_uids:
        raise DicomError(
            f"{path} refers to frame of reference {sorted(structure_uids)} but the image is in "
            f"{image_uid}; pass the series the structures were drawn on"
        )


def rasterise_contours(contours, reference, label: str = "ROI") -> np.ndarray:
    """Fill closed planar contours on the grid of a reference image.

    Parameters
    ----------
    contours : sequence of pydicom.Dataset
        Items of a Contour Sequence; items of a Contour Geometric Type other than
        CLOSED_PLANAR (points, open polylines) are skipped and logged.
    reference : SimpleITK.Image
        3-D image that defines the grid.
    label : str
        ROI name used in messages.

    Returns
    -------
    numpy.ndarray
        uint8 array in SimpleITK's (slice, row, column) order.
    """
    from skimage.draw import polygon as polygon_pixels

    size = reference.GetSize()
    shape = (size[2], size[1], size[0])
    origin = np.asarray(reference.GetOrigin())
    spacing = np.asarray(reference.GetSpacing())
    direction = np.asarray(reference.GetDirection()).reshape(3, 3)
    # Index = D^-1 (p - origin) / spacing, where D has the axis directions as columns.
    to_index = np.linalg.inv(direction)

    mask = np.zeros(shape, dtype=bool)
    skipped = 0
    for item in contours:
        kind = str(item.get("ContourGeometricType", "CLOSED_PLANAR"))
        if kind != "CLOSED_PLANAR":
            skipped += 1
            continue
        points = np.asarray(item.ContourData, dtype=float).reshape(-1, 3)
        if len(points) < 3:
            skipped += 1
            continue
        index = (to_index @ (points - origin).T).T / spacing
        slice_index = _slice_of(index[:, 2], label)
        if slice_index is None or not 0 <= slice_index < shape[0]:
            raise DicomError(
                f"a contour of ROI {label!r} lies outside the image grid (slice index "
                f"{index[:, 2].mean():.2f} of 0..{shape[0] - 1}); check that the RTSTRUCT "
                "belongs to this series"
            )
        rows, columns = polygon_pixels(index[:, 1], index[:, 0], shape=shape[1:])
        # Even-odd rule: a contour inside another on the same slice cuts a hole.
        mask[slice_index, rows, columns] ^= True
    if skipped:
        logger.warning("ROI %r: skipped %d contour(s) that are not closed polygons", label, skipped)
    return mask.astype(np.uint8)


def _slice_of(slice_coordinates: np.ndarray, label: str) -> int | None:
    if np.ptp(slice_coordinates) > 2 * OFF_SLICE_TOLERANCE:
        raise DicomError(
            f"a contour of ROI {label!r} is not parallel to the image slices (it spans "
            f"{np.ptp(slice_coordinates):.2f} slice steps); resample the image to the "
            "contour planes first"
        )
    centre = float(slice_coordinates.mean())
    nearest = round(centre)
    if abs(centre - nearest) > OFF_SLICE_TOLERANCE:
        logger.warning(
            "ROI %r: a contour lies %.2f slice steps from the nearest slice centre",
            label,
            centre - nearest,
        )
    return int(nearest)

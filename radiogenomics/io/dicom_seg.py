"""Read the segments of a DICOM Segmentation (SEG) object as masks on an image grid.

The SEG frames are assembled into a volume with :mod:`highdicom`, which sorts them by their
Plane Position (Patient). Every segment voxel is then mapped through the SEG affine to patient
coordinates (LPS, mm) and from there to the voxel index of the reference image. The two grids
must share voxel centres: a SEG on another grid is an error, never silently resampled.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from radiogenomics.io.dicom_series import FRAME_OF_REFERENCE_KEY, pydicom_reason
from radiogenomics.io.exceptions import DicomError

logger = logging.getLogger(__name__)

# Largest distance, in voxels of the reference, between a SEG voxel centre and the nearest
# reference voxel centre.
GRID_TOLERANCE = 0.01


def _read_seg(path: str | Path):
    import highdicom as hd
    from pydicom.errors import InvalidDicomError

    path = Path(path)
    if not path.is_file():
        raise DicomError(f"DICOM SEG file not found: {path}")
    try:
        return hd.seg.segread(path)
    except (InvalidDicomError, EOFError) as error:
        raise DicomError(
            f"{path} is not a DICOM file ({pydicom_reason(error)}); pass the SEG file of the "
            "series"
        ) from error
    except (ValueError, AttributeError) as error:
        raise DicomError(f"{path} is not a readable DICOM Segmentation: {error}") from error


def list_segments(path: str | Path) -> pd.DataFrame:
    """List the segments of a DICOM SEG file.

    Parameters
    ----------
    path : str or Path
        SEG file.

    Returns
    -------
    pandas.DataFrame
        One row per segment: ``segment_number``, ``segment_label`` and
        ``segmented_property_type`` (the code meaning).
    """
    seg = _read_seg(path)
    rows = [
        {
            "segment_number": int(item.segment_number),
            "segment_label": str(item.segment_label),
            "segmented_property_type": str(item.segmented_property_type.meaning),
        }
        for item in seg.SegmentSequence
    ]
    return pd.DataFrame(
        rows, columns=["segment_number", "segment_label", "segmented_property_type"]
    )


def read_dicom_seg(path: str | Path, reference, segment_labels: list[str] | None = None) -> dict:
    """Read each segment of a DICOM SEG as a binary mask on the grid of a reference image.

    Parameters
    ----------
    path : str or Path
        SEG file (binary or fractional; fractional values of 0.5 or more count as inside).
    reference : SimpleITK.Image
        Image whose grid the masks share, normally the source series of the SEG.
    segment_labels : list of str, optional
        Segments to read, by Segment Label; all segments by default.

    Returns
    -------
    dict of str to SimpleITK.Image
        One uint8 mask (0 and 1) per segment label, with the geometry of ``reference``.

    Raises
    ------
    DicomError
        If the file is not a SEG, a requested segment is absent or the frames of reference
        differ. Also when the SEG voxel centres do not coincide with reference voxel centres,
        or segment voxels lie outside the reference image.
    """
    import SimpleITK as sitk

    seg = _read_seg(path)
    _check_frame_of_reference(seg, reference, path)

    labels = {int(item.segment_number): str(item.segment_label) for item in seg.SegmentSequence}
    if segment_labels is None:
        numbers = sorted(labels)
    else:
        by_label = {label: number for number, label in labels.items()}
        absent = [label for label in segment_labels if label not in by_label]
        if absent:
            raise DicomError(
                f"segment(s) {absent} not found in {path}; present: {sorted(by_label)}"
            )
        numbers = [by_label[label] for label in segment_labels]

    if not hasattr(seg, "get_volume"):
        import highdicom as hd

        raise DicomError(
            f"reading a SEG needs highdicom 0.24 or later (Segmentation.get_volume); "
            f"version {hd.__version__} is installed, upgrade it with pip"
        )
    try:
        volume = seg.get_volume(segment_numbers=numbers, combine_segments=False)
    except (ValueError, RuntimeError) as error:
        raise DicomError(f"{path} does not form a regularly spaced 3-D volume: {error}") from error

    size = reference.GetSize()
    shape = (size[2], size[1], size[0])
    voxel_to_reference = _seg_to_reference_index(volume.affine, reference, path)

    masks = {}
    for channel, number in enumerate(numbers):
        values = volume.array[..., channel]
        inside = np.argwhere(values >= (0.5 if values.dtype.kind == "f" else 1))
        array = np.zeros(shape, dtype=np.uint8)
        if inside.size:
            index = voxel_to_reference(inside)
            outside = np.any((index < 0) | (index >= np.array(size)), axis=1)
            if outside.any():
                raise DicomError(
                    f"{int(outside.sum())} voxel(s) of segment {labels[number]!r} lie outside "
                    f"the reference image of size {size}; pass the SEG's source series"
                )
            array[index[:, 2], index[:, 1], index[:, 0]] = 1
        mask = sitk.GetImageFromArray(array)
        mask.CopyInformation(reference)
        masks[labels[number]] = mask
        logger.info("Segment %r: %d voxels", labels[number], int(array.sum()))
    return masks


def _seg_to_reference_index(seg_affine: np.ndarray, reference, path):
    """Return a function from SEG array indices to reference (x, y, z) voxel indices."""
    origin = np.asarray(reference.GetOrigin())
    spacing = np.asarray(reference.GetSpacing())
    direction = np.asarray(reference.GetDirection()).reshape(3, 3)
    to_index = np.linalg.inv(direction * spacing)

    def convert(array_indices: np.ndarray) -> np.ndarray:
        positions = array_indices @ seg_affine[:3, :3].T + seg_affine[:3, 3]
        continuous = (positions - origin) @ to_index.T
        rounded = np.round(continuous)
        offset = np.abs(continuous - rounded).max()
        if offset > GRID_TOLERANCE:
            raise DicomError(
                f"the grid of {path} is offset from the reference grid by up to {offset:.3f} "
                "voxels; resample the segmentation onto the image first"
            )
        return rounded.astype(int)

    return convert


def _check_frame_of_reference(seg, reference, path) -> None:
    if not reference.HasMetaDataKey(FRAME_OF_REFERENCE_KEY):
        return
    image_uid = reference.GetMetaData(FRAME_OF_REFERENCE_KEY)
    seg_uid = str(seg.get("FrameOfReferenceUID", ""))
    if image_uid and seg_uid and image_uid != seg_uid:
        raise DicomError(
            f"{path} is in frame of reference {seg_uid} but the image is in {image_uid}; pass "
            "the series the segmentation was made on"
        )

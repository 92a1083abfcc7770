"""Read a dynamic (DCE-MRI) DICOM series, with several time points per slice position.

Scanners store the phases of a dynamic acquisition either as separate series or as one series
in which every slice position repeats once per phase. For the second kind, the slices are
grouped into phases by the first of these attributes that takes more than one value:

1. Temporal Position Identifier (0020,0100);
2. Trigger Time (0018,1060), which GE uses for the phases of DCE series;
3. Acquisition Number (0020,0012).

Without any of them, the slices at each position are ranked by Acquisition Time and Instance
Number, and rank ``k`` goes to phase ``k``. Each phase is then checked and assembled like a
single series (:func:`radiogenomics.io.dicom_series.read_dicom_series`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from radiogenomics.io.dicom_series import (
    SliceHeader,
    assemble_volume,
    check_slices,
    scan_folder,
    select_series,
)
from radiogenomics.io.exceptions import DicomError

logger = logging.getLogger(__name__)


@dataclass
class DynamicSeries:
    """The phases of a dynamic series on one grid.

    Attributes
    ----------
    images : list of SimpleITK.Image
        One 3-D image per phase, in acquisition order, all with the same geometry.
    times : numpy.ndarray
        Start of each phase in seconds after the first phase (earliest Acquisition Time of
        its slices; Trigger Time where acquisition times are missing). NaN where neither is
        recorded.
    grouped_by : str
        The attribute that separated the phases.
    """

    images: list
    times: np.ndarray
    grouped_by: str


def dicom_time_seconds(value: str) -> float:
    """Convert a DICOM TM value (``HHMMSS.FFFFFF``, PS3.5 6.2) to seconds after midnight."""
    text = str(value).strip().replace(":", "")
    if not text:
        return float("nan")
    hours = int(text[0:2])
    minutes = int(text[2:4]) if len(text) >= 4 else 0
    seconds = float(text[4:]) if len(text) > 4 else 0.0
    return 3600.0 * hours + 60.0 * minutes + seconds


def _distinct(values: list) -> set:
    return {value for value in values if value is not None}


def group_phases(headers: list[SliceHeader]) -> tuple[list[list[SliceHeader]], str]:
    """Split the slices of a dynamic series into phases; see the module documentation."""
    for attribute in ("temporal_position", "trigger_time", "acquisition_number"):
        values = [getattr(header, attribute) for header in headers]
        if None in values or len(_distinct(values)) < 2:
            continue
        groups: dict = defaultdict(list)
        for header, value in zip(headers, values, strict=True):
            groups[value].append(header)
        return [groups[key] for key in sorted(groups)], attribute

    by_position: dict = defaultdict(list)
    for header in headers:
        by_position[tuple(np.round(header.position, 3))].append(header)
    counts = {len(group) for group in by_position.values()}
    if len(counts) != 1:
        raise DicomError(
            "cannot split the dynamic series into phases: slice positions repeat "
            f"{sorted(counts)} times and no temporal attribute separates them"
        )
    phases: list[list[SliceHeader]] = [[] for _ in range(counts.pop())]
    for group in by_position.values():
        ranked = sorted(group, key=lambda h: (h.acquisition_time, h.instance_number or 0))
        for phase, header in zip(phases, ranked, strict=True):
            phase.append(header)
    return phases, "acquisition_time"


def read_dynamic_series(
    folder: str | Path,
    series_uid: str | None = None,
    *,
    allow_missing_slices: bool = False,
) -> DynamicSeries:
    """Read every phase of a dynamic DICOM series as a 3-D image on one grid.

    Parameters
    ----------
    folder : str or Path
        Folder with the slice files, searched recursively.
    series_uid : str, optional
        Series to read when the folder contains several.
    allow_missing_slices : bool, default False
        Passed to the assembly of each phase.

    Returns
    -------
    DynamicSeries

    Raises
    ------
    DicomError
        If the phases cannot be separated, or if two phases differ in grid (size, spacing,
        origin or direction). Each phase is also checked as in :func:`check_series`.
    """
    folder = Path(folder)
    series, non_dicom = scan_folder(folder)
    uid, headers = select_series(series, series_uid, folder)
    phases, grouped_by = group_phases(headers)

    images = []
    starts = []
    for number, phase in enumerate(phases):
        report = check_slices(phase, uid, non_dicom)
        image = assemble_volume(report, allow_missing_slices=allow_missing_slices, source=folder)
        if images and not _same_grid(images[0], image):
            raise DicomError(
                f"phase {number} of series {uid} lies on another grid than phase 0 "
                f"(size {image.GetSize()} vs {images[0].GetSize()}, origin {image.GetOrigin()} "
                f"vs {images[0].GetOrigin()}); resample the phases before stacking them"
            )
        images.append(image)
        starts.append(_phase_start(phase))

    starts = np.asarray(starts, dtype=float)
    times = starts - starts[0] if np.isfinite(starts[0]) else starts
    logger.info(
        "Read dynamic series %s: %d phases grouped by %s, times %s s",
        uid,
        len(images),
        grouped_by,
        np.round(times, 1).tolist(),
    )
    return DynamicSeries(images, times, grouped_by)


def _phase_start(phase: list[SliceHeader]) -> float:
    times = [dicom_time_seconds(h.acquisition_time) for h in phase if h.acquisition_time]
    if times:
        return float(np.nanmin(times))
    triggers = [h.trigger_time for h in phase if h.trigger_time is not None]
    # Trigger Time (0018,1060) is stored in milliseconds.
    return float(min(triggers)) / 1000.0 if triggers else float("nan")


def _same_grid(first, second) -> bool:
    return (
        first.GetSize() == second.GetSize()
        and np.allclose(first.GetSpacing(), second.GetSpacing(), atol=1e-3)
        and np.allclose(first.GetOrigin(), second.GetOrigin(), atol=1e-3)
        and np.allclose(first.GetDirection(), second.GetDirection(), atol=1e-4)
    )

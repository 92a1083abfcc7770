"""Cases files: one CSV line per patient and lesion, read into :class:`DCECase` objects.

A cases file has a header line and one line per patient, each with one lesion::

    patient,frames,times,seed
    P001,p001/pre.nii.gz;p001/post1.nii.gz;p001/post2.nii.gz,0;90;180,"20,64,70"
    P002,p002/pre.nii.gz;p002/post1.nii.gz;p002/post2.nii.gz,0;95;190,"18,60,66"

Columns:

- ``patient``: identifier, unique within the file.
- ``frames`` and ``times``, or ``dicom``: the images. ``frames`` lists one 3-D image file
  per time point separated by ``;``, the pre-contrast image first. ``times`` gives the
  acquisition time of each frame in seconds, also separated by ``;``. ``dicom`` names a
  folder of DICOM files instead.
- exactly one of ``seed`` (voxel index ``z,y,x``), ``box`` (voxel bounds
  ``z0,z1,y0,y1,x0,x1``, end-exclusive) or ``mask`` (an image file on the DCE grid).

A file may mix lines with frames and lines with a DICOM folder, and lines with a seed, a
box or a mask: each line fills one cell of each pair and leaves the others empty.
Relative paths start from the folder of the cases file. The reader checks the text of
every cell. It does not open the image files, so a missing image fails only its own case
when the phenotypes are computed.
"""

from __future__ import annotations

import csv
import logging
import math
import os
from pathlib import Path

from radiogenomics.errors import RadiogenomicsError
from radiogenomics.features.dce.batch import DCECase

# The settings check lives in settings.py; callers that import it from here still work.
from radiogenomics.features.dce.settings import DCESettingsError as DCESettingsError
from radiogenomics.features.dce.settings import resolve_dce_settings as resolve_dce_settings

logger = logging.getLogger(__name__)

CASE_COLUMNS = ("patient", "frames", "times", "dicom", "seed", "box", "mask")
_IMAGE_COLUMNS = ("frames", "dicom")
_LESION_COLUMNS = ("seed", "box", "mask")
_COORDINATE_COUNTS = {"seed": 3, "box": 6}
_COORDINATE_FORMS = {"seed": "z,y,x", "box": "z0,z1,y0,y1,x0,x1"}


class DCECasesError(RadiogenomicsError):
    """A DCE cases file lacks a column or contains an invalid cell."""


def read_dce_cases(path: str | os.PathLike) -> list[DCECase]:
    """Read a DCE-MRI cases file (CSV) into one :class:`DCECase` per line.

    Parameters
    ----------
    path : path-like
        UTF-8 CSV file with a header line. The module docstring lists its columns.
        Relative image paths are resolved against the folder of this file.

    Returns
    -------
    list of DCECase
        In file order. Image paths are absolute, times are in seconds, and seed and box
        are tuples of int.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file.
    DCECasesError
        If a column is missing, or any cell is invalid. The message lists every invalid
        cell with its line number, column and value.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"DCE cases file not found: {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except UnicodeDecodeError as error:
        raise DCECasesError(
            f"cases file {path} is not UTF-8 text (byte {error.object[error.start]:#04x} at "
            f"offset {error.start}); save it as a UTF-8 CSV"
        ) from None
    except csv.Error as error:
        raise DCECasesError(f"cannot parse cases file {path} as CSV: {error}") from None

    header = [name.strip().lower() for name in rows[0]] if rows else []
    _check_header(header, path)
    lines = [(number, row) for number, row in enumerate(rows[1:], start=2)
             if any(cell.strip() for cell in row)]
    if not lines:
        raise DCECasesError(f"cases file {path} has a header but no case lines; add one "
                            "line per lesion")

    problems: list[str] = []
    cases = []
    first_line: dict[str, int] = {}
    for number, row in lines:
        case = _parse_line(number, row, header, path, problems)
        if case is None:
            continue
        if case.patient in first_line:
            problems.append(
                f"line {number}, column 'patient': {case.patient!r} repeats line "
                f"{first_line[case.patient]}; patient identifiers must be unique"
            )
            continue
        first_line[case.patient] = number
        cases.append(case)

    if problems:
        raise DCECasesError(
            f"cases file {path} has {len(problems)} invalid entr"
            f"{'y' if len(problems) == 1 else 'ies'}:\n  " + "\n  ".join(problems)
        )
    logger.info("read %d DCE case(s) from %s", len(cases), path)
    return cases


def _check_header(header: list[str], path: Path) -> None:
    """Raise unless the header has a patient, an image and a lesion column."""
    if not header:
        raise DCECasesError(
            f"cases file {path} is empty; write a header line such as "
            "patient,frames,times,seed and one line per lesion"
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise DCECasesError(f"cases file {path} repeats column(s) {repeated} in its header")
    found = ", ".join(header)
    if "patient" not in header:
        raise DCECasesError(f"cases file {path} lacks the column 'patient'; columns found: "
                            f"{found}")
    if not any(name in header for name in _IMAGE_COLUMNS):
        raise DCECasesError(
            f"cases file {path} lacks an image column: add 'frames' and 'times', or "
            f"'dicom'; columns found: {found}"
        )
    if "frames" in header and "times" not in header:
        raise DCECasesError(
            f"cases file {path} has a 'frames' column but no 'times' column; give the "
            "acquisition time of each frame in seconds, separated by ';'"
        )
    if not any(name in header for name in _LESION_COLUMNS):
        raise DCECasesError(
            f"cases file {path} lacks a lesion column: add 'seed', 'box' or 'mask'; columns "
            f"found: {found}"
        )
    unknown = [name for name in header if name not in CASE_COLUMNS]
    if unknown:
        logger.warning("cases file %s: column(s) %s are not DCE case columns and are "
                       "ignored; the columns read are %s", path, unknown, ", ".join(CASE_COLUMNS))


def _parse_line(number: int, row: list[str], header: list[str], path: Path,
                problems: list[str]) -> DCECase | None:
    """Return the line's case, or None after adding each invalid cell to ``problems``."""
    if any(cell.strip() for cell in row[len(header):]):
        problems.append(
            f"line {number}: {len(row)} cells but the header has {len(header)} columns; quote "
            "cells that contain commas, such as \"20,64,70\""
        )
        return None
    cells = {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
    count_before = len(problems)

    def problem(column: str, message: str) -> None:
        problems.append(f"line {number}, column '{column}': {message}")

    patient = cells.get("patient", "")
    if not patient:
        problem("patient", "empty; every line needs a patient identifier")

    frames = times = dicom = None
    given_images = [name for name in _IMAGE_COLUMNS if cells.get(name)]
    if len(given_images) != 1:
        problems.append(
            f"line {number}: give either 'frames' (with 'times') or 'dicom', got "
            + (" and ".join(repr(name) for name in given_images) or "neither")
        )
    elif "dicom" in given_images:
        dicom = _resolve(cells["dicom"], path)
        if cells.get("times"):
            problem("times", f"{cells['times']!r} is given with a 'dicom' folder, whose "
                    "acquisition times come from the DICOM headers; leave it empty")
    else:
        frames, times = _parse_frames(cells["frames"], cells.get("times", ""), path, problem)

    given_lesions = [name for name in _LESION_COLUMNS if cells.get(name)]
    seed = box = mask = None
    if len(given_lesions) != 1:
        problems.append(
            f"line {number}: give exactly one of 'seed', 'box' or 'mask', got "
            + (" and ".join(repr(name) for name in given_lesions) or "none")
        )
    elif given_lesions[0] == "mask":
        mask = _resolve(cells["mask"], path)
    elif given_lesions[0] == "seed":
        seed = _parse_coordinates("seed", cells["seed"], problem)
    else:
        box = _parse_coordinates("box", cells["box"], problem)

    if len(problems) > count_before:
        return None
    return DCECase(patient, frames=frames, times=times, dicom=dicom, seed=seed, box=box,
                   mask=mask)


def _resolve(text: str, path: Path) -> str:
    """Return ``text`` as an absolute path, relative paths starting at the file's folder."""
    candidate = Path(os.path.expanduser(text))
    if not candidate.is_absolute():
        candidate = path.parent.resolve() / candidate
    return str(candidate)


def _parse_frames(frames_text: str, times_text: str, path: Path, problem):
    """Return the frame paths and times of a line, or (None, None) after a problem."""
    paths = [part.strip() for part in frames_text.split(";")]
    valid = True
    if any(not part for part in paths):
        problem("frames", f"{frames_text!r} contains an empty file name; separate file "
                "names with single ';'")
        valid = False
    elif len(paths) < 3:
        problem("frames", f"{frames_text!r} lists {len(paths)} file(s); a DCE series needs "
                "the pre-contrast image and at least two post-contrast images")
        valid = False

    if not times_text:
        problem("times", "empty; give one acquisition time in seconds per frame, separated "
                "by ';'")
        return None, None
    parts = [part.strip() for part in times_text.split(";")]
    times = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            problem("times", f"{part!r} in {times_text!r} is not a number; give times in "
                    "seconds separated by ';'")
            return None, None
        if not math.isfinite(value):
            problem("times", f"{part!r} in {times_text!r} is not a finite number")
            return None, None
        times.append(value)
    if any(later <= earlier for earlier, later in zip(times, times[1:], strict=False)):
        problem("times", f"{times_text!r} is not strictly increasing; list the frames and "
                "their times in acquisition order")
        return None, None
    if valid and len(times) != len(paths):
        problem("times", f"{times_text!r} has {len(times)} time(s) but 'frames' lists "
                f"{len(paths)} file(s); give one time per frame")
        return None, None
    if not valid:
        return None, None
    return [_resolve(part, path) for part in paths], tuple(times)


def _parse_coordinates(column: str, text: str, problem) -> tuple[int, ...] | None:
    """Return a seed or box as voxel indices, or None after a problem."""
    form = _COORDINATE_FORMS[column]
    parts = [part.strip() for part in text.split(",")]
    expected = _COORDINATE_COUNTS[column]
    if len(parts) != expected:
        problem(column, f"{text!r} has {len(parts)} value(s); write {expected} voxel "
                f"indices as \"{form}\"")
        return None
    indices = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            problem(column, f"{part!r} in {text!r} is not a number; write voxel indices as "
                    f"\"{form}\"")
            return None
        if not value.is_integer() or value < 0:
            problem(column, f"{part!r} in {text!r} is not a voxel index (an integer of at "
                    "least 0)")
            return None
        indices.append(int(value))
    if column == "box":
        for axis, (low, high) in zip("zyx", zip(indices[::2], indices[1::2], strict=True),
                                     strict=True):
            if high <= low:
                problem(column, f"{text!r} has {axis}1 = {high} not above {axis}0 = {low}; "
                        "the bounds are end-exclusive, so each upper bound must exceed "
                        "its lower bound")
                return None
    return tuple(indices)

"""Convert a DICOM series and its RTSTRUCT or SEG to NIfTI files on one grid."""

from __future__ import annotations

import fnmatch
import logging
import re
from pathlib import Path

from radiogenomics.io.atomic import atomic_file, atomic_folder
from radiogenomics.io.exceptions import DicomError, OutputExistsError

# Names of the files that convert_dicom writes; --overwrite replaces only a folder of these.
OUTPUT_PATTERNS = ("image.nii.gz", "mask_*.nii.gz")

logger = logging.getLogger(__name__)


def safe_filename(name: str) -> str:
    """Return ``name`` with every character other than letters, digits, ``-``, ``_`` and ``.``
    replaced by ``_`` so that it is a portable file name."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name.strip()).strip("._")
    return cleaned or "unnamed"


def write_image(image, path: str | Path) -> Path:
    """Write a SimpleITK image atomically; the format follows the file suffix."""
    import SimpleITK as sitk

    path = Path(path)
    suffix = "".join(path.suffixes[-2:]) if path.name.endswith(".gz") else path.suffix
    with atomic_file(path) as temporary:
        # SimpleITK picks the writer from the suffix, so the temporary name keeps it.
        staged = temporary.with_name(temporary.name + suffix)
        try:
            sitk.WriteImage(image, str(staged), useCompression=True)
            staged.replace(temporary)
        finally:
            staged.unlink(missing_ok=True)
    return path


def convert_dicom(
    dicom_dir: str | Path,
    out_dir: str | Path,
    *,
    rtstruct: str | Path | None = None,
    seg: str | Path | None = None,
    series_uid: str | None = None,
    allow_missing_slices: bool = False,
    overwrite: bool = False,
) -> list[Path]:
    """Write a DICOM series as ``image.nii.gz`` and each ROI or segment as ``mask_<name>.nii.gz``.

    Parameters
    ----------
    dicom_dir : str or Path
        Folder with the image series (see :func:`~radiogenomics.io.dicom_series.read_dicom_series`).
    out_dir : str or Path
        Output folder, created if needed. The files are written to a temporary folder beside
        it, which then replaces ``out_dir`` whole, so no mask of an earlier run is left next to
        a new image.
    rtstruct, seg : str or Path, optional
        RTSTRUCT or DICOM SEG file whose ROIs or segments become masks; at most one of them.
    series_uid : str, optional
        Series to read when ``dicom_dir`` contains several.
    allow_missing_slices : bool, default False
        Fill missing slices instead of raising.
    overwrite : bool, default False
        Replace an existing non-empty ``out_dir``. Only a folder that contains nothing but
        files named like this function's output (:data:`OUTPUT_PATTERNS`) is replaced.

    Returns
    -------
    list of Path
        The files written, image first. Masks share the image grid; the NIfTI files store
        the same patient geometry (SimpleITK converts LPS to the NIfTI RAS convention).

    Raises
    ------
    OutputExistsError
        ``out_dir`` is a file, or a non-empty folder without ``overwrite``, or a folder with
        other files than an earlier output.
    """
    from radiogenomics.io.dicom_seg import read_dicom_seg
    from radiogenomics.io.dicom_series import read_dicom_series
    from radiogenomics.io.rtstruct import read_rtstruct

    if rtstruct is not None and seg is not None:
        raise DicomError("pass either an RTSTRUCT or a SEG file, not both")
    out_dir = Path(out_dir)
    check_output_folder(out_dir, overwrite)

    image = read_dicom_series(dicom_dir, series_uid, allow_missing_slices=allow_missing_slices)
    masks = {}
    if rtstruct is not None:
        masks = read_rtstruct(rtstruct, image)
    elif seg is not None:
        masks = read_dicom_seg(seg, image)

    names = [safe_filename(name) for name in masks]
    repeated = {name for name in names if names.count(name) > 1}
    if repeated:
        raise DicomError(
            f"ROI names {sorted(repeated)} collide after making them file names; rename the "
            "structures so they differ in letters or digits"
        )

    filenames = ["image.nii.gz", *(f"mask_{filename}.nii.gz" for filename in names)]
    with atomic_folder(out_dir) as staging:
        write_image(image, staging / filenames[0])
        for (name, mask), filename in zip(masks.items(), filenames[1:], strict=True):
            write_image(mask, staging / filename)
            logger.info("Wrote mask of %r", name)
    return [out_dir / filename for filename in filenames]


def check_output_folder(out_dir: Path, overwrite: bool) -> None:
    """Check that convert may write ``out_dir``; raise :class:`OutputExistsError` if not."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise OutputExistsError(f"--out {out_dir} is a file, not a folder; choose a folder path")
    entries = sorted(out_dir.iterdir())
    if not entries:
        return
    if not overwrite:
        raise OutputExistsError(
            f"--out {out_dir} exists and is not empty; choose a new folder, or pass --overwrite "
            "to replace an earlier convert output"
        )
    foreign = [
        entry.name
        for entry in entries
        if not entry.is_file()
        or not any(fnmatch.fnmatchcase(entry.name, pattern) for pattern in OUTPUT_PATTERNS)
    ]
    if foreign:
        raise OutputExistsError(
            f"--out {out_dir} contains {foreign[:5]}, which convert does not write; "
            "--overwrite replaces only a folder of image.nii.gz and mask_*.nii.gz files, so "
            "choose a new folder"
        )

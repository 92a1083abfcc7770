"""The 4-D DCE-MRI series: a pre-contrast frame, post-contrast frames and their times.

Readers build a :class:`DCESeries` from a stack of NIfTI/NRRD files (one file per time
point) or from DICOM files, where either one series per time point or one series with
temporal positions is ordered by acquisition time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from radiogenomics.errors import RadiogenomicsError

logger = logging.getLogger(__name__)


class DCESeriesError(RadiogenomicsError):
    """A DCE series is malformed: wrong shape, unordered times or mismatched frames."""


@dataclass(frozen=True, repr=False)
class DCESeries:
    """A dynamic contrast-enhanced MRI series on one voxel grid.

    Parameters
    ----------
    frames : ndarray, shape (n_frames, nz, ny, nx)
        Signal intensities. Frame 0 is the pre-contrast image, frames 1.. are
        post-contrast, in acquisition order. Floating-point frames keep their precision,
        and integer frames are stored as float32.
    times : sequence of float, length n_frames
        Acquisition time of each frame in seconds, strictly increasing. Only the
        differences between post-contrast times matter to the phenotypes.
    spacing : tuple of 3 float
        Voxel size (z, y, x) in millimetres.
    origin : tuple of 3 float, optional
        Patient coordinates of voxel (0, 0, 0) in millimetres.
    direction : ndarray, shape (3, 3), optional
        Direction cosines of the (z, y, x) axes.
    """

    frames: np.ndarray
    times: np.ndarray
    spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: np.ndarray = field(default_factory=lambda: np.eye(3))

    def __post_init__(self):
        frames = np.asarray(self.frames)
        if not np.issubdtype(frames.dtype, np.floating):
            # Scanner integers fit float32 exactly and need half the memory of float64.
            frames = frames.astype(np.float32)
        times = np.asarray(self.times, dtype=float)

        if frames.ndim != 4:
            raise DCESeriesError(
                f"frames must be 4-D (time, z, y, x), got shape {frames.shape}; "
                "stack the pre-contrast and post-contrast volumes along a first axis"
            )
        if frames.shape[0] < 3:
            raise DCESeriesError(
                f"a DCE series needs a pre-contrast frame and at least two post-contrast "
                f"frames, got {frames.shape[0]} frame(s)"
            )
        if times.shape != (frames.shape[0],):
            raise DCESeriesError(
                f"times has {times.size} value(s) but frames has {frames.shape[0]} frame(s); "
                "give one acquisition time in seconds per frame"
            )
        if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
            raise DCESeriesError(
                f"times must be finite and strictly increasing, got {times.tolist()}"
            )

        spacing = tuple(float(s) for s in self.spacing)
        if len(spacing) != 3 or not all(np.isfinite(s) and s > 0 for s in spacing):
            raise DCESeriesError(
                f"spacing must be three positive voxel sizes (z, y, x) in mm, got {self.spacing}"
            )
        if not np.all(np.isfinite(frames)):
            raise DCESeriesError(
                "frames contain NaN or infinite intensities; replace them before building "
                "a DCE series"
            )

        object.__setattr__(self, "frames", frames)
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "spacing", spacing)
        object.__setattr__(self, "origin", tuple(float(o) for o in self.origin))
        object.__setattr__(self, "direction", np.asarray(self.direction, dtype=float))

    def __repr__(self) -> str:
        # A summary instead of the arrays, which can hold millions of voxels.
        times = [f"{t:g}" for t in self.times]
        if len(times) > 8:
            times = times[:3] + ["..."] + times[-3:]
        spacing = ", ".join(f"{s:g}" for s in self.spacing)
        return (
            f"DCESeries(n_frames={self.frames.shape[0]}, shape={self.shape}, "
            f"spacing=({spacing}) mm, times=[{', '.join(times)}] s, dtype={self.frames.dtype})"
        )

    @property
    def shape(self) -> tuple[int, int, int]:
        """Grid shape (nz, ny, nx) of one frame."""
        return self.frames.shape[1:]

    @property
    def n_postcontrast(self) -> int:
        """Number of post-contrast frames."""
        return self.frames.shape[0] - 1

    @property
    def voxel_volume(self) -> float:
        """Volume of one voxel in mm³."""
        return float(np.prod(self.spacing))

    def kinetic_times(self, first_postcontrast_time: float = 60.0) -> np.ndarray:
        """Return the post-contrast times on the kinetic clock, in seconds.

        The clock puts the first post-contrast frame at ``first_postcontrast_time``
        and keeps the measured intervals between later frames. The default of 60 s
        matches the UChicago TCGA-BRCA phenotype table, where every exam's first
        post-contrast frame has a time to peak of exactly 60 s.

        Raises
        ------
        DCESeriesError
            If ``first_postcontrast_time`` is not a finite number above 0 s.
        """
        start = float(first_postcontrast_time)
        if not (np.isfinite(start) and start > 0):
            raise DCESeriesError(
                f"first_postcontrast_time must be above 0 s, got {first_postcontrast_time!r}, "
                "because the uptake rates K3 and E3 divide by a time to peak"
            )
        post = self.times[1:]
        return post - post[0] + start

    def relative_enhancement(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Return the relative enhancement (S(t) - S0) / S0 of each post-contrast frame.

        Parameters
        ----------
        mask : ndarray of bool, shape (nz, ny, nx), optional
            Voxels to return. Without a mask, the whole grid is returned.

        Returns
        -------
        ndarray
            Shape (n_post, nz, ny, nx) without a mask, else (n_voxels, n_post). The
            values are fractions (1.0 is 100 % enhancement). Voxels whose
            pre-contrast signal S0 is not positive are NaN.
        """
        pre = self.frames[0]
        post = self.frames[1:]
        if mask is not None:
            mask = check_mask(mask, self.shape)
            pre = pre[mask][:, np.newaxis]
            post = post[:, mask].T
        else:
            pre = pre[np.newaxis]
        with np.errstate(divide="ignore", invalid="ignore"):
            enhancement = np.where(pre > 0, (post - pre) / pre, np.nan)
        return enhancement


def check_mask(mask: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """Return ``mask`` as a boolean array after checking it matches ``shape``."""
    mask = np.asarray(mask)
    if mask.shape != tuple(shape):
        raise DCESeriesError(
            f"mask shape {mask.shape} does not match the image grid {tuple(shape)}; "
            "resample the mask onto the DCE grid first"
        )
    if mask.dtype != bool:
        values = np.unique(mask)
        if not np.all(np.isin(values, (0, 1))):
            raise DCESeriesError(
                f"mask must be binary (0/1 or bool), got values {values[:5].tolist()}"
            )
        mask = mask.astype(bool)
    return mask


def check_image_on_grid(
    image, series: DCESeries, name: str, tolerance: float = 1e-3, kind: str = "image"
) -> None:
    """Check that a SimpleITK image lies on the voxel grid of a DCE series.

    Parameters
    ----------
    image : SimpleITK.Image
        A 3-D image, such as a lesion mask.
    series : DCESeries
        The series whose grid the image must share.
    name : str
        The image's name (its file) in the error message.
    tolerance : float
        Largest accepted difference, in mm for origin and spacing and as an absolute
        value for direction cosines.
    kind : str
        What the image is ("mask"), which labels its values in the message.

    Raises
    ------
    DCESeriesError
        If size, spacing, origin or direction differ. The message shows both values of
        each, in SimpleITK's (x, y, z) order.
    """
    grid_size = tuple(int(n) for n in reversed(series.shape))
    grid_spacing = tuple(reversed(series.spacing))
    grid_origin = tuple(reversed(series.origin))
    grid_direction = tuple(series.direction[::-1, ::-1].ravel().tolist())
    problems = []
    if tuple(image.GetSize()) != grid_size:
        problems.append(f"size (x, y, z) DCE frames {grid_size} vs {kind} {image.GetSize()}")
    if not np.allclose(image.GetSpacing(), grid_spacing, rtol=0, atol=tolerance):
        problems.append(f"spacing (x, y, z) DCE frames {grid_spacing} vs {kind} "
                        f"{image.GetSpacing()} mm")
    if not np.allclose(image.GetOrigin(), grid_origin, rtol=0, atol=tolerance):
        problems.append(f"origin (x, y, z) DCE frames {grid_origin} vs {kind} "
                        f"{image.GetOrigin()} mm")
    if not np.allclose(image.GetDirection(), grid_direction, rtol=0, atol=tolerance):
        problems.append(f"direction DCE frames {grid_direction} vs {kind} "
                        f"{image.GetDirection()}")
    if problems:
        raise DCESeriesError(
            f"{name} does not lie on the DCE grid (tolerance {tolerance} mm): "
            f"{'; '.join(problems)}. Resample it onto the grid of the DCE frames first"
        )


def read_dce_stack(paths: Sequence[str | Path], times: Sequence[float]) -> DCESeries:
    """Read a DCE series from one NIfTI or NRRD file per time point.

    Parameters
    ----------
    paths : sequence of path
        One 3-D image per frame, the pre-contrast image first. Any format that
        SimpleITK reads (``.nii``, ``.nii.gz``, ``.nrrd``, ``.mha``) works.
    times : sequence of float
        Acquisition time of each frame in seconds.

    Returns
    -------
    DCESeries

    Raises
    ------
    DCESeriesError
        If ``paths`` is a single path, the numbers of paths and times differ, or the
        frames are unreadable or lie on different grids.
    FileNotFoundError
        If a frame file does not exist.
    """
    if isinstance(paths, (str, bytes, Path)):
        raise DCESeriesError(
            f"paths must be a list of files, one per frame, got the single path {paths!r}; "
            "give the pre-contrast file first, then one file per post-contrast frame"
        )
    paths = [Path(p) for p in paths]
    if len(paths) != len(times):
        raise DCESeriesError(
            f"got {len(paths)} image file(s) but {len(times)} time(s); give one time per file"
        )
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"DCE frame not found: {path}")
    images = [read_image_file(path) for path in paths]
    return _series_from_images(images, np.asarray(times, dtype=float), paths)


def read_image_file(path: str | Path):
    """Read one image file as a SimpleITK image, rejecting truncated and unreadable files.

    The feature engine's reader (:func:`radiogenomics.features.image.read_volume`) reads
    the voxels, so a NIfTI-1 file that ends before its last voxel raises instead of
    coming back zero-filled, as SimpleITK 2.5.7 returns it.

    NOTE: NIfTI-2 files are read by SimpleITK alone, so their truncation goes unnoticed.

    Raises
    ------
    DCESeriesError
        If the file is truncated or corrupt, or is not an image SimpleITK reads.
    """
    from radiogenomics.features.image import ImageError, read_volume

    try:
        return read_volume(Path(path)).to_sitk()
    except ImageError as error:
        raise DCESeriesError(str(error)) from error


def _series_from_images(images: list, times: np.ndarray, names: Sequence) -> DCESeries:
    """Stack 3-D SimpleITK images on one grid into a :class:`DCESeries`."""
    import SimpleITK as sitk

    reference = images[0]
    for name, image in zip(names, images, strict=True):
        if image.GetDimension() != 3:
            raise DCESeriesError(f"{name} is {image.GetDimension()}-D; each frame must be 3-D")
        same_grid = (
            image.GetSize() == reference.GetSize()
            and np.allclose(image.GetSpacing(), reference.GetSpacing())
            and np.allclose(image.GetOrigin(), reference.GetOrigin(), atol=1e-3)
            and np.allclose(image.GetDirection(), reference.GetDirection(), atol=1e-3)
        )
        if not same_grid:
            raise DCESeriesError(
                f"{name} lies on a different grid from {names[0]}: size {image.GetSize()} vs "
                f"{reference.GetSize()}, spacing {image.GetSpacing()} vs "
                f"{reference.GetSpacing()} mm, origin {image.GetOrigin()} vs "
                f"{reference.GetOrigin()} mm, direction {image.GetDirection()} vs "
                f"{reference.GetDirection()}. Register or resample the frames first"
            )
    frames = np.stack([sitk.GetArrayFromImage(image) for image in images])
    return DCESeries(
        frames=frames,
        times=times,
        spacing=tuple(reversed(reference.GetSpacing())),
        origin=tuple(reversed(reference.GetOrigin())),
        direction=_zyx_direction(reference.GetDirection()),
    )


def _zyx_direction(direction_xyz: Sequence[float]) -> np.ndarray:
    """Reorder a SimpleITK (x, y, z) direction matrix to the (z, y, x) array axes."""
    matrix = np.asarray(direction_xyz, dtype=float).reshape(3, 3)
    return matrix[::-1, ::-1]


def read_dce_dicom(directory: str | Path) -> DCESeries:
    """Read a DCE series from DICOM files, ordered by acquisition time.

    Two layouts work: one series per time point, or one series holding all time points
    (separated by Temporal Position Identifier, Trigger Time, Acquisition Number or
    acquisition time, see :func:`radiogenomics.io.dicom_dynamic.read_dynamic_series`).
    Each time point goes through the checks of :mod:`radiogenomics.io.dicom_series`:
    slices sorted along the slice normal, rescale slope and intercept applied, uniform
    spacing, no missing slice, one orientation. The time points are ordered by their
    earliest Acquisition Time (0008,0032), and the first is taken as the pre-contrast image.

    Parameters
    ----------
    directory : path
        Folder searched recursively for DICOM files.

    Returns
    -------
    DCESeries
        ``times`` are seconds since the first frame's acquisition.
    """
    from radiogenomics.io.dicom_dynamic import dicom_time_seconds, read_dynamic_series
    from radiogenomics.io.dicom_series import read_dicom_series, scan_folder

    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"DICOM directory not found: {directory}")
    series, _ = scan_folder(directory)
    if len(series) == 1:
        dynamic = read_dynamic_series(directory)
        images, seconds = dynamic.images, list(dynamic.times)
    else:
        images, seconds = [], []
        for uid, headers in series.items():
            images.append(read_dicom_series(directory, uid))
            starts = [dicom_time_seconds(h.acquisition_time) for h in headers
                      if h.acquisition_time]
            seconds.append(min(starts) if starts else np.nan)
    if len(images) < 3:
        raise DCESeriesError(
            f"found {len(images)} time point(s) of DICOM images in {directory}; a DCE series "
            "needs a pre-contrast and at least two post-contrast time points"
        )
    if np.isnan(seconds).any():
        raise DCESeriesError(
            f"some DICOM time points in {directory} lack an Acquisition Time, so they cannot "
            "be ordered; read the frames with read_dce_stack and give their times"
        )
    order = np.argsort(seconds, kind="stable")
    times = np.asarray(seconds, dtype=float)[order]
    return _series_from_images([images[i] for i in order], times - times[0],
                               [f"time point {i}" for i in order])

"""Image and mask loading, label selection and geometry checks.

Arrays are kept in SimpleITK's numpy order ``(z, y, x)``. ``Volume.spacing`` follows that
array order, while ``origin`` and ``direction`` keep ITK's ``(x, y, z)`` world order so that
they can be handed back to SimpleITK unchanged.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from radiogenomics.errors import RadiogenomicsError

logger = logging.getLogger(__name__)

_IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


class ImageError(RadiogenomicsError):
    """An image or mask cannot be read, or the two do not fit together."""


@dataclass(frozen=True)
class Volume:
    """A 3-D array with its voxel geometry.

    Attributes
    ----------
    array : numpy.ndarray
        Voxel values in ``(z, y, x)`` order.
    spacing : tuple of float
        Voxel size in mm, in array order ``(z, y, x)``.
    origin : tuple of float
        World position in mm of voxel ``[0, 0, 0]``, in ITK order ``(x, y, z)``.
    direction : tuple of float
        Direction cosines, 9 values row-major, in ITK order.
    source : object, optional
        The object that owns the memory of ``array`` when it is a view (a SimpleITK image).
    """

    array: np.ndarray
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: tuple[float, ...] = field(default=_IDENTITY)
    source: object = field(default=None, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, ...]:
        """Array shape in ``(z, y, x)`` order."""
        return self.array.shape

    def to_sitk(self):
        """Convert to a ``SimpleITK.Image`` with the same geometry."""
        import SimpleITK as sitk

        image = sitk.GetImageFromArray(self.array)
        image.SetSpacing(tuple(float(s) for s in self.spacing[::-1]))
        image.SetOrigin(tuple(float(o) for o in self.origin))
        image.SetDirection(tuple(float(d) for d in self.direction))
        return image

    @classmethod
    def from_sitk(cls, image, view: bool = False) -> Volume:
        """Build a volume from a ``SimpleITK.Image`` (2-D images get one slice).

        With ``view=True`` the array shares the image's memory instead of copying it, and
        stays valid only while the returned volume (which keeps the image) is alive.
        """
        import SimpleITK as sitk

        if image.GetDimension() == 2:
            image = sitk.JoinSeries(image)
        if image.GetDimension() != 3:
            raise ImageError(
                f"expected a 2-D or 3-D image, got {image.GetDimension()} dimensions; "
                "select one frame of a dynamic series first"
            )
        if image.GetNumberOfComponentsPerPixel() != 1:
            raise ImageError(
                f"expected a scalar image, got {image.GetNumberOfComponentsPerPixel()} "
                "components per voxel; convert colour or vector images to one channel"
            )
        array = sitk.GetArrayViewFromImage(image) if view else sitk.GetArrayFromImage(image)
        return cls(
            array=array,
            spacing=tuple(float(s) for s in image.GetSpacing()[::-1]),
            origin=tuple(float(o) for o in image.GetOrigin()),
            direction=tuple(float(d) for d in image.GetDirection()),
            source=image if view else None,
        )


def read_volume(source, spacing=None, view: bool = False) -> Volume:
    """Read an image from a file, a DICOM folder, an array or a SimpleITK image.

    Parameters
    ----------
    source : str, pathlib.Path, numpy.ndarray, SimpleITK.Image or Volume
        A NIfTI, NRRD or other file that SimpleITK reads, a folder with one DICOM series,
        a numpy array in ``(z, y, x)`` order, or an image object.
    spacing : sequence of 3 float, optional
        Voxel size in mm in ``(z, y, x)`` order. Required for numpy arrays, ignored
        otherwise.
    view : bool
        Share the memory of a file or SimpleITK image instead of copying it; see
        :meth:`Volume.from_sitk`. This saves one copy of the image during extraction.

    Returns
    -------
    Volume
    """
    if isinstance(source, Volume):
        return source
    if isinstance(source, np.ndarray):
        return _volume_from_array(source, spacing)
    if isinstance(source, (str, Path)):
        image = _read_path(Path(source))
        return image if isinstance(image, Volume) else Volume.from_sitk(image, view=view)
    if type(source).__name__ == "Image" and hasattr(source, "GetSpacing"):
        return Volume.from_sitk(source, view=view)
    raise ImageError(
        f"cannot read an image from a {type(source).__name__}; pass a file path, a DICOM "
        "folder, a numpy array with spacing or a SimpleITK image"
    )


def _volume_from_array(array: np.ndarray, spacing) -> Volume:
    if spacing is None:
        raise ImageError(
            f"a numpy array of shape {array.shape} has no voxel size; pass spacing=(dz, dy, dx) "
            "in mm"
        )
    if array.ndim == 2:
        array = array[np.newaxis]
    if array.ndim != 3:
        raise ImageError(f"expected a 2-D or 3-D array, got shape {array.shape}")
    if np.iscomplexobj(array) or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == bool
    ):
        raise ImageError(
            f"the array has {array.dtype} voxels; give real numbers (take the magnitude "
            "of complex data first)"
        )
    values = np.atleast_1d(np.asarray(spacing, dtype=object))
    try:
        numbers = [float(s) for s in values if not isinstance(s, (str, bytes))]
    except (TypeError, ValueError):
        numbers = []
    if values.ndim != 1 or len(numbers) != len(values) or len(values) not in (1, 3):
        raise ImageError(
            f"spacing must be one number or 3 numbers (dz, dy, dx) in mm, got {spacing!r}; "
            "a 2-D image takes 3 values too, the first being the slice thickness"
        )
    spacing = tuple(float(s) for s in np.broadcast_to(np.asarray(numbers), (3,)))
    if not min(spacing) > 0 or not all(np.isfinite(spacing)):
        raise ImageError(f"voxel spacing must be positive, got {spacing} mm")
    return Volume(array=array, spacing=spacing)


def _read_path(path: Path):
    import SimpleITK as sitk

    if not path.exists():
        raise FileNotFoundError(f"image file not found: {path}")
    if path.is_dir():
        reader = sitk.ImageSeriesReader()
        series = reader.GetGDCMSeriesIDs(str(path))
        if not series:
            raise ImageError(f"no DICOM series found in folder {path}")
        if len(series) > 1:
            logger.warning(
                "folder %s contains %d DICOM series; reading the first", path, len(series)
            )
        reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(path), series[0]))
        return reader.Execute()
    reader = sitk.ImageFileReader()
    reader.SetFileName(str(path))
    try:
        reader.ReadImageInformation()
        if path.name.lower().endswith((".nii", ".nii.gz")):
            return _read_nifti(reader, path)
        return reader.Execute()
    except RuntimeError as error:
        # ITK's messages start with its source file and line; keep the reason only.
        reason = str(error).strip().splitlines()[-1].split("sitk::ERROR:")[-1].strip()
        if "Unable to determine ImageIO reader" in reason:
            reason = "no image format recognised (the file is empty, cut short or not an image)"
        raise ImageError(
            f"cannot read image {path}: {reason}; check the file or export it again"
        ) from error


# NIfTI-1 header fields (byte offset, struct format): dim, datatype, vox_offset, scl_slope,
# scl_inter. Source: the NIfTI-1 header definition, nifti1.h (NIfTI DFWG, 2004).
_NIFTI1_FIELDS = {"dim": (40, "8h"), "datatype": (70, "h"), "vox_offset": (108, "f"),
                  "scl_slope": (112, "f"), "scl_inter": (116, "f")}
# NIfTI-1 datatype codes of the scalar voxel types, as numpy type strings.
_NIFTI1_TYPES = {2: "u1", 4: "i2", 8: "i4", 16: "f4", 64: "f8", 256: "i1", 512: "u2",
                 768: "u4", 1024: "i8", 1280: "u8"}


def _read_nifti1_voxels(path: Path) -> np.ndarray | None:
    """Return the voxels of a single-file NIfTI-1 image in (z, y, x) order.

    Returns ``None`` for any other layout (NIfTI-2, complex or RGB voxels, more than three
    dimensions), which the caller then reads with nibabel or SimpleITK. Reading the few
    header fields here avoids importing nibabel, which adds about 30 MB to every process.

    Raises
    ------
    ImageError
        If the file ends before its last voxel or its compressed stream is corrupt.
        SimpleITK 2.5 fills the missing voxels of such a file with zeros instead.
    """
    try:
        # ISA-L decompresses gzip faster than zlib (2.6 times on the IBSI CT phantom).
        from isal import igzip as gzip
    except ImportError:
        import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            stored = _read_nifti1_stream(handle, path)
    except ImageError:
        raise
    except Exception as error:  # EOFError, zlib.error, gzip.BadGzipFile, IsalError
        raise ImageError(
            f"cannot read image {path}: the file is truncated or corrupt ({error}); "
            "download or export it again"
        ) from error
    if stored is None:
        return None
    voxels, order, fields = stored
    if order != ("<" if sys.byteorder == "little" else ">"):
        voxels.byteswap(inplace=True)
    slope, intercept = fields["scl_slope"][0], fields["scl_inter"][0]
    if slope not in (0.0, 1.0) or intercept != 0.0:
        voxels = voxels * slope + intercept
    return voxels


def _read_nifti1_stream(handle, path: Path):
    """Return the voxels, byte order and header fields read from an open NIfTI-1 file,
    or None for a layout :func:`_read_nifti1_voxels` leaves to other readers."""
    import struct

    header = handle.read(352)
    if len(header) < 352:
        return None
    for order in ("<", ">"):
        if struct.unpack(f"{order}i", header[:4])[0] == 348:
            break
    else:
        return None
    fields = {name: struct.unpack_from(order + fmt, header, offset)
              for name, (offset, fmt) in _NIFTI1_FIELDS.items()}
    dim = fields["dim"]
    if dim[0] > 3 and any(size > 1 for size in dim[4:dim[0] + 1]):
        return None
    if fields["datatype"][0] not in _NIFTI1_TYPES:
        return None
    offset = int(fields["vox_offset"][0])
    if offset < 352 or len(handle.read(offset - 352)) != offset - 352:
        return None
    # NIfTI stores x fastest, so C order with reversed dimensions is (z, y, x). The
    # voxels are decompressed straight into the array, without an intermediate copy.
    shape = tuple(max(size, 1) for size in dim[1:4])
    voxels = np.empty(shape[::-1], dtype=np.dtype(_NIFTI1_TYPES[fields["datatype"][0]]))
    count = handle.readinto(voxels.reshape(-1).view(np.uint8))
    if count != voxels.nbytes:
        raise ImageError(
            f"cannot read image {path}: the file is truncated, its voxels end after "
            f"{count} of {voxels.nbytes} bytes; download or export it again"
        )
    return voxels, order, fields


def _read_nifti(reader, path: Path):
    """Read a NIfTI image, keeping NaN and infinite voxels and rejecting truncated files.

    The NIfTI reader of ITK 5 (seen with SimpleITK 2.5.7) zeroes every non-finite float
    voxel, which ITK pull request 6683 fixes for ITK 6, and zero-fills a truncated file.
    So the voxels are read here (by nibabel for float layouts this reader does not
    handle), and the geometry comes from ITK's reading of the header.
    """
    import SimpleITK as sitk

    if reader.GetDimension() != 3:
        return reader.Execute()
    is_float = reader.GetPixelID() in (sitk.sitkFloat32, sitk.sitkFloat64)
    stored = _read_nifti1_voxels(path)
    if stored is None and not is_float:
        return reader.Execute()
    if stored is None:
        import nibabel

        # nibabel orders axes (x, y, z), the reverse of SimpleITK's numpy order.
        stored = np.asanyarray(nibabel.load(str(path)).dataobj).T
    expected = tuple(reversed(reader.GetSize()))
    if stored.shape != expected:
        logger.warning(
            "%s: the voxel data have shape %s and SimpleITK reads %s, so SimpleITK reads "
            "the file, which turns NaN and infinite voxels into 0", path, stored.shape, expected,
        )
        return reader.Execute()
    if is_float:
        stored = stored.astype(
            np.float32 if reader.GetPixelID() == sitk.sitkFloat32 else np.float64, copy=False
        )
    return Volume(
        array=np.ascontiguousarray(stored),
        spacing=tuple(float(s) for s in reader.GetSpacing()[::-1]),
        origin=tuple(float(o) for o in reader.GetOrigin()),
        direction=tuple(float(d) for d in reader.GetDirection()),
    )


def select_label(mask: Volume, label: int | None = None) -> Volume:
    """Turn a label map into a boolean region of interest.

    Parameters
    ----------
    mask : Volume
        Label map; integer or integer-valued float voxels.
    label : int, optional
        Label to keep. Without it the mask must contain exactly one non-zero label, as a
        binary mask stored as 0/1 or 0/255 does.

    Returns
    -------
    Volume
        Boolean mask with the same geometry.

    Raises
    ------
    ImageError
        If the label is absent, the choice is ambiguous, the mask contains fractional values,
        or the selected region is empty.
    """
    values = mask.array
    if values.dtype == bool:
        values = values.astype(np.uint8)
    if np.issubdtype(values.dtype, np.floating):
        finite = np.isfinite(values)
        if not finite.all() or np.any(values[finite] != np.round(values[finite])):
            raise ImageError(
                "the mask contains fractional or non-finite values; threshold it into a label "
                "map (for example mask >= 0.5) before extraction"
            )
    labels = [_as_label(v) for v in np.unique(values[values != 0])]
    if not labels:
        raise ImageError("the mask is empty: it contains no non-zero voxel")
    if label is None:
        if len(labels) > 1:
            raise ImageError(
                f"the mask contains several labels {labels}; choose one with the label "
                "setting (Python label=1, a label column in the cases table of features "
                "extract, or --label of ibsi compliance)"
            )
        label = labels[0]
    elif label not in labels:
        raise ImageError(f"label {label} is not in the mask; labels present: {labels}")
    return Volume(values == label, mask.spacing, mask.origin, mask.direction)


def _as_label(value) -> int | float:
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


def check_geometry(
    image: Volume, mask: Volume, tolerance: float = 1e-3, resample_mask: bool = False
) -> Volume:
    """Check that a mask lies on the image grid, or resample it there.

    Parameters
    ----------
    image, mask : Volume
        The mask may be boolean or a label map.
    tolerance : float
        Largest accepted difference, in mm for origin and spacing and as an absolute value
        for direction cosines.
    resample_mask : bool
        Resample a mismatching mask onto the image grid with nearest-neighbour
        interpolation instead of raising.

    Returns
    -------
    Volume
        The mask on the image grid.
    """
    problems = []
    if image.shape != mask.shape:
        problems.append(f"size (z, y, x) image {image.shape} vs mask {mask.shape}")
    if not np.allclose(image.spacing, mask.spacing, rtol=0, atol=tolerance):
        problems.append(f"spacing (z, y, x) image {image.spacing} vs mask {mask.spacing} mm")
    if not np.allclose(image.origin, mask.origin, rtol=0, atol=tolerance):
        problems.append(f"origin (x, y, z) image {image.origin} vs mask {mask.origin} mm")
    if not np.allclose(image.direction, mask.direction, rtol=0, atol=tolerance):
        problems.append(f"direction image {image.direction} vs mask {mask.direction}")
    if not problems:
        return mask
    if not resample_mask:
        raise ImageError(
            "the mask does not lie on the image grid (tolerance "
            f"{tolerance} mm): {'; '.join(problems)}. Resample the mask onto the image grid "
            "with the setting resample_mask (Python resample_mask=True, settings file "
            "'resample_mask: true'), or raise the setting geometry_tolerance in mm (settings "
            "file 'geometry_tolerance: 0.01') if the difference is rounding"
        )
    logger.warning("resampling the mask onto the image grid: %s", "; ".join(problems))
    return resample_to(mask, image)


def resample_to(mask: Volume, reference: Volume) -> Volume:
    """Resample a mask onto the grid of ``reference`` with nearest-neighbour interpolation."""
    import SimpleITK as sitk

    source = Volume(mask.array.astype(np.int32), mask.spacing, mask.origin, mask.direction)
    grid = Volume(
        np.zeros(reference.shape, np.uint8),
        reference.spacing,
        reference.origin,
        reference.direction,
    )
    resampled = sitk.Resample(
        source.to_sitk(), grid.to_sitk(), sitk.Transform(), sitk.sitkNearestNeighbor, 0
    )
    array = sitk.GetArrayFromImage(resampled)
    if mask.array.dtype == bool:
        array = array.astype(bool)
    return Volume(array, reference.spacing, reference.origin, reference.direction)


def load_image_and_mask(
    image,
    mask,
    label: int | None = None,
    spacing=None,
    tolerance: float = 1e-3,
    resample_mask: bool = False,
) -> tuple[Volume, Volume]:
    """Read an image and its mask, select the label and check that they share one grid.

    Parameters
    ----------
    image, mask : path, numpy.ndarray, SimpleITK.Image or Volume
        See :func:`read_volume`.
    label : int, optional
        See :func:`select_label`.
    spacing : sequence of 3 float, optional
        Voxel size in mm ``(z, y, x)`` for numpy inputs.
    tolerance : float
        Geometry tolerance in mm; see :func:`check_geometry`.
    resample_mask : bool
        Resample a mask on another grid instead of raising.

    Returns
    -------
    image : Volume
        Image with its stored voxel type.
    mask : Volume
        Boolean mask on the image grid.
    """
    image = read_volume(image, spacing, view=True)
    if isinstance(mask, np.ndarray):
        # A bare array carries no geometry, so it takes the image's.
        mask = _volume_from_array(mask, image.spacing)
        mask = Volume(mask.array, image.spacing, image.origin, image.direction)
    else:
        mask = read_volume(mask, view=True)
    mask = check_geometry(image, mask, tolerance=tolerance, resample_mask=resample_mask)
    mask = select_label(mask, label)
    return image, mask

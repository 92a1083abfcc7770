"""Feature extraction of one image and mask: processing, then every requested family.

The processing order follows the IBSI 1 reference manual: interpolation of image and
mask, intensity rounding, re-segmentation (which turns the morphological mask into the
intensity mask), discretisation, then the feature families.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from radiogenomics.errors import RadiogenomicsError
from radiogenomics.features import preprocess
from radiogenomics.features.image import ImageError, Volume, load_image_and_mask
from radiogenomics.features.local_intensity import PEAK_RADIUS_MM
from radiogenomics.features.roi_box import bounding_box
from radiogenomics.features.settings import TEXTURE_FAMILIES, Settings

logger = logging.getLogger(__name__)


class ExtractionError(RadiogenomicsError):
    """No feature can be computed for this image and mask."""


@dataclass
class ProcessedROI:
    """An image and its ROI masks after processing, cropped around the ROI.

    Attributes
    ----------
    image : numpy.ndarray
        Interpolated and rounded intensities, ``(z, y, x)``.
    morphological_mask, intensity_mask : numpy.ndarray of bool
        ROI before and after re-segmentation.
    spacing : tuple of float
        Voxel size in mm, ``(z, y, x)``.
    diagnostics : dict
        IBSI diagnostic features, filled when ``Settings.diagnostics`` is set.
    """

    image: np.ndarray
    morphological_mask: np.ndarray
    intensity_mask: np.ndarray
    spacing: tuple[float, float, float]
    diagnostics: dict = field(default_factory=dict)


def _new_spacing(original, settings: Settings) -> tuple[float, float, float] | None:
    if settings.resampled_spacing is None:
        return None
    requested = settings.resampled_spacing[::-1]  # (x, y, z) -> array order (z, y, x)
    spacing = [o if r is None else r for r, o in zip(requested, original, strict=True)]
    if settings.interpolate_in_plane:
        spacing[0] = original[0]
    return tuple(float(s) for s in spacing)


def _window(grid: preprocess.Grid, mask: np.ndarray, margin_mm: float) -> tuple[slice, ...]:
    """Return the part of the new grid near the ROI, with a margin for the peak sphere."""
    window = []
    for axis, extent in enumerate(bounding_box(mask)):
        start, step, size = grid.start[axis], grid.step[axis], grid.shape[axis]
        margin = int(np.ceil(margin_mm / grid.spacing[axis])) + 1
        # A new voxel within one original voxel of the ROI can reach the partial volume.
        low = int(np.floor((extent.start - 1 - start) / step)) - margin
        high = int(np.ceil((extent.stop - start) / step)) + margin + 1
        window.append(slice(max(low, 0), min(high, size)))
    return tuple(window)


def _roi_diagnostics(prefix: str, suffix: str, image, mask, full_shape) -> dict:
    values = image[mask]
    indices = np.nonzero(mask)
    extent = [int(i.max() - i.min() + 1) for i in indices]
    result = {}
    for axis, name in zip((2, 1, 0), "xyz", strict=True):
        result[f"{prefix}_dim_{name}_{suffix}"] = full_shape[axis]
        result[f"{prefix}_bb_dim_{name}_{suffix}"] = extent[axis]
    result[f"{prefix}_vox_count_{suffix}"] = int(mask.sum())
    if prefix == "int_mask":
        result[f"int_mask_mean_int_{suffix}"] = float(values.mean())
        result[f"int_mask_min_int_{suffix}"] = float(values.min())
        result[f"int_mask_max_int_{suffix}"] = float(values.max())
    return result


def _image_diagnostics(suffix: str, array: np.ndarray, spacing) -> dict:
    result = {}
    for axis, name in zip((2, 1, 0), "xyz", strict=True):
        result[f"img_dim_{name}_{suffix}"] = array.shape[axis]
        result[f"vox_dim_{name}_{suffix}"] = float(spacing[axis])
    result[f"mean_int_{suffix}"] = float(array.mean())
    result[f"min_int_{suffix}"] = float(array.min())
    result[f"max_int_{suffix}"] = float(array.max())
    return result


def _handle_nan(image: Volume, mask: Volume, policy: str) -> tuple[Volume, Volume]:
    if not np.issubdtype(image.array.dtype, np.floating):
        return image, mask

    infinite = int(np.isinf(image.array).sum())
    if infinite:
        raise ImageError(
            f"the image contains {infinite} infinite voxels; replace them with finite values"
        )

    missing = np.isnan(image.array)
    if not missing.any():
        return image, mask

    inside = int((missing & mask.array).sum())
    if policy == "raise":
        raise ImageError(
            f"the image contains {int(missing.sum())} NaN voxels ({inside} inside the mask); "
            "replace them, or drop them from the ROI with the setting nan_policy (Python "
            "nan_policy='exclude', settings file 'nan_policy: exclude')"
        )

    keep = mask.array & ~missing
    if not keep.any():
        raise ImageError("every ROI voxel of the image is NaN")
    logger.warning(
        "dropping %d NaN voxels from the ROI; %d NaN voxels outside it take the ROI mean",
        inside,
        int(missing.sum()) - inside,
    )

    filled = np.where(missing, image.array[keep].mean(), image.array)
    return (
        Volume(filled, image.spacing, image.origin, image.direction),
        Volume(keep, mask.spacing, mask.origin, mask.direction),
    )


def process(image: Volume, mask: Volume, settings: Settings) -> ProcessedROI:
    """Interpolate, round and re-segment an image and its boolean mask.

    Parameters
    ----------
    image : Volume
        Intensities of any numeric type.
    mask : Volume
        Boolean ROI on the image grid.
    settings : Settings

    Returns
    -------
    ProcessedROI
        Cropped around the ROI with a margin large enough for the local intensity sphere,
        unless ``settings.diagnostics`` requests whole-image statistics.

    Raises
    ------
    ExtractionError
        If interpolation or re-segmentation leaves no voxel in the ROI.
    """
    image, mask = _handle_nan(image, mask, settings.nan_policy)
    array, roi, spacing = image.array, mask.array, image.spacing
    new_spacing = _new_spacing(spacing, settings)
    grid = None
    if new_spacing is not None:
        grid = preprocess.interpolation_grid(array.shape, spacing, new_spacing)

    # Crop around the ROI before the first full-size copy; diagnostics need the whole image.
    window = None
    if not settings.diagnostics:
        if grid is None:
            margin = np.ceil(PEAK_RADIUS_MM / np.asarray(spacing)).astype(int) + 1
            box = bounding_box(roi, margin)
        else:
            window = _window(grid, roi, PEAK_RADIUS_MM)
            box, grid = preprocess.crop_to_window(
                grid, window, array.shape, settings.image_interpolation
            )
        array, roi = array[box], roi[box]
    array = array.astype(np.float64)
    if settings.round_intensities:
        array = np.round(array)

    diagnostics = {}
    if settings.diagnostics:
        diagnostics.update(_image_diagnostics("init_img", array, spacing))
        diagnostics.update(_roi_diagnostics("int_mask", "init_roi", array, roi, array.shape))
        diagnostics.update(_roi_diagnostics("morph_mask", "init_roi", array, roi, array.shape))

    full_shape = array.shape
    if grid is not None:
        full_shape = grid.shape
        array = preprocess.resample(array, grid, settings.image_interpolation, window)
        roi = preprocess.resample_mask(roi, grid, settings.partial_volume, window)
        spacing = grid.spacing
        if settings.round_intensities:
            array = np.round(array)
        if not roi.any():
            raise ExtractionError(
                f"no voxel of the ROI reaches the partial volume {settings.partial_volume} "
                f"after interpolation to {settings.resampled_spacing} mm; use a finer spacing"
            )
        if settings.diagnostics:
            diagnostics.update(_image_diagnostics("interp_img", array, spacing))
            diagnostics.update(_roi_diagnostics("int_mask", "interp_roi", array, roi, full_shape))
            diagnostics.update(_roi_diagnostics("morph_mask", "interp_roi", array, roi, full_shape))
    elif settings.diagnostics:
        # Without interpolation the interpolated image is the initial one.
        for name, value in list(diagnostics.items()):
            diagnostics[name.replace("_init_", "_interp_")] = value

    if settings.diagnostics:
        margin = np.ceil(PEAK_RADIUS_MM / np.asarray(spacing)).astype(int) + 1
        box = bounding_box(roi, margin)
        array, roi = array[box], roi[box]

    intensity_mask = preprocess.resegment(
        array, roi, settings.resegment_range, settings.resegment_outliers
    )
    if not intensity_mask.any():
        values = array[roi]
        raise ExtractionError(
            f"re-segmentation to the range {settings.resegment_range} leaves no voxel in the "
            f"ROI, whose intensities run from {values.min():g} to {values.max():g}; widen "
            "resegment_range or remove it"
        )
    if settings.diagnostics:
        diagnostics.update(
            _roi_diagnostics("int_mask", "reseg_roi", array, intensity_mask, full_shape)
        )
        diagnostics.update(_roi_diagnostics("morph_mask", "reseg_roi", array, roi, full_shape))
    return ProcessedROI(array, roi, intensity_mask, tuple(spacing), diagnostics)


def _ivh_input(values: np.ndarray, settings: Settings) -> tuple[np.ndarray, float, float, float]:
    """Return the IVH intensities, the range that maps to 0..1 and the intensity step.

    Without IVH discretisation the intensities are used as they are, with a step of one
    unit (discrete calibrated units such as HU). Fixed bin size represents each voxel by
    its bin centre; fixed bin number uses bin numbers ``1..Ng`` (arbitrary units).
    """
    from radiogenomics.features.discretise import fixed_bin_number, fixed_bin_size

    reseg = settings.resegment_range or (None, None)
    if settings.ivh_discretisation is None:
        lower = reseg[0] if reseg[0] is not None else values.min()
        upper = reseg[1] if reseg[1] is not None else values.max()
        return values, float(lower), float(upper), 1.0
    if settings.ivh_discretisation == "fixed_bin_size":
        width = settings.ivh_bin_width
        lower = reseg[0] if reseg[0] is not None else values.min()
        levels = fixed_bin_size(values, width, lower)
        centres = lower + (levels - 0.5) * width
        upper_level = (
            np.floor((reseg[1] - lower) / width) + 1 if reseg[1] is not None else levels.max()
        )
        return centres, lower + 0.5 * width, lower + (upper_level - 0.5) * width, width
    levels = fixed_bin_number(values, settings.ivh_bin_number)
    return levels.astype(np.float64), 1.0, float(settings.ivh_bin_number), 1.0


def grey_levels(values: np.ndarray, settings: Settings) -> tuple[np.ndarray, int]:
    """Discretise ROI intensities for texture and histogram features.

    Returns
    -------
    levels : numpy.ndarray of int64
    level_count : int
        Number of grey levels ``Ng``: the bin number for fixed bin number, otherwise the
        highest level present.
    """
    from radiogenomics.features.discretise import discretise

    levels = discretise(
        values,
        settings.discretisation,
        bin_number=settings.bin_number,
        bin_width=settings.bin_width,
        lower_bound=settings.lower_bound if settings.discretisation == "fixed_bin_size" else None,
    )
    if settings.discretisation == "fixed_bin_number":
        return levels, int(settings.bin_number)
    return levels, int(levels.max())


def compute_features(roi: ProcessedROI, settings: Settings) -> dict[str, float]:
    """Compute the requested feature families of a processed ROI.

    Returns
    -------
    dict
        Feature name -> value, diagnostics first.
    """
    features: dict[str, float] = dict(roi.diagnostics)
    families = set(settings.families)
    values = roi.image[roi.intensity_mask]

    if "morphology" in families:
        from radiogenomics.features.morphology import morphology

        features.update(
            morphology(roi.morphological_mask, roi.intensity_mask, roi.image, roi.spacing)
        )
    if "local_intensity" in families:
        from radiogenomics.features.local_intensity import local_intensity

        features.update(local_intensity(roi.image, roi.intensity_mask, roi.spacing))
    if "intensity" in families:
        from radiogenomics.features.intensity import intensity_statistics

        features.update(intensity_statistics(values, float(np.prod(roi.spacing))))

    needs_levels = families & ({"histogram"} | set(TEXTURE_FAMILIES))
    if needs_levels:
        levels, level_count = grey_levels(values, settings)
    if "histogram" in families:
        from radiogenomics.features.histogram import intensity_histogram

        features.update(intensity_histogram(levels, level_count))
    if "ivh" in families:
        from radiogenomics.features.histogram import intensity_volume_histogram

        features.update(intensity_volume_histogram(*_ivh_input(values, settings)))

    texture = [f for f in TEXTURE_FAMILIES if f in families]
    if texture:
        from radiogenomics.features.texture_bridge import texture_features

        level_map = np.zeros(roi.image.shape, dtype=np.int64)
        level_map[roi.intensity_mask] = levels
        features.update(
            texture_features(
                level_map,
                roi.intensity_mask,
                level_count,
                texture,
                settings,
                morph_roi=roi.morphological_mask,
            )
        )
    return features


def extract(image, mask, settings: Settings | dict | None = None, **overrides):
    """Extract radiomic features of one image and mask.

    Parameters
    ----------
    image, mask : path, numpy.ndarray, SimpleITK.Image or Volume
        NIfTI, NRRD or other files SimpleITK reads, DICOM folders, or arrays in
        ``(z, y, x)`` order (give ``spacing=(dz, dy, dx)`` in mm for arrays).
    settings : Settings or dict, optional
        Processing and feature settings; defaults to :class:`Settings` ().
    **overrides
        Setting values that replace those of ``settings``, plus ``spacing`` for arrays.

    Notes
    -----
    The two spacings run in opposite orders. ``spacing`` follows the array axes,
    ``(dz, dy, dx)``. The setting ``resampled_spacing`` follows the IBSI and PyRadiomics
    convention, ``(x, y, z)``. For an image of spacing ``(2, 1, 0.5)``,
    ``resampled_spacing=(0.5, 1, 2)`` keeps the grid unchanged.

    Returns
    -------
    dict
        One row: feature name -> value (float). Names are IBSI 1 tags such as
        ``morph_volume`` or ``stat_mean``, and :func:`radiogenomics.features.catalogue`
        describes each. ``pandas.Series(row)`` turns it into a Series; a plain dict keeps
        pandas out of the import path of a single extraction.

    Examples
    --------
    >>> import radiogenomics as rg
    >>> row = rg.features.extract("image.nii.gz", "mask.nii.gz", {"bin_width": 25,
    ...     "discretisation": "fixed_bin_size"})  # doctest: +SKIP
    """
    spacing = overrides.pop("spacing", None)
    settings = _resolve_settings(settings, overrides)
    image_volume, mask_volume = load_image_and_mask(
        image,
        mask,
        label=settings.label,
        spacing=spacing,
        tolerance=settings.geometry_tolerance,
        resample_mask=settings.resample_mask,
    )
    roi = process(image_volume, mask_volume, settings)
    del image_volume, mask_volume  # the ROI contains a cropped copy, so free the whole image
    return {name: float(value) for name, value in compute_features(roi, settings).items()}


def _resolve_settings(settings, overrides) -> Settings:
    if settings is None:
        settings = Settings()
    elif isinstance(settings, dict):
        settings = Settings.from_dict(settings)
    elif not isinstance(settings, Settings):
        raise RadiogenomicsError(
            f"settings must be a Settings object or a dict, got {type(settings).__name__}"
        )
    if overrides:
        values = settings.to_dict()
        values.update(overrides)
        settings = Settings.from_dict(values)
    return settings

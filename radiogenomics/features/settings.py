"""Extraction settings: one object that names every processing choice.

Settings load from YAML or a dict, reject unknown keys, and are written into every output
so that a feature table records how it was made. :meth:`Settings.ibsi` returns the
configurations of the IBSI 1 reference data sets.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from radiogenomics.errors import RadiogenomicsError

FAMILIES = (
    "morphology",
    "local_intensity",
    "intensity",
    "histogram",
    "ivh",
    "glcm",
    "glrlm",
    "glszm",
    "gldzm",
    "ngtdm",
    "ngldm",
)
TEXTURE_FAMILIES = FAMILIES[5:]

# Settings whose type ``Settings.validate`` checks before their values. ``None`` passes
# where the field default is ``None``.
INTEGER_SETTINGS = ("label", "bin_number", "ivh_bin_number", "texture_distance", "ngldm_coarseness")
NUMBER_SETTINGS = (
    "geometry_tolerance",
    "partial_volume",
    "bin_width",
    "bin_lower_bound",
    "ivh_bin_width",
    "resegment_outliers",
)
BOOLEAN_SETTINGS = ("resample_mask", "interpolate_in_plane", "round_intensities", "diagnostics")


class SettingsError(RadiogenomicsError):
    """Extraction settings are invalid."""


@dataclass
class Settings:
    """Processing and feature settings of one extraction.

    Attributes
    ----------
    label : int, optional
        Mask label of the ROI; required when the mask contains several labels.
    geometry_tolerance : float
        Largest accepted origin or spacing difference between image and mask, in mm.
    resample_mask : bool
        Resample a mask on another grid onto the image grid instead of raising.
    nan_policy : {"raise", "exclude"}
        What to do with NaN image voxels: raise, or drop them from the ROI and fill them
        with the ROI mean before interpolation.
    resampled_spacing : tuple of 3 float, optional
        New voxel size in mm, ``(x, y, z)``; ``None`` keeps the original grid, and a
        ``None`` entry keeps the original spacing along that axis.
    interpolate_in_plane : bool
        Interpolate within slices only (IBSI 2D configurations); the slice spacing stays.
    image_interpolation : {"linear", "cubic", "nearest"}
        Trilinear or tricubic B-spline interpolation of the image.
    partial_volume : float
        Fraction of the trilinearly interpolated mask from which a voxel is in the ROI.
    round_intensities : bool
        Round intensities to the nearest integer after loading and after interpolation
        (for calibrated integer units such as HU).
    resegment_range : tuple of 2 float or None, optional
        Inclusive intensity range of the intensity mask; ``None`` on a side leaves it open.
    resegment_outliers : float, optional
        Remove voxels beyond this many standard deviations from the mean (IBSI: 3).
    discretisation : {"fixed_bin_number", "fixed_bin_size", "pyradiomics"}
        Discretisation for texture and intensity-histogram features.
    bin_number : int
        Number of bins for ``fixed_bin_number``.
    bin_width : float, optional
        Bin width in image units for ``fixed_bin_size`` and ``pyradiomics``.
    bin_lower_bound : float, optional
        Lower bound of ``fixed_bin_size``; defaults to the lower re-segmentation bound,
        else the ROI minimum.
    ivh_discretisation : {None, "fixed_bin_size", "fixed_bin_number"}
        ``None`` uses the intensities themselves (discrete calibrated units).
    ivh_bin_width : float, optional
    ivh_bin_number : int, optional
    families : tuple of str
        Feature families to compute, from :data:`FAMILIES`.
    texture_aggregation : tuple of str
        IBSI aggregation methods passed to the texture families, for example ``"3d_avg"``,
        ``"3d_mrg"``, ``"2d_avg"``, ``"2.5d_mrg"``.
    texture_distance : int
        Chebyshev distance of GLCM, NGTDM and NGLDM neighbours.
    ngldm_coarseness : int
        Coarseness parameter ``alpha`` of the NGLDM.
    diagnostics : bool
        Add the IBSI diagnostic features (image and ROI sizes and intensities after each
        step). This interpolates the whole image, which is slower.
    """

    label: int | None = None
    geometry_tolerance: float = 1e-3
    resample_mask: bool = False
    nan_policy: str = "raise"
    resampled_spacing: tuple[float, float, float] | None = None
    interpolate_in_plane: bool = False
    image_interpolation: str = "linear"
    partial_volume: float = 0.5
    round_intensities: bool = False
    resegment_range: tuple[float | None, float | None] | None = None
    resegment_outliers: float | None = None
    discretisation: str = "fixed_bin_number"
    bin_number: int = 32
    bin_width: float | None = None
    bin_lower_bound: float | None = None
    ivh_discretisation: str | None = None
    ivh_bin_width: float | None = None
    ivh_bin_number: int | None = None
    families: tuple[str, ...] = FAMILIES
    texture_aggregation: tuple[str, ...] = ("3d_avg", "3d_mrg")
    texture_distance: int = 1
    ngldm_coarseness: int = 0
    diagnostics: bool = False

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        """Raise :class:`SettingsError` naming the first invalid value.

        Numbers written as text (PyYAML reads ``1e-3`` as a string) are converted.
        """
        self._check_types()

        if self.nan_policy not in ("raise", "exclude"):
            raise SettingsError(f"nan_policy must be 'raise' or 'exclude', got {self.nan_policy!r}")

        if self.image_interpolation not in ("linear", "cubic", "nearest"):
            raise SettingsError(
                "image_interpolation must be 'linear', 'cubic' or 'nearest', got "
                f"{self.image_interpolation!r}"
            )

        if self.resampled_spacing is not None:
            triple = _as_triple(self.resampled_spacing)
            try:
                spacing = tuple(None if s is None else float(s) for s in triple)
            except (TypeError, ValueError):
                raise SettingsError(
                    "resampled_spacing must contain numbers in mm (null keeps an axis), got "
                    f"{self.resampled_spacing!r}"
                ) from None
            given = [s for s in spacing if s is not None]
            if not given or min(given) <= 0:
                raise SettingsError(f"resampled_spacing must be positive, got {spacing} mm")
            self.resampled_spacing = spacing

        if not 0 < self.partial_volume <= 1:
            raise SettingsError(f"partial_volume must be in (0, 1], got {self.partial_volume}")

        if self.resegment_range is not None:
            lower, upper = _as_range(self.resegment_range)
            if lower is not None and upper is not None and lower > upper:
                raise SettingsError(
                    f"resegment_range lower bound {lower} exceeds upper bound {upper}"
                )
            self.resegment_range = (lower, upper)

        if self.discretisation not in ("fixed_bin_number", "fixed_bin_size", "pyradiomics"):
            raise SettingsError(
                "discretisation must be 'fixed_bin_number', 'fixed_bin_size' or "
                f"'pyradiomics', got {self.discretisation!r}"
            )

        if self.discretisation == "fixed_bin_number" and (
            int(self.bin_number) != self.bin_number or self.bin_number < 1
        ):
            raise SettingsError(f"bin_number must be a positive integer, got {self.bin_number}")

        if self.discretisation != "fixed_bin_number" and not (self.bin_width or 0) > 0:
            raise SettingsError(
                f"{self.discretisation} discretisation needs a positive bin_width, got "
                f"{self.bin_width}"
            )

        if self.ivh_discretisation not in (None, "fixed_bin_size", "fixed_bin_number"):
            raise SettingsError(
                "ivh_discretisation must be null, 'fixed_bin_size' or 'fixed_bin_number', got "
                f"{self.ivh_discretisation!r}"
            )

        if self.ivh_discretisation == "fixed_bin_size" and not (self.ivh_bin_width or 0) > 0:
            raise SettingsError(
                f"fixed_bin_size IVH discretisation needs a positive ivh_bin_width, got "
                f"{self.ivh_bin_width}"
            )
        if self.ivh_discretisation == "fixed_bin_number" and not (self.ivh_bin_number or 0) > 1:
            raise SettingsError(
                f"fixed_bin_number IVH discretisation needs ivh_bin_number > 1, got "
                f"{self.ivh_bin_number}"
            )

        if isinstance(self.families, str):
            self.families = (self.families,)
        if not isinstance(self.families, (list, tuple)):
            raise SettingsError(
                f"families must be a list of feature families, got {self.families!r}; choose "
                f"from {FAMILIES}"
            )
        unknown = sorted(set(self.families) - set(FAMILIES))
        if unknown:
            raise SettingsError(f"unknown feature families {unknown}; choose from {FAMILIES}")
        self.families = tuple(self.families)
        self.texture_aggregation = tuple(
            [self.texture_aggregation]
            if isinstance(self.texture_aggregation, str)
            else self.texture_aggregation
        )
        from radiogenomics.features.texture.aggregation import (
            DIRECTIONAL_AGGREGATIONS,
            VOLUME_AGGREGATIONS,
        )

        known = {*DIRECTIONAL_AGGREGATIONS, *VOLUME_AGGREGATIONS}
        unknown = sorted(set(self.texture_aggregation) - known)
        if unknown or not self.texture_aggregation:
            raise SettingsError(
                f"unknown texture aggregation {unknown or '(none given)'}; choose from "
                f"{sorted(known)}"
            )

    def _check_types(self) -> None:
        for name in BOOLEAN_SETTINGS:
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise SettingsError(
                    f"{name} must be true or false, got {value!r}; write true or false "
                    "without quotes"
                )
            setattr(self, name, bool(value))
        for name in INTEGER_SETTINGS + NUMBER_SETTINGS:
            value = getattr(self, name)
            default = next(f.default for f in dataclasses.fields(self) if f.name == name)
            if value is None and default is None:
                continue
            setattr(self, name, _as_number(name, value, integer=name in INTEGER_SETTINGS))

    @property
    def lower_bound(self) -> float | None:
        """Lower bound of fixed-bin-size discretisation, explicit or from re-segmentation."""
        if self.bin_lower_bound is not None:
            return self.bin_lower_bound
        if self.resegment_range is not None:
            return self.resegment_range[0]
        return None

    def to_dict(self) -> dict:
        """Return the settings as plain Python values (for YAML, JSON or Parquet metadata)."""
        values = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}

    @classmethod
    def from_dict(cls, values: dict) -> Settings:
        """Build settings from a dict; an unknown key raises :class:`SettingsError`."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SettingsError(f"unknown setting(s) {unknown}; valid settings are {sorted(known)}")
        values = dict(values)
        for name in ("families", "texture_aggregation"):
            if name in values and isinstance(values[name], list):
                values[name] = tuple(values[name])
        for name in ("resampled_spacing", "resegment_range"):
            if isinstance(values.get(name), list):
                values[name] = tuple(values[name])
        return cls(**values)

    @classmethod
    def from_yaml(cls, path) -> Settings:
        """Read settings from a YAML file; a top-level ``ibsi: A`` starts from a preset."""
        import yaml

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"settings file not found: {path}")
        try:
            values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except UnicodeDecodeError:
            raise SettingsError(
                f"settings file {path} is not UTF-8 text; write it as a YAML file with one "
                "'setting: value' line per setting"
            ) from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(error, "problem", None) or str(error)
            raise SettingsError(
                f"settings file {path} is not valid YAML{where} ({problem}); write one "
                "'setting: value' line per setting, for example 'bin_number: 16'"
            ) from None
        if not isinstance(values, dict):
            raise SettingsError(f"settings file {path} must hold a mapping of setting: value")
        try:
            preset = values.pop("ibsi", None)
            if preset is not None:
                merged = cls.ibsi(str(preset)).to_dict()
                merged.update(values)
                values = merged
            return cls.from_dict(values)
        except SettingsError as error:
            raise SettingsError(f"settings file {path}: {error}") from None

    @classmethod
    def ibsi(cls, configuration: str) -> Settings:
        """Return the settings of an IBSI 1 reference configuration.

        Parameters
        ----------
        configuration : {"phantom", "A", "B", "C", "D", "E"}
            ``phantom`` is the digital phantom (no processing, grey levels used as they
            are). A-E are the CT phantom configurations of the IBSI 1 manual chapter
            "Reference data sets": A and B are 2D (B interpolated in plane to 2 mm), C-E
            are 3D interpolated to 2 mm isotropic.
        """
        key = configuration.strip().upper()
        all_2d = ("2d_avg", "2d_mrg", "2.5d_avg", "2.5d_mrg")
        all_3d = ("3d_avg", "3d_mrg")
        if key == "PHANTOM":
            return cls(
                discretisation="fixed_bin_size",
                bin_width=1.0,
                texture_aggregation=all_2d + all_3d,
            )
        common = {"round_intensities": True}
        presets = {
            "A": dict(
                resegment_range=(-500.0, 400.0),
                discretisation="fixed_bin_size",
                bin_width=25.0,
                texture_aggregation=all_2d,
            ),
            "B": dict(
                resampled_spacing=(2.0, 2.0, None),
                interpolate_in_plane=True,
                resegment_range=(-500.0, 400.0),
                discretisation="fixed_bin_number",
                bin_number=32,
                texture_aggregation=all_2d,
            ),
            "C": dict(
                resampled_spacing=(2.0, 2.0, 2.0),
                resegment_range=(-1000.0, 400.0),
                discretisation="fixed_bin_size",
                bin_width=25.0,
                ivh_discretisation="fixed_bin_size",
                ivh_bin_width=2.5,
                texture_aggregation=all_3d,
            ),
            "D": dict(
                resampled_spacing=(2.0, 2.0, 2.0),
                resegment_outliers=3.0,
                discretisation="fixed_bin_number",
                bin_number=32,
                texture_aggregation=all_3d,
            ),
            "E": dict(
                resampled_spacing=(2.0, 2.0, 2.0),
                image_interpolation="cubic",
                resegment_range=(-1000.0, 400.0),
                resegment_outliers=3.0,
                discretisation="fixed_bin_number",
                bin_number=32,
                ivh_discretisation="fixed_bin_number",
                ivh_bin_number=1000,
                texture_aggregation=all_3d,
            ),
        }
        if key not in presets:
            raise SettingsError(
                f"unknown IBSI configuration {configuration!r}; use phantom, A, B, C, D or E"
            )
        return cls(**common, **presets[key])


def _as_number(name: str, value, integer: bool) -> int | float:
    """Convert a setting to a finite float, or to an int when ``integer`` is set."""
    kind = "an integer" if integer else "a number"
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    whole = number.is_integer() if math.isfinite(number) else False
    if isinstance(value, bool) or not math.isfinite(number) or (integer and not whole):
        raise SettingsError(
            f"{name} must be {kind}, got {value!r}; write it as {kind} without quotes"
        )
    return int(number) if integer else number


def _as_range(value) -> tuple[float | None, float | None]:
    """Check a ``resegment_range`` pair; ``None`` on a side leaves it open."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or len(value) != 2:
        raise SettingsError(
            f"resegment_range must be a pair [lower, upper] in image units, got {value!r}; "
            "write null for an open side, for example [-500, null]"
        )
    bounds = []
    for bound in value:
        try:
            numeric = bound is None or isinstance(bound, (int, float))
            bounds.append(bound if numeric else float(bound))
        except (TypeError, ValueError):
            raise SettingsError(
                f"resegment_range must contain numbers or null, got {value!r}"
            ) from None
    return bounds[0], bounds[1]


def _as_triple(value):
    if isinstance(value, (int, float)):
        return (value, value, value)
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise SettingsError(
            f"resampled_spacing must be a number or 3 values (x, y, z) in mm, got {value!r}"
        )
    value = tuple(value)
    if len(value) != 3:
        raise SettingsError(f"resampled_spacing needs 3 values (x, y, z) in mm, got {value}")
    return value

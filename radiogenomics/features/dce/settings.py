"""Settings of :func:`compute_dce_phenotypes`: their allowed ranges and their check.

The cases-file path and the library function check a setting with the same rule, so a
value either path rejects is rejected by both.
"""

from __future__ import annotations

import math
import numbers

from radiogenomics.errors import RadiogenomicsError


class DCESettingsError(RadiogenomicsError):
    """A DCE phenotype setting has an unknown name or a value out of range."""


# Each setting of compute_dce_phenotypes: (type, lowest value, highest value, bounds
# included, what it sets). The lowest and highest value are None where there is no bound.
_SETTING_RANGES = {
    # The kinetic clock must start after 0 s, because the uptake rate K3 = K1 / K2 divides
    # by the time to peak.
    "first_postcontrast_time": (float, 0.0, None, False, "kinetic-clock time (s) of the "
                                "first post-contrast frame"),
    "fuzziness": (float, 1.0, None, False, "fuzzy c-means exponent"),
    "membership_threshold": (float, 0.0, 1.0, False, "lesion membership threshold"),
    "roi_radius_mm": (float, 0.0, None, False, "half-width (mm) of the region around a seed"),
    "kinetic_clusters": (int, 2, None, True, "number of kinetic clusters"),
    "gray_levels": (int, 2, None, True, "number of gray levels"),
    # NumPy's legacy seeding, which scikit-fuzzy uses, accepts 0 to 2**32 - 1.
    "random_state": (int, 0, 2**32 - 1, True, "fuzzy c-means seed"),
}


# Units written after a bound in the error message.
_SETTING_UNITS = {"first_postcontrast_time": " s", "roi_radius_mm": " mm"}


def resolve_dce_settings(settings: dict | None = None) -> dict:
    """Check DCE phenotype settings and return them with every default filled in.

    Parameters
    ----------
    settings : dict, optional
        Keyword arguments of :func:`compute_dce_phenotypes`, such as
        ``{"fuzziness": 2.5}``.

    Returns
    -------
    dict
        Every setting of :func:`compute_dce_phenotypes`, the given ones and the defaults.

    Raises
    ------
    DCESettingsError
        If a name is unknown or a value has the wrong type or lies out of range.
    """
    import inspect

    from radiogenomics.features.dce.phenotypes import compute_dce_phenotypes

    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(compute_dce_phenotypes).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    settings = dict(settings or {})
    unknown = sorted(set(settings) - set(defaults))
    if unknown:
        raise DCESettingsError(
            f"unknown DCE phenotype setting(s) {unknown}; allowed: {', '.join(sorted(defaults))}"
        )
    resolved = {**defaults, **settings}
    for name, value in resolved.items():
        check_dce_setting(name, value)
    return resolved


def check_dce_setting(name: str, value) -> None:
    """Raise ``DCESettingsError`` if ``value`` has the wrong type or range for setting ``name``."""
    if name not in _SETTING_RANGES:
        # A setting added to compute_dce_phenotypes later is checked there, per case.
        return
    kind, low, high, inclusive, meaning = _SETTING_RANGES[name]
    numeric = numbers.Integral if kind is int else numbers.Real
    if isinstance(value, bool) or not isinstance(value, numeric) or not math.isfinite(value):
        raise DCESettingsError(
            f"DCE setting {name} ({meaning}) must be a finite "
            f"{'integer' if kind is int else 'number'}, got {value!r}"
        )
    too_low = low is not None and (value < low if inclusive else value <= low)
    too_high = high is not None and (value > high if inclusive else value >= high)
    if too_low or too_high:
        unit = _SETTING_UNITS.get(name, "")
        if low is not None and high is not None:
            allowed = f"in ({low}, {high})" if not inclusive else f"in [{low}, {high}]"
        elif low is not None:
            allowed = f"{'at least' if inclusive else 'above'} {low}{unit}"
        else:
            allowed = f"{'at most' if inclusive else 'below'} {high}{unit}"
        raise DCESettingsError(f"DCE setting {name} ({meaning}) must be {allowed}, got {value!r}")

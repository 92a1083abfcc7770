"""Radiomic phenotypes from images and masks.

``rg.features.extract(image, mask, settings)`` returns one row of IBSI features;
``rg.features.extract_batch`` runs a cohort in parallel; ``rg.features.catalogue()``
describes every column. The texture families live in :mod:`.texture` and the DCE-MRI
phenotypes in :mod:`.dce`. Attributes load on first access, so importing this package is
cheap.
"""

from __future__ import annotations

import importlib

# Public name -> module that defines it.
_EXPORTS = {
    "extract": "radiogenomics.features.pipeline",
    "process": "radiogenomics.features.pipeline",
    "Settings": "radiogenomics.features.settings",
    "FAMILIES": "radiogenomics.features.settings",
    "extract_batch": "radiogenomics.features.batch",
    "read_cases": "radiogenomics.features.batch",
    "catalogue": "radiogenomics.features.feature_catalogue",
    "run_compliance": "radiogenomics.features.compliance",
    "read_volume": "radiogenomics.features.image",
    "Volume": "radiogenomics.features.image",
}
_SUBMODULES = (
    "batch",
    "compliance",
    "dce",
    "discretise",
    "feature_catalogue",
    "histogram",
    "image",
    "intensity",
    "local_intensity",
    "morphology",
    "pipeline",
    "preprocess",
    "settings",
    "texture",
)

__all__ = sorted([*_EXPORTS, *_SUBMODULES])


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return __all__

"""radiogenomics: radiomic phenotypes, genomic association and subtype prediction.

The namespaces follow the stages of an analysis::

    import radiogenomics as rg
    rg.io        # datasets, tables, TCGA barcodes, archive clients, image readers
    rg.features  # radiomic phenotypes from images and masks
    rg.assoc     # association statistics, clustering, prediction
    rg.pl        # publication figures
    rg.workflow  # workflow files, runs, provenance and reports

Submodules load on first access, so ``import radiogenomics`` stays fast.
"""

from __future__ import annotations

import importlib

_SUBMODULES = ("io", "features", "assoc", "pl", "workflow")

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str):
    # The version is read on first use, because importlib.metadata adds tens of
    # milliseconds to every fresh process.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("radiogenomics")
        except PackageNotFoundError:  # a source tree that was never installed
            value = "0+unknown"
        globals()["__version__"] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'radiogenomics' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)

"""Provenance of a run: versions, inputs, settings, seeds and times."""

from __future__ import annotations

import json
import platform
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = ("radiogenomics", "numpy", "scipy", "pandas", "polars", "statsmodels",
            "scikit-learn", "matplotlib", "seaborn", "pyyaml", "SimpleITK", "pydicom")


def package_versions(packages=PACKAGES) -> dict:
    """Return ``{package: version}`` of the installed packages, ``None`` when absent."""
    versions = {}
    for name in packages:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def now() -> str:
    """Return the current UTC time in ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_provenance(path: Path, spec: dict, inputs: dict, seeds: dict, started: str,
                     outputs: list[str], command: list[str] | None = None) -> Path:
    """Write ``provenance.json`` describing one run.

    Parameters
    ----------
    spec : dict
        The resolved workflow (defaults filled in).
    inputs : dict
        Input name -> sha256.
    seeds : dict
        Every seed used, by purpose.
    started : str
        Start time (ISO 8601, UTC).
    outputs : list of str
        Result files, relative to the results folder.
    """
    record = {
        "workflow": spec,
        "inputs_sha256": dict(sorted(inputs.items())),
        "seeds": seeds,
        "started": started,
        "finished": now(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "command": command or sys.argv,
        "outputs": sorted(outputs),
    }
    path.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    return path

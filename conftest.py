"""Fixtures shared by tests/ and the notebooks: the real-data directory of the registry."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The data directory beside a checkout, laid out as ``<root>/shared/data`` in CI.
_SIBLING_DATA = Path(__file__).resolve().parents[1] / "shared" / "data"


def _find_data_root() -> Path | None:
    configured = os.environ.get("RADIOGENOMICS_DATA")
    if configured:
        return Path(configured)
    if _SIBLING_DATA.is_dir():
        return _SIBLING_DATA
    return None


@pytest.fixture(scope="session")
def data_root() -> Path:
    """Return the real-data directory, or skip when none is configured."""
    root = _find_data_root()
    if root is None or not root.is_dir():
        if os.environ.get("CI"):
            pytest.fail(
                "RADIOGENOMICS_DATA is not set and no shared/data directory sits beside the "
                "checkout; CI must provide the real data"
            )
        pytest.skip("real data not available: set RADIOGENOMICS_DATA to the data directory")
    return root


def pytest_configure(config):
    """Point the dataset registry at the real data for the whole run, notebooks included."""
    root = _find_data_root()
    if root is not None and "RADIOGENOMICS_DATA" not in os.environ:
        os.environ["RADIOGENOMICS_DATA"] = str(root)
    os.environ.setdefault("MPLBACKEND", "Agg")

"""DCE-MRI images as the phenotype source of a workflow (``cohort.features.dce_cases``).

The cases file is read and checked before the run creates its results folder. The
phenotypes are computed inside the run and written as ``phenotypes.csv``, and the failed
cases go to ``phenotypes_errors.csv``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from radiogenomics.workflow import report as md
from radiogenomics.workflow.output import write_csv

logger = logging.getLogger(__name__)


def dce_cases_path(spec: dict, base_dir) -> Path | None:
    """Return the path of ``cohort.features.dce_cases``, or None when the run has none."""
    features = spec["cohort"].get("features") or {}
    if "dce_cases" not in features:
        return None
    path = Path(features["dce_cases"]).expanduser()
    return path if path.is_absolute() or base_dir is None else base_dir / path


def read_workflow_dce_cases(spec: dict, base_dir) -> list | None:
    """Read the DCE cases file of ``cohort.features.dce_cases``, or return None without one.

    Every line is checked here, before the run creates its results folder. The image
    files are opened only when the phenotypes are computed.
    """
    path = dce_cases_path(spec, base_dir)
    if path is None:
        return None
    from radiogenomics.features.dce.cases import read_dce_cases

    if not path.is_file():
        raise FileNotFoundError(
            f"cohort.features.dce_cases: cases file {path} not found; relative paths start "
            "from the folder of the workflow file"
        )
    return read_dce_cases(path)


def dce_image_files(case) -> list[Path]:
    """Return the existing image files of a DCE case, DICOM folders file by file."""
    paths = [Path(p) for p in (case.frames or [])]
    if case.mask is not None:
        paths.append(Path(case.mask))
    if case.dicom is not None and Path(case.dicom).is_dir():
        paths.extend(sorted(p for p in Path(case.dicom).rglob("*") if p.is_file()))
    return [path for path in paths if path.is_file()]


def dce_inputs(dce_cases) -> list[Path]:
    """Return the cases file's image files, which an overwritten results folder must not hold."""
    if dce_cases is None:
        return []
    return [path for case in dce_cases for path in dce_image_files(case)]


def compute_dce_features(spec: dict, base_dir, dce_cases: list, folder: Path,
                          n_jobs: int) -> tuple[dict, dict, tuple[str, str]]:
    """Compute the DCE phenotype table and write ``phenotypes.csv`` and its errors table.

    Returns
    -------
    features : dict
        The table source of ``phenotypes.csv``, for :func:`build_cohort`.
    inputs : dict
        sha256 of the cases file and of every existing image file it names, by path.
    section : tuple of str
        The report section.
    """
    from radiogenomics.errors import WorkflowError
    from radiogenomics.features.dce.batch import compute_dce_phenotype_table
    from radiogenomics.io.registry import sha256_file

    source = spec["cohort"]["features"]
    settings = source["dce_settings"]
    cases_path = dce_cases_path(spec, base_dir)

    logger.info("computing DCE-MRI phenotypes of %d case(s) from %s", len(dce_cases), cases_path)
    table = compute_dce_phenotype_table(dce_cases, n_jobs=n_jobs, **settings)
    errors = pd.DataFrame(list(table.attrs["failed"].items()), columns=["patient", "message"])
    if table.empty:
        first_errors = "; ".join(
            f"{patient}: {message}"
            for patient, message in list(table.attrs["failed"].items())[:5]
        )
        raise WorkflowError(
            f"none of the {len(dce_cases)} DCE case(s) of {cases_path} could be phenotyped, "
            f"so the cohort has no phenotypes. First errors: {first_errors}"
        )
    write_csv(table, folder / "phenotypes.csv", index=True)
    write_csv(errors, folder / "phenotypes_errors.csv")

    inputs = {str(cases_path): sha256_file(cases_path)}
    for case in dce_cases:
        for path in dce_image_files(case):
            inputs[str(path)] = sha256_file(path)

    features = {"path": str(folder / "phenotypes.csv"), "id_column": "patient"}
    if "exclude" in source:
        features["exclude"] = source["exclude"]
    settings_text = ", ".join(f"{name} = {value}" for name, value in settings.items())
    body = (f"The 36 phenotypes were computed from the images of `{cases_path.name}`: "
            f"{len(table)} of {len(dce_cases)} case(s) succeeded (`phenotypes.csv`). "
            f"Settings: {settings_text}.")
    if len(errors):
        body += (f"\n\n{len(errors)} case(s) failed and are left out "
                 "(`phenotypes_errors.csv`):\n\n" + md.markdown_table(errors))
    return features, inputs, ("DCE-MRI phenotypes", body)

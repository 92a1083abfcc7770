"""Resolve a cohort from archive identifiers: IDC image series, cBioPortal subtypes, GDC counts.

An archive cohort file (YAML) names where each part of the cohort comes from::

    name: tcga_brca_archive
    images: {source: idc, collection: tcga_brca, modalities: [MR]}
    subtypes:
      source: cbioportal
      study: brca_tcga_pan_can_atlas_2018
      attribute: SUBTYPE
      strip_prefix: BRCA_
    expression: {source: gdc, project: TCGA-BRCA, value: unstranded}

``expression.imaged_patients_only`` (default true) restricts the GDC file search to the patients
of the image selection; ``expression.limit`` caps the number of files.

:func:`assemble_archive_cohort` runs the three queries, maps every sample barcode to its
patient with :mod:`radiogenomics.io.barcodes`, and writes to the output folder:

- ``image_series.csv``: the selected series (one row per series);
- ``subtypes.csv``: one row per patient with the subtype of its primary tumour sample;
- ``expression.parquet``: genes x samples matrix of STAR values;
- ``cohort.csv``: one row per patient of the image selection with the number of series,
  the subtype and the expression sample, and ``dropped.csv``: every row left out, with why.

Each file is written atomically, so an interrupted run leaves no half-written table.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from radiogenomics.io.atomic import atomic_file
from radiogenomics.io.endpoints import CBIOPORTAL_BASE_URL, GDC_BASE_URL
from radiogenomics.io.exceptions import ArchiveError

logger = logging.getLogger(__name__)

_SECTIONS = {"name", "title", "description", "images", "subtypes", "expression", "network"}


@dataclass
class ArchiveCohort:
    """Tables of an assembled archive cohort; ``cohort`` has one row per imaged patient."""

    cohort: pd.DataFrame
    image_series: pd.DataFrame
    subtypes: pd.DataFrame | None = None
    expression: pd.DataFrame | None = None
    dropped: pd.DataFrame = field(default_factory=pd.DataFrame)
    files: list[Path] = field(default_factory=list)


def load_archive_spec(path: str | Path) -> dict:
    """Read and check an archive cohort file (YAML)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"archive cohort file {path} not found")
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(spec, dict) or "images" not in spec:
        raise ArchiveError(f"{path} must be a mapping with at least an 'images' section")
    unknown = sorted(set(spec) - _SECTIONS)
    if unknown:
        raise ArchiveError(f"{path}: unknown section(s) {unknown}; allowed: {sorted(_SECTIONS)}")
    return spec


def assemble_archive_cohort(
    spec: dict | str | Path,
    out_dir: str | Path,
    *,
    gdc_url: str | None = None,
    cbioportal_url: str | None = None,
    timeout: float = 60.0,
    retries: int = 4,
    backoff: float = 1.0,
) -> ArchiveCohort:
    """Assemble image series, subtypes and gene expression of a cohort and align them.

    Parameters
    ----------
    spec : dict or path
        Archive cohort specification (see the module documentation) or its YAML file.
    out_dir : str or Path
        Output folder; created if needed. When the call fails, a folder that it created is
        removed again unless it contains downloaded GDC files, which are kept so that a rerun
        does not fetch them again.
    gdc_url, cbioportal_url : str, optional
        API roots overriding ``network`` in the specification and the public defaults.
    timeout, retries, backoff
        See :class:`radiogenomics.io.http.HttpClient`.

    Returns
    -------
    ArchiveCohort
    """
    if not isinstance(spec, dict):
        spec = load_archive_spec(spec)
    out_dir = Path(out_dir)
    created = not out_dir.exists()
    try:
        return _assemble(spec, out_dir, gdc_url, cbioportal_url, timeout, retries, backoff)
    except BaseException:
        if created:
            _remove_unless_downloads(out_dir)
        raise


def _remove_unless_downloads(out_dir: Path) -> None:
    """Remove a folder made by a failed run, but keep one with downloaded files in it."""
    if not out_dir.exists():
        return
    files = [path for path in out_dir.rglob("*") if path.is_file()]
    if files:
        logger.warning(
            "Kept %d downloaded file(s) under %s so that a rerun resumes; delete the folder to "
            "discard them",
            len(files),
            out_dir,
        )
        return
    shutil.rmtree(out_dir, ignore_errors=True)


def _assemble(
    spec: dict,
    out_dir: Path,
    gdc_url: str | None,
    cbioportal_url: str | None,
    timeout: float,
    retries: int,
    backoff: float,
) -> ArchiveCohort:
    network = spec.get("network", {}) or {}
    client_options = {"timeout": timeout, "retries": retries, "backoff": backoff}
    dropped: list[dict] = []

    images = _image_series(spec["images"])
    patients = images.groupby("PatientID").size().rename("n_series").to_frame()
    patients.index.name = "patient"

    subtypes = None
    if spec.get("subtypes"):
        url = cbioportal_url or network.get("cbioportal", CBIOPORTAL_BASE_URL)
        subtypes = _subtypes(spec["subtypes"], url, client_options, dropped)
        patients = patients.join(subtypes[["subtype"]], how="left")

    expression = None
    if spec.get("expression"):
        url = gdc_url or network.get("gdc", GDC_BASE_URL)
        restrict = spec["expression"].get("imaged_patients_only", True)
        expression = _expression(
            spec["expression"],
            url,
            client_options,
            out_dir,
            list(patients.index) if restrict else None,
        )
        samples = _expression_samples(expression.columns, dropped)
        patients = patients.join(samples, how="left")

    for patient in patients.index[patients.isna().any(axis=1)]:
        missing = [column for column in patients.columns if pd.isna(patients.at[patient, column])]
        dropped.append(
            {"table": "cohort", "id": patient, "reason": f"missing {', '.join(missing)}"}
        )
    dropped_table = pd.DataFrame(dropped, columns=["table", "id", "reason"])
    if not dropped_table.empty:
        logger.warning(
            "Archive cohort: %d row(s) dropped or incomplete; see dropped.csv", len(dropped_table)
        )

    files = [
        _write_csv(images, out_dir / "image_series.csv", index=False),
        _write_csv(patients, out_dir / "cohort.csv"),
        _write_csv(dropped_table, out_dir / "dropped.csv", index=False),
    ]
    if subtypes is not None:
        files.append(_write_csv(subtypes, out_dir / "subtypes.csv"))
    if expression is not None:
        path = out_dir / "expression.parquet"
        with atomic_file(path) as temporary:
            expression.to_parquet(temporary)
        files.append(path)
    logger.info("Archive cohort: %d patients with images", len(patients))
    return ArchiveCohort(patients, images, subtypes, expression, dropped_table, files)


def _write_csv(table: pd.DataFrame, path: Path, index: bool = True) -> Path:
    with atomic_file(path) as temporary:
        table.to_csv(temporary, index=index)
    return path


def _image_series(section: dict) -> pd.DataFrame:
    from radiogenomics.io import idc

    if section.get("source", "idc") != "idc":
        raise ArchiveError(f"images.source must be 'idc', got {section.get('source')!r}")
    if "collection" not in section:
        raise ArchiveError("images needs a 'collection' (IDC collection id, e.g. tcga_brca)")
    return idc.select_series(
        section["collection"],
        section.get("modalities"),
        original_only=section.get("original_only", True),
    )


def _subtypes(section: dict, url: str, options: dict, dropped: list[dict]) -> pd.DataFrame:
    from radiogenomics.io.barcodes import parse_barcode
    from radiogenomics.io.cbioportal import CbioportalClient

    if section.get("source", "cbioportal") != "cbioportal":
        raise ArchiveError(f"subtypes.source must be 'cbioportal', got {section.get('source')!r}")
    study = section.get("study")
    if not study:
        raise ArchiveError("subtypes needs a 'study' (cBioPortal study id)")
    attribute = section.get("attribute", "SUBTYPE")

    clinical = CbioportalClient(url, **options).clinical_data(study, level="sample")
    if attribute not in clinical:
        raise ArchiveError(
            f"cBioPortal study {study!r} has no sample attribute {attribute!r}; attributes: "
            f"{sorted(clinical.columns)[:20]}"
        )
    values = clinical[attribute].dropna().astype(str)
    prefix = section.get("strip_prefix")
    if prefix:
        values = values.str.removeprefix(prefix)

    rows = []
    for sample, value in values.items():
        barcode = parse_barcode(sample)
        if barcode.tissue != "tumour":
            dropped.append({"table": "subtypes", "id": sample, "reason": "not a tumour sample"})
            continue
        rows.append({"patient": barcode.patient, "sample": barcode.barcode, "subtype": value})
    table = pd.DataFrame(rows, columns=["patient", "sample", "subtype"]).sort_values("sample")
    repeated = table["patient"].duplicated(keep="first")
    for sample in table.loc[repeated, "sample"]:
        dropped.append({"table": "subtypes", "id": sample, "reason": "second sample of patient"})
    return table[~repeated].set_index("patient")


def _expression(
    section: dict, url: str, options: dict, out_dir: Path, patients: list[str] | None
) -> pd.DataFrame:
    from radiogenomics.io.gdc import GdcClient

    if section.get("source", "gdc") != "gdc":
        raise ArchiveError(f"expression.source must be 'gdc', got {section.get('source')!r}")
    project = section.get("project")
    if not project:
        raise ArchiveError("expression needs a 'project' (GDC project id, e.g. TCGA-BRCA)")
    client = GdcClient(url, **options)
    cache = Path(section.get("cache_dir") or out_dir / "gdc_files")
    return client.star_counts(
        project,
        value=section.get("value", "unstranded"),
        cache_dir=cache,
        limit=section.get("limit"),
        patients=patients,
    )


def _expression_samples(samples, dropped: list[dict]) -> pd.DataFrame:
    from radiogenomics.io.barcodes import parse_barcode

    rows = []
    for sample in sorted(samples):
        barcode = parse_barcode(sample)
        rows.append({"patient": barcode.patient, "expression_sample": barcode.barcode})
    table = pd.DataFrame(rows, columns=["patient", "expression_sample"])
    repeated = table["patient"].duplicated(keep="first")
    for sample in table.loc[repeated, "expression_sample"]:
        dropped.append({"table": "expression", "id": sample, "reason": "second sample of patient"})
    return table[~repeated].set_index("patient")

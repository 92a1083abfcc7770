"""NCI Imaging Data Commons (IDC): offline series selection and dataset manifests.

The ``idc-index-data`` package ships the IDC series index as a parquet file with one row per
DICOM series of every IDC collection (1,044,191 rows in release 25). Its columns include the
collection, patient, study and series identifiers, modality, instance count, size, licence,
source DOI and the S3 download URL. Queries run in DuckDB directly on the parquet file, so
only the selected columns and row groups are read and the whole index is never loaded into
memory. In the index, collection ids
are lower case with underscores (``tcga_brca``, ``nsclc_radiomics``).

Downloads go through the ``idc-index`` package (:func:`download`), which needs network access
to the public IDC buckets.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

import pandas as pd

from radiogenomics.io.atomic import atomic_file
from radiogenomics.io.exceptions import ArchiveError

logger = logging.getLogger(__name__)

SELECTION_COLUMNS = [
    "collection_id",
    "analysis_result_id",
    "PatientID",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "Modality",
    "SeriesDescription",
    "instanceCount",
    "series_size_MB",
    "license_short_name",
    "source_DOI",
    "series_aws_url",
]


# Columns of the index that write_manifest reads.
MANIFEST_COLUMNS = [
    "PatientID",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "Modality",
    "instanceCount",
    "series_size_MB",
    "license_short_name",
    "source_DOI",
    "series_aws_url",
]


def index_paths() -> dict[str, Path]:
    """Return the parquet files of the installed ``idc-index-data`` package by table name."""
    try:
        import idc_index_data
    except ImportError as error:
        raise ArchiveError(
            "the IDC index is not installed; run `pip install idc-index-data`"
        ) from error
    folder = Path(idc_index_data.IDC_INDEX_PARQUET_FILEPATH).parent
    return {
        "index": Path(idc_index_data.IDC_INDEX_PARQUET_FILEPATH),
        "collections_index": folder / "collections_index.parquet",
        "analysis_results_index": folder / "analysis_results_index.parquet",
    }


def index_version() -> str:
    """Return the IDC data release of the installed index (the package version, e.g. 25.0.5)."""
    import idc_index_data

    return str(idc_index_data.__version__)


def connect():
    """Open an in-memory DuckDB connection with views ``index``, ``collections_index`` and
    ``analysis_results_index`` over the parquet files (nothing is read until a query runs)."""
    import duckdb

    connection = duckdb.connect(":memory:")
    for name, path in index_paths().items():
        if path.is_file():
            connection.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path.as_posix()}')"
            )
    return connection


def query(sql: str, parameters: list | None = None) -> pd.DataFrame:
    """Run DuckDB SQL over the IDC index tables and return the result.

    Parameters
    ----------
    sql : str
        A query over the views ``index`` (one row per series), ``collections_index`` and
        ``analysis_results_index``.
    parameters : list, optional
        Values for ``?`` placeholders.

    Examples
    --------
    >>> sql = "SELECT count(*) AS n FROM index WHERE collection_id = ?"
    >>> query(sql, ["tcga_brca"])  # doctest: +SKIP
    """
    import duckdb

    connection = connect()
    try:
        return connection.execute(sql, parameters or []).df()
    except duckdb.Error as error:
        raise ArchiveError(f"IDC index query failed: {error}") from error
    finally:
        connection.close()


def select_series(
    collection_id: str,
    modalities: list[str] | None = None,
    *,
    original_only: bool = True,
) -> pd.DataFrame:
    """Return the series of one collection, optionally of some modalities.

    Parameters
    ----------
    collection_id : str
        IDC collection id, e.g. ``tcga_brca``; TCIA names such as ``TCGA-BRCA`` are converted.
    modalities : list of str, optional
        DICOM modalities to keep (``MR``, ``CT``, ``SEG``, ``RTSTRUCT``, ...).
    original_only : bool, default True
        Drop analysis results added by third parties (rows with an ``analysis_result_id``).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`SELECTION_COLUMNS`, one row per series.
    """
    collection_id = normalise_collection_id(collection_id)
    conditions = ["collection_id = ?"]
    parameters: list = [collection_id]
    if modalities:
        conditions.append(f"Modality IN ({', '.join('?' for _ in modalities)})")
        parameters.extend(modalities)
    if original_only:
        conditions.append("analysis_result_id IS NULL")
    sql = (
        f"SELECT {', '.join(SELECTION_COLUMNS)} FROM index WHERE {' AND '.join(conditions)} "
        "ORDER BY PatientID, StudyInstanceUID, SeriesInstanceUID"
    )
    selection = query(sql, parameters)
    if selection.empty:
        known = query("SELECT count(*) AS n FROM index WHERE collection_id = ?", [collection_id])
        if int(known["n"].iloc[0]) == 0:
            import difflib

            names = query("SELECT DISTINCT collection_id FROM index")["collection_id"]
            close = difflib.get_close_matches(collection_id, names.dropna().tolist(), n=5)
            raise ArchiveError(
                f"IDC index {index_version()} has no collection {collection_id!r} among its "
                f"{names.nunique()} collections; closest names: {close or 'none'}. Use an IDC "
                "collection id such as tcga_brca (images.collection in an archive cohort file)"
            )
    return selection


def normalise_collection_id(name: str) -> str:
    """Return the IDC spelling of a collection name (``TCGA-BRCA`` -> ``tcga_brca``)."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def tcga_brca_mr_series() -> pd.DataFrame:
    """Return the MR series of TCGA-BRCA (the DCE-MRI studies of the radiogenomics cohort).

    The collection's SEG series segment pathology slides, not MR, so only ``Modality = 'MR'``
    is selected. In IDC release 25 this gives 1,858 series of 137 patients.
    """
    return select_series("tcga_brca", ["MR"])


def nsclc_radiomics_ct_with_segmentation() -> pd.DataFrame:
    """Return NSCLC-Radiomics CT series and the RTSTRUCT and SEG series of the same study.

    Only original collection data is kept (the AI-derived annotations added later are left
    out). A CT series is returned only when its study also contains an RTSTRUCT or SEG, and
    those segmentation series are returned with it.
    """
    sql = """
        WITH original AS (
            SELECT * FROM index
            WHERE collection_id = 'nsclc_radiomics' AND analysis_result_id IS NULL
        ),
        studies AS (
            SELECT DISTINCT StudyInstanceUID FROM original
            WHERE Modality = 'CT'
            INTERSECT
            SELECT DISTINCT StudyInstanceUID FROM original
            WHERE Modality IN ('RTSTRUCT', 'SEG')
        )
        SELECT {columns} FROM original
        WHERE StudyInstanceUID IN (SELECT StudyInstanceUID FROM studies)
          AND Modality IN ('CT', 'RTSTRUCT', 'SEG')
        ORDER BY PatientID, StudyInstanceUID, Modality, SeriesInstanceUID
    """.format(columns=", ".join(SELECTION_COLUMNS))
    return query(sql)


def citations(selection: pd.DataFrame) -> pd.DataFrame:
    """Return the licence and citation of every source DOI in a selection.

    Citations come from the ``collections_index`` and ``analysis_results_index`` tables of
    the IDC index, with their HTML markup removed.
    """
    dois = sorted(set(selection["source_DOI"].dropna().str.lower()))
    if not dois:
        return pd.DataFrame(columns=["source_doi", "licence", "citation"])
    placeholders = ", ".join("?" for _ in dois)
    sql = f"""
        SELECT lower(s.source_doi) AS source_doi, s.license.license_short_name AS licence,
               s.citation AS citation
        FROM (SELECT unnest(sources) AS s FROM collections_index)
        WHERE lower(s.source_doi) IN ({placeholders})
        UNION
        SELECT lower(source_DOI), license_short_name, citation FROM analysis_results_index
        WHERE lower(source_DOI) IN ({placeholders})
    """
    table = query(sql, dois + dois).drop_duplicates("source_doi")
    table["citation"] = table["citation"].map(_plain_text)
    missing = sorted(set(dois) - set(table["source_doi"]))
    if missing:
        logger.warning("IDC index has no citation for source DOI(s) %s", missing)
    return table.sort_values("source_doi").reset_index(drop=True)


def _plain_text(markup: str | None) -> str:
    if not isinstance(markup, str):
        return ""
    text = re.sub(r"<[^>]+>", "", markup)
    return " ".join(html.unescape(text).split())


def write_manifest(
    selection: pd.DataFrame,
    path: str | Path,
    *,
    name: str,
    title: str | None = None,
    description: str = "",
) -> Path:
    """Write an IDC selection as a dataset manifest (YAML) with licences and citations.

    The manifest has the fields of the dataset registry (``name``, ``title``, ``folder``,
    ``source``, ``licence``, ``citation``, ``description``, ``files``) plus an ``idc`` section.
    That section gives the index version, patient and series counts, the sources, and the name
    of a CSV file beside the manifest (``<stem>.series.csv``). The CSV lists one series per row:
    patient, study, series UID, modality, instance count, size in MB, licence and download URL.
    The series list is kept out of the YAML so that reading all manifests stays fast.
    ``files`` is empty because series are downloaded by UID, not as checksummed files.

    Returns
    -------
    Path
        The manifest path. Both files are written atomically.
    """
    import yaml

    if selection.empty:
        raise ArchiveError(f"the IDC selection for {name!r} is empty; nothing to write")
    missing = [column for column in MANIFEST_COLUMNS if column not in selection.columns]
    if missing:
        raise ArchiveError(
            f"the IDC selection for {name!r} lacks column(s) {missing} that the manifest "
            f"needs; select them in the SQL (--sql), e.g. SELECT {', '.join(SELECTION_COLUMNS)} "
            "FROM index WHERE ..."
        )
    path = Path(path)
    series_path = path.with_name(f"{path.stem}.series.csv")
    sources = citations(selection)
    licences = sorted(set(selection["license_short_name"].dropna()))
    patients = int(selection["PatientID"].nunique())
    doi_links = ", ".join(f"https://doi.org/{doi}" for doi in sources["source_doi"])
    manifest = {
        "name": name,
        "title": title or f"IDC selection {name}",
        "folder": name,
        "source": f"NCI Imaging Data Commons, idc-index-data {index_version()}; {doi_links}",
        "licence": "; ".join(licences),
        "citation": "\n".join(sources["citation"]),
        "description": description
        or f"{len(selection)} series of {patients} patients selected from the IDC index.",
        "files": [],
        "idc": {
            "index_version": index_version(),
            "n_patients": patients,
            "n_series": int(len(selection)),
            "series_file": series_path.name,
            "sources": sources.to_dict(orient="records"),
        },
    }
    series = pd.DataFrame(
        {
            "patient": selection["PatientID"],
            "study_uid": selection["StudyInstanceUID"],
            "series_uid": selection["SeriesInstanceUID"],
            "modality": selection["Modality"],
            "instances": selection["instanceCount"].astype(int),
            "size_mb": selection["series_size_MB"].round(3),
            "licence": selection["license_short_name"],
            "url": selection["series_aws_url"],
        }
    )
    with atomic_file(series_path) as temporary:
        series.to_csv(temporary, index=False)
    with atomic_file(path) as temporary:
        temporary.write_text(
            yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100),
            encoding="utf-8",
        )
    logger.info("Wrote IDC manifest %s: %d series, %d patients", path, len(selection), patients)
    return path


def read_manifest_series(path: str | Path) -> pd.DataFrame:
    """Read the series list of a manifest written by :func:`write_manifest`."""
    import yaml

    path = Path(path)
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(content, dict) or "series_file" not in content.get("idc", {}):
        raise ArchiveError(f"{path} is not an IDC selection manifest (no idc.series_file)")
    series_path = path.with_name(content["idc"]["series_file"])
    if not series_path.is_file():
        raise ArchiveError(f"{path} names the series list {series_path.name}, which is missing")
    return pd.read_csv(series_path, dtype={"patient": str})


def download(series_uids: list[str], out_dir: str | Path) -> Path:
    """Download series from the public IDC buckets with ``idc-index`` (needs network access).

    Files land in ``out_dir`` in the ``idc-index`` layout
    (``collection/patient/study/modality_series``).
    """
    try:
        from idc_index import IDCClient
    except ImportError as error:
        raise ArchiveError("downloading from IDC needs `pip install idc-index`") from error
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # NOTE: not exercised by the test suite, which has no network access.
    client = IDCClient()
    client.download_from_selection(seriesInstanceUID=list(series_uids), downloadDir=str(out_dir))
    return out_dir

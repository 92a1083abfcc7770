"""Client of the NCI Genomic Data Commons (GDC) API: cases, files, data and STAR counts.

Searches go to the ``/cases`` and ``/files`` endpoints as POST bodies with ``filters`` (the GDC
filter language of nested ``op``/``content`` objects), ``fields``, ``expand``, ``size`` and
``from``. Pages are requested until ``pagination.total`` hits have arrived. A page that comes
back short, or a total that changes between pages, raises :class:`ArchiveError`, so a table is
never silently shorter than the total the API reported. Files are downloaded from
``/data/<file_id>``.

Reference: GDC API User's Guide, "Search and Retrieval" and "Downloading Files"
(https://docs.gdc.cancer.gov/API/Users_Guide/).
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from radiogenomics.io.endpoints import GDC_BASE_URL
from radiogenomics.io.exceptions import ArchiveError
from radiogenomics.io.http import HttpClient, file_md5

logger = logging.getLogger(__name__)

# Clinical columns and the GDC fields that have carried them, newest name first. The GDC data
# dictionary renames fields between releases (demographic.gender became
# demographic.sex_at_birth in 2024); the first field present in a hit fills the column.
CLINICAL_FIELDS: dict[str, tuple[str, ...]] = {
    "sex": ("demographic.sex_at_birth", "demographic.gender"),
    "race": ("demographic.race",),
    "ethnicity": ("demographic.ethnicity",),
    "vital_status": ("demographic.vital_status", "diagnoses.vital_status"),
    "days_to_death": ("demographic.days_to_death", "diagnoses.days_to_death"),
    "age_at_diagnosis_days": ("diagnoses.age_at_diagnosis",),
    "days_to_last_follow_up": ("diagnoses.days_to_last_follow_up",),
    "primary_diagnosis": ("diagnoses.primary_diagnosis",),
    "ajcc_pathologic_stage": ("diagnoses.ajcc_pathologic_stage", "diagnoses.tumor_stage"),
    "tissue_or_organ_of_origin": ("diagnoses.tissue_or_organ_of_origin",),
}

STAR_VALUE_COLUMNS = (
    "unstranded",
    "stranded_first",
    "stranded_second",
    "tpm_unstranded",
    "fpkm_unstranded",
    "fpkm_uq_unstranded",
)

_STAR_FILE_FIELDS = (
    "file_id",
    "file_name",
    "file_size",
    "md5sum",
    "cases.submitter_id",
    "cases.samples.submitter_id",
    "cases.samples.sample_type",
)


def filter_in(field: str, values: Iterable[Any]) -> dict:
    """Build the GDC filter ``field in values``."""
    return {"op": "in", "content": {"field": field, "value": list(values)}}


def filter_and(*filters: dict) -> dict:
    """Combine GDC filters with ``and``."""
    return {"op": "and", "content": list(filters)}


class GdcClient:
    """Query the GDC API and assemble clinical and expression tables.

    Parameters
    ----------
    base_url : str
        API root (default the public GDC API).
    timeout, retries, backoff
        See :class:`radiogenomics.io.http.HttpClient`.
    page_size : int, default 500
        Hits per page of a search.
    """

    def __init__(
        self,
        base_url: str = GDC_BASE_URL,
        *,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 1.0,
        page_size: int = 500,
    ) -> None:
        if page_size < 1:
            raise ArchiveError(f"page_size must be at least 1, got {page_size!r}")
        self.http = HttpClient(base_url, timeout=timeout, retries=retries, backoff=backoff)
        self.page_size = int(page_size)

    def search(
        self,
        endpoint: str,
        filters: dict | None = None,
        fields: Sequence[str] | None = None,
        expand: Sequence[str] | None = None,
    ) -> list[dict]:
        """Return every hit of a search, following the pagination to ``pagination.total``.

        Parameters
        ----------
        endpoint : {"cases", "files", "projects", "annotations"}
            Search endpoint.
        filters : dict, optional
            GDC filter object, e.g. ``filter_in("project.project_id", ["TCGA-BRCA"])``.
        fields : sequence of str, optional
            Fields to return, in dotted notation (``demographic.sex_at_birth``).
        expand : sequence of str, optional
            Field groups to return whole (``diagnoses``, ``cases.samples``).

        Returns
        -------
        list of dict
            The hits, in the order the API returned them.

        Raises
        ------
        ArchiveError
            A request failed, a page was shorter than announced, or the total changed while
            paging.
        """
        body: dict[str, Any] = {"format": "json", "size": self.page_size}
        if filters:
            body["filters"] = filters
        if fields:
            body["fields"] = ",".join(fields)
        if expand:
            body["expand"] = ",".join(expand)

        hits: list[dict] = []
        total: int | None = None
        while total is None or len(hits) < total:
            body["from"] = len(hits)
            page = self.http.post_json(endpoint, body)
            data = _page_data(page, endpoint)
            page_hits = data.get("hits", [])
            page_total = int(data["pagination"]["total"])
            if total is not None and page_total != total:
                raise ArchiveError(
                    f"GDC /{endpoint}: total changed from {total} to {page_total} while paging; "
                    "the index was updated, run the query again"
                )
            total = page_total
            expected = min(self.page_size, total - len(hits))
            if len(page_hits) != expected:
                raise ArchiveError(
                    f"GDC /{endpoint}: page from={len(hits)} returned {len(page_hits)} hits "
                    f"but {expected} were expected (total {total}); the result would be "
                    "incomplete, run the query again"
                )
            hits.extend(page_hits)
            logger.debug("GDC /%s: %d of %d hits", endpoint, len(hits), total)
        logger.info("GDC /%s: %d hits", endpoint, len(hits))
        return hits

    def cases(self, project: str, fields: Sequence[str] | None = None, expand=None) -> list[dict]:
        """Return the case records of a project (``project.project_id``, e.g. ``TCGA-BRCA``)."""
        return self.search(
            "cases", filter_in("project.project_id", [project]), fields=fields, expand=expand
        )

    def clinical(self, project: str) -> pd.DataFrame:
        """Return one row per case of a project with demographic and diagnosis columns.

        Parameters
        ----------
        project : str
            GDC project id, e.g. ``TCGA-BRCA``.

        Returns
        -------
        pandas.DataFrame
            Index ``patient`` (the case submitter id, a TCGA patient barcode for TCGA
            projects), a ``case_id`` column and the columns of :data:`CLINICAL_FIELDS`.
            A column whose fields are all absent from the response is kept, empty, and logged.
        """
        fields = ["case_id", "submitter_id"]
        for candidates in CLINICAL_FIELDS.values():
            fields.extend(candidates)
        hits = self.cases(project, fields=fields)
        if not hits:
            raise ArchiveError(f"GDC has no cases for project {project!r}; check the project id")
        return clinical_table(hits)

    def files(self, filters: dict, fields: Sequence[str] = ("file_id", "file_name")) -> list[dict]:
        """Return the file records matching a filter."""
        return self.search("files", filters, fields=fields)

    def download_file(
        self, file_id: str, target: str | Path, *, md5: str | None = None, size: int | None = None
    ) -> Path:
        """Download one file from ``/data/<file_id>``; an existing verified file is kept."""
        target = Path(target)
        if target.is_file() and (md5 is None or file_md5(target) == md5):
            logger.debug("GDC file %s already at %s", file_id, target)
            return target
        return self.http.download(f"data/{file_id}", target, expected_size=size, md5=md5)

    def star_count_files(
        self,
        project: str,
        sample_types: Sequence[str] = ("Primary Tumor",),
        patients: Sequence[str] | None = None,
    ):
        """List the open STAR - Counts gene expression files of a project.

        Parameters
        ----------
        project : str
            GDC project id.
        sample_types : sequence of str
            GDC sample types to keep (default primary tumours).
        patients : sequence of str, optional
            Case submitter ids (TCGA patient barcodes) to restrict the search to.

        Returns
        -------
        pandas.DataFrame
            One row per file: ``file_id``, ``file_name``, ``file_size``, ``md5sum``,
            ``patient``, ``sample`` (sample submitter id) and ``sample_type``.

        Raises
        ------
        ArchiveError
            The search failed, or a hit lacks ``file_id``, ``file_name`` or a sample
            submitter id, or its file id or name contains a path separator.
        """
        filters = filter_and(
            filter_in("cases.project.project_id", [project]),
            filter_in("data_type", ["Gene Expression Quantification"]),
            filter_in("analysis.workflow_type", ["STAR - Counts"]),
            filter_in("access", ["open"]),
            filter_in("cases.samples.sample_type", list(sample_types)),
        )
        if patients is not None:
            filters["content"].append(filter_in("cases.submitter_id", sorted(set(patients))))
        hits = self.files(filters, fields=_STAR_FILE_FIELDS)
        rows = []
        for number, hit in enumerate(hits, start=1):
            self._check_file_hit(hit, f"{number} of {len(hits)}")
            case = (hit.get("cases") or [{}])[0]
            sample = (case.get("samples") or [{}])[0]
            rows.append(
                {
                    "file_id": hit["file_id"],
                    "file_name": hit["file_name"],
                    "file_size": hit.get("file_size"),
                    "md5sum": hit.get("md5sum"),
                    "patient": case.get("submitter_id"),
                    "sample": sample.get("submitter_id"),
                    "sample_type": sample.get("sample_type"),
                }
            )
        columns = ["file_id", "file_name", "file_size", "md5sum", "patient", "sample"]
        return pd.DataFrame(rows, columns=[*columns, "sample_type"])

    def _check_file_hit(self, hit: Any, position: str) -> None:
        """Raise :class:`ArchiveError` unless a STAR file hit has the fields a download needs.

        The file id and name become folder and file names in the cache, so a path separator
        in them is rejected as well.
        """
        request = f"POST {self.http.url('files')}"
        if not isinstance(hit, dict):
            raise ArchiveError(
                f"GDC {request}: hit {position} is not a JSON object ({str(hit)[:200]}). "
                "Check that the API root URL points to the GDC API"
            )
        samples = _values_at(hit, "cases.samples.submitter_id")
        values = {
            "file_id": hit.get("file_id"),
            "file_name": hit.get("file_name"),
            "cases.samples.submitter_id": samples[0] if samples else None,
        }
        for name, value in values.items():
            if not isinstance(value, str) or not value:
                raise ArchiveError(
                    f"GDC {request}: hit {position} lacks the field {name!r}, so the file "
                    f"cannot be downloaded or placed in the matrix (hit: {str(hit)[:200]}). "
                    "Check that the API root URL points to the GDC API, or run the query "
                    "again later"
                )
        for name in ("file_id", "file_name"):
            value = values[name]
            if value in (".", "..") or "/" in value or "\\" in value:
                raise ArchiveError(
                    f"GDC {request}: hit {position} has the invalid {name} {value!r}; a file "
                    "id or name must not contain a path separator"
                )

    def star_counts(
        self,
        project: str,
        *,
        value: str = "unstranded",
        cache_dir: str | Path | None = None,
        limit: int | None = None,
        patients: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Download a project's STAR gene counts and assemble a genes x samples matrix.

        Parameters
        ----------
        project : str
            GDC project id, e.g. ``TCGA-BRCA``.
        value : str, default "unstranded"
            STAR column: ``unstranded`` counts, ``tpm_unstranded``, ``fpkm_unstranded``, ...
        cache_dir : str or Path, optional
            Folder for the downloaded files (default ``~/.cache/radiogenomics/gdc``); files
            already there with the right MD5 are not downloaded again.
        limit : int, optional
            Use only the first ``limit`` files (for a quick look); a positive whole number.
        patients : sequence of str, optional
            Case submitter ids to restrict the files to.

        Returns
        -------
        pandas.DataFrame
            Rows are Ensembl gene ids, columns sample barcodes; see :func:`assemble_star_matrix`.
        """
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < 1
        ):
            raise ArchiveError(f"limit must be a positive whole number of files, got {limit!r}")
        files = self.star_count_files(project, patients=patients)
        if files.empty:
            raise ArchiveError(f"GDC lists no open STAR - Counts files for project {project!r}")
        if limit is not None:
            files = files.head(limit)
        cache = Path(cache_dir) if cache_dir else Path.home() / ".cache" / "radiogenomics" / "gdc"

        from tqdm.auto import tqdm

        paths = {}
        for row in tqdm(files.itertuples(), total=len(files), desc="GDC STAR counts"):
            target = cache / row.file_id / row.file_name
            paths[row.file_id] = self.download_file(
                row.file_id, target, md5=row.md5sum, size=row.file_size
            )
        files = files.assign(path=files["file_id"].map(paths))
        return assemble_star_matrix(files, value=value)


def _page_data(page: Any, endpoint: str) -> dict:
    if not isinstance(page, dict) or "data" not in page:
        raise ArchiveError(f"GDC /{endpoint} returned no 'data' object: {str(page)[:200]}")
    data = page["data"]
    if "pagination" not in data or "total" not in data["pagination"]:
        raise ArchiveError(f"GDC /{endpoint} returned no pagination.total: {str(data)[:200]}")
    return data


def _values_at(record: Any, dotted: str) -> list:
    """Collect the values at a dotted path, descending into lists (``diagnoses.x``)."""
    values = [record]
    for key in dotted.split("."):
        next_values = []
        for value in values:
            if isinstance(value, list):
                next_values.extend(item.get(key) for item in value if isinstance(item, dict))
            elif isinstance(value, dict):
                next_values.append(value.get(key))
        values = next_values
    flat = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return [value for value in flat if value is not None]


def clinical_table(hits: list[dict]) -> pd.DataFrame:
    """Turn GDC case records into one row per case, tolerating renamed fields.

    For each column of :data:`CLINICAL_FIELDS` the first field name present in a record fills
    it. Cases with several diagnoses take the first diagnosis that has the value, and a warning
    counts them.
    """
    rows = []
    several_diagnoses = 0
    used: dict[str, set[str]] = {column: set() for column in CLINICAL_FIELDS}
    for hit in hits:
        if len(hit.get("diagnoses") or []) > 1:
            several_diagnoses += 1
        row = {"patient": hit.get("submitter_id"), "case_id": hit.get("case_id", hit.get("id"))}
        for column, candidates in CLINICAL_FIELDS.items():
            row[column] = None
            for field in candidates:
                values = _values_at(hit, field)
                if values:
                    row[column] = values[0]
                    used[column].add(field)
                    break
        rows.append(row)

    for column, fields in used.items():
        if not fields:
            logger.warning(
                "GDC clinical column %r is empty: none of %s was returned",
                column,
                CLINICAL_FIELDS[column],
            )
        elif len(fields) > 1:
            logger.info("GDC clinical column %r filled from %s", column, sorted(fields))
    if several_diagnoses:
        logger.warning("%d case(s) have several diagnoses; the first was used", several_diagnoses)

    table = pd.DataFrame(rows).set_index("patient")
    duplicated = table.index.duplicated(keep="first")
    if duplicated.any():
        logger.warning(
            "Dropped %d duplicate case row(s): %s",
            int(duplicated.sum()),
            sorted(set(table.index[duplicated])),
        )
        table = table[~duplicated]
    return table


def read_star_counts(path: str | Path, value: str = "unstranded") -> pd.DataFrame:
    """Read one GDC STAR - Counts file (``*.rna_seq.augmented_star_gene_counts.tsv``).

    The file starts with a ``# gene-model`` comment line, then a header ``gene_id gene_name
    gene_type unstranded stranded_first stranded_second tpm_unstranded fpkm_unstranded
    fpkm_uq_unstranded``. The four summary rows ``N_unmapped``, ``N_multimapping``,
    ``N_noFeature`` and ``N_ambiguous`` are dropped.

    Returns
    -------
    pandas.DataFrame
        Index ``gene_id``; columns ``gene_name``, ``gene_type`` and ``value``.
    """
    if value not in STAR_VALUE_COLUMNS:
        raise ArchiveError(f"unknown STAR column {value!r}; choose one of {STAR_VALUE_COLUMNS}")
    table = pd.read_csv(path, sep="\t", comment="#")
    missing = {"gene_id", value} - set(table.columns)
    if missing:
        raise ArchiveError(
            f"{path} is not a STAR - Counts file: column(s) {sorted(missing)} missing"
        )
    table = table[~table["gene_id"].astype(str).str.startswith("N_")]
    table = table.set_index("gene_id")
    result = table.reindex(columns=["gene_name", "gene_type"]).assign(value=table[value])
    return result


def assemble_star_matrix(files: pd.DataFrame, value: str = "unstranded") -> pd.DataFrame:
    """Assemble STAR - Counts files into a genes x samples matrix.

    Parameters
    ----------
    files : pandas.DataFrame
        Columns ``path`` and ``sample`` (TCGA sample barcode), one row per file.
    value : str
        STAR column to use (see :data:`STAR_VALUE_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        Index ``gene_id`` (Ensembl, versioned), columns the sample barcodes in the order of
        ``files``. ``attrs["gene_name"]`` maps gene ids to symbols. When several files belong to
        one sample, the first is kept and the others are logged as dropped. Counts columns are
        int64; TPM and FPKM are float64.
    """
    from radiogenomics.io.barcodes import normalize_barcode

    require = {"path", "sample"} - set(files.columns)
    if require:
        raise ArchiveError(f"STAR file table lacks column(s) {sorted(require)}")
    samples = files["sample"].map(normalize_barcode)
    duplicated = samples.duplicated(keep="first")
    if duplicated.any():
        logger.warning(
            "Dropped %d STAR file(s) of samples that already have one: %s",
            int(duplicated.sum()),
            sorted(set(samples[duplicated])),
        )

    columns = {}
    gene_names = None
    genes = None
    for path, sample in zip(files["path"][~duplicated], samples[~duplicated], strict=True):
        table = read_star_counts(path, value)
        if genes is None:
            genes = table.index
            gene_names = table["gene_name"]
        elif not table.index.equals(genes):
            raise ArchiveError(
                f"{path} lists other genes than the first STAR file; files from different "
                "gene models cannot be combined"
            )
        columns[sample] = table["value"].to_numpy()

    matrix = pd.DataFrame(columns, index=genes)
    matrix.columns.name = "sample"
    if value in ("unstranded", "stranded_first", "stranded_second"):
        matrix = matrix.astype(np.int64)
    matrix.attrs["gene_name"] = gene_names.to_dict() if gene_names is not None else {}
    matrix.attrs["value"] = value
    return matrix

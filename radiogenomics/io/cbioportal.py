"""cBioPortal: REST API client and readers of study staging files.

The REST client covers a study's clinical data (sample and patient attributes), clinical
attribute definitions, samples, molecular profiles and molecular data. The readers take the
staging folder format of the cBioPortal importer. Each ``meta_*.txt`` file has ``key: value``
lines and names a ``data_filename``. Clinical files carry four ``#`` header lines (display
name, description, data type, priority) above the column names. Gene x sample matrices are
keyed by ``Hugo_Symbol`` and/or ``Entrez_Gene_Id``, and mutations come as MAF files.

References: cBioPortal REST API (https://www.cbioportal.org/api/swagger-ui/index.html) and
"File Formats" (https://docs.cbioportal.org/file-formats/).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from radiogenomics.errors import TableError
from radiogenomics.io.endpoints import CBIOPORTAL_BASE_URL
from radiogenomics.io.exceptions import ArchiveError
from radiogenomics.io.http import HttpClient

logger = logging.getLogger(__name__)

# Largest page the public instance serves; a shorter page is the last one.
PAGE_SIZE = 10_000_000


class CbioportalClient:
    """Query the cBioPortal REST API.

    Parameters
    ----------
    base_url : str
        API root, e.g. ``https://www.cbioportal.org/api``.
    timeout, retries, backoff
        See :class:`radiogenomics.io.http.HttpClient`.
    page_size : int
        ``pageSize`` of paged GET requests.
    """

    def __init__(
        self,
        base_url: str = CBIOPORTAL_BASE_URL,
        *,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 1.0,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.http = HttpClient(base_url, timeout=timeout, retries=retries, backoff=backoff)
        self.page_size = int(page_size)

    def _get_all(self, path: str, params: dict | None = None) -> list[dict]:
        """GET every page of a paged list endpoint (``pageSize``/``pageNumber``)."""
        records: list[dict] = []
        page_number = 0
        while True:
            query = {**(params or {}), "pageSize": self.page_size, "pageNumber": page_number}
            page = self.http.get_json(path, query)
            if not isinstance(page, list):
                raise ArchiveError(f"cBioPortal {path} returned {type(page).__name__}, not a list")
            records.extend(page)
            if len(page) < self.page_size:
                return records
            page_number += 1

    def studies(self) -> pd.DataFrame:
        """Return the studies of the instance (``studyId``, ``name``, ...)."""
        return pd.DataFrame(self._get_all("studies", {"projection": "SUMMARY"}))

    def samples(self, study_id: str) -> pd.DataFrame:
        """Return the samples of a study (``sampleId``, ``patientId``, ``sampleType``, ...)."""
        return pd.DataFrame(self._get_all(f"studies/{study_id}/samples"))

    def clinical_attributes(self, study_id: str) -> pd.DataFrame:
        """Return the clinical attribute definitions of a study.

        Columns include ``clinicalAttributeId``, ``displayName``, ``datatype`` (``STRING`` or
        ``NUMBER``) and ``patientAttribute`` (True for patient-level attributes).
        """
        return pd.DataFrame(self._get_all(f"studies/{study_id}/clinical-attributes"))

    def clinical_data(self, study_id: str, level: str = "both") -> pd.DataFrame:
        """Return a study's clinical data as one wide table.

        Parameters
        ----------
        study_id : str
            Study id, e.g. ``brca_tcga_pan_can_atlas_2018``.
        level : {"both", "sample", "patient"}
            ``sample``: one row per sample; ``patient``: one row per patient; ``both``: one
            row per sample with the patient attributes joined on ``patientId``.

        Returns
        -------
        pandas.DataFrame
            Index ``sampleId`` (or ``patientId``), one column per attribute id; attributes of
            data type NUMBER are converted to floats.
        """
        if level not in ("both", "sample", "patient"):
            raise ArchiveError(f"level must be 'both', 'sample' or 'patient', got {level!r}")
        numeric = self._numeric_attributes(study_id)
        if level == "patient":
            return self._clinical_level(study_id, "PATIENT", numeric)
        samples = self._clinical_level(study_id, "SAMPLE", numeric)
        if level == "sample":
            return samples
        patients = self._clinical_level(study_id, "PATIENT", numeric)
        overlap = set(samples.columns) & set(patients.columns) - {"patientId"}
        joined = samples.join(patients.drop(columns=list(overlap)), on="patientId")
        return joined

    def _numeric_attributes(self, study_id: str) -> set[str]:
        attributes = self.clinical_attributes(study_id)
        if attributes.empty or "datatype" not in attributes:
            return set()
        return set(attributes.loc[attributes["datatype"] == "NUMBER", "clinicalAttributeId"])

    def _clinical_level(self, study_id: str, kind: str, numeric: set[str]) -> pd.DataFrame:
        records = self._get_all(
            f"studies/{study_id}/clinical-data", {"clinicalDataType": kind, "projection": "SUMMARY"}
        )
        wide = pivot_clinical_records(records, kind, numeric)

        # The API returns no record for a missing value, so a sample without any attribute
        # would vanish. Reindexing on the full list keeps it, with empty cells.
        if kind == "SAMPLE":
            listing = pd.DataFrame(self._get_all(f"studies/{study_id}/samples"))
            if listing.empty:
                return wide
            wide = wide.reindex(pd.Index(listing["sampleId"], name="sampleId"))
            wide["patientId"] = listing.set_index("sampleId")["patientId"]
        else:
            listing = pd.DataFrame(self._get_all(f"studies/{study_id}/patients"))
            if listing.empty:
                return wide
            wide = wide.reindex(pd.Index(listing["patientId"], name="patientId"))
        return wide

    def molecular_profiles(self, study_id: str) -> pd.DataFrame:
        """Return the molecular profiles of a study (``molecularProfileId``, ``datatype``, ...)."""
        return pd.DataFrame(self._get_all(f"studies/{study_id}/molecular-profiles"))

    def genes(self, symbols: list[str]) -> pd.DataFrame:
        """Resolve Hugo gene symbols to Entrez gene ids (``POST /genes/fetch``)."""
        records = self.http.post_json(
            "genes/fetch", list(symbols), params={"geneIdType": "HUGO_GENE_SYMBOL"}
        )
        table = pd.DataFrame(records, columns=["entrezGeneId", "hugoGeneSymbol", "type"])
        unknown = sorted(set(symbols) - set(table["hugoGeneSymbol"]))
        if unknown:
            logger.warning("cBioPortal does not know gene symbol(s) %s; dropped", unknown)
        return table

    def molecular_data(
        self, profile_id: str, genes: list[str], sample_list_id: str | None = None
    ) -> pd.DataFrame:
        """Return a molecular profile as a genes x samples matrix.

        Parameters
        ----------
        profile_id : str
            Molecular profile id, e.g. ``brca_tcga_pan_can_atlas_2018_rna_seq_v2_mrna``.
        genes : list of str
            Hugo gene symbols.
        sample_list_id : str, optional
            Sample list; default ``<studyId>_all``, with the study id read from the profile
            record (``GET /molecular-profiles/<id>``).

        Returns
        -------
        pandas.DataFrame
            Index ``Hugo_Symbol``, columns the sample ids, float values.
        """
        gene_table = self.genes(genes)
        if gene_table.empty:
            raise ArchiveError(f"none of the genes {genes} is known to cBioPortal")
        if sample_list_id is None:
            profile = self.http.get_json(f"molecular-profiles/{profile_id}")
            sample_list_id = f"{profile['studyId']}_all"
        records = self.http.post_json(
            f"molecular-profiles/{profile_id}/molecular-data/fetch",
            {
                "sampleListId": sample_list_id,
                "entrezGeneIds": gene_table["entrezGeneId"].astype(int).tolist(),
            },
            params={"projection": "SUMMARY"},
        )
        symbols = dict(zip(gene_table["entrezGeneId"], gene_table["hugoGeneSymbol"], strict=True))
        return pivot_molecular_records(records, symbols)


def pivot_clinical_records(records: list[dict], kind: str, numeric: set[str]) -> pd.DataFrame:
    """Pivot long clinical-data records (one per attribute value) into a wide table."""
    key = "sampleId" if kind == "SAMPLE" else "patientId"
    if not records:
        return pd.DataFrame(index=pd.Index([], name=key))
    long = pd.DataFrame(records)
    missing = {key, "clinicalAttributeId", "value"} - set(long.columns)
    if missing:
        raise ArchiveError(f"cBioPortal clinical data lacks field(s) {sorted(missing)}")
    wide = long.pivot_table(
        index=key, columns="clinicalAttributeId", values="value", aggfunc="first"
    )
    wide.columns.name = None
    for column in wide.columns.intersection(sorted(numeric)):
        wide[column] = pd.to_numeric(wide[column], errors="coerce")
    if kind == "SAMPLE" and "patientId" in long:
        wide.insert(0, "patientId", long.groupby("sampleId")["patientId"].first())
    return wide


def pivot_molecular_records(records: list[dict], symbols: dict[int, str]) -> pd.DataFrame:
    """Pivot molecular-data records into genes (Hugo symbols) x samples."""
    if not records:
        raise ArchiveError("cBioPortal returned no molecular data for these genes and samples")
    long = pd.DataFrame(records)
    long["gene"] = long["entrezGeneId"].map(symbols)
    matrix = long.pivot_table(index="gene", columns="sampleId", values="value", aggfunc="first")
    matrix.index.name = "Hugo_Symbol"
    matrix.columns.name = "sample"
    return matrix.astype(float)


# ---------------------------------------------------------------------------------------------
# Staging files


def read_meta(path: str | Path) -> dict[str, str]:
    """Read a ``meta_*.txt`` file of ``key: value`` lines.

    Raises
    ------
    TableError
        A non-empty line has no ``:``.
    """
    path = Path(path)
    meta = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, separator, value = line.partition(":")
        if not separator:
            raise TableError(f"{path}, line {number}: expected 'key: value', got {line!r}")
        meta[key.strip()] = value.strip()
    return meta


@dataclass
class ClinicalAttributes:
    """The four ``#`` header lines of a cBioPortal clinical file, one entry per column."""

    display_name: dict[str, str]
    description: dict[str, str]
    datatype: dict[str, str]
    priority: dict[str, str]


def read_clinical_file(path: str | Path) -> tuple[pd.DataFrame, ClinicalAttributes]:
    """Read a ``data_clinical_patients.txt`` or ``data_clinical_samples.txt`` staging file.

    Columns of data type ``NUMBER`` become floats (``NA`` and empty cells are missing);
    ``STRING`` and ``BOOLEAN`` columns stay text.

    Returns
    -------
    table : pandas.DataFrame
        Index ``SAMPLE_ID`` if present, else ``PATIENT_ID``.
    attributes : ClinicalAttributes
        Display names, descriptions, data types and priorities by column.
    """
    path = Path(path)
    header_lines = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            header_lines.append(line.rstrip("\n").lstrip("#").split("\t"))
    table = pd.read_csv(
        path, sep="\t", skiprows=len(header_lines), dtype=str, keep_default_na=False
    )
    columns = list(table.columns)
    if len(header_lines) >= 4:
        for number, values in enumerate(header_lines[:4], start=1):
            if len(values) != len(columns):
                raise TableError(
                    f"{path}: '#' header line {number} has {len(values)} fields but the table "
                    f"has {len(columns)} columns"
                )
    else:
        logger.warning(
            "%s has %d '#' header lines, not 4; types left as text", path, len(header_lines)
        )
        header_lines = [
            columns,
            [""] * len(columns),
            ["STRING"] * len(columns),
            ["1"] * len(columns),
        ]

    attributes = ClinicalAttributes(
        *(dict(zip(columns, values, strict=True)) for values in header_lines[:4])
    )
    table = table.replace({"": np.nan, "NA": np.nan, "[Not Available]": np.nan})
    for column, datatype in attributes.datatype.items():
        if datatype.upper() == "NUMBER":
            table[column] = pd.to_numeric(table[column], errors="coerce")

    key = "SAMPLE_ID" if "SAMPLE_ID" in table else "PATIENT_ID"
    if key not in table:
        raise TableError(f"{path} has neither a SAMPLE_ID nor a PATIENT_ID column")
    duplicated = table[key].duplicated(keep="first")
    if duplicated.any():
        logger.warning(
            "%s: dropped %d row(s) with a repeated %s: %s",
            path,
            int(duplicated.sum()),
            key,
            sorted(set(table.loc[duplicated, key]))[:10],
        )
        table = table[~duplicated]
    return table.set_index(key), attributes


def read_expression_matrix(path: str | Path) -> pd.DataFrame:
    """Read a cBioPortal gene x sample matrix (expression, z-scores, CNA, methylation).

    The first columns are ``Hugo_Symbol`` and/or ``Entrez_Gene_Id`` (``composite.element.ref``
    for methylation probes, ``geneset_id`` for gene-set scores); every other column is a sample.

    Returns
    -------
    pandas.DataFrame
        Index the Hugo symbol (the Entrez id where the symbol is missing), columns the sample
        ids, float values. ``attrs["entrez_gene_id"]`` maps the index to Entrez ids. Rows whose
        gene repeats an earlier row are dropped and logged.
    """
    path = Path(path)
    table = pd.read_csv(path, sep="\t", comment="#", dtype={"Entrez_Gene_Id": "Int64"})
    id_columns = [
        column
        for column in ("Hugo_Symbol", "Entrez_Gene_Id", "composite.element.ref", "geneset_id")
        if column in table
    ]
    if not id_columns:
        raise TableError(
            f"{path} has no Hugo_Symbol, Entrez_Gene_Id, composite.element.ref or geneset_id column"
        )
    if "Hugo_Symbol" in table:
        key = table["Hugo_Symbol"].astype("string")
        if "Entrez_Gene_Id" in table:
            key = key.fillna(table["Entrez_Gene_Id"].astype("string"))
    else:
        key = table[id_columns[0]].astype("string")

    values = table.drop(columns=id_columns).apply(pd.to_numeric, errors="coerce")
    values.index = pd.Index(key, name=id_columns[0])
    values.columns.name = "sample"
    duplicated = values.index.duplicated(keep="first")
    if duplicated.any():
        logger.warning(
            "%s: dropped %d row(s) of repeated genes: %s",
            path,
            int(duplicated.sum()),
            sorted(set(values.index[duplicated]))[:10],
        )
        values = values[~duplicated]
    if "Entrez_Gene_Id" in table:
        entrez = pd.Series(table["Entrez_Gene_Id"].to_numpy(), index=key)
        values.attrs["entrez_gene_id"] = entrez[~entrez.index.duplicated()].to_dict()
    return values


def read_maf(path: str | Path) -> pd.DataFrame:
    """Read a MAF mutation file (tab-separated, ``#version`` comment lines allowed).

    Positions become integers, allele counts floats; every other column stays text.
    """
    table = pd.read_csv(path, sep="\t", comment="#", dtype=str, keep_default_na=False)
    required = {"Hugo_Symbol", "Tumor_Sample_Barcode", "Variant_Classification"}
    missing = required - set(table.columns)
    if missing:
        raise TableError(f"{path} is not a MAF file: column(s) {sorted(missing)} missing")
    table = table.replace({"": np.nan, "NA": np.nan})
    for column in ("Start_Position", "End_Position"):
        if column in table:
            table[column] = pd.to_numeric(table[column], errors="coerce").astype("Int64")
    for column in ("t_ref_count", "t_alt_count", "n_ref_count", "n_alt_count"):
        if column in table:
            table[column] = pd.to_numeric(table[column], errors="coerce")
    return table


@dataclass
class StagingStudy:
    """A cBioPortal staging folder: the study meta data and every data file's meta data."""

    folder: Path
    study: dict[str, str]
    meta: dict[str, dict[str, str]] = field(default_factory=dict)

    def files(self) -> pd.DataFrame:
        """List the data files with their alteration type, data type and file name."""
        rows = [
            {
                "meta_file": name,
                "genetic_alteration_type": meta.get("genetic_alteration_type"),
                "datatype": meta.get("datatype"),
                "stable_id": meta.get("stable_id"),
                "data_filename": meta.get("data_filename"),
            }
            for name, meta in sorted(self.meta.items())
        ]
        return pd.DataFrame(rows)

    def _data_path(self, meta_file: str) -> Path:
        meta = self.meta[meta_file]
        filename = meta.get("data_filename")
        if not filename:
            raise TableError(f"{self.folder / meta_file} names no data_filename")
        path = self.folder / filename
        if not path.is_file():
            raise TableError(f"{self.folder / meta_file} names {filename}, which is missing")
        return path

    def clinical(self) -> pd.DataFrame:
        """Return one row per sample with sample and patient attributes joined."""
        samples = patients = None
        for name, meta in self.meta.items():
            if meta.get("datatype") == "SAMPLE_ATTRIBUTES":
                samples, _ = read_clinical_file(self._data_path(name))
            elif meta.get("datatype") == "PATIENT_ATTRIBUTES":
                patients, _ = read_clinical_file(self._data_path(name))
        if samples is None:
            raise TableError(f"{self.folder} has no SAMPLE_ATTRIBUTES meta file")
        if patients is None:
            return samples
        overlap = set(samples.columns) & set(patients.columns)
        return samples.join(patients.drop(columns=list(overlap)), on="PATIENT_ID")

    def load(self, meta_file: str) -> Any:
        """Load the data file of one meta file, choosing the reader from its data type."""
        if meta_file not in self.meta:
            raise TableError(f"{meta_file!r} not in {self.folder}; present: {sorted(self.meta)}")
        meta = self.meta[meta_file]
        path = self._data_path(meta_file)
        datatype = meta.get("datatype", "")
        if datatype in ("SAMPLE_ATTRIBUTES", "PATIENT_ATTRIBUTES"):
            return read_clinical_file(path)[0]
        if datatype == "MAF":
            return read_maf(path)
        if datatype == "CANCER_TYPE":
            # The cancer type file has no header line (File Formats, "Cancer Type").
            columns = ["type_of_cancer", "name", "color", "parent_type_of_cancer"]
            return pd.read_csv(path, sep="\t", header=None, names=columns)
        if datatype in ("SEG", "DISCRETE_LONG"):
            return pd.read_csv(path, sep="\t", comment="#")
        return read_expression_matrix(path)


def read_study(folder: str | Path) -> StagingStudy:
    """Read the meta files of a cBioPortal staging folder.

    Raises
    ------
    TableError
        The folder has no ``meta_study.txt``.
    """
    folder = Path(folder)
    study_file = folder / "meta_study.txt"
    if not study_file.is_file():
        raise TableError(f"{folder} is not a cBioPortal study folder: meta_study.txt missing")
    study = read_meta(study_file)
    meta = {
        path.name: read_meta(path)
        for path in sorted(folder.glob("meta_*.txt"))
        if path.name != "meta_study.txt"
    }
    return StagingStudy(folder, study, meta)

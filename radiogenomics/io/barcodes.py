"""TCGA barcodes: parsing, normalisation and collapsing sample tables to patients.

A TCGA barcode names a participant and, with more fields, a sample, portion, analyte and
aliquot::

    TCGA-A2-A04N-01A-11R-A115-07
    |    |  |    | | | | |    +- centre
    |    |  |    | | | | +------ plate
    |    |  |    | | | +-------- analyte (R = RNA, D = DNA, ...)
    |    |  |    | | +---------- portion
    |    |  |    | +------------ vial
    |    |  |    +-------------- sample type (01-09 tumour, 10-19 normal, 20-29 control)
    |    |  +------------------- participant
    |    +---------------------- tissue source site
    +--------------------------- project

Source: NCI GDC documentation, "TCGA Barcode" (docs.gdc.cancer.gov/Encyclopedia/pages/TCGA_Barcode).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import pandas as pd

from radiogenomics.errors import TableError

logger = logging.getLogger(__name__)

_BARCODE = re.compile(
    r"^(?P<project>TCGA)-(?P<tss>[A-Z0-9]{2})-(?P<participant>[A-Z0-9]{4})"
    r"(?:-(?P<sample_type>\d{2})(?P<vial>[A-Z])?"
    r"(?:-(?P<portion>\d{2})(?P<analyte>[A-Z])?"
    r"(?:-(?P<plate>[A-Z0-9]{4})(?:-(?P<centre>\d{2}))?)?)?)?$"
)


@dataclass(frozen=True)
class Barcode:
    """The fields of a TCGA barcode; fields absent from a shorter barcode are ``None``."""

    barcode: str
    project: str
    tss: str
    participant: str
    sample_type: int | None = None
    vial: str | None = None
    portion: str | None = None
    analyte: str | None = None
    plate: str | None = None
    centre: str | None = None

    @property
    def patient(self) -> str:
        """The 12-character patient barcode, e.g. ``TCGA-A2-A04N``."""
        return f"{self.project}-{self.tss}-{self.participant}"

    @property
    def tissue(self) -> str | None:
        """``'tumour'``, ``'normal'`` or ``'control'`` from the sample type; ``None`` if absent."""
        return tissue_of_sample_type(self.sample_type)


def tissue_of_sample_type(code: int | None) -> str | None:
    """Map a TCGA sample-type code to ``'tumour'`` (1-9), ``'normal'`` (10-19) or ``'control'``."""
    if code is None:
        return None
    if 1 <= code <= 9:
        return "tumour"
    if 10 <= code <= 19:
        return "normal"
    if 20 <= code <= 29:
        return "control"
    return "unknown"


def normalize_barcode(barcode: str) -> str:
    """Return ``barcode`` upper-cased, stripped, with dots and underscores turned into dashes.

    Examples
    --------
    >>> normalize_barcode("tcga.3c.aaau")
    'TCGA-3C-AAAU'
    """
    if not isinstance(barcode, str):
        raise TableError(f"TCGA barcode must be a string, got {barcode!r}")
    return re.sub(r"[._\s]", "-", barcode.strip().upper())


def parse_barcode(barcode: str) -> Barcode:
    """Parse a TCGA barcode of patient, sample or aliquot length.

    Raises
    ------
    TableError
        If the text is not a TCGA barcode after normalisation.
    """
    text = normalize_barcode(barcode)
    match = _BARCODE.match(text)
    if match is None:
        raise TableError(
            f"{barcode!r} is not a TCGA barcode (expected e.g. TCGA-A2-A04N or "
            "TCGA-A2-A04N-01A-11R-A115-07)"
        )
    fields = match.groupdict()
    sample_type = fields.pop("sample_type")
    return Barcode(
        barcode=text, sample_type=int(sample_type) if sample_type else None, **fields
    )


def to_patient(barcode: str) -> str:
    """Return the 12-character patient barcode of any TCGA barcode.

    Examples
    --------
    >>> to_patient("TCGA-A2-A04N-01A-11R-A115-07")
    'TCGA-A2-A04N'
    """
    return parse_barcode(barcode).patient


def sample_type(barcode: str) -> str | None:
    """Return ``'tumour'``, ``'normal'`` or ``'control'`` for a sample or aliquot barcode."""
    return parse_barcode(barcode).tissue


def _differing_columns(first: pd.Series, second: pd.Series) -> list:
    """Return the columns where two rows hold different values (missing equals missing)."""
    same = (first == second) | (first.isna() & second.isna())
    return list(first.index[~same.to_numpy()])


def collapse_to_patients(
    table: pd.DataFrame, source: str, keep_tissue: str = "tumour"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Re-index a table by patient barcode, keeping one row of the wanted tissue per patient.

    Rows whose index is not a TCGA barcode, or whose sample is of another tissue (a normal
    sample beside a tumour sample), are dropped. When a patient has several rows, the one
    with the lowest barcode is kept (sample type 01 before 06, vial A before B), and the others
    are dropped as duplicates. Every dropped row is logged and listed in the report.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows indexed by TCGA barcodes of any length, written with dashes or dots.
    source : str
        Name of the table, used in the log and the report.
    keep_tissue : {'tumour', 'normal'}
        The tissue kept for barcodes that carry a sample type; patient-length barcodes are kept.

    Returns
    -------
    table : pandas.DataFrame
        Indexed by patient barcode (index name ``patient``), one row per patient.
    report : pandas.DataFrame
        One row per dropped identifier: ``source, identifier, patient, action, reason``.
    """
    records = []
    patients = []
    keep = []
    for identifier in table.index:
        try:
            parsed = parse_barcode(str(identifier))
        except TableError:
            records.append((source, str(identifier), None, "dropped", "not a TCGA barcode"))
            patients.append(None)
            keep.append(False)
            continue
        patients.append(parsed.patient)
        if parsed.tissue is not None and parsed.tissue != keep_tissue:
            reason = f"{parsed.tissue} sample (type {parsed.sample_type:02d}), not {keep_tissue}"
            records.append((source, str(identifier), parsed.patient, "dropped", reason))
            keep.append(False)
        else:
            keep.append(True)

    kept = table.loc[keep].copy()
    kept_ids = [str(i) for i, k in zip(table.index, keep, strict=True) if k]
    kept.index = pd.Index([p for p, k in zip(patients, keep, strict=True) if k], name="patient")
    order = sorted(range(len(kept)), key=lambda i: (kept.index[i], normalize_barcode(kept_ids[i])))
    kept = kept.iloc[order]
    kept_ids = [kept_ids[i] for i in order]
    duplicated = kept.index.duplicated(keep="first")
    first_rows = {}
    for position, (identifier, patient, is_duplicate) in enumerate(
        zip(kept_ids, kept.index, duplicated, strict=True)
    ):
        if not is_duplicate:
            first_rows[patient] = (identifier, position)
            continue
        kept_identifier, kept_position = first_rows[patient]
        differing = _differing_columns(kept.iloc[kept_position], kept.iloc[position])
        reason = f"duplicate of {kept_identifier}, which is kept"
        if differing:
            reason += f"; values differ in {', '.join(map(str, differing[:5]))}"
            logger.warning("%s: %s and %s (patient %s) differ in %s; the first is kept",
                           source, kept_identifier, identifier, patient, differing[:5])
        records.append((source, identifier, patient, "dropped", reason))
    kept = kept.loc[~duplicated]

    report = pd.DataFrame(
        records, columns=["source", "identifier", "patient", "action", "reason"]
    )
    for row in report.itertuples():
        logger.info("%s: dropped %s (%s)", source, row.identifier, row.reason)
    return kept, report

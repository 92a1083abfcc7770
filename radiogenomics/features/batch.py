"""Batch extraction: one feature row per case, in parallel processes, resumable.

Each finished case is written at once to a part file beside the output, so an interrupted
run loses at most the cases in progress. Each part file stores the settings fingerprint and
the package version that made it. On a rerun with the same settings and version, a case found
in the output or in the part files is not recomputed unless its image, mask or label changed
(path, size or modification time). A failing case goes to an errors table
with its message and the batch goes on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import numbers
import shutil
from pathlib import Path

from radiogenomics.errors import RadiogenomicsError, TableError

logger = logging.getLogger(__name__)

METADATA_KEY = b"radiogenomics"
CASE_COLUMNS = ("id", "image", "mask")
ERROR_COLUMNS = ("id", "image", "mask", "error")


def read_cases(path) -> pandas.DataFrame:  # noqa: F821
    """Read a cases table with columns ``id, image, mask`` and an optional ``label``.

    Every cell is read as text, so ids such as ``NA``, ``nan`` or ``007`` stay as written.
    Relative image and mask paths are resolved against the folder of the table.

    Raises
    ------
    TableError
        If the file is empty or not UTF-8 text, a column is missing, an id repeats, a cell
        is empty or a label is not an integer.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"cases table not found: {path}")
    try:
        cases = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise TableError(
            f"cases table {path} is empty; write a header line id,image,mask[,label] and one "
            "line per case"
        ) from None
    except UnicodeDecodeError as error:
        raise TableError(
            f"cases table {path} is not UTF-8 text (byte {error.object[error.start]:#04x} at "
            f"offset {error.start}); save it as a UTF-8 CSV with columns id,image,mask[,label]"
        ) from None
    except pd.errors.ParserError as error:
        raise TableError(f"cannot parse cases table {path} as CSV: {error}") from None
    cases.columns = [c.strip().lower() for c in cases.columns]
    missing = [c for c in CASE_COLUMNS if c not in cases.columns]
    if missing:
        raise TableError(
            f"{path} is missing column(s) {missing}; a cases table needs id,image,mask[,label]"
        )
    if cases.empty:
        raise TableError(f"{path} has a header but no case lines; add one line per case")
    empty = (cases[list(CASE_COLUMNS)].apply(lambda column: column.str.strip()) == "").any(axis=1)
    if empty.any():
        rows = [int(i) + 2 for i in cases.index[empty]]
        raise TableError(f"{path} has empty id, image or mask cells on line(s) {rows}")
    repeated = cases["id"][cases["id"].duplicated()].unique().tolist()
    if repeated:
        raise TableError(f"{path} repeats case id(s) {repeated}; ids must be unique")
    for column in ("image", "mask"):
        cases[column] = [
            str((path.parent / p).resolve()) if not Path(p).is_absolute() else p
            for p in cases[column]
        ]
    if "label" not in cases.columns:
        cases["label"] = None
    labels = _parse_labels(cases["label"], path, rows=("line(s)", list(range(2, len(cases) + 2))))
    cases["label"] = pd.Series(labels, index=cases.index, dtype=object)
    return cases


def _parse_labels(values, source, rows: tuple[str, list]) -> list[int | None]:
    """Return each mask label as an int, or None for an empty cell.

    ``rows`` is the word for a row and the name of each row, used in the error message.
    Raises :class:`TableError` naming the values that are not whole numbers and their rows.
    """
    import math

    labels, bad, lines = [], [], []
    for line, value in zip(rows[1], values, strict=True):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            labels.append(None)
            continue
        if isinstance(value, str) and not value.strip():
            labels.append(None)
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(value, bool) or not math.isfinite(number) or not number.is_integer():
            bad.append(value)
            lines.append(line)
            continue
        labels.append(int(number))
    if bad:
        raise TableError(
            f"{source} has label(s) {bad} on {rows[0]} {lines} that are not integers; the label "
            "column gives the mask label of the ROI as an integer (for example 1), and an empty "
            "cell takes the only label of the mask"
        )
    return labels


def settings_fingerprint(settings) -> str:
    """Return a short hash of the settings, used to tell whether stored rows can be reused."""
    text = json.dumps(settings.to_dict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def case_fingerprint(case: dict) -> str:
    """Return a short hash of a case's image and mask paths, sizes, modification times and label.

    A folder (a DICOM series) contributes the size and modification time of every file in it.
    A stored row is reused only for a case with the same fingerprint.
    """
    key = {
        "image": str(case["image"]),
        "mask": str(case["mask"]),
        "label": _label_text(case.get("label")),
        "image_stat": _file_stat(Path(case["image"])),
        "mask_stat": _file_stat(Path(case["mask"])),
    }
    text = json.dumps(key, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _label_text(label) -> str | None:
    if label is None or (isinstance(label, float) and label != label):
        return None
    return str(label)


def _file_stat(path: Path):
    """Return ``[size in bytes, modification time in ns]`` of a file, per file for a folder."""
    try:
        if path.is_dir():
            return [
                [str(f.relative_to(path)), f.stat().st_size, f.stat().st_mtime_ns]
                for f in sorted(path.rglob("*"))
                if f.is_file()
            ]
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _extract_case(case: dict, settings_values: dict, parts: Path, stamp: dict):
    """Extract one case and store its row with ``stamp``; runs in a worker process."""
    import math

    from radiogenomics.features.pipeline import extract
    from radiogenomics.features.settings import Settings

    settings = Settings.from_dict(settings_values)
    label = case.get("label")
    if label is not None and not (isinstance(label, float) and math.isnan(label)):
        settings.label = int(label)
    try:
        row = extract(case["image"], case["mask"], settings)
    except Exception as error:  # noqa: BLE001 - one bad case must not stop the batch
        return case["id"], None, f"{type(error).__name__}: {error}"
    payload = {"id": case["id"], **stamp, "features": row}
    _write_json(parts / f"{_safe_name(case['id'])}.json", payload)
    return case["id"], row, None


def _safe_name(case_id: str) -> str:
    return hashlib.sha1(case_id.encode()).hexdigest()[:20]


def _write_json(path: Path, payload: dict) -> None:
    from radiogenomics.io.atomic import atomic_file

    with atomic_file(path) as temporary:
        temporary.write_text(json.dumps(payload, allow_nan=True))


def _check_errors_path(errors_out: Path, out: Path, inputs: list[Path]) -> None:
    """Raise unless ``errors_out`` is a new file or an errors table of an earlier batch.

    The errors table is replaced on every run and deleted when no case fails, so it must
    never name the output, its metadata file, an input or a file of the user's.
    """
    reserved = [out, out.with_name(out.name + ".json"), *inputs]
    if any(errors_out.resolve() == path.resolve() for path in reserved):
        raise RadiogenomicsError(
            f"the errors table {errors_out} would replace the output or an input file; give "
            "--errors another path"
        )
    if errors_out.is_dir():
        raise RadiogenomicsError(f"the errors table {errors_out} is a folder; give a file path")
    if errors_out.exists():
        with open(errors_out, encoding="utf-8", errors="replace") as stream:
            header = stream.readline().strip()
        if header != ",".join(ERROR_COLUMNS):
            raise RadiogenomicsError(
                f"{errors_out} exists and is not an errors table of 'features extract' (its "
                f"first line is {header[:60]!r}); give --errors another path or move the file"
            )


def _read_finished(out: Path, parts: Path, stamp: dict, cases: dict[str, str]) -> dict[str, dict]:
    """Return the stored rows of ``out`` and of the part files that can be reused.

    ``cases`` maps each case id to its :func:`case_fingerprint`. A row is reused only when
    its case fingerprint, settings fingerprint and package version match. A part file that
    does not match is deleted, so its case is recomputed, and a warning counts the rows
    that were discarded, by reason.
    """
    import pandas as pd

    finished: dict[str, dict] = {}
    discarded: dict[str, int] = {}
    if out.exists():
        try:
            metadata = read_metadata(out)
        except (OSError, ValueError) as error:
            metadata = {}
            logger.debug("cannot read the metadata of %s: %s", out, error)
        if "settings_fingerprint" not in metadata:
            raise RadiogenomicsError(
                f"{out} exists but was not written by 'radiogenomics features extract' (it has "
                "no settings record); choose another output path or move that file away"
            )
        if metadata.get("settings_fingerprint") != stamp["settings_fingerprint"]:
            raise RadiogenomicsError(
                f"{out} was made with other settings; choose another output path or "
                "delete it to recompute"
            )
        table = pd.read_parquet(out) if out.suffix == ".parquet" else pd.read_csv(out, index_col=0)
        stored = {
            "radiogenomics_version": metadata.get("radiogenomics_version"),
            "settings_fingerprint": metadata.get("settings_fingerprint"),
        }
        stored_cases = metadata.get("case_fingerprints") or {}
        for case_id, row in table.iterrows():
            case_id = str(case_id)
            if case_id not in cases:
                continue
            reason = _mismatch(
                {**stored, "case_fingerprint": stored_cases.get(case_id)}, stamp, cases[case_id]
            )
            if reason:
                discarded[f"{out.name}: {reason}"] = discarded.get(f"{out.name}: {reason}", 0) + 1
                continue
            finished[case_id] = row.to_dict()
    if parts.is_dir():
        for part in parts.glob("*.json"):
            try:
                payload = json.loads(part.read_text())
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                payload = None
            case_id = str(payload.get("id")) if isinstance(payload, dict) else None
            reason = _part_mismatch(payload, stamp, cases.get(case_id))
            if reason:
                key = f"part files of an interrupted run: {reason}"
                discarded[key] = discarded.get(key, 0) + 1
                part.unlink(missing_ok=True)
                continue
            finished[case_id] = payload["features"]
    for reason, count in discarded.items():
        logger.warning("discarded %d stored row(s) and recomputing them (%s)", count, reason)
    return finished


def _part_mismatch(payload, stamp: dict, case_fingerprint: str | None) -> str | None:
    """Return why a part file cannot be reused, or None when it can."""
    if not isinstance(payload, dict) or "id" not in payload:
        return "unreadable or incomplete file"
    if not isinstance(payload.get("features"), dict) or "settings_fingerprint" not in payload:
        return "written without a settings fingerprint by an older radiogenomics version"
    if case_fingerprint is None:
        return "case id no longer in the cases table"
    return _mismatch(payload, stamp, case_fingerprint)


def _mismatch(stored: dict, stamp: dict, case_fingerprint: str) -> str | None:
    """Return why a stored row does not match the settings, version and case, or None."""
    if stored.get("settings_fingerprint") != stamp["settings_fingerprint"]:
        return "made with other settings"
    if stored.get("radiogenomics_version") != stamp["radiogenomics_version"]:
        return (
            f"made by radiogenomics {stored.get('radiogenomics_version')}, not "
            f"{stamp['radiogenomics_version']}"
        )
    if stored.get("case_fingerprint") is None:
        return "stored without image and mask fingerprints by an older radiogenomics version"
    if stored["case_fingerprint"] != case_fingerprint:
        return "image, mask or label changed: other path, size or modification time"
    return None


def read_metadata(path) -> dict:
    """Return the settings and version stored with a feature table."""
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        metadata = pq.read_schema(path).metadata or {}
        return json.loads(metadata.get(METADATA_KEY, b"{}"))
    sidecar = path.with_name(path.name + ".json")
    return json.loads(sidecar.read_text()) if sidecar.is_file() else {}


def _write_table(table, out: Path, metadata: dict) -> None:
    from radiogenomics.io.atomic import atomic_file

    with atomic_file(out) as temporary:
        if out.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            arrow = pa.Table.from_pandas(table)
            merged = {**(arrow.schema.metadata or {}), METADATA_KEY: json.dumps(metadata)}
            pq.write_table(arrow.replace_schema_metadata(merged), temporary)
        else:
            table.to_csv(temporary)
            _write_json(out.with_name(out.name + ".json"), metadata)


def _run_cases(cases, finished, settings, parts, stamp, fingerprints, n_jobs, progress):
    """Extract the cases not in ``finished``; return rows by id and the failures."""
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    todo = [c for c in cases.to_dict("records") if str(c["id"]) not in finished]
    if len(todo) < len(cases):
        logger.info(
            "reusing %d of %d cases finished earlier with the same settings, image, mask and "
            "label; extracting %d",
            len(cases) - len(todo),
            len(cases),
            len(todo),
        )

    rows = {k: v for k, v in finished.items() if k in set(cases["id"].astype(str))}
    failures = []
    jobs = (
        delayed(_extract_case)(
            case,
            settings.to_dict(),
            parts,
            {**stamp, "case_fingerprint": fingerprints[str(case["id"])]},
        )
        for case in todo
    )
    runner = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    by_id = {str(c["id"]): c for c in todo}
    for case_id, row, error in tqdm(
        runner(jobs), total=len(todo), disable=not progress or not todo, desc="cases"
    ):
        if error is None:
            rows[str(case_id)] = row
        else:
            logger.warning("case %s failed: %s", case_id, error)
            case = by_id[str(case_id)]
            failures.append(
                {"id": case_id, "image": case["image"], "mask": case["mask"], "error": error}
            )
    return rows, failures


def extract_batch(cases, settings, out, n_jobs: int = 1, errors_out=None, progress: bool = True):
    """Extract features of many cases into one table.

    Parameters
    ----------
    cases : path or pandas.DataFrame
        Columns ``id, image, mask`` and optionally ``label``; see :func:`read_cases`.
    settings : Settings
    out : path
        Output table, ``.parquet`` (settings and version in the file metadata) or ``.csv``
        (with a ``.json`` sidecar).
    n_jobs : int
        Worker processes (joblib); ``-1`` uses every core and 0 raises
        :class:`~radiogenomics.errors.RadiogenomicsError`.
    errors_out : path, optional
        Errors table; defaults to ``<out>.errors.csv``. Written only when a case fails.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    features : pandas.DataFrame
        One row per successful case, indexed by id.
    errors : pandas.DataFrame
        Columns ``id, image, mask, error``.
    """
    import pandas as pd

    from radiogenomics import __version__

    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
        raise RadiogenomicsError(
            f"n_jobs (CLI --jobs) must be a non-zero integer, got {n_jobs!r}; give the number "
            "of worker processes, or -1 for one per CPU core"
        )
    inputs = []
    if not isinstance(cases, pd.DataFrame):
        inputs.append(Path(cases))
        cases = read_cases(cases)
    else:
        missing = [c for c in CASE_COLUMNS if c not in cases.columns]
        if missing:
            raise TableError(f"cases are missing column(s) {missing}; give id, image, mask")
        cases = cases.copy()
        labels = cases["label"] if "label" in cases.columns else [None] * len(cases)
        labels = _parse_labels(labels, "cases", rows=("row(s)", list(cases.index)))
        cases["label"] = pd.Series(labels, index=cases.index, dtype=object)
    out = Path(out)
    if out.suffix not in (".parquet", ".csv"):
        raise RadiogenomicsError(f"output must end in .parquet or .csv, got {out.name}")
    out.parent.mkdir(parents=True, exist_ok=True)
    errors_out = Path(errors_out) if errors_out else out.with_name(out.name + ".errors.csv")
    _check_errors_path(errors_out, out, inputs)
    fingerprint = settings_fingerprint(settings)
    stamp = {"settings_fingerprint": fingerprint, "radiogenomics_version": __version__}
    parts = out.with_name(f".{out.name}.parts")

    fingerprints = {str(c["id"]): case_fingerprint(c) for c in cases.to_dict("records")}
    finished = _read_finished(out, parts, stamp, fingerprints)
    parts.mkdir(exist_ok=True)
    try:
        rows, failures = _run_cases(
            cases, finished, settings, parts, stamp, fingerprints, n_jobs, progress
        )
    except BaseException:
        # A run stopped before its first case leaves no empty folder behind.
        if parts.is_dir() and not any(parts.iterdir()):
            parts.rmdir()
        raise

    order = [str(i) for i in cases["id"] if str(i) in rows]
    table = pd.DataFrame.from_dict({i: rows[i] for i in order}, orient="index")
    table.index.name = "id"
    metadata = {
        "radiogenomics_version": __version__,
        "settings": settings.to_dict(),
        "settings_fingerprint": fingerprint,
        "case_fingerprints": {i: fingerprints[i] for i in order},
    }
    _write_table(table, out, metadata)
    shutil.rmtree(parts, ignore_errors=True)

    errors = pd.DataFrame(failures, columns=list(ERROR_COLUMNS))
    if failures:
        from radiogenomics.io.atomic import atomic_file

        with atomic_file(errors_out) as temporary:
            errors.to_csv(temporary, index=False)
        logger.warning("%d of %d cases failed; see %s", len(failures), len(cases), errors_out)
    elif errors_out.exists():
        errors_out.unlink()
    return table, errors

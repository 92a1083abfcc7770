"""The Cancer Imaging Archive (TCIA): metadata queries, series downloads, manifests.

The client calls the public NBIA REST API, version 4 (the endpoints that ``tcia_utils.nbia``
wraps: ``getCollectionValues``, ``getPatient``, ``getPatientStudy``, ``getSeries``,
``getImage``) through :class:`radiogenomics.io.http.HttpClient`, so every request has a timeout
and retries with backoff. A series download

1. streams the zip from ``getImage`` to disk (resumed with a Range request after a dropped
   connection), never holding it in memory;
2. checks that the zip is complete and extracts it into a temporary folder;
3. checks the number of DICOM files against the series' ``ImageCount``;
4. renames the folder to ``<out>/<SeriesInstanceUID>``.

A series folder therefore exists only when it is complete, and a rerun skips it. Failures are
collected in the returned report, or raised.

API reference: https://wiki.cancerimagingarchive.net/x/ZoATBg (NBIA Search REST API guide).
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import zipfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from radiogenomics.errors import TableError
from radiogenomics.io.atomic import PARTIAL_SUFFIX, atomic_folder
from radiogenomics.io.endpoints import TCIA_BASE_URL
from radiogenomics.io.exceptions import ArchiveError, DownloadError
from radiogenomics.io.http import HttpClient

logger = logging.getLogger(__name__)

_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")

# Files that NBIA adds to a series zip beside the DICOM instances.
_NON_INSTANCE_FILES = {"LICENSE", "LICENSE.txt", "md5hashes.csv"}

REPORT_COLUMNS = ["series_uid", "status", "n_images", "expected_images", "path", "error"]


@dataclass
class TciaManifest:
    """A ``.tcia`` download manifest: header settings and the Series Instance UIDs to fetch."""

    path: Path
    settings: dict[str, str] = field(default_factory=dict)
    series_uids: list[str] = field(default_factory=list)


def read_manifest(path: str | Path) -> TciaManifest:
    """Read a ``.tcia`` manifest of the NBIA Data Retriever.

    The file has ``key=value`` header lines (``downloadServerUrl``, ``manifestVersion``, ...)
    followed by ``ListOfSeriesToDownload=`` and one Series Instance UID per line.

    Raises
    ------
    TableError
        No ``ListOfSeriesToDownload=`` line, or a line after it that is not a DICOM UID.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"TCIA manifest {path} not found")
    lines = path.read_text(encoding="utf-8").splitlines()
    settings: dict[str, str] = {}
    uids: list[str] = []
    in_list = False
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if in_list:
            if not _UID.match(line):
                raise TableError(
                    f"{path}, line {number}: {line!r} is not a Series Instance UID "
                    "(digits and dots)"
                )
            uids.append(line)
        elif line.startswith("ListOfSeriesToDownload="):
            in_list = True
        else:
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    if not in_list:
        raise TableError(f"{path} has no 'ListOfSeriesToDownload=' line; is it a .tcia manifest?")

    unique = list(dict.fromkeys(uids))
    if len(unique) < len(uids):
        logger.warning(
            "%s lists %d series twice; each is fetched once", path, len(uids) - len(unique)
        )
    return TciaManifest(path, settings, unique)


_METADATA_COLUMNS = {
    "Series UID": "series_uid",
    "Collection": "collection",
    "3rd Party Analysis": "third_party_analysis",
    "Data Description URI": "data_description_uri",
    "Subject ID": "patient_id",
    "Study UID": "study_uid",
    "Study Description": "study_description",
    "Study Date": "study_date",
    "Series Description": "series_description",
    "Manufacturer": "manufacturer",
    "Modality": "modality",
    "SOP Class Name": "sop_class_name",
    "SOP Class UID": "sop_class_uid",
    "Number of Images": "n_images",
    "File Size": "file_size",
    "File Location": "file_location",
    "Download Timestamp": "download_timestamp",
}

_SIZE_UNITS = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}


def _parse_size(text) -> float:
    if not isinstance(text, str) or not text.strip():
        return float("nan")
    match = re.match(r"^\s*([0-9.]+)\s*([KMGT]?B)\s*$", text, re.IGNORECASE)
    if match is None:
        return float("nan")
    return float(match.group(1)) * _SIZE_UNITS[match.group(2).upper()]


def read_nbia_metadata(path: str | Path) -> pd.DataFrame:
    """Read the ``metadata.csv`` that the NBIA Data Retriever writes beside a download.

    Returns
    -------
    pandas.DataFrame
        One row per series with snake_case columns (``series_uid``, ``collection``,
        ``patient_id``, ``study_uid``, ``modality``, ``n_images``, ``file_location``, ...),
        ``study_date`` parsed from MM-DD-YYYY and ``file_size_bytes`` from texts such as
        ``3.91 MB`` (decimal units, as the Data Retriever prints them).
    """
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"Series UID", "Subject ID"} - set(table.columns)
    if missing:
        raise TableError(
            f"{path} is not an NBIA Data Retriever metadata.csv: column(s) {sorted(missing)} "
            "missing"
        )
    table = table.rename(columns=_METADATA_COLUMNS)
    table = table.replace({"": pd.NA, "null": pd.NA})
    if "n_images" in table:
        table["n_images"] = pd.to_numeric(table["n_images"], errors="coerce").astype("Int64")
    if "study_date" in table:
        table["study_date"] = pd.to_datetime(
            table["study_date"], format="%m-%d-%Y", errors="coerce"
        )
    if "file_size" in table:
        table["file_size_bytes"] = table["file_size"].map(_parse_size)
    duplicated = table["series_uid"].duplicated()
    if duplicated.any():
        logger.warning("%s: dropped %d repeated series rows", path, int(duplicated.sum()))
        table = table[~duplicated]
    return table.reset_index(drop=True)


class TciaClient:
    """Query TCIA metadata and download series through the NBIA v4 API.

    Parameters
    ----------
    base_url : str
        API root, default the public NBIA v4 services.
    timeout, retries, backoff
        See :class:`radiogenomics.io.http.HttpClient`.
    """

    def __init__(
        self,
        base_url: str = TCIA_BASE_URL,
        *,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 1.0,
    ) -> None:
        self._options = {"timeout": timeout, "retries": retries, "backoff": backoff}
        self.base_url = base_url
        self._local = threading.local()
        # Building the first client checks the options now, before any series is attempted.
        self._local.client = HttpClient(self.base_url, **self._options)

    @property
    def http(self) -> HttpClient:
        """The HTTP client of the calling thread (a requests session is not shared)."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = HttpClient(self.base_url, **self._options)
            self._local.client = client
        return client

    def _query(self, endpoint: str, **params) -> pd.DataFrame:
        options = {key: value for key, value in params.items() if value}
        records = self.http.get_json(endpoint, options)
        if records in (None, ""):
            records = []
        if not isinstance(records, list):
            raise ArchiveError(f"TCIA {endpoint} returned {type(records).__name__}, not a list")
        return pd.DataFrame(records)

    def collections(self) -> pd.DataFrame:
        """Return the public collections (column ``Collection``)."""
        return self._query("getCollectionValues")

    def patients(self, collection: str) -> pd.DataFrame:
        """Return the patients of a collection (``PatientId``, ``PatientSex``, ...)."""
        return self._query("getPatient", Collection=collection)

    def studies(self, collection: str, patient_id: str | None = None) -> pd.DataFrame:
        """Return the studies of a collection, or of one patient in it."""
        return self._query("getPatientStudy", Collection=collection, PatientID=patient_id)

    def series(
        self,
        collection: str | None = None,
        patient_id: str | None = None,
        study_uid: str | None = None,
        series_uid: str | None = None,
        modality: str | None = None,
    ) -> pd.DataFrame:
        """Return series metadata (``SeriesInstanceUID``, ``Modality``, ``ImageCount``, ...)."""
        return self._query(
            "getSeries",
            Collection=collection,
            PatientID=patient_id,
            StudyInstanceUID=study_uid,
            SeriesInstanceUID=series_uid,
            Modality=modality,
        )

    def image_count(self, series_uid: str) -> int:
        """Return the number of instances TCIA lists for a series.

        Raises
        ------
        ArchiveError
            TCIA lists no such series, or its ``ImageCount`` is not a whole number.
        """
        table = self.series(series_uid=series_uid)
        if table.empty or "ImageCount" not in table:
            raise ArchiveError(
                f"TCIA lists no series {series_uid}; check the UID or the collection's access"
            )
        value = table["ImageCount"].iloc[0]
        text = str(value).strip()
        if not text.isdigit():
            raise ArchiveError(
                f"TCIA getSeries returned ImageCount {value!r} for series {series_uid}, not a "
                "whole number; the server sent an invalid response, check --base-url or retry "
                "later"
            )
        return int(text)

    def download_series(
        self,
        series_uids: Iterable[str],
        out_dir: str | Path,
        *,
        expected_images: dict[str, int] | None = None,
        raise_on_error: bool = True,
        workers: int = 1,
    ) -> pd.DataFrame:
        """Download series into ``out_dir/<SeriesInstanceUID>/``, resuming earlier runs.

        Parameters
        ----------
        series_uids : iterable of str
            Series to fetch (e.g. ``read_manifest(path).series_uids``).
        out_dir : str or Path
            Destination folder.
        expected_images : dict of str to int, optional
            Instance counts by series (e.g. from a ``metadata.csv``); other series are
            looked up with ``getSeries``.
        raise_on_error : bool, default True
            Raise :class:`DownloadError` after all series were tried if any failed; with
            False, failures are only listed in the report.
        workers : int, default 1
            Series downloaded at the same time, each in its own thread and HTTP session.

        Returns
        -------
        pandas.DataFrame
            One row per series: ``series_uid``, ``status`` (``downloaded``, ``skipped`` for a
            series already complete, ``failed``, also for a series that TCIA lists with 0
            images), ``n_images``, ``expected_images``, ``path`` and ``error``.
        """
        from tqdm.auto import tqdm

        if workers < 1:
            raise ArchiveError(f"workers must be at least 1 (--workers), got {workers!r}")
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        expected_images = dict(expected_images or {})
        uids = list(dict.fromkeys(series_uids))

        def fetch(uid: str) -> dict:
            try:
                return self._download_one(uid, out_dir, expected_images.get(uid))
            except (ArchiveError, OSError, zipfile.BadZipFile) as error:
                logger.error("Series %s failed: %s", uid, error)
                return {
                    "series_uid": uid,
                    "status": "failed",
                    "n_images": 0,
                    "expected_images": expected_images.get(uid),
                    "path": None,
                    "error": str(error),
                }

        progress = tqdm(total=len(uids), desc="TCIA series", unit="series")
        rows_by_uid = {}
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for row in pool.map(fetch, uids):
                rows_by_uid[row["series_uid"]] = row
                progress.update()
        progress.close()
        report = pd.DataFrame([rows_by_uid[uid] for uid in uids], columns=REPORT_COLUMNS)
        counts = report["status"].value_counts().to_dict()
        logger.info("TCIA download: %s", counts)

        failed = report[report["status"] == "failed"]
        if raise_on_error and not failed.empty:
            listing = "; ".join(f"{r.series_uid}: {r.error}" for r in failed.itertuples())
            raise DownloadError(
                f"{len(failed)} of {len(report)} series failed (rerun to resume): {listing}"
            )
        return report

    def _download_one(self, uid: str, out_dir: Path, expected: int | None) -> dict:
        if not _UID.match(uid):
            raise ArchiveError(f"{uid!r} is not a Series Instance UID")
        target = out_dir / uid
        if expected is None:
            expected = self.image_count(uid)
        if expected == 0:
            raise ArchiveError(
                f"TCIA lists 0 images for series {uid}, so there is nothing to download; check "
                "the UID, or whether the series is public"
            )

        if target.is_dir():
            present = count_instances(target)
            if present == expected:
                logger.debug("Series %s already complete (%d images)", uid, present)
                return _row(uid, "skipped", present, expected, target)
            logger.warning(
                "Series %s has %d of %d images on disk; fetching it again", uid, present, expected
            )

        # Extraction folders of a run that was killed; the zip's own .partial file is kept
        # because the download resumes from it.
        for stale in out_dir.glob(f".{uid}.*{PARTIAL_SUFFIX}"):
            if stale.is_dir():
                logger.info("Removing %s left by an interrupted run", stale)
                shutil.rmtree(stale, ignore_errors=True)

        archive = out_dir / f".{uid}.zip"
        self.http.download("getImage", archive, params={"SeriesInstanceUID": uid})
        try:
            with atomic_folder(target) as staging:
                _extract_zip(archive, staging)
                found = count_instances(staging)
                if found != expected:
                    raise DownloadError(
                        f"series {uid} arrived with {found} images but TCIA lists {expected}; "
                        "nothing was kept, rerun to fetch it again"
                    )
        finally:
            archive.unlink(missing_ok=True)
        logger.info("Series %s: %d images", uid, expected)
        return _row(uid, "downloaded", expected, expected, target)


def _row(uid, status, n_images, expected, path) -> dict:
    return {
        "series_uid": uid,
        "status": status,
        "n_images": n_images,
        "expected_images": expected,
        "path": str(path),
        "error": None,
    }


def count_instances(folder: str | Path) -> int:
    """Count the instance files of a downloaded series (NBIA's licence and hash files excluded)."""
    return sum(
        1
        for path in Path(folder).rglob("*")
        if path.is_file() and path.name not in _NON_INSTANCE_FILES
    )


def _extract_zip(archive: Path, destination: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as bundle:
            broken = bundle.testzip()
            if broken is not None:
                raise DownloadError(f"{archive.name}: member {broken} fails its CRC check")
            for member in bundle.infolist():
                member_path = PurePosixPath(member.filename)
                if member_path.is_absolute() or ".." in member_path.parts:
                    raise DownloadError(
                        f"{archive.name}: member {member.filename!r} points outside the folder"
                    )
            bundle.extractall(destination)
    except zipfile.BadZipFile as error:
        raise DownloadError(
            f"{archive.name} is not a complete zip archive ({error}); it was deleted, rerun "
            "to fetch it again"
        ) from error

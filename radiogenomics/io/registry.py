"""Dataset registry: manifests, data-directory resolution and checksum verification.

Each dataset is described by a YAML manifest in ``data_manifests/``: its files (paths relative
to the dataset's folder under a data root), their sha256 checksums, where they come from, their
licence and citation. A file is looked up in these data roots, in order:

1. the ``data_dir`` argument (``--data-dir`` on the command line),
2. the ``RADIOGENOMICS_DATA`` environment variable,
3. the user cache (``RADIOGENOMICS_CACHE``, else ``$XDG_CACHE_HOME/radiogenomics``, else
   ``~/.cache/radiogenomics``).

A file found nowhere is downloaded into the cache only when its manifest gives a URL and
``RADIOGENOMICS_OFFLINE`` is not set. Otherwise the lookup stops with an error that names the
file, its checksum and where to put it. A file whose checksum differs is never used.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from radiogenomics.errors import DatasetError

logger = logging.getLogger(__name__)

_CHUNK_BYTES = 1 << 20
_DOWNLOAD_TIMEOUT_S = 60


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset, as its manifest describes it."""

    path: str
    sha256: str
    size: int | None = None
    url: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Dataset:
    """A registered dataset: provenance, licence and the files it consists of."""

    name: str
    title: str
    folder: str
    source: str
    licence: str
    citation: str
    description: str = ""
    files: tuple[DataFile, ...] = field(default_factory=tuple)
    manifest: Path | None = None

    def file(self, relpath: str) -> DataFile:
        """Return the manifest entry of ``relpath``, a path relative to the dataset folder."""
        for entry in self.files:
            if entry.path == relpath:
                return entry
        raise DatasetError(
            f"dataset {self.name!r} has no file {relpath!r}; its manifest "
            f"({self.manifest}) lists {len(self.files)} files, e.g. "
            f"{', '.join(f.path for f in self.files[:5])}"
        )


def manifest_dirs() -> list[Path]:
    """Return the folders searched for dataset manifests.

    A source checkout keeps them in ``data_manifests/`` at the top of the repository; an
    installed wheel carries a copy inside the package.
    """
    package_dir = Path(__file__).resolve().parents[1]
    candidates = [package_dir.parent / "data_manifests", package_dir / "data_manifests"]
    return [path for path in candidates if path.is_dir()]


def load_manifest(path: str | os.PathLike) -> Dataset:
    """Read one dataset manifest (YAML) and check its required fields.

    Parameters
    ----------
    path : path-like
        The manifest file.

    Returns
    -------
    Dataset
    """
    path = Path(path)
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise DatasetError(f"manifest {path} is not valid YAML: {error}") from error
    if not isinstance(content, dict):
        raise DatasetError(f"manifest {path} must be a mapping with name, files, licence, ...")
    required = ("name", "title", "folder", "source", "licence", "citation", "files")
    missing = [key for key in required if key not in content]
    if missing:
        raise DatasetError(f"manifest {path} lacks the field(s) {', '.join(missing)}")

    files = []
    for entry in content["files"]:
        if "path" not in entry or "sha256" not in entry:
            raise DatasetError(f"manifest {path}: every file needs 'path' and 'sha256': {entry}")
        files.append(
            DataFile(
                path=str(entry["path"]),
                sha256=str(entry["sha256"]).lower(),
                size=entry.get("size"),
                url=entry.get("url"),
                description=str(entry.get("description", "")),
            )
        )
    return Dataset(
        name=str(content["name"]),
        title=str(content["title"]),
        folder=str(content["folder"]),
        source=str(content["source"]),
        licence=str(content["licence"]),
        citation=str(content["citation"]).strip(),
        description=str(content.get("description", "")).strip(),
        files=tuple(files),
        manifest=path,
    )


def list_datasets() -> list[Dataset]:
    """Return every registered dataset, sorted by name."""
    datasets: dict[str, Dataset] = {}
    for folder in manifest_dirs():
        for path in sorted(folder.glob("*.yaml")):
            dataset = load_manifest(path)
            datasets.setdefault(dataset.name, dataset)
    return [datasets[name] for name in sorted(datasets)]


def get_dataset(name: str) -> Dataset:
    """Return the registered dataset called ``name``."""
    datasets = {dataset.name: dataset for dataset in list_datasets()}
    if name not in datasets:
        raise DatasetError(
            f"unknown dataset {name!r}; registered datasets: {', '.join(sorted(datasets))}. "
            "Add a manifest to data_manifests/ to register a new one."
        )
    return datasets[name]


def cache_dir() -> Path:
    """Return the user cache folder where downloaded datasets are kept."""
    configured = os.environ.get("RADIOGENOMICS_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "radiogenomics"


def data_roots(data_dir: str | os.PathLike | None = None) -> list[tuple[str, Path]]:
    """Return the data roots in lookup order, each with the setting it comes from."""
    roots = []
    if data_dir is not None:
        roots.append(("data_dir argument", Path(data_dir)))
    if os.environ.get("RADIOGENOMICS_DATA"):
        roots.append(("RADIOGENOMICS_DATA", Path(os.environ["RADIOGENOMICS_DATA"])))
    roots.append(("user cache", cache_dir()))
    return roots


def sha256_file(path: str | os.PathLike) -> str:
    """Return the hexadecimal sha256 digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_checksum(dataset: Dataset, entry: DataFile, path: Path) -> None:
    actual = sha256_file(path)
    if actual != entry.sha256:
        raise DatasetError(
            f"checksum mismatch for {path} (dataset {dataset.name!r}): expected sha256 "
            f"{entry.sha256}, found {actual}. The file is corrupt or a different version; "
            f"replace it with the file from {entry.url or dataset.source}."
        )


def resolve_file(
    dataset: str | Dataset,
    relpath: str,
    data_dir: str | os.PathLike | None = None,
    verify: bool = True,
) -> Path:
    """Find a dataset file in the data roots, verify its checksum and return its path.

    Parameters
    ----------
    dataset : str or Dataset
        A registered dataset name, or a dataset object.
    relpath : str
        The file's path relative to the dataset folder, as written in the manifest.
    data_dir : path-like, optional
        A data root searched before ``RADIOGENOMICS_DATA`` and the user cache.
    verify : bool, default True
        Compare the file's sha256 with the manifest.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DatasetError
        If the file is in no data root and cannot be downloaded, or its checksum differs.
    """
    if not isinstance(dataset, Dataset):
        dataset = get_dataset(dataset)
    entry = dataset.file(relpath)
    roots = data_roots(data_dir)
    for _origin, root in roots:
        candidate = root / dataset.folder / entry.path
        if candidate.is_file():
            if verify:
                _check_checksum(dataset, entry, candidate)
            return candidate

    destination = cache_dir() / dataset.folder / entry.path
    if entry.url and not os.environ.get("RADIOGENOMICS_OFFLINE"):
        _download(dataset, entry, destination)
        return destination

    searched = "; ".join(
        f"{origin}: {root / dataset.folder / entry.path}" for origin, root in roots
    )
    raise DatasetError(
        f"missing file {entry.path!r} of dataset {dataset.name!r} (sha256 {entry.sha256}). "
        f"Searched {searched}. Get it from {entry.url or dataset.source} and put it at "
        f"<data root>/{dataset.folder}/{entry.path}, with the data root given by --data-dir "
        "or the RADIOGENOMICS_DATA environment variable."
    )


def _download(dataset: Dataset, entry: DataFile, destination: Path) -> None:
    """Stream ``entry.url`` to a temporary file, verify it, then rename it to ``destination``."""
    import requests

    destination.parent.mkdir(parents=True, exist_ok=True)
    logger.info("downloading %s to %s", entry.url, destination)
    handle, temporary = tempfile.mkstemp(dir=destination.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, requests.get(
            entry.url, stream=True, timeout=_DOWNLOAD_TIMEOUT_S
        ) as response:
            response.raise_for_status()
            for chunk in response.iter_content(_CHUNK_BYTES):
                out.write(chunk)
        _check_checksum(dataset, entry, Path(temporary))
        os.replace(temporary, destination)
    except DatasetError:
        Path(temporary).unlink(missing_ok=True)
        raise
    except (OSError, requests.RequestException) as error:
        Path(temporary).unlink(missing_ok=True)
        raise DatasetError(f"download of {entry.url} failed: {error}") from error


def verify_dataset(name: str, data_dir: str | os.PathLike | None = None):
    """Check every file of a dataset and return one row per file.

    Returns
    -------
    pandas.DataFrame
        Columns ``dataset, file, status, path, expected_sha256, message``; ``status`` is
        ``ok``, ``missing`` or ``corrupt``.
    """
    import pandas as pd

    dataset = get_dataset(name)
    rows = []
    for entry in dataset.files:
        row = {"dataset": name, "file": entry.path, "expected_sha256": entry.sha256}
        try:
            row["path"] = str(resolve_file(dataset, entry.path, data_dir=data_dir))
            row["status"], row["message"] = "ok", ""
        except DatasetError as error:
            row["path"] = ""
            row["status"] = "corrupt" if "checksum mismatch" in str(error) else "missing"
            row["message"] = str(error)
        rows.append(row)
    columns = ["dataset", "file", "status", "path", "expected_sha256", "message"]
    return pd.DataFrame(rows, columns=columns)


def describe_folder(folder: str | os.PathLike) -> list[dict]:
    """Return manifest ``files`` entries (path, sha256, size) for every file under ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder} is not a folder")
    entries = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        entries.append(
            {
                "path": path.relative_to(folder).as_posix(),
                "sha256": sha256_file(path),
                "size": path.stat().st_size,
            }
        )
    return entries

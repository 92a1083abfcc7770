"""Results folders that appear whole or not at all."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)


# A folder holding this file, directly or in a subfolder, was written by a run, so
# --overwrite may replace it.
RESULTS_MARKER = "provenance.json"


def _check_replaceable(destination: Path, overwrite: bool, protected) -> None:
    if not destination.exists():
        return
    if not destination.is_dir():
        raise FileExistsError(
            f"--out {destination} is an existing file, not a folder; choose a folder path "
            "for the results (--overwrite replaces only an earlier results folder)"
        )
    if not overwrite:
        raise FileExistsError(
            f"results folder {destination} already exists; choose another --out or pass "
            "--overwrite to replace it"
        )
    markers = [destination / RESULTS_MARKER, *destination.glob(f"*/{RESULTS_MARKER}")]
    if not destination.is_dir() or not any(marker.is_file() for marker in markers):
        raise FileExistsError(
            f"--overwrite replaces only an earlier results folder (one with "
            f"{RESULTS_MARKER}), and {destination} is not one; choose another --out"
        )
    for path in protected:
        path = Path(path).resolve()
        if path == destination or destination in path.parents:
            raise FileExistsError(
                f"--out {destination} contains the input {path}; choose a results folder "
                "that holds no input"
            )


@contextlib.contextmanager
def atomic_directory(destination: str | os.PathLike, overwrite: bool = False, protected=()):
    """Yield a temporary folder that is renamed to ``destination`` when the block succeeds.

    The temporary folder sits beside ``destination`` (same file system, so the rename is
    atomic). If the block raises, or the process receives SIGTERM through the command line,
    the temporary folder is deleted and ``destination`` is left as it was. With
    ``overwrite``, an existing ``destination`` is replaced only after the new results are
    complete, and only if it is an earlier results folder (it has ``provenance.json``).
    The folder gets the permissions the umask allows, like one made by ``mkdir``.

    Parameters
    ----------
    protected : iterable of path-like
        Input files that must not lie inside ``destination``.

    Raises
    ------
    FileExistsError
        If ``destination`` is an existing file, or it exists and ``overwrite`` is false, or
        it is not a results folder, or it contains a protected input.
    """
    destination = Path(destination).resolve()
    _check_replaceable(destination, overwrite, protected)
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o777 & ~umask)
    try:
        yield temporary
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    if destination.exists():
        backup = Path(tempfile.mkdtemp(prefix=f".{destination.name}.old.", dir=destination.parent))
        backup.rmdir()
        os.replace(destination, backup)
        os.replace(temporary, destination)
        shutil.rmtree(backup, ignore_errors=True)
    else:
        os.replace(temporary, destination)
    logger.debug("moved %s to %s", temporary, destination)


def write_csv(table, path: Path, index: bool = False) -> Path:
    """Write a table as UTF-8 CSV with ``\\n`` line endings, floats at full precision."""
    table.to_csv(path, index=index, lineterminator="\n")
    return path


def write_tables(table, folder: Path, stem: str, index: bool = False) -> list[Path]:
    """Write a table as ``stem.csv`` and ``stem.parquet``."""
    csv = write_csv(table, folder / f"{stem}.csv", index=index)
    parquet = folder / f"{stem}.parquet"
    frame = table.copy()
    for column in frame.columns:
        if frame[column].dtype == object or isinstance(frame[column].dtype, __import__(
                "pandas").CategoricalDtype):
            frame[column] = frame[column].astype("string")
    frame.to_parquet(parquet, index=index)
    return [csv, parquet]

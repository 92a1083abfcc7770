"""Write files and folders under a temporary name and rename them into place on success.

A reader therefore sees either the complete result or nothing: an interrupted run leaves only a
``.partial`` entry, which the next run removes or resumes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

PARTIAL_SUFFIX = ".partial"


@contextlib.contextmanager
def atomic_file(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` and rename it to ``target`` on success.

    The temporary file is removed when the block raises. The rename is atomic on POSIX file
    systems because both paths are in the same folder.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=PARTIAL_SUFFIX
    )
    os.close(handle)
    temporary = Path(name)
    # mkstemp creates the file readable by the owner only; apply the usual umask instead.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    try:
        yield temporary
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_folder(target: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target`` and rename it to ``target`` on success.

    An existing ``target`` is replaced only after the new folder is complete: it is renamed
    aside, the new folder takes its name, and only then is the old one deleted. The temporary
    folder is removed when the block raises. The caller decides whether ``target`` may be
    replaced at all.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(
        tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=PARTIAL_SUFFIX)
    )
    # mkdtemp creates the folder for the owner only; apply the usual umask instead.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o777 & ~umask)
    try:
        yield temporary
        _swap_in(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _swap_in(temporary: Path, target: Path) -> None:
    if not target.exists():
        os.replace(temporary, target)
        return
    old = Path(
        tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old.", suffix=PARTIAL_SUFFIX)
    )
    aside = old / target.name
    os.replace(target, aside)
    try:
        os.replace(temporary, target)
    except BaseException:
        os.replace(aside, target)
        shutil.rmtree(old, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)

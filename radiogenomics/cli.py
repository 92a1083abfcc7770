"""Command-line entry point ``radiogenomics``.

Each command group lives next to the code it drives and exposes ``register(subparsers)``,
which adds its sub-commands. The modules import only :mod:`argparse` at load time, so
``radiogenomics --help`` stays fast; heavy imports happen inside the handlers.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import signal
import sys

from radiogenomics import __version__
from radiogenomics.errors import RadiogenomicsError

# Modules that add sub-commands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "radiogenomics.workflow.cli_run",
    "radiogenomics.workflow.cli_demo",
    "radiogenomics.io.cli_datasets",
    "radiogenomics.io.cli_fetch",
    "radiogenomics.features.cli_features",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every registered command."""
    parser = argparse.ArgumentParser(
        prog="radiogenomics",
        description="Radiogenomics workbench: load cohorts, compute phenotypes, "
        "test associations, predict subtypes and draw publication figures.",
    )
    parser.add_argument("--version", action="version", version=f"radiogenomics {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more detail (-vv for debug)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * (1 + args.verbose)
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    # SIGTERM (sent by `timeout` and batch schedulers) becomes an exception, so the
    # temporary results folder of an interrupted run is removed like after any error.
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    name = " ".join(
        part for part in (args.command, getattr(args, f"{args.command}_command", None)) if part
    )
    try:
        return int(args.handler(args) or 0)
    except (RadiogenomicsError, FileNotFoundError, FileExistsError) as error:
        # Input errors carry a message meant for the user; a traceback would hide it.
        print(f"radiogenomics {name}: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        if not isinstance(error, PermissionError) and error.errno not in _STORAGE_ADVICE:
            raise
        advice = _STORAGE_ADVICE.get(error.errno, "check its permissions or choose another")
        print(f"radiogenomics {name}: error: cannot {_describe_target(error.filename)}: "
              f"{error.strerror}; {advice} (for an output, with --out)", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Terminated) as interruption:
        resume_note = (
            " (finished cases are kept for the next run)" if name == "features extract" else ""
        )
        cause = "terminated" if isinstance(interruption, Terminated) else "interrupted"
        print(f"radiogenomics {name}: {cause}; unfinished output was removed{resume_note}",
              file=sys.stderr)
        return interruption.code if isinstance(interruption, Terminated) else 130


# Advice for the storage errors a user fixes by choosing another place.
_STORAGE_ADVICE = {
    errno.EROFS: "the file system is read-only, so choose another folder",
    errno.ENOSPC: "the disk is full, so free space or choose another folder",
    errno.EDQUOT: "the disk quota is exceeded, so free space or choose another folder",
}


def _describe_target(filename) -> str:
    """Return what the command failed to do, naming the output folder rather than a hidden
    temporary file inside it."""
    from pathlib import Path

    if not filename:
        return "write the output"
    path = Path(filename)
    if path.name.startswith(".") and path.suffix in (".partial", ".tmp", ".part"):
        return f"write in {path.parent}"
    return f"access {path}"


class Terminated(SystemExit):
    """Raised on SIGTERM; its exit code is 128 + the signal number, as shells report."""


def _raise_on_sigterm(signum, frame):
    raise Terminated(128 + signum)


if __name__ == "__main__":
    sys.exit(main())

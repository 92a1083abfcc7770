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
    try:
        return int(args.handler(args) or 0)
    except (RadiogenomicsError, FileNotFoundError, FileExistsError) as error:
        # Input errors carry a message meant for the user; a traceback would hide it.
        print(f"radiogenomics {args.command}: error: {error}", file=sys.stderr)
        return 1
    except PermissionError as error:
        print(f"radiogenomics {args.command}: error: cannot write or read "
              f"{error.filename or 'a file'}: {error.strerror}; choose a location you can "
              "write to, for example with --out", file=sys.stderr)
        return 1
    except OSError as error:
        if error.errno not in _USER_FIXABLE_ERRNOS:
            raise
        print(f"radiogenomics {args.command}: error: {error.filename or 'a file'}: "
              f"{error.strerror}; free space or choose another location, for example with "
              "--out", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"radiogenomics {args.command}: interrupted; unfinished output was removed "
              "('features extract' keeps finished cases for the next run)", file=sys.stderr)
        return 130


# Storage errors the user fixes by choosing another place: read-only file system, disk
# full, quota exceeded.
_USER_FIXABLE_ERRNOS = {errno.EROFS, errno.ENOSPC, errno.EDQUOT}


def _raise_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())

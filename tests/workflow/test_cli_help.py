"""Every command of the command line prints its --help."""

import subprocess
import sys

import pytest

from radiogenomics.cli import build_parser


def _commands(parser, prefix=()):
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                yield (*prefix, name)
                yield from _commands(sub, (*prefix, name))


COMMANDS = sorted(set(_commands(build_parser())))


def test_main_commands_exist():
    top = {command[0] for command in COMMANDS}
    assert {"run", "datasets"} <= top
    assert ("datasets", "verify") in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help(command):
    result = subprocess.run(
        [sys.executable, "-m", "radiogenomics.cli", *command, "--help"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: radiogenomics" in result.stdout

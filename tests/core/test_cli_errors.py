"""Storage errors and interruptions end a command with a message, not a traceback."""

import errno

import pytest

from radiogenomics import cli


def run_with_failing_handler(monkeypatch, error):
    """Run ``features catalogue`` with its handler replaced by one that raises ``error``."""
    def handler(args):
        raise error

    parser = cli.build_parser()
    original = parser.parse_args

    def parse_args(argv=None):
        args = original(argv)
        args.handler = handler
        return args

    monkeypatch.setattr(parser, "parse_args", parse_args)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    return cli.main(["features", "catalogue"])


def test_read_only_folder_gives_message(monkeypatch, capsys):
    error = OSError(errno.EROFS, "Read-only file system", "/results/.table.csv.x1.partial")
    assert run_with_failing_handler(monkeypatch, error) == 1
    message = capsys.readouterr().err
    assert "cannot write in /results: Read-only file system" in message
    assert ".partial" not in message
    assert "--out" in message


def test_permission_error_names_file(monkeypatch, capsys):
    error = PermissionError(errno.EACCES, "Permission denied", "/locked/table.csv")
    assert run_with_failing_handler(monkeypatch, error) == 1
    assert "cannot access /locked/table.csv: Permission denied" in capsys.readouterr().err


def test_interrupt_exits_130(monkeypatch, capsys):
    assert run_with_failing_handler(monkeypatch, KeyboardInterrupt()) == 130
    message = capsys.readouterr().err
    assert "radiogenomics features catalogue: interrupted" in message
    assert "features extract" not in message


def test_sigterm_exits_143_with_message(monkeypatch, capsys):
    assert run_with_failing_handler(monkeypatch, cli.Terminated(143)) == 143
    assert "radiogenomics features catalogue: terminated" in capsys.readouterr().err


def test_other_os_errors_keep_traceback(monkeypatch):
    with pytest.raises(OSError, match="Bad file descriptor"):
        run_with_failing_handler(monkeypatch, OSError(errno.EBADF, "Bad file descriptor"))

"""Fixtures of the loader tests; the local archive server lives in ``archive_server.py``."""

from archive_server import archive_server  # noqa: F401 - a fixture, found by pytest by name

"""HTTP layer: connection failures and deadlines against servers on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest
import requests
import urllib3

from radiogenomics.io.exceptions import ArchiveError
from radiogenomics.io.http import HttpClient, _connection_failure

pytestmark = pytest.mark.network


def closed_port() -> int:
    """Return a port on 127.0.0.1 that no server listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refused_connection_not_timeout():
    url = f"http://127.0.0.1:{closed_port()}"
    client = HttpClient(url, timeout=2, retries=1, backoff=0.01)

    with pytest.raises(ArchiveError) as raised:
        client.get_json("getSeries")

    message = str(raised.value)
    assert "connection failed (refused or host not found)" in message
    assert f"{url}/getSeries" in message
    assert "check the URL" in message
    assert "timed out" not in message


def test_name_resolution_failure_classified():
    # Built by hand so that the test sends no DNS query.
    connection = urllib3.connection.HTTPConnection("archive.invalid", 80)
    reason = urllib3.exceptions.NameResolutionError(
        "archive.invalid", connection, socket.gaierror(-2, "Name or service not known")
    )
    error = requests.ConnectionError(
        urllib3.exceptions.MaxRetryError(None, "http://archive.invalid/", reason)
    )

    assert "Failed to resolve 'archive.invalid'" in _connection_failure(error)

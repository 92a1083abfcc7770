"""HTTP layer: connection failures and deadlines against servers on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest
import requests
import urllib3
from archive_server import Reply

from radiogenomics.cli import main
from radiogenomics.io.exceptions import ArchiveError, DownloadError
from radiogenomics.io.http import MIN_DOWNLOAD_RATE, HttpClient, _connection_failure

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


def test_trickling_json_stopped(archive_server):
    # 200 bytes at one byte per 0.05 s take 10 s; each read returns well within the timeout.
    archive_server.route("GET", "/studies", Reply(200, b" " * 199 + b"1", trickle=0.05))
    client = HttpClient(archive_server.url, timeout=0.5, retries=1, backoff=0.01)

    with pytest.raises(ArchiveError) as raised:
        client.get_json("studies")

    message = str(raised.value)
    assert "did not arrive within 0.5 s" in message
    assert "failed after 2 attempt(s)" in message
    assert "--timeout" in message
    assert archive_server.count("GET", "/studies") == 2


def test_trickling_download_stopped(archive_server, tmp_path):
    body = bytes(range(256)) * 4
    archive_server.route("GET", "/data/file", Reply(200, body, trickle=0.05))
    client = HttpClient(archive_server.url, timeout=0.5, retries=1, backoff=0.01)
    target = tmp_path / "file.bin"

    with pytest.raises(DownloadError) as raised:
        client.download("data/file", target)

    assert f"less than {MIN_DOWNLOAD_RATE} bytes/s" in str(raised.value)
    assert "failed after 2 attempt(s)" in str(raised.value)
    assert not target.exists()
    assert archive_server.count("GET", "/data/file") == 2


def test_fast_json_within_timeout(archive_server):
    archive_server.route("GET", "/studies", Reply.json([{"studyId": "brca"}]))
    client = HttpClient(archive_server.url, timeout=0.5, retries=0)

    assert client.get_json("studies") == [{"studyId": "brca"}]


def test_fetch_cbioportal_trickle_fails(archive_server, tmp_path, capsys):
    archive_server.route(
        "GET", "/studies/brca/clinical-attributes", Reply(200, b" " * 200, trickle=0.05)
    )
    out = tmp_path / "clinical.csv"

    code = main(
        [
            "fetch",
            "cbioportal",
            "clinical",
            "--study",
            "brca",
            "--out",
            str(out),
            "--base-url",
            archive_server.url,
            "--timeout",
            "0.5",
            "--retries",
            "0",
        ]
    )

    assert code == 1
    assert "did not arrive within 0.5 s" in capsys.readouterr().err
    assert not out.exists()


def test_fetch_help_explains_timeout(capsys):
    with pytest.raises(SystemExit):
        main(["fetch", "tcia", "--help"])

    help_text = " ".join(capsys.readouterr().out.split())
    assert "whole JSON response" in help_text
    assert f"below {MIN_DOWNLOAD_RATE} bytes/s" in help_text


@pytest.mark.parametrize("base_url", ["notaurl", "ftp://127.0.0.1/api", "http://"])
def test_invalid_base_url_rejected(base_url):
    with pytest.raises(ArchiveError, match="--base-url"):
        HttpClient(base_url)


def test_fetch_gdc_invalid_base_url(tmp_path, capsys):
    out = tmp_path / "clinical.csv"

    code = main(
        ["fetch", "gdc", "clinical", "--project", "TCGA-BRCA", "--out", str(out)]
        + ["--base-url", "notaurl"]
    )

    assert code == 1
    assert "API root URL 'notaurl' is invalid" in capsys.readouterr().err
    assert not out.exists()

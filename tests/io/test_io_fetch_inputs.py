"""Error messages of the archive clients and the checks of `fetch` options before any request."""

from __future__ import annotations

import hashlib
from http.server import BaseHTTPRequestHandler

import pytest
from archive_server import Reply
from test_io_gdc import paged_search, star_file

from radiogenomics.cli import main
from radiogenomics.io.exceptions import ArchiveError, DownloadError
from radiogenomics.io.gdc import GdcClient
from radiogenomics.io.http import HttpClient

pytestmark = pytest.mark.network

FAST = {"timeout": 1.0, "retries": 0, "backoff": 0.01}

# The error page of Python's http.server, several lines of HTML.
HTML_404 = (
    BaseHTTPRequestHandler.error_message_format
    % {"code": 404, "message": "File not found", "explain": "Nothing matches the given URI"}
).encode()


def html_reply(status: int = 404) -> Reply:
    return Reply(status, HTML_404, {"Content-Type": "text/html;charset=utf-8"})


def test_html_error_page_is_shortened(archive_server):
    archive_server.route("GET", "/studies", html_reply())
    client = HttpClient(archive_server.url, **FAST)

    with pytest.raises(ArchiveError) as error:
        client.get_json("studies")

    assert str(error.value) == (
        f"GET {archive_server.url}/studies failed with HTTP 404 Not Found: Error response "
        "Error response Error code: 404 Message: File not found. Error code explanation: "
        "404 - Nothing matches the given URI."
    )
    assert "\n" not in str(error.value)


def test_long_text_error_is_cut(archive_server):
    body = ("word  \n\t" * 100).encode()
    archive_server.route("GET", "/studies", Reply(400, body, {"Content-Type": "text/plain"}))
    client = HttpClient(archive_server.url, **FAST)

    with pytest.raises(ArchiveError) as error:
        client.get_json("studies")

    detail = str(error.value).split("HTTP 400 Bad Request: ", 1)[1]
    assert detail == " ".join(["word"] * 40) + " ..."


def test_json_error_body_is_kept(archive_server):
    archive_server.route("GET", "/studies", Reply.json({"message": "Study not found"}, 404))
    client = HttpClient(archive_server.url, **FAST)

    with pytest.raises(ArchiveError) as error:
        client.get_json("studies")

    assert str(error.value).endswith('HTTP 404 Not Found: {"message": "Study not found"}')


def test_binary_error_body_is_left_out(archive_server):
    body = b"\x89PNG\r\n\x1a\n\x00\x00"
    archive_server.route("GET", "/studies", Reply(503, body, {"Content-Type": "image/png"}))
    client = HttpClient(archive_server.url, **FAST)

    with pytest.raises(ArchiveError) as error:
        client.get_json("studies")

    assert str(error.value) == (
        f"GET {archive_server.url}/studies failed with HTTP 503 Service Unavailable"
    )


def test_download_error_page_is_shortened(archive_server, tmp_path):
    archive_server.route("GET", "/data/f", html_reply())
    client = HttpClient(archive_server.url, **FAST)

    with pytest.raises(DownloadError) as error:
        client.download("data/f", tmp_path / "f.bin")

    message = str(error.value)
    assert "HTTP 404 Not Found: Error response Error response Error code: 404" in message
    assert "<" not in message
    assert "\n" not in message


def file_hit(file_id="f1", file_name="f1.tsv", sample="TCGA-A1-A0SB-01A"):
    body = star_file([1, 2, 3])
    hit = {
        "file_id": file_id,
        "file_name": file_name,
        "file_size": len(body),
        "md5sum": hashlib.md5(body).hexdigest(),
        "cases": [{"submitter_id": "TCGA-A1-A0SB", "samples": [{"submitter_id": sample}]}],
    }
    return {key: value for key, value in hit.items() if value is not None}


def test_file_hit_without_id_is_named(archive_server):
    hit = {"case_id": "c1", "submitter_id": "TCGA-AA-0001"}
    archive_server.route("POST", "/files", paged_search([file_hit(), hit]))
    client = GdcClient(archive_server.url, **FAST)

    with pytest.raises(ArchiveError) as error:
        client.star_count_files("TCGA-BRCA")

    assert str(error.value) == (
        f"GDC POST {archive_server.url}/files: hit 2 of 2 lacks the field 'file_id', so the "
        "file cannot be downloaded or placed in the matrix (hit: {'case_id': 'c1', "
        "'submitter_id': 'TCGA-AA-0001'}). Check that the API root URL points to the GDC "
        "API, or run the query again later"
    )


@pytest.mark.parametrize(
    ("hit", "field"),
    [
        (file_hit(file_name=None), "file_name"),
        (file_hit(sample=None), "cases.samples.submitter_id"),
        (file_hit(file_id=""), "file_id"),
    ],
)
def test_file_hit_missing_fields(archive_server, hit, field):
    archive_server.route("POST", "/files", paged_search([hit]))
    client = GdcClient(archive_server.url, **FAST)

    with pytest.raises(ArchiveError, match=f"hit 1 of 1 lacks the field '{field}'"):
        client.star_count_files("TCGA-BRCA")


def test_file_id_with_separator_rejected(archive_server, tmp_path):
    archive_server.route("POST", "/files", paged_search([file_hit(file_id="../../x")]))
    client = GdcClient(archive_server.url, **FAST)

    with pytest.raises(ArchiveError) as error:
        client.star_counts("TCGA-BRCA", cache_dir=tmp_path / "cache")

    assert str(error.value) == (
        f"GDC POST {archive_server.url}/files: hit 1 of 1 has the invalid file_id "
        "'../../x'; a file id or name must not contain a path separator"
    )
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("limit", [0, -3, 2.5, True])
def test_star_counts_invalid_limit(archive_server, limit):
    client = GdcClient(archive_server.url, **FAST)

    with pytest.raises(ArchiveError) as error:
        client.star_counts("TCGA-BRCA", limit=limit)

    assert str(error.value) == (f"limit must be a positive whole number of files, got {limit!r}")
    assert archive_server.log == []


def fetch(*arguments):
    return main(["fetch", *arguments, "--timeout", "0.5", "--retries", "0"])


def test_fetch_star_counts_missing_id(archive_server, tmp_path, capsys):
    hit = {"case_id": "c1", "submitter_id": "TCGA-AA-0001"}
    archive_server.route("POST", "/files", paged_search([hit]))
    out = tmp_path / "counts.csv"

    code = fetch(
        "gdc",
        "star-counts",
        "--project",
        "TCGA-BRCA",
        "--out",
        str(out),
        "--base-url",
        archive_server.url,
        "--cache",
        str(tmp_path / "cache"),
    )

    assert code == 1
    assert "hit 1 of 1 lacks the field 'file_id'" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-3", "must be 1 or more, got -3"),
        ("0", "must be 1 or more, got 0"),
        ("many", "'many' is not a whole number"),
    ],
)
def test_fetch_gdc_invalid_limit(archive_server, tmp_path, capsys, value, message):
    with pytest.raises(SystemExit) as exit_info:
        fetch(
            "gdc",
            "star-counts",
            "--project",
            "TCGA-BRCA",
            "--limit",
            value,
            "--out",
            str(tmp_path / "counts.csv"),
            "--base-url",
            archive_server.url,
        )

    assert exit_info.value.code == 2
    assert f"argument --limit: {message}" in capsys.readouterr().err
    assert archive_server.log == []


def test_fetch_tcia_zero_workers(tmp_path, capsys):
    with pytest.raises(SystemExit):
        fetch("tcia", "--series-uid", "1.2.3", "--out", str(tmp_path), "--workers", "0")
    assert "argument --workers: must be 1 or more, got 0" in capsys.readouterr().err


@pytest.mark.parametrize(
    "arguments",
    [
        ["cbioportal", "clinical", "--study", "s1"],
        ["gdc", "clinical", "--project", "TCGA-BRCA"],
        ["gdc", "star-counts", "--project", "TCGA-BRCA"],
    ],
)
def test_fetch_keeps_existing_out(archive_server, tmp_path, capsys, arguments):
    out = tmp_path / "table.csv"
    out.write_text("earlier result\n")

    code = fetch(*arguments, "--out", str(out), "--base-url", archive_server.url)

    assert code == 1
    assert (
        f"--out {out} already exists; choose another path or pass --overwrite to replace it"
    ) in capsys.readouterr().err
    assert out.read_text() == "earlier result\n"
    assert archive_server.log == []


def test_fetch_idc_keeps_existing_series_list(tmp_path, capsys):
    manifest = tmp_path / "selection.yaml"
    series_list = tmp_path / "selection.series.csv"
    series_list.write_text("earlier result\n")

    code = main(["fetch", "idc", "--query", "tcga-brca-mr", "--out", str(manifest)])

    assert code == 1
    assert f"--out {series_list} already exists" in capsys.readouterr().err
    assert not manifest.exists()
    assert series_list.read_text() == "earlier result\n"


def test_fetch_out_folder_rejected(archive_server, tmp_path, capsys):
    code = fetch(
        "gdc",
        "clinical",
        "--project",
        "TCGA-BRCA",
        "--out",
        str(tmp_path),
        "--overwrite",
        "--base-url",
        archive_server.url,
    )

    assert code == 1
    assert f"--out {tmp_path} is a folder; give a file path" in capsys.readouterr().err
    assert archive_server.log == []

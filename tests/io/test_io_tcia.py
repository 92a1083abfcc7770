"""TCIA manifests, NBIA metadata and series downloads against a local NBIA-shaped server."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from archive_server import Reply

from radiogenomics.cli import main
from radiogenomics.errors import TableError
from radiogenomics.io.dicom_series import read_dicom_series
from radiogenomics.io.exceptions import ArchiveError, DownloadError
from radiogenomics.io.tcia import TciaClient, read_manifest, read_nbia_metadata

pytestmark = pytest.mark.network

FAST = {"timeout": 1.0, "retries": 2, "backoff": 0.01}
SERIES = "1.3.6.1.4.1.9590.100.1.2.296658988911737913102339329841519593982"


def test_manifest_lung1_series(data_root):
    manifest = read_manifest(
        data_root / "api_samples" / "tcia" / "NSCLC-Radiomics_manifest_doiJNLP-zohiLwie.tcia"
    )
    assert len(manifest.series_uids) == 740
    assert manifest.settings["manifestVersion"] == "3.0"
    assert manifest.series_uids[0] == (
        "1.3.6.1.4.1.32722.99.99.160690594706942293099241766875636097623"
    )


def test_manifest_radiogenomics_header(data_root):
    manifest = read_manifest(
        data_root / "api_samples" / "tcia" / "NSCLC_Radiogenomics-6-1-21_Version_4.tcia"
    )
    assert manifest.settings["databasketId"] == "manifest-1622561851074.tcia"
    assert manifest.series_uids[0] == "1.3.6.1.4.1.14519.5.2.1.753119940964122259131977848514"
    assert all(uid.count(".") > 5 for uid in manifest.series_uids)


def test_manifest_rejects_bad_uid(tmp_path):
    path = tmp_path / "bad.tcia"
    path.write_text("manifestVersion=3.0\nListOfSeriesToDownload=\n1.2.3\nnot-a-uid\n")
    with pytest.raises(TableError, match="line 4: 'not-a-uid'"):
        read_manifest(path)


def test_manifest_requires_series_list(tmp_path):
    path = tmp_path / "bad.tcia"
    path.write_text("manifestVersion=3.0\n")
    with pytest.raises(TableError, match="ListOfSeriesToDownload"):
        read_manifest(path)


def test_nbia_metadata_modalities(data_root):
    table = read_nbia_metadata(
        data_root / "api_samples" / "tcia" / "NSCLC-Radiogenomics_nbia_data_retriever_metadata.csv"
    )
    assert len(table) == 1351
    counts = table["modality"].value_counts()
    assert counts["CT"] == 727
    assert counts["PT"] == 480
    assert counts["SEG"] == 144
    first = table.iloc[0]
    assert first["patient_id"] == "AMC-001"
    assert first["n_images"] == 1
    assert first["file_size_bytes"] == pytest.approx(3.91e6)
    assert first["study_date"].year == 1994


@pytest.fixture(scope="module")
def series_zip(data_root) -> tuple[bytes, int]:
    """A zip of ten slices of the IBSI CT phantom, laid out like an NBIA getImage response."""
    files = sorted(
        (data_root / "ibsi" / "ibsi_1_ct_radiomics_phantom" / "dicom" / "image").glob("*.dcm")
    )[:10]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for index, path in enumerate(files):
            bundle.write(path, f"1-{index + 1:03d}.dcm")
        bundle.writestr("LICENSE", "CC BY-NC 3.0")
    return buffer.getvalue(), len(files)


def serve_series(server, payload: bytes, count: int, image_reply=None) -> None:
    server.route(
        "GET", "/getSeries", Reply.json([{"SeriesInstanceUID": SERIES, "ImageCount": count}])
    )
    server.route(
        "GET", "/getImage", image_reply or Reply(200, payload, {"Content-Type": "application/zip"})
    )


def test_download_extracts_and_checks(archive_server, series_zip, tmp_path):
    payload, count = series_zip
    serve_series(archive_server, payload, count)
    client = TciaClient(archive_server.url, **FAST)

    report = client.download_series([SERIES], tmp_path)

    assert report["status"].tolist() == ["downloaded"]
    assert report["n_images"].tolist() == [10]
    image = read_dicom_series(tmp_path / SERIES)
    assert image.GetSize() == (204, 201, 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == [SERIES]
    assert archive_server.log[-1].query["SeriesInstanceUID"] == [SERIES]


def test_rerun_skips_complete_series(archive_server, series_zip, tmp_path):
    payload, count = series_zip
    serve_series(archive_server, payload, count)
    client = TciaClient(archive_server.url, **FAST)
    client.download_series([SERIES], tmp_path)

    report = client.download_series([SERIES], tmp_path)

    assert report["status"].tolist() == ["skipped"]
    assert archive_server.count("GET", "/getImage") == 1


def test_rerun_refetches_incomplete_folder(archive_server, series_zip, tmp_path):
    payload, count = series_zip
    serve_series(archive_server, payload, count)
    client = TciaClient(archive_server.url, **FAST)
    client.download_series([SERIES], tmp_path)
    next((tmp_path / SERIES).glob("*.dcm")).unlink()

    report = client.download_series([SERIES], tmp_path)

    assert report["status"].tolist() == ["downloaded"]
    assert len(list((tmp_path / SERIES).glob("*.dcm"))) == 10


def test_truncated_zip_leaves_nothing(archive_server, series_zip, tmp_path):
    payload, count = series_zip
    serve_series(archive_server, payload[: len(payload) // 2], count)
    client = TciaClient(archive_server.url, **FAST)

    report = client.download_series([SERIES], tmp_path, raise_on_error=False)

    assert report["status"].tolist() == ["failed"]
    assert "not a complete zip archive" in report["error"].iloc[0]
    assert list(tmp_path.iterdir()) == []


def test_failure_raised_by_default(archive_server, series_zip, tmp_path):
    payload, count = series_zip
    serve_series(archive_server, payload[:100], count)
    client = TciaClient(archive_server.url, **FAST)
    with pytest.raises(DownloadError, match="1 of 1 series failed"):
        client.download_series([SERIES], tmp_path)


def test_wrong_image_count_leaves_nothing(archive_server, series_zip, tmp_path):
    payload, _ = series_zip
    serve_series(archive_server, payload, 11)
    client = TciaClient(archive_server.url, **FAST)

    report = client.download_series([SERIES], tmp_path, raise_on_error=False)

    assert "arrived with 10 images but TCIA lists 11" in report["error"].iloc[0]
    assert list(tmp_path.iterdir()) == []


def test_cut_connection_resumed(archive_server, series_zip, tmp_path):
    payload, count = series_zip
    calls = []

    def image(request):
        calls.append(request.headers.get("Range"))
        if len(calls) == 1:
            return Reply(200, payload, cut_after=len(payload) // 3)
        start = int(request.headers["Range"].split("=")[1].rstrip("-"))
        content_range = f"bytes {start}-{len(payload) - 1}/{len(payload)}"
        return Reply(206, payload[start:], {"Content-Range": content_range})

    serve_series(archive_server, payload, count, image)
    client = TciaClient(archive_server.url, **FAST)

    report = client.download_series([SERIES], tmp_path)

    assert report["status"].tolist() == ["downloaded"]
    assert calls == [None, f"bytes={len(payload) // 3}-"]


def test_server_error_then_success(archive_server, series_zip, tmp_path):
    payload, count = series_zip
    serve_series(archive_server, payload, count)
    archive_server.sequence("GET", "/getImage", [Reply(500, b"busy"), Reply(200, payload)])
    client = TciaClient(archive_server.url, **FAST)

    report = client.download_series([SERIES], tmp_path)

    assert report["status"].tolist() == ["downloaded"]
    assert archive_server.count("GET", "/getImage") == 2


def test_fetch_command_writes_report(archive_server, series_zip, tmp_path, capsys):
    payload, count = series_zip
    serve_series(archive_server, payload, count)
    manifest = tmp_path / "cohort.tcia"
    manifest.write_text(f"manifestVersion=3.0\nListOfSeriesToDownload=\n{SERIES}\n")
    out = tmp_path / "images"

    code = main(
        [
            "fetch",
            "tcia",
            "--manifest",
            str(manifest),
            "--out",
            str(out),
            "--base-url",
            archive_server.url,
            "--timeout",
            "0.5",
            "--retries",
            "1",
        ]
    )

    assert code == 0
    report = (out / "download_report.csv").read_text()
    assert "downloaded" in report
    assert str(out / "download_report.csv") in capsys.readouterr().out


def test_series_listing_query(archive_server):
    rows = [
        {"SeriesInstanceUID": "1.2.3", "Modality": "CT", "ImageCount": 120},
        {"SeriesInstanceUID": "1.2.4", "Modality": "RTSTRUCT", "ImageCount": 1},
    ]
    archive_server.route("GET", "/getSeries", Reply.json(rows))
    client = TciaClient(archive_server.url, **FAST)

    table = client.series(collection="NSCLC-Radiomics", modality="CT")

    assert table["SeriesInstanceUID"].tolist() == ["1.2.3", "1.2.4"]
    assert archive_server.log[-1].query == {"Collection": ["NSCLC-Radiomics"], "Modality": ["CT"]}


def test_unknown_series_reported(archive_server, tmp_path):
    archive_server.route("GET", "/getSeries", Reply.json([]))
    client = TciaClient(archive_server.url, **FAST)
    report = client.download_series(["1.2.3"], tmp_path, raise_on_error=False)
    assert report["status"].tolist() == ["failed"]
    assert "TCIA lists no series 1.2.3" in report["error"].iloc[0]


def test_stale_extraction_folder_removed(archive_server, series_zip, tmp_path):
    payload, count = series_zip
    serve_series(archive_server, payload, count)
    stale = tmp_path / f".{SERIES}.abc123.partial"
    stale.mkdir()
    (stale / "1-001.dcm").write_bytes(b"half written")
    client = TciaClient(archive_server.url, **FAST)

    client.download_series([SERIES], tmp_path)

    assert sorted(p.name for p in tmp_path.iterdir()) == [SERIES]


def test_parallel_downloads_keep_order(archive_server, series_zip, tmp_path):
    payload, count = series_zip
    uids = [f"{SERIES}.{number}" for number in range(4)]
    archive_server.route(
        "GET",
        "/getSeries",
        lambda r: Reply.json(
            [{"SeriesInstanceUID": r.query["SeriesInstanceUID"][0], "ImageCount": count}]
        ),
    )
    archive_server.route(
        "GET",
        "/getImage",
        lambda r: (
            Reply(200, payload)
            if not r.query["SeriesInstanceUID"][0].endswith(".2")
            else Reply(200, payload[:1000])
        ),
    )
    client = TciaClient(archive_server.url, **FAST)

    report = client.download_series(uids, tmp_path, raise_on_error=False, workers=3)

    assert report["series_uid"].tolist() == uids
    assert report["status"].tolist() == ["downloaded", "downloaded", "failed", "downloaded"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [uids[0], uids[1], uids[3]]


def fetch_args(server_url, out, *extra):
    return [
        "fetch",
        "tcia",
        "--series-uid",
        SERIES,
        "--out",
        str(out),
        "--base-url",
        server_url,
        "--retries",
        "0",
        *extra,
    ]


def test_zero_image_series_fails(archive_server, tmp_path, capsys):
    empty_zip = io.BytesIO()
    zipfile.ZipFile(empty_zip, "w").close()
    serve_series(archive_server, empty_zip.getvalue(), 0)
    out = tmp_path / "images"

    code = main(fetch_args(archive_server.url, out))

    assert code == 1
    report = pd.read_csv(out / "download_report.csv")
    assert report["status"].tolist() == ["failed"]
    assert "TCIA lists 0 images" in report["error"].iloc[0]
    assert not (out / SERIES).exists()
    assert archive_server.count("GET", "/getImage") == 0


def test_text_image_count_fails(archive_server, tmp_path, capsys):
    archive_server.route(
        "GET", "/getSeries", Reply.json([{"SeriesInstanceUID": SERIES, "ImageCount": "many"}])
    )
    out = tmp_path / "images"

    code = main(fetch_args(archive_server.url, out))

    assert code == 1
    report = pd.read_csv(out / "download_report.csv")
    assert "ImageCount 'many'" in report["error"].iloc[0]
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--timeout", "0", "must be positive seconds"),
        ("--timeout", "soon", "is not a number of seconds"),
        ("--retries", "-1", "must be 0 or more"),
    ],
)
def test_fetch_tcia_bad_option_rejected(archive_server, tmp_path, capsys, option, value, message):
    out = tmp_path / "images"

    with pytest.raises(SystemExit) as raised:
        main(fetch_args(archive_server.url, out, option, value))

    assert raised.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
    assert archive_server.log == []


def test_client_rejects_zero_timeout():
    with pytest.raises(ArchiveError, match="timeout must be positive"):
        TciaClient("http://127.0.0.1:9", timeout=0)


def test_zero_workers_rejected_first(tmp_path):
    client = TciaClient("http://127.0.0.1:9", **FAST)
    with pytest.raises(ArchiveError, match="--workers"):
        client.download_series([SERIES], tmp_path / "images", workers=0)
    assert not (tmp_path / "images").exists()

"""HTTP layer and GDC client against a local server playing the GDC API, with faults."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from archive_server import Reply

from radiogenomics.io.exceptions import ArchiveError, DownloadError
from radiogenomics.io.gdc import GdcClient, assemble_star_matrix, clinical_table, read_star_counts
from radiogenomics.io.http import HttpClient

pytestmark = pytest.mark.network

FAST = {"timeout": 1.0, "retries": 2, "backoff": 0.01}


def load_sample(data_root, name):
    return json.loads((data_root / "api_samples" / "gdc" / name).read_text())


def paged_search(hits, drop_page_from=None):
    """A /cases or /files handler that pages ``hits`` like the GDC API."""

    def handler(request):
        body = request.json()
        start, size = int(body.get("from", 0)), int(body["size"])
        page = hits[start : start + size]
        if drop_page_from is not None and start == drop_page_from:
            page = []
        pagination = {"count": len(page), "from": start, "size": size, "total": len(hits)}
        return Reply.json({"data": {"hits": page, "pagination": pagination}, "warnings": {}})

    return handler


def test_search_follows_pagination(archive_server, data_root):
    hits = load_sample(data_root, "cases_size5.json")["data"]["hits"]
    archive_server.route("POST", "/cases", paged_search(hits))
    client = GdcClient(archive_server.url, page_size=2, **FAST)

    result = client.search("cases", fields=["submitter_id"])

    assert [hit["submitter_id"] for hit in result] == [
        "TCGA-ER-A193",
        "TCGA-VR-AA4G",
        "TCGA-D1-A174",
        "TCGA-XM-A8RL",
        "TCGA-B0-5120",
    ]
    assert archive_server.count("POST", "/cases") == 3
    sent = [request.json() for request in archive_server.log]
    assert [body["from"] for body in sent] == [0, 2, 4]
    assert sent[0]["fields"] == "submitter_id"


def test_search_missing_page_raises(archive_server, data_root):
    hits = load_sample(data_root, "cases_size5.json")["data"]["hits"]
    archive_server.route("POST", "/cases", paged_search(hits, drop_page_from=2))
    client = GdcClient(archive_server.url, page_size=2, **FAST)
    with pytest.raises(ArchiveError, match="returned 0 hits but 2 were expected"):
        client.search("cases")


def test_search_changed_total_raises(archive_server, data_root):
    hits = load_sample(data_root, "cases_size5.json")["data"]["hits"]
    first = paged_search(hits)
    grown = paged_search(hits + hits[:1])
    archive_server.route(
        "POST", "/cases", lambda r: first(r) if r.json()["from"] == 0 else grown(r)
    )
    client = GdcClient(archive_server.url, page_size=2, **FAST)
    with pytest.raises(ArchiveError, match="total changed from 5 to 6"):
        client.search("cases")


def test_search_retries_after_500(archive_server, data_root):
    hits = load_sample(data_root, "cases_size5.json")["data"]["hits"]
    good = paged_search(hits)
    failures = {"left": 1}

    def flaky(request):
        if failures["left"]:
            failures["left"] -= 1
            return Reply(500, b"internal error")
        return good(request)

    archive_server.route("POST", "/cases", flaky)
    client = GdcClient(archive_server.url, page_size=10, **FAST)
    assert len(client.search("cases")) == 5
    assert archive_server.count("POST", "/cases") == 2


def test_search_persistent_500_raises(archive_server):
    archive_server.route("POST", "/cases", Reply(500, b"internal error"))
    client = GdcClient(archive_server.url, **FAST)
    with pytest.raises(ArchiveError, match="HTTP 500"):
        client.search("cases")
    assert archive_server.count("POST", "/cases") == 3


def test_request_timeout_raises(archive_server):
    archive_server.route("GET", "/status", Reply.json({"status": "OK"}))
    archive_server.routes[("GET", "/status")] = Reply(200, b"{}", delay=0.6)
    client = HttpClient(archive_server.url, timeout=0.2, retries=1, backoff=0.01)
    with pytest.raises(ArchiveError, match="timed out after 2 attempt"):
        client.get_json("status")


def test_http_client_rejects_bad_timeout():
    with pytest.raises(ArchiveError, match="timeout must be positive"):
        HttpClient("http://127.0.0.1:9", timeout=0)


def test_clinical_real_case_old_field_names(data_root):
    case = load_sample(data_root, "cases_by_id_expand_diagnoses.json")["data"]
    table = clinical_table([case])
    row = table.loc["TCGA-BH-A0EA"]
    # The 2018 record keeps vital status, death and stage under diagnoses with old names.
    assert row["vital_status"] == "dead"
    assert row["days_to_death"] == 991.0
    assert row["ajcc_pathologic_stage"] == "stage iia"
    assert row["age_at_diagnosis_days"] == 26548.0
    assert row["case_id"] == "1f601832-eee3-48fb-acf5-80c4a454f26e"


def test_clinical_sex_renamed_field(archive_server):
    hits = [
        {"case_id": "a", "submitter_id": "TCGA-AA-0001", "demographic": {"gender": "female"}},
        {"case_id": "b", "submitter_id": "TCGA-AA-0002", "demographic": {"sex_at_birth": "male"}},
        {"case_id": "c", "submitter_id": "TCGA-AA-0003", "demographic": {}},
    ]
    archive_server.route("POST", "/cases", paged_search(hits))
    client = GdcClient(archive_server.url, **FAST)

    table = client.clinical("TCGA-BRCA")

    assert table.loc["TCGA-AA-0001", "sex"] == "female"
    assert table.loc["TCGA-AA-0002", "sex"] == "male"
    assert pd.isna(table.loc["TCGA-AA-0003", "sex"])
    body = archive_server.log[0].json()
    assert "demographic.sex_at_birth" in body["fields"].split(",")
    assert "demographic.gender" in body["fields"].split(",")
    assert body["filters"]["content"]["value"] == ["TCGA-BRCA"]


STAR_HEADER = (
    "# gene-model: GENCODE v36\n"
    "gene_id\tgene_name\tgene_type\tunstranded\tstranded_first\tstranded_second\t"
    "tpm_unstranded\tfpkm_unstranded\tfpkm_uq_unstranded\n"
    "N_unmapped\t\t\t2000\t2000\t2000\t\t\t\n"
    "N_multimapping\t\t\t300\t300\t300\t\t\t\n"
    "N_noFeature\t\t\t40\t900\t900\t\t\t\n"
    "N_ambiguous\t\t\t5\t1\t1\t\t\t\n"
)
GENES = [
    ("ENSG00000141736.14", "ERBB2"),
    ("ENSG00000091831.24", "ESR1"),
    ("ENSG00000082175.15", "PGR"),
]
LENGTHS_KB = np.array([4.6, 6.3, 13.1])


def star_file(counts) -> bytes:
    """A STAR - Counts file with TPM from the definition TPM_i = 1e6 (c_i/L_i) / sum_j c_j/L_j."""
    counts = np.asarray(counts, dtype=float)
    rate = counts / LENGTHS_KB
    tpm = 1e6 * rate / rate.sum()
    lines = [STAR_HEADER]
    for (gene_id, name), count, value in zip(GENES, counts, tpm, strict=True):
        lines.append(
            f"{gene_id}\t{name}\tprotein_coding\t{int(count)}\t{int(count) // 2}\t"
            f"{int(count) // 2}\t{value:.4f}\t0.0\t0.0\n"
        )
    return "".join(lines).encode()


def test_star_counts_end_to_end(archive_server, tmp_path):
    bodies = {
        "f1": star_file([100, 300, 5]),
        "f2": star_file([0, 40, 60]),
        "f3": star_file([1, 1, 1]),
    }
    file_hits = [
        {
            "file_id": file_id,
            "file_name": f"{file_id}.rna_seq.augmented_star_gene_counts.tsv",
            "file_size": len(body),
            "md5sum": hashlib.md5(body).hexdigest(),
            "cases": [
                {
                    "submitter_id": patient,
                    "samples": [{"submitter_id": sample, "sample_type": "Primary Tumor"}],
                }
            ],
        }
        for (file_id, body), (patient, sample) in zip(
            bodies.items(),
            [
                ("TCGA-A1-A0SB", "TCGA-A1-A0SB-01A"),
                ("TCGA-A2-A04P", "TCGA-A2-A04P-01A"),
                ("TCGA-A1-A0SB", "TCGA-A1-A0SB-01A"),
            ],
            strict=True,
        )
    ]
    archive_server.route("POST", "/files", paged_search(file_hits))
    for file_id, body in bodies.items():
        archive_server.route("GET", f"/data/{file_id}", Reply(200, body))
    client = GdcClient(archive_server.url, **FAST)

    counts = client.star_counts("TCGA-BRCA", cache_dir=tmp_path)

    assert list(counts.columns) == ["TCGA-A1-A0SB-01A", "TCGA-A2-A04P-01A"]
    assert list(counts.index) == [gene for gene, _ in GENES]
    assert counts["TCGA-A1-A0SB-01A"].tolist() == [100, 300, 5]
    assert counts["TCGA-A2-A04P-01A"].tolist() == [0, 40, 60]
    assert counts.dtypes.unique().tolist() == [np.dtype(np.int64)]
    assert counts.attrs["gene_name"]["ENSG00000141736.14"] == "ERBB2"

    filters = archive_server.log[0].json()["filters"]["content"]
    assert {
        "op": "in",
        "content": {"field": "analysis.workflow_type", "value": ["STAR - Counts"]},
    } in filters

    # A rerun finds the verified files in the cache and downloads nothing.
    downloads = archive_server.count("GET", "/data/f1")
    tpm = client.star_counts("TCGA-BRCA", value="tpm_unstranded", cache_dir=tmp_path)
    assert archive_server.count("GET", "/data/f1") == downloads
    assert tpm.sum().tolist() == pytest.approx([1e6, 1e6], rel=1e-6)
    rate = np.array([100, 300, 5]) / LENGTHS_KB
    assert tpm["TCGA-A1-A0SB-01A"].to_numpy() == pytest.approx(1e6 * rate / rate.sum(), abs=1e-4)


def test_star_reader_drops_summary_rows(tmp_path):
    path = tmp_path / "counts.tsv"
    path.write_bytes(star_file([7, 8, 9]))
    table = read_star_counts(path)
    assert table.index.tolist() == [gene for gene, _ in GENES]
    assert table["value"].tolist() == [7, 8, 9]


def test_star_reader_unknown_column(tmp_path):
    path = tmp_path / "counts.tsv"
    path.write_bytes(star_file([7, 8, 9]))
    with pytest.raises(ArchiveError, match="unknown STAR column 'tpm'"):
        read_star_counts(path, "tpm")


def test_star_matrix_rejects_other_gene_model(tmp_path):
    first, second = tmp_path / "a.tsv", tmp_path / "b.tsv"
    first.write_bytes(star_file([1, 2, 3]))
    second.write_bytes(star_file([1, 2, 3]).replace(b"ENSG00000082175.15", b"ENSG00000082175.16"))
    files = pd.DataFrame(
        {"path": [first, second], "sample": ["TCGA-A1-A0SB-01A", "TCGA-A2-A04P-01A"]}
    )
    with pytest.raises(ArchiveError, match="other genes"):
        assemble_star_matrix(files)


def test_download_resumes_cut_connection(archive_server, tmp_path):
    body = bytes(range(256)) * 400
    calls = []

    def handler(request):
        calls.append(request.headers.get("Range"))
        if len(calls) == 1:
            return Reply(200, body, cut_after=30_000)
        start = int(request.headers["Range"].split("=")[1].rstrip("-"))
        return Reply(
            206,
            body[start:],
            {"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"},
        )

    archive_server.route("GET", "/data/big", handler)
    client = HttpClient(archive_server.url, **FAST)
    target = tmp_path / "cache" / "big.bin"

    client.download("data/big", target, md5=hashlib.md5(body).hexdigest())

    assert target.read_bytes() == body
    assert calls == [None, "bytes=30000-"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["big.bin"]


def test_download_rerun_resumes_partial(archive_server, tmp_path):
    body = b"0123456789" * 1000
    archive_server.route("GET", "/data/f", Reply(200, body, cut_after=4000))
    client = HttpClient(archive_server.url, timeout=0.5, retries=0, backoff=0.01)
    target = tmp_path / "f.bin"

    with pytest.raises(DownloadError, match="rerun to resume from 4000 bytes"):
        client.download("data/f", target)
    assert not target.exists()

    archive_server.route(
        "GET",
        "/data/f",
        lambda r: Reply(206, body[4000:], {"Content-Range": f"bytes 4000-9999/{len(body)}"}),
    )
    client.download("data/f", target)
    assert target.read_bytes() == body
    assert archive_server.log[-1].headers["Range"] == "bytes=4000-"


def test_download_wrong_md5_leaves_nothing(archive_server, tmp_path):
    archive_server.route("GET", "/data/f", Reply(200, b"corrupted payload"))
    client = HttpClient(archive_server.url, **FAST)
    target = tmp_path / "f.bin"
    with pytest.raises(DownloadError, match="MD5"):
        client.download("data/f", target, md5="0" * 32)
    assert list(tmp_path.iterdir()) == []


def test_download_short_body_leaves_nothing(archive_server, tmp_path):
    archive_server.route("GET", "/data/f", Reply(200, b"12345"))
    client = HttpClient(archive_server.url, **FAST)
    with pytest.raises(DownloadError, match="incomplete: 5 of 9 bytes"):
        client.download("data/f", tmp_path / "f.bin", expected_size=9)
    assert list(tmp_path.iterdir()) == []


def test_fetch_gdc_clinical_command(archive_server, data_root, tmp_path, capsys):
    from radiogenomics.cli import main

    case = load_sample(data_root, "cases_by_id_expand_diagnoses.json")["data"]
    archive_server.route("POST", "/cases", paged_search([case]))
    out = tmp_path / "clinical.tsv"

    code = main(
        [
            "fetch",
            "gdc",
            "clinical",
            "--project",
            "TCGA-BRCA",
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

    assert code == 0
    table = pd.read_csv(out, sep="\t", index_col=0)
    assert table.loc["TCGA-BH-A0EA", "vital_status"] == "dead"
    assert str(out) in capsys.readouterr().out


def test_fetch_gdc_reports_timeout(archive_server, tmp_path, capsys):
    from radiogenomics.cli import main

    archive_server.route("POST", "/cases", Reply(200, b"{}", delay=0.6))
    code = main(
        [
            "fetch",
            "gdc",
            "clinical",
            "--project",
            "TCGA-BRCA",
            "--out",
            str(tmp_path / "c.csv"),
            "--base-url",
            archive_server.url,
            "--timeout",
            "0.2",
            "--retries",
            "0",
        ]
    )
    assert code == 1
    assert "timed out" in capsys.readouterr().err
    assert not (tmp_path / "c.csv").exists()


def test_cases_sends_expand_and_filter(archive_server, data_root):
    case = load_sample(data_root, "cases_by_id_expand_diagnoses.json")["data"]
    archive_server.route("POST", "/cases", paged_search([case]))
    client = GdcClient(archive_server.url, **FAST)

    hits = client.cases("TCGA-BRCA", expand=["diagnoses", "demographic"])

    assert hits[0]["diagnoses"][0]["tumor_stage"] == "stage iia"
    body = archive_server.log[0].json()
    assert body["expand"] == "diagnoses,demographic"
    assert body["filters"] == {
        "op": "in",
        "content": {"field": "project.project_id", "value": ["TCGA-BRCA"]},
    }


def test_download_resumes_after_stall(archive_server, tmp_path):
    body = bytes(range(256)) * 200
    calls = []

    def handler(request):
        calls.append(request.headers.get("Range"))
        if len(calls) == 1:
            return Reply(200, body, stall_after=20_000, stall=0.6)
        start = int(request.headers["Range"].split("=")[1].rstrip("-"))
        return Reply(
            206, body[start:], {"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"}
        )

    archive_server.route("GET", "/data/slow", handler)
    client = HttpClient(archive_server.url, timeout=0.2, retries=2, backoff=0.01)
    target = tmp_path / "slow.bin"

    client.download("data/slow", target, md5=hashlib.md5(body).hexdigest())

    assert target.read_bytes() == body
    assert calls == [None, "bytes=20000-"]


def test_download_overlong_partial_restarts(archive_server, tmp_path):
    body = b"fresh content"

    def handler(request):
        if request.headers.get("Range"):
            return Reply(416, b"range not satisfiable")
        return Reply(200, body)

    archive_server.route("GET", "/data/f", handler)
    target = tmp_path / "f.bin"
    (tmp_path / "f.bin.partial").write_bytes(b"stale bytes from an older version of the file")
    client = HttpClient(archive_server.url, **FAST)

    client.download("data/f", target)

    assert target.read_bytes() == body
    assert archive_server.log[-1].headers["Accept-Encoding"] == "identity"

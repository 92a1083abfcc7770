"""Dataset registry: resolution order, checksums and clear errors for missing files."""

import hashlib
import http.server
import shutil
import threading

import pytest

from radiogenomics.errors import DatasetError
from radiogenomics.io import registry

DATASETS = {"tcga_brca_radiogenomics", "tcga_brca", "ibsi_1", "ibsi_2", "pyradiomics_testdata",
            "api_samples", "cbioportal_study_es_0", "nsclc_radiomics_lung1"}


def test_every_manifest_has_provenance():
    datasets = registry.list_datasets()
    assert DATASETS <= {d.name for d in datasets}
    for dataset in datasets:
        assert dataset.licence
        assert dataset.citation
        assert dataset.source
        assert all(len(f.sha256) == 64 for f in dataset.files)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_real_data_verifies(name, data_root):
    report = registry.verify_dataset(name, data_dir=data_root)
    assert (report["status"] == "ok").all(), report[report["status"] != "ok"].to_string()


def _copy_file(data_root, tmp_path, relpath="tcga_brca/CliniUnOpHer2.csv"):
    target = tmp_path / relpath
    target.parent.mkdir(parents=True)
    shutil.copy(data_root / relpath, target)
    return target


def test_data_dir_comes_before_environment(data_root, tmp_path, monkeypatch):
    target = _copy_file(data_root, tmp_path)
    monkeypatch.setenv("RADIOGENOMICS_DATA", str(data_root))
    path = registry.resolve_file("tcga_brca", "CliniUnOpHer2.csv", data_dir=tmp_path)
    assert path == target


def test_missing_file_names_file_checksum_and_place(tmp_path, monkeypatch):
    monkeypatch.setenv("RADIOGENOMICS_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("RADIOGENOMICS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RADIOGENOMICS_OFFLINE", "1")
    expected = registry.get_dataset("tcga_brca").file("CliniUnOpHer2.csv").sha256
    with pytest.raises(DatasetError) as error:
        registry.resolve_file("tcga_brca", "CliniUnOpHer2.csv")
    message = str(error.value)
    assert "missing file 'CliniUnOpHer2.csv'" in message
    assert expected in message
    assert "RADIOGENOMICS_DATA" in message
    assert "tcga_brca/CliniUnOpHer2.csv" in message


def test_wrong_checksum_is_rejected(data_root, tmp_path):
    target = _copy_file(data_root, tmp_path)
    with open(target, "a") as handle:
        handle.write("TCGA.XX.XXXX,1,1,Positive\n")
    with pytest.raises(DatasetError, match="checksum mismatch") as error:
        registry.resolve_file("tcga_brca", "CliniUnOpHer2.csv", data_dir=tmp_path)
    assert str(target) in str(error.value)
    assert registry.sha256_file(target) in str(error.value)


def test_unknown_dataset_and_file_are_named():
    with pytest.raises(DatasetError, match="unknown dataset 'tcga_luad'"):
        registry.get_dataset("tcga_luad")
    with pytest.raises(DatasetError, match="has no file 'nope.csv'"):
        registry.get_dataset("tcga_brca").file("nope.csv")


@pytest.fixture
def file_server(tmp_path):
    """Serve ``tmp_path/served`` on 127.0.0.1 for download tests."""
    served = tmp_path / "served"
    served.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _dataset_with_url(url, content):
    entry = registry.DataFile("table.csv", hashlib.sha256(content).hexdigest(), url=url)
    return registry.Dataset("local", "local test", "local", "test", "CC0", "none",
                            files=(entry,))


def test_download_verifies_before_keeping(file_server, tmp_path, monkeypatch):
    served, base = file_server
    monkeypatch.setenv("RADIOGENOMICS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("RADIOGENOMICS_OFFLINE", raising=False)
    monkeypatch.delenv("RADIOGENOMICS_DATA", raising=False)
    content = b"id,value\na,1\n"
    (served / "table.csv").write_bytes(content)
    path = registry.resolve_file(_dataset_with_url(f"{base}/table.csv", content), "table.csv")
    assert path.read_bytes() == content

    corrupt = _dataset_with_url(f"{base}/table.csv", b"other content")
    shutil.rmtree(tmp_path / "cache")
    with pytest.raises(DatasetError, match="checksum mismatch"):
        registry.resolve_file(corrupt, "table.csv")
    assert not any((tmp_path / "cache").rglob("*.csv"))
    assert not any((tmp_path / "cache").rglob("*.part"))

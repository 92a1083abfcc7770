"""Table reader: text that is not UTF-8 is rejected with the file, byte and offset."""

import pytest

from radiogenomics.errors import TableError
from radiogenomics.io.tables import _check_utf8, read_table


def test_latin1_csv_names_byte_and_offset(tmp_path):
    path = tmp_path / "labels.csv"
    # "id,subtype\n" (11 bytes) + "P1,Basal\n" (9) + "P2,Lum" (6): the e-acute is byte 26.
    path.write_bytes("id,subtype\nP1,Basal\nP2,Lum\u00e9\n".encode("latin-1"))
    with pytest.raises(TableError) as caught:
        read_table(path)
    assert str(caught.value) == (
        f"table {path} is not UTF-8 text (byte 0xe9 at offset 26); save it as a UTF-8 CSV"
    )


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 1 << 20])
def test_offset_is_exact_across_chunks(tmp_path, chunk_size):
    path = tmp_path / "table.tsv"
    # Ten two-byte UTF-8 characters, so a chunk boundary can split one of them.
    prefix = b"id\tx\n" + "\u00e9".encode() * 10
    path.write_bytes(prefix + b"\xff rest")
    with pytest.raises(TableError, match=r"\(byte 0xff at offset 25\); save it as a UTF-8 TSV"):
        _check_utf8(path, chunk_size)


def test_truncated_sequence_at_end_is_reported(tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes(b"id,x\n\xc3")
    with pytest.raises(TableError, match=r"byte 0xc3 at offset 5"):
        read_table(path)


def test_utf8_with_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes("id,x\nP\u00e9,1\n".encode("utf-8-sig"))
    table = read_table(path, id_column="id")
    assert list(table.index) == ["P\u00e9"]
    assert table.loc["P\u00e9", "x"] == 1

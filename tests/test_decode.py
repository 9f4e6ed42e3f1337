import codecs

import pytest

from pipeline.read.decode import decode_bytes


@pytest.mark.parametrize("data, text, encoding", [
    ("caf\u00e9 \u2013 \u201cquoted\u201d\n".encode("utf-8"), "caf\u00e9 \u2013 \u201cquoted\u201d", "utf-8"),
    (codecs.BOM_UTF8 + b"with a BOM\n", "with a BOM", "utf-8-sig"),
    ("caf\u00e9 \u2013 \u201cquoted\u201d".encode("cp1252"), "caf\u00e9 \u2013 \u201cquoted\u201d", "cp1252"),
    # 0x81 is undefined in cp1252, so only Latin-1 reads this.
    (b"caf\xe9 \x81", "caf\u00e9 \x81", "latin-1"),
    (codecs.BOM_UTF16_LE + "utf-16 text".encode("utf-16-le"), "utf-16 text", "utf-16"),
    (b"one\r\ntwo\rthree\n", "one\ntwo\nthree", "utf-8"),
    ("lost emoji \ufffd kept".encode("utf-8"), "lost emoji \ufffd kept", "utf-8"),
])
def test_decodes(data, text, encoding):
    decoded = decode_bytes(data)
    assert (decoded.text, decoded.encoding, decoded.issues) == (text, encoding, [])


def test_nul_bytes_are_removed_and_reported():
    decoded = decode_bytes(b"line one\nline\x00 two\n")
    assert decoded.text == "line one\nline two"
    assert [(i.line, i.kind, i.severity) for i in decoded.issues] == [(2, "nul", "warning")]


@pytest.mark.parametrize("data, kind", [
    (b"", "empty"),
    (b"  \n\r\n\t", "blank"),
    (bytes(range(256)) * 4, "binary"),
])
def test_files_that_are_not_dumps(data, kind):
    decoded = decode_bytes(data)
    assert decoded.text == ""
    assert [(i.line, i.kind, i.severity) for i in decoded.issues] == [(1, kind, "error")]

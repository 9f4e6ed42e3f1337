"""Stage 1: read and decode. The only place where bytes become text."""
from __future__ import annotations

import codecs
import re

from .model import Decoded, Issue

# Control characters other than tab, newline, carriage return and form feed: a file
# made mostly of these is binary, not a dump.
_CONTROL = bytes(range(0, 9)) + bytes([11]) + bytes(range(14, 32))
_BINARY_SAMPLE = 8192
_BINARY_RATIO = 0.10

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_LINE_ENDS = re.compile(r"\r\n?")


def decode_bytes(data: bytes) -> Decoded:
    """Decode a raw dump to text with ``\\n`` line ends.

    UTF-8 (with or without a BOM) is tried first, then cp1252, then Latin-1, which
    cannot fail. Empty and binary files come back with an ``error`` issue and no text.
    """
    if not data.strip():
        kind = "empty" if not data else "blank"
        return Decoded("", "utf-8", [Issue(1, kind, "file is empty" if not data else "file holds only white space", "error")])
    sample = data[:_BINARY_SAMPLE]
    if not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        controls = sum(sample.count(byte) for byte in _CONTROL)
        if controls / len(sample) > _BINARY_RATIO:
            return Decoded("", "binary", [Issue(1, "binary", "not a text file: it holds binary data", "error")])

    text, encoding = _decode(data)
    issues = []
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        issues.append(Issue(line, "nul", "NUL characters removed"))
        text = text.replace("\x00", "")
    text = _LINE_ENDS.sub("\n", text)
    if text.endswith("\n"):
        text = text[:-1]
    return Decoded(text, encoding, issues)


def _decode(data: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"

"""Stage 1: read and decode. The only place where bytes become text."""
from __future__ import annotations

import codecs
import re

from ..model import Decoded, Issue

# Control characters other than tab, newline, carriage return and form feed: a file
# made mostly of these is binary, not a dump.
_CONTROL = bytes(range(0, 9)) + bytes([11]) + bytes(range(14, 32))
_BINARY_SAMPLE = 8192
_BINARY_RATIO = 0.05
_BINARY_MIN = 8

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
    if not data or data.isspace():
        kind = "empty" if not data else "blank"
        return Decoded("", "utf-8", [Issue(1, kind, "file is empty" if not data else "file holds only white space", "error")])
    sample = data[:_BINARY_SAMPLE]
    if not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        controls = len(sample) - len(sample.translate(None, _CONTROL))
        if controls >= _BINARY_MIN and controls / len(sample) > _BINARY_RATIO:
            return Decoded("", "binary", [Issue(1, "binary", "not a text file: it holds binary data", "error")])

    text, encoding, issues = _decode(data)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        issues.append(Issue(line, "nul", "NUL characters removed"))
        text = text.replace("\x00", "")
    if "\r" in text:
        text = _LINE_ENDS.sub("\n", text)
    if text.endswith("\n"):
        text = text[:-1]
    return Decoded(text, encoding, issues)


def _decode(data: bytes) -> tuple[str, str, list[Issue]]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, []
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as error:
        first_bad = error.start
    # A multi-byte character cut in half at the very end: the file was cut off.
    # Only where other characters show the file is UTF-8: cp1252 text can end in a
    # byte that looks like the start of one.
    utf8 = _has_utf8_multibyte(data[:first_bad])
    if utf8 and len(data) - first_bad < 4 and _is_utf8_start(data[first_bad:]):
        text = data[:first_bad].decode("utf-8")
        line = text.count("\n") + 1
        return text, "utf-8", [Issue(line, "truncated", "file ends in the middle of a character: it was cut off")]
    # Mostly UTF-8 with a few bad bytes: keep the UTF-8 and mark the bad bytes.
    if utf8:
        text = data.decode("utf-8", errors="replace")
        line = data.count(b"\n", 0, first_bad) + 1
        return text, "utf-8", [Issue(line, "encoding", "bytes that are not UTF-8 replaced with U+FFFD")]
    try:
        return data.decode("cp1252"), "cp1252", []
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", []


def _is_utf8_start(tail: bytes) -> bool:
    """Whether ``tail`` is the beginning of one multi-byte UTF-8 character."""
    lead = tail[0]
    needed = 2 if lead >> 5 == 0b110 else 3 if lead >> 4 == 0b1110 else 4 if lead >> 3 == 0b11110 else 0
    return len(tail) < needed and all(byte >> 6 == 0b10 for byte in tail[1:])


def _has_utf8_multibyte(valid_utf8: bytes) -> bool:
    return not valid_utf8.isascii()

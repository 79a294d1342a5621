"""A post file's bytes → text: BOMs, UTF-16, GB18030/GBK and other legacy encodings, binary files refused,
newlines made ``\n``."""

from __future__ import annotations

from .post import Problem


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Decode a file's bytes; ``None`` text means the file is not a text post at all."""
    problems: list[Problem] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _newlines(data.decode("utf-16")), problems
        except UnicodeDecodeError as e:
            return _newlines(data.decode("utf-16", "replace")), [
                Problem(path, f"undecodable UTF-16 at byte {e.start}; replaced", "error")
            ]
    if b"\x00" in data[:8192] and _looks_binary(data[:8192]):
        return None, [Problem(path, "binary file, not a text post", "error")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        text, problems = _decode_legacy(data, path, e.start)
    if b"\x00" in data and "\x00" in text:  # the bytes first: searching them is ~8x cheaper
        text = text.replace("\x00", "")
        problems.append(Problem(path, "NUL bytes removed", "warning"))
    return _newlines(text), problems


def _looks_binary(head: bytes) -> bool:
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) // 20 or head.count(0) > 4


def _decode_legacy(data: bytes, path: str, bad_at: int) -> tuple[str, list[Problem]]:
    """Not UTF-8: GB18030 (a superset of GBK and GB2312) is what Chinese archives use, else ask charset-normalizer."""
    for encoding in ("gb18030",):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _plausible_cjk(text):
            return text, [Problem(path, f"not UTF-8; read as {encoding.upper()}", "warning")]
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # charset-normalizer is a guesser; a failure to guess is not the user's problem
        best = None
    if best is not None and best.encoding not in ("utf_8", "ascii"):
        return str(best), [Problem(path, f"not UTF-8; read as {best.encoding}", "warning")]
    return data.decode("utf-8", "replace"), [
        Problem(path, f"undecodable bytes (first at byte {bad_at}) replaced with U+FFFD", "error")
    ]


def _plausible_cjk(text: str) -> bool:
    """GB18030 decodes almost any bytes; accept it only when the result is mostly common Han text."""
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f")
    odd = sum(
        1 for ch in text if ord(ch) > 0x7F and not ("\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\uffef")
    )
    return han > 0 and odd <= han // 10


def _newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text

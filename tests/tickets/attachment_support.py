"""What the attachment tests share: real files of a few kinds, hand-built multipart bodies
(so a file name reaches the server exactly as a hostile client would send it), and the
reading of a download's Content-Disposition."""

import re
import struct
import zlib
from urllib.parse import unquote

BOUNDARY = "helpdesk-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
STORED_NAME = re.compile(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}(\.[a-z0-9]{1,10})?")
LONG_NAME = "é" * 200 + ".txt"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png() -> bytes:
    """A real one-pixel PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def multipart(fields: dict, *, file_field: str, name_parameter: str, content: bytes, content_type: str) -> bytes:
    """A multipart/form-data body with the file part's name parameter written as given,
    e.g. ``filename="a.txt"`` or ``filename*=UTF-8''%0D%0A.txt``."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; {name_parameter}\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def downloaded_name(response) -> str:
    """The file name a browser saves a download under (RFC 6266)."""
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; "), disposition
    if match := re.fullmatch(r"attachment; filename\*=utf-8''(\S+)", disposition):
        return unquote(match.group(1), errors="strict")
    match = re.fullmatch(r'attachment; filename="((?:[^"\\]|\\.)*)"', disposition)
    assert match, disposition
    return re.sub(r"\\(.)", r"\1", match.group(1))


def served_safely(response) -> None:
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"

"""What a file is, judged by its content (magic numbers, by the ``filetype`` library), not its name."""
from __future__ import annotations

import filetype

# images, PDF, Word, Excel
ALLOWED = {
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff",
    "image/heic", "image/heif",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TEXT = "text/plain"
NAMES = "图片、PDF、Word、Excel 或纯文本"


def content_type(data: bytes) -> str | None:
    """The file's type if it is one duban keeps, else None."""
    kind = filetype.guess(data)
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED else None
    if _plain_text(data):
        return TEXT
    return None


def _plain_text(data: bytes) -> bool:
    """Text in UTF-8 (or GB18030, as Chinese office machines write) without control bytes."""
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return all(c in "\t\n\r\f" or ord(c) >= 32 and c != "\x7f" for c in text)
    return False


def is_image(content_type: str) -> bool:
    return content_type.startswith("image/")


def shown_inline(content_type: str) -> bool:
    """PDFs and images open in the browser; the rest are downloaded."""
    return content_type == "application/pdf" or is_image(content_type)

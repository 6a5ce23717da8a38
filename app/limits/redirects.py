"""Where a page may send the browser after a login or a form: a path on this site only."""
from __future__ import annotations

from urllib.parse import urlsplit

# Browsers drop tab and newline characters anywhere in a URL and read a backslash as a slash,
# so "/\t/evil.example" and "/\\evil.example" both lead to another site.
_DROPPED = str.maketrans("", "", "\t\n\r")


def same_site_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no scheme, no host, however spelled), else None."""
    if not target or not isinstance(target, str):
        return None
    if any(ord(ch) < 0x20 or ch in "\\\x7f" for ch in target):
        return None
    cleaned = target.translate(_DROPPED)
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return None
    return target

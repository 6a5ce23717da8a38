"""Site photos: a thumbnail, and when and where the photo says it was taken (EXIF)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from PIL import ExifTags, Image, UnidentifiedImageError

THUMBNAIL_SIZE = (320, 320)
# a decompression bomb is refused, not decoded: far above any camera's picture
Image.MAX_IMAGE_PIXELS = 120_000_000


@dataclass(frozen=True)
class PhotoFacts:
    taken_at: str | None = None  # as the camera wrote it, "YYYY-MM-DD HH:MM:SS" (its local time)
    latitude: float | None = None
    longitude: float | None = None


def thumbnail(data: bytes) -> bytes | None:
    """A JPEG no larger than THUMBNAIL_SIZE, turned as the camera held it; None if unreadable."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            from PIL import ImageOps

            im = ImageOps.exif_transpose(im)
            im.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            im.convert("RGB").save(out, "JPEG", quality=80)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def photo_facts(data: bytes) -> PhotoFacts:
    try:
        with Image.open(io.BytesIO(data)) as im:
            exif = im.getexif()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return PhotoFacts()
    taken = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal) \
        or exif.get(ExifTags.Base.DateTime)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    return PhotoFacts(_when(taken), lat, lon)


def _when(value) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip("\x00 "), "%Y:%m:%d %H:%M:%S").strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def _degrees(dms, ref) -> float | None:
    try:
        d, m, s = (float(x) for x in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    if ref in ("S", "W"):
        value = -value
    return round(value, 6)

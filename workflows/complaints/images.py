"""Photos as they are shown: turned upright, scaled down, and re-encoded without their metadata (EXIF
location, camera, owner), so nothing but the pixels leaves the server. Pillow does the work.

The originals stay as they were sent, for the officers who download them; everything shown on a page
(thumbnails, the public view of a photo) goes through :func:`shown`.
"""
from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

THUMB = 320    # px, the longer side of a thumbnail
SCREEN = 1600  # px, the longer side of a photo shown whole
IMAGE_TYPES = ("image/jpeg", "image/png")
Image.MAX_IMAGE_PIXELS = 40_000_000  # a 2 MB file claiming more pixels than this is a decompression bomb


class NotAnImage(ValueError):
    pass


def shown(data: bytes, size: int = SCREEN) -> bytes:
    """A JPEG at most ``size`` px on its longer side, upright, with no metadata."""
    try:
        with Image.open(BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((size, size))
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, "white")
                background.paste(image, mask=image.convert("RGBA").getchannel("A"))
                image = background
            out = BytesIO()
            image.save(out, "JPEG", quality=85, optimize=True)  # (no exif= argument: none is written)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from exc

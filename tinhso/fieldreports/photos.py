"""Checks uploaded photos by their headers in the request, and makes the public copy without location
metadata in a job (`public_copy`): a phone's 12 MP photo costs half a second to decode and re-encode."""

import io
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from tinhso.core.errors import InvalidInput

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 5
# Larger images are refused before decoding, so a small "decompression bomb" cannot exhaust memory.
# A JPEG is decoded already reduced (1/2 to 1/8, near the public copy's size), so a camera's largest pass;
# PNG and WebP decode at full size only, hence their lower limits (WebP passes through RGBA twice);
# figures in docs/benchmarks.md (bench/photo_memory.py). The job decodes one photo at a time.
MAX_PIXELS = 40_000_000
MAX_FULL_DECODE_PIXELS = {"PNG": 16_000_000, "WEBP": 8_000_000}
PUBLIC_MAX_SIDE = 2048
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# What a decoder may raise on a file whose header was sound: the photo is refused, not the report.
UNREADABLE = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


@dataclass(frozen=True)
class CheckedPhoto:
    """An upload whose type and size were read from its header: the original's bytes, not yet decoded."""

    original: bytes
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class PublicCopy:
    data: bytes
    width: int
    height: int


class UnreadablePhoto(Exception):
    """The job could not decode a photo the request accepted (its pixels are broken or truncated)."""


def _refuse(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_photo", errors={field: [message]})


def check_photos(uploads: list[UploadedFile], *, field: str = "photos") -> list[CheckedPhoto]:
    """Refuses too many photos, files too large, files that are not JPEG, PNG or WebP images by their
    magic bytes and images with too many pixels by their header; decodes no pixel."""
    if len(uploads) > MAX_PHOTOS:
        raise _refuse(f"Chỉ gửi được tối đa {MAX_PHOTOS} ảnh.", field)
    return [_check_photo(upload, field) for upload in uploads]


def _check_photo(upload: UploadedFile, field: str) -> CheckedPhoto:
    name = upload.name or "ảnh"
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise _refuse(f"Ảnh “{name}” lớn hơn {MAX_PHOTO_BYTES // (1024 * 1024)} MB.", field)
    upload.seek(0)
    original = upload.read(MAX_PHOTO_BYTES + 1)
    if len(original) > MAX_PHOTO_BYTES:
        raise _refuse(f"Ảnh “{name}” lớn hơn {MAX_PHOTO_BYTES // (1024 * 1024)} MB.", field)
    try:
        with Image.open(io.BytesIO(original), formats=ACCEPTED_FORMATS) as probe:
            image_format, (width, height) = probe.format or "", probe.size
    except UNREADABLE:
        raise _refuse(f"Tệp “{name}” không phải ảnh JPEG, PNG hoặc WebP.", field) from None
    if width * height > MAX_PIXELS:
        raise _refuse(f"Ảnh “{name}” có kích thước điểm ảnh quá lớn.", field)
    full_limit = MAX_FULL_DECODE_PIXELS.get(image_format, MAX_PIXELS)
    if width * height > full_limit:
        message = f"Ảnh {image_format} “{name}” quá lớn: tối đa {full_limit // 1_000_000} megapixel."
        raise _refuse(message, field)
    extension = image_format.lower().replace("jpeg", "jpg")
    return CheckedPhoto(original=original, extension=extension, width=width, height=height)


def public_copy(original: bytes) -> PublicCopy:
    """The public copy of a checked photo: decoded (a JPEG already reduced), turned upright, re-encoded from
    its pixels only; UnreadablePhoto when its pixels cannot be decoded."""
    try:
        with Image.open(io.BytesIO(original), formats=ACCEPTED_FORMATS) as image:
            # JPEG only: decodes at the smallest scale (1/2 to 1/8) still at least the public copy's size.
            image.draft("RGB", public_size(image.size))
            data = _public_copy(image)
        with Image.open(io.BytesIO(data)) as result:
            width, height = result.size
    except UNREADABLE as error:
        raise UnreadablePhoto(str(error)) from None
    return PublicCopy(data=data, width=width, height=height)


def public_size(size: tuple[int, int]) -> tuple[int, int]:
    """The public copy's size: the longer side at most PUBLIC_MAX_SIDE, the same proportions."""
    width, height = size
    scale = min(1.0, PUBLIC_MAX_SIDE / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _public_copy(image: Image.Image) -> bytes:
    """Re-encodes the pixels only: EXIF (GPS, camera, time), XMP and comments are left behind.
    Reduced first, so the full-size image is never copied (turned, converted) in memory."""
    if image.mode in ("P", "1"):
        image = image.convert("RGBA")  # a palette would be reduced by nearest neighbour
    image.thumbnail((PUBLIC_MAX_SIDE, PUBLIC_MAX_SIDE))
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA"):
        rgba = upright.convert("RGBA")
        upright = Image.new("RGB", rgba.size, "white")
        upright.paste(rgba, mask=rgba.getchannel("A"))
    else:
        upright = upright.convert("RGB")
    pixels_only = Image.frombytes("RGB", upright.size, upright.tobytes())
    buffer = io.BytesIO()
    pixels_only.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()

"""Checks uploaded photos by their content and makes the public copy without location metadata."""

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
# figures in docs/benchmarks.md (bench/photo_memory.py).
MAX_PIXELS = 40_000_000
MAX_FULL_DECODE_PIXELS = {"PNG": 16_000_000, "WEBP": 8_000_000}
# The pixels one request may decode in all, after the JPEG reduction: five camera photos of any size, but
# not five PNGs at their limit.
MAX_DECODED_PIXELS_PER_REQUEST = 60_000_000
PUBLIC_MAX_SIDE = 2048
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


@dataclass(frozen=True)
class CheckedPhoto:
    original: bytes
    extension: str
    public: bytes
    width: int
    height: int


def _refuse(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_photo", errors={field: [message]})


def check_photos(uploads: list[UploadedFile], *, field: str = "photos") -> list[CheckedPhoto]:
    """Refuses too many photos, files too large and files that are not JPEG, PNG or WebP images."""
    if len(uploads) > MAX_PHOTOS:
        raise _refuse(f"Chỉ gửi được tối đa {MAX_PHOTOS} ảnh.", field)
    budget = [MAX_DECODED_PIXELS_PER_REQUEST]
    return [_check_photo(upload, field, budget) for upload in uploads]


def _check_photo(upload: UploadedFile, field: str, budget: list[int]) -> CheckedPhoto:
    name = upload.name or "ảnh"
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise _refuse(f"Ảnh “{name}” lớn hơn {MAX_PHOTO_BYTES // (1024 * 1024)} MB.", field)
    upload.seek(0)
    original = upload.read(MAX_PHOTO_BYTES + 1)
    if len(original) > MAX_PHOTO_BYTES:
        raise _refuse(f"Ảnh “{name}” lớn hơn {MAX_PHOTO_BYTES // (1024 * 1024)} MB.", field)
    try:
        with Image.open(io.BytesIO(original)) as probe:
            extension = (probe.format or "").lower().replace("jpeg", "jpg")
            if probe.format not in ACCEPTED_FORMATS:
                raise _refuse(f"Tệp “{name}” không phải ảnh JPEG, PNG hoặc WebP.", field)
            if probe.width * probe.height > MAX_PIXELS:
                raise _refuse(f"Ảnh “{name}” có kích thước điểm ảnh quá lớn.", field)
            full_limit = MAX_FULL_DECODE_PIXELS.get(probe.format, MAX_PIXELS)
            if probe.width * probe.height > full_limit:
                message = f"Ảnh {probe.format} “{name}” quá lớn: tối đa {full_limit // 1_000_000} megapixel."
                raise _refuse(message, field)
            probe.verify()
        with Image.open(io.BytesIO(original)) as image:
            # JPEG only: decodes at the smallest scale (1/2 to 1/8) still at least the public copy's size.
            image.draft("RGB", _public_size(image.size))
            budget[0] -= image.width * image.height
            if budget[0] < 0:
                raise _refuse(
                    f"Các ảnh gửi cùng lúc quá lớn; hãy gửi ảnh “{name}” riêng hoặc nhỏ hơn.", field
                )
            public = _public_copy(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse(f"Tệp “{name}” không phải ảnh hợp lệ.", field) from None
    with Image.open(io.BytesIO(public)) as result:
        width, height = result.size
    return CheckedPhoto(original=original, extension=extension, public=public, width=width, height=height)


def _public_size(size: tuple[int, int]) -> tuple[int, int]:
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

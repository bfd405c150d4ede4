"""Photos are checked by their content and size; the public copy carries no location or camera data."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageFile

from tinhso.core.errors import InvalidInput
from tinhso.fieldreports import photos
from tinhso.fieldreports.models import Report
from tinhso.testing.fieldreport_helpers import file_report, jpeg_with_gps, png

pytestmark = pytest.mark.django_db


def test_the_public_copy_has_no_gps_nor_camera_data_while_the_original_keeps_it(categories):
    report = file_report(photos=[jpeg_with_gps()])
    photo = report.photos.get()
    with Image.open(photo.original.path) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo really has a location
    with Image.open(photo.image.path) as public:
        exif = public.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert ExifTags.Base.Make not in exif
        assert public.format == "JPEG" and public.size == (64, 48)
    assert photo.image.url.startswith("/media/fieldreports/")
    assert not photo.original.storage.base_url


def test_the_original_is_kept_outside_the_public_media_folder(categories, settings):
    photo = file_report(photos=[jpeg_with_gps()]).photos.get()
    assert not photo.original.path.startswith(str(settings.MEDIA_ROOT))
    assert photo.image.path.startswith(str(settings.MEDIA_ROOT))


def test_a_png_with_transparency_becomes_a_flat_jpeg(categories):
    photo = file_report(photos=[png()]).photos.get()
    with Image.open(photo.image.path) as public:
        assert public.format == "JPEG" and public.mode == "RGB"


def test_the_camera_s_orientation_is_applied_before_the_exif_is_dropped(categories):
    image = Image.new("RGB", (80, 40), "red")
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # taken with the phone turned: shown rotated 90°
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    photo = file_report(photos=[SimpleUploadedFile("doc.jpg", buffer.getvalue())]).photos.get()
    assert (photo.width, photo.height) == (40, 80)


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("o-ga.jpg", b"%PDF-1.7 not an image at all", content_type="image/jpeg"),
        SimpleUploadedFile("o-ga.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 200, content_type="image/jpeg"),
        SimpleUploadedFile("o-ga.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", content_type="image/gif"),
    ],
    ids=["pdf-named-jpg", "truncated-jpeg", "gif"],
)
def test_a_file_that_is_not_an_accepted_image_is_refused_naming_the_field(categories, upload):
    with pytest.raises(InvalidInput) as refused:
        file_report(photos=[upload])
    assert refused.value.code == "invalid_photo"
    assert "o-ga" in refused.value.errors["photos"][0]
    assert not Report.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(categories, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PHOTO_BYTES", 500)
    with pytest.raises(InvalidInput, match="lớn hơn"):
        file_report(photos=[jpeg_with_gps(size=(400, 400))])


def test_the_size_limit_is_ten_megabytes_and_five_photos():
    assert photos.MAX_PHOTO_BYTES == 10 * 1024 * 1024
    with pytest.raises(InvalidInput, match="tối đa 5 ảnh"):
        photos.check_photos([png() for _ in range(6)])


def test_an_image_with_too_many_pixels_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 1000)
    with pytest.raises(InvalidInput, match="quá lớn"):
        photos.check_photos([jpeg_with_gps(size=(100, 100))])


def _image(fmt: str, size: tuple[int, int]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 90, 60)).save(buffer, format=fmt)
    return SimpleUploadedFile(f"anh.{fmt.lower()}", buffer.getvalue())


@pytest.fixture
def decoded(monkeypatch) -> list[tuple[str, tuple[int, int]]]:
    """(format, size) of every image decoded, as the decoder saw it."""
    seen: list[tuple[str, tuple[int, int]]] = []
    load = ImageFile.ImageFile.load

    def spying_load(image):
        if image._im is None:
            seen.append((image.format, image.size))
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spying_load)
    return seen


def test_a_png_over_the_full_decode_limit_is_refused_without_decoding_it(monkeypatch, decoded):
    # A flat 39.7 MP PNG is only ~125 KB: under the byte and 40 MP limits, it took a worker to 601 MB.
    monkeypatch.setattr(photos, "MAX_FULL_DECODE_PIXELS", {"PNG": 10_000, "WEBP": 10_000})
    for fmt in ("PNG", "WEBP"):
        with pytest.raises(InvalidInput, match=f"Ảnh {fmt} “anh.{fmt.lower()}” quá lớn"):
            photos.check_photos([_image(fmt, (101, 100))])
    assert decoded == []
    assert photos.MAX_FULL_DECODE_PIXELS == {"PNG": 10_000, "WEBP": 10_000}


def test_a_large_jpeg_is_decoded_already_reduced_near_the_public_size(monkeypatch, decoded):
    monkeypatch.setattr(photos, "PUBLIC_MAX_SIDE", 64)
    [checked] = photos.check_photos([_image("JPEG", (1600, 1200))])
    assert (checked.width, checked.height) == (64, 48)
    # 1/8 is the decoder's smallest scale: 200 x 150 instead of 1,600 x 1,200.
    assert decoded == [("JPEG", (200, 150))]
    decoded.clear()
    [panorama] = photos.check_photos([_image("JPEG", (4000, 500))])
    assert (panorama.width, panorama.height) == (64, 8) and decoded == [("JPEG", (500, 63))]


def test_the_pixels_decoded_per_request_are_bounded(monkeypatch, decoded):
    monkeypatch.setattr(photos, "MAX_DECODED_PIXELS_PER_REQUEST", 25_000)
    with pytest.raises(InvalidInput, match="Các ảnh gửi cùng lúc quá lớn") as refused:
        photos.check_photos([_image("PNG", (100, 100)) for _ in range(3)])
    assert list(refused.value.errors) == ["photos"]
    assert [size for _fmt, size in decoded] == [(100, 100), (100, 100)]  # the third was never decoded
    assert photos.MAX_DECODED_PIXELS_PER_REQUEST >= 25_000


def _stored(root) -> list:
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_a_result_that_fails_after_storing_its_photos_leaves_no_file(
    categories, staff, settings, monkeypatch
):
    from pathlib import Path

    from tinhso.fieldreports import services
    from tinhso.testing.fieldreport_helpers import case

    report = services.acknowledge_report(actor=staff["handler"], **case(file_report()))
    roots = [Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)]
    before = [_stored(root) for root in roots]

    def broken(*args, **kwargs):
        raise RuntimeError("the event log is unreachable")

    monkeypatch.setattr(services, "record_event", broken)
    with pytest.raises(RuntimeError):
        services.post_result(
            actor=staff["handler"], **case(report), result="Đã vá.", photos=[jpeg_with_gps()]
        )
    assert [_stored(root) for root in roots] == before
    assert Report.objects.get(pk=report.pk).status == report.status

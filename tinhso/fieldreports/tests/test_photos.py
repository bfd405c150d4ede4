"""Photos are checked by their content and size; the public copy carries no location or camera data."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageFile

from tinhso.core.errors import InvalidInput
from tinhso.fieldreports import photos
from tinhso.fieldreports.models import Report, ReportPhoto
from tinhso.testing.fieldreport_helpers import file_report, jpeg_with_gps, png, process_photos

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
    public = photos.public_copy(_image("JPEG", (1600, 1200)).read())
    assert (public.width, public.height) == (64, 48)
    # 1/8 is the decoder's smallest scale: 200 x 150 instead of 1,600 x 1,200.
    assert decoded == [("JPEG", (200, 150))]
    decoded.clear()
    panorama = photos.public_copy(_image("JPEG", (4000, 500)).read())
    assert (panorama.width, panorama.height) == (64, 8) and decoded == [("JPEG", (500, 63))]


def test_the_request_decodes_no_pixel_the_job_does(decoded):
    uploads = [_image("JPEG", (1600, 1200)), _image("PNG", (100, 100)), _image("WEBP", (100, 100))]
    checked = photos.check_photos(uploads)
    assert decoded == []  # format and size read from the headers only
    assert [(photo.extension, photo.width, photo.height) for photo in checked] == [
        ("jpg", 1600, 1200),
        ("png", 100, 100),
        ("webp", 100, 100),
    ]
    photos.public_copy(checked[1].original)
    assert decoded == [("PNG", (100, 100))]


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


# Off the request: the request stores the original privately and answers; a job makes the public copy.


def _public_files(settings) -> list:
    from pathlib import Path

    return _stored(Path(settings.MEDIA_ROOT))


def _has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


def _public_answers(client, report) -> bytes:
    """Every public page and API answer showing the report, joined."""
    code = report.tracking_code
    answers = [
        client.get(f"/phan-anh/{code}/"),
        client.get("/phan-anh/"),
        client.get(f"/api/v1/fieldreports/reports/{code}"),
        client.get("/api/v1/fieldreports/reports"),
        client.get(f"/open311/v2/requests/{code}.json"),
        client.get("/open311/v2/requests.json"),
    ]
    assert all(answer.status_code == 200 for answer in answers)
    return b"".join(answer.content for answer in answers)


def test_the_unstripped_photo_is_never_public_before_nor_after_processing(
    client, categories, settings, django_capture_on_commit_callbacks
):
    from tinhso.fieldreports import tasks

    upload = jpeg_with_gps(size=(640, 480))
    original = upload.read()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        report = file_report(photos=[upload], processed=False)
    photo = report.photos.get()
    assert photo.state == ReportPhoto.State.PENDING and not photo.image
    assert photo.original.read() == original  # stored, privately
    assert not photo.original.path.startswith(str(settings.MEDIA_ROOT))
    assert _public_files(settings) == []
    answers = _public_answers(client, report)
    assert b"/media/" not in answers and photo.original.name.rsplit("/", 1)[-1].encode() not in answers

    [job] = [callback for callback in queued if getattr(callback, "func", None) is tasks.queue_processing]
    assert job.args == ([photo.pk],)  # queued once, after the commit
    job()
    photo.refresh_from_db()
    assert photo.state == ReportPhoto.State.PUBLIC and (photo.width, photo.height) == (640, 480)
    [public_file] = _public_files(settings)
    assert public_file.read_bytes() == photo.image.read() != original
    assert not _has_gps(public_file.read_bytes())
    answers = _public_answers(client, report)
    assert answers.count(photo.image.url.encode()) >= 4
    assert photo.original.name.rsplit("/", 1)[-1].encode() not in answers
    served = client.get(photo.image.url)
    assert served.status_code == 200 and not _has_gps(b"".join(served.streaming_content))
    assert client.get(f"/media/{photo.original.name}").status_code == 404


def test_the_kept_report_page_shows_the_photo_once_processed(client, categories):
    report = file_report(photos=[jpeg_with_gps()], processed=False)
    assert b"fr-photo" not in client.get(f"/phan-anh/{report.tracking_code}/").content
    process_photos(report)
    photo = report.photos.get()
    assert photo.image.url.encode() in client.get(f"/phan-anh/{report.tracking_code}/").content


def _broken_jpeg() -> SimpleUploadedFile:
    """A JPEG whose header is sound (type, size) but whose pixels stop half-way."""
    whole = jpeg_with_gps(size=(400, 300)).read()
    return SimpleUploadedFile("hong.jpg", whole[: len(whole) // 2], content_type="image/jpeg")


def test_a_photo_the_job_cannot_decode_ends_refused_and_the_report_stays(client, categories, staff, settings):
    report = file_report(photos=[_broken_jpeg(), jpeg_with_gps()])
    broken, sound = report.photos.order_by("pk")
    assert broken.state == ReportPhoto.State.REFUSED and not broken.image and broken.refusal
    assert sound.state == ReportPhoto.State.PUBLIC
    assert Report.objects.filter(pk=report.pk).exists()
    assert len(_public_files(settings)) == 1
    answers = _public_answers(client, report)
    assert (
        sound.image.url.encode() in answers
        and broken.original.name.rsplit("/", 1)[-1].encode() not in answers
    )
    client.force_login(staff["coordinator"])
    page = client.get(f"/can-bo/phan-anh/{report.tracking_code}/").content.decode()
    assert "Ảnh hỏng, không công bố" in page and sound.image.url in page


def test_a_killed_job_is_queued_again_by_the_periodic_job(categories, settings):
    from datetime import timedelta

    from django.utils import timezone

    from tinhso.fieldreports import services, tasks

    report = file_report(photos=[jpeg_with_gps()], processed=False)  # the queued job never ran
    photo = report.photos.get()
    ReportPhoto.objects.filter(pk=photo.pk).update(attempts=1)  # and another was killed half-way
    assert tasks.requeue_unprocessed_photos(now=timezone.now()) == 0  # too recent: may still be queued
    later = timezone.now() + services.PHOTO_REQUEUE_AFTER + timedelta(seconds=1)
    assert tasks.requeue_unprocessed_photos(now=later) == 1
    photo.refresh_from_db()
    assert photo.state == ReportPhoto.State.PUBLIC and photo.attempts == 2
    assert not _has_gps(photo.image.read()) and _public_files(settings)
    assert tasks.requeue_unprocessed_photos(now=later) == 0


def test_a_photo_that_kills_its_job_every_time_ends_refused(categories):
    from tinhso.fieldreports import services

    report = file_report(photos=[jpeg_with_gps()], processed=False)
    photo = report.photos.get()
    ReportPhoto.objects.filter(pk=photo.pk).update(attempts=services.PHOTO_ATTEMPTS)
    process_photos(report)
    photo.refresh_from_db()
    assert photo.state == ReportPhoto.State.REFUSED and not photo.image


def test_a_photo_processed_twice_at_once_keeps_one_public_copy(categories, settings, monkeypatch):
    from tinhso.fieldreports import services

    report = file_report(photos=[jpeg_with_gps()], processed=False)
    photo = report.photos.get()
    real = photos.public_copy

    def overtaken(original: bytes) -> photos.PublicCopy:
        monkeypatch.setattr(photos, "public_copy", real)
        services.process_photos(photo_ids=[photo.pk])  # a requeued run publishes it meanwhile
        return real(original)

    monkeypatch.setattr(photos, "public_copy", overtaken)
    services.process_photos(photo_ids=[photo.pk])
    photo.refresh_from_db()
    assert photo.state == ReportPhoto.State.PUBLIC and photo.attempts == 2
    assert [path.name for path in _public_files(settings)] == [photo.image.name.rsplit("/", 1)[-1]]


def test_open311_and_the_web_form_store_originals_only_and_queue_the_job(
    client, categories, settings, django_capture_on_commit_callbacks
):
    from tinhso.fieldreports import services

    secret, _ = services.create_api_key(actor=None, name="Ứng dụng CaMau-G")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            "/open311/v2/requests.json",
            {"api_key": secret, "service_code": "ha-tang-den", "lat": "9.22391", "long": "105.17722",
             "description": "Đèn không sáng.", "media": jpeg_with_gps()},
        )  # fmt: skip
    assert response.status_code == 200
    photo = ReportPhoto.objects.get()
    assert photo.state == ReportPhoto.State.PENDING and _public_files(settings) == []
    for callback in queued:
        callback()
    photo.refresh_from_db()
    assert photo.state == ReportPhoto.State.PUBLIC and len(_public_files(settings)) == 1


def test_the_web_form_takes_the_same_path(client, categories, settings):
    from tinhso.testing.fieldreport_helpers import REPORTER_PHONE

    response = client.post(
        "/phan-anh/gui/",
        {"category": "ha-tang-den", "description": "Đèn không sáng.", "latitude": "9.22391",
         "longitude": "105.17722", "phone": REPORTER_PHONE, "photos": jpeg_with_gps()},
    )  # fmt: skip
    assert response.status_code == 302
    photo = ReportPhoto.objects.get()
    assert photo.state == ReportPhoto.State.PENDING and not photo.image and _public_files(settings) == []

"""Builders for field-report tests: real Cà Mau places, a plausible reporter, camera-like photos."""

import io
from datetime import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from tinhso.core import working_time
from tinhso.fieldreports import services

AN_XUYEN = "32002"
AN_XUYEN_COMMITTEE = "32002.H12"
TAN_THANH_COMMITTEE = "32025.H12"
AN_XUYEN_POINT = (9.22391, 105.17722)  # near the centre of Phường An Xuyên
TAN_THANH_POINT = (9.18745, 105.21650)  # near the centre of Phường Tân Thành
CITIZEN_ID = "096090001234"  # Nguyễn Văn An, in the test population registry
REPORTER_NAME, REPORTER_PHONE, REPORTER_EMAIL = "Lâm Thị Ngọc Hân", "0918234567", "ngochan.lam@example.vn"


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=working_time.local_zone())


def file_report(category: str = "ha-tang-o-ga", point=AN_XUYEN_POINT, *, processed: bool = True, **kwargs):
    """A report filed through the service; its photos then processed by the job, as the queue would after
    the commit (a test's transaction never commits), unless `processed` is False."""
    values = {
        "category_code": category,
        "description": "Ổ gà lớn trước cổng trường, xe máy dễ té ngã.",
        "latitude": point[0],
        "longitude": point[1],
        "reporter_name": REPORTER_NAME,
        "phone": REPORTER_PHONE,
        "email": REPORTER_EMAIL,
        "attributes": {"muc-do": "lon"} if category == "ha-tang-o-ga" else {},
    }
    report = services.submit_report(**(values | kwargs))
    if processed:
        process_photos(report)
    return report


def process_photos(report) -> None:
    """Runs the photo job on the report's photos still waiting for their public copy."""
    from tinhso.fieldreports.models import ReportPhoto

    waiting = report.photos.filter(state=ReportPhoto.State.PENDING).values_list("pk", flat=True)
    services.process_photos(photo_ids=list(waiting))


def jpeg_with_gps(name: str = "o-ga.jpg", size=(64, 48)) -> SimpleUploadedFile:
    """A camera-like JPEG whose EXIF holds the place it was taken and the camera's make."""
    image = Image.new("RGB", size, (120, 90, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Samsung"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (9.0, 13.0, 26.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (105.0, 10.0, 38.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def png(name: str = "ket-qua.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGBA", (32, 32), (0, 128, 0, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def case(report) -> dict:
    """The arguments naming a report to the field-report services: its tracking code and the version read."""
    return {"tracking_code": report.tracking_code, "version": report.version}

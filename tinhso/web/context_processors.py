from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    return {"TINHSO_DEMO": settings.TINHSO_DEMO, "TINHSO_PROVINCE": settings.TINHSO_PROVINCE}

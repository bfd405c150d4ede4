"""Open311 GeoReport v2 routes; every resource ends in its format, .xml or .json."""

from django.urls import re_path

from tinhso.fieldreports import open311

app_name = "open311"
FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"
urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+)" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+)" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FMT, open311.token, name="token"),
    re_path(r"^(?P<path>.*)$", open311.unknown_resource),
]

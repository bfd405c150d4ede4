"""What list pages show of many records, at the cost of one: links by code and dates as the pages write them."""

import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.http import RFC3986_SUBDELIMS

from tinhso.core import caching

_MARKER = "0record0"


# Characters that quote() and iri_to_uri() leave as they are: a code made of them only is its own quoting.
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def url_of(name: str) -> Callable[[str], str]:
    """reverse(name, args=[code]) for many codes at the cost of one: the pattern's only argument is a
    plain string, which reverse quotes like this."""
    pattern = reverse(name, args=[_MARKER])
    return lambda code: pattern.replace(_MARKER, code if _PLAIN(code) else _quoted(code))


def _quoted(code: str) -> str:
    return iri_to_uri(quote(code, safe=RFC3986_SUBDELIMS + "/~:@"))


def url_setting() -> tuple[str, str]:
    """What a reversed URL varies with in this thread: the URL configuration and the script prefix."""
    return get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()


def page_url(name: str) -> str:
    """reverse(name) of a page without arguments, "" when no installed app has it: every page's menus link the
    same pages, and reverse() cost about 40 Python calls each time."""
    return _page_url(name, *url_setting())


@caching.memo("core.page_url", maxsize=512)
def _page_url(name: str, urlconf: str, prefix: str) -> str:
    try:
        return reverse(name, urlconf=urlconf)
    except NoReverseMatch:
        return ""


def day_and_time(instant: datetime | None, empty: str) -> str:
    """As the `date:"d/m/Y H:i"` filter writes it, in the current time zone, at a fraction of its cost."""
    return day_and_time_here()(instant, empty)


def day_and_time_here() -> Callable[[datetime | None, str], str]:
    """day_and_time for many instants at the cost of one: the current time zone looked up once."""
    zone = timezone.get_current_timezone()
    return lambda instant, empty: instant.astimezone(zone).strftime("%d/%m/%Y %H:%M") if instant else empty

"""A kept stretch of a template ({% keep %}) is rendered once per language and values named, and only then."""

import pytest
from django.template import TemplateSyntaxError, engines
from django.utils import translation

from tinhso.core import caching
from tinhso.testing.factories import citizen

TEMPLATE = '{% load i18n keep %}{% keep name %}{% translate "Đăng xuất" %} {{ name }} {{ other }}{% endkeep %}|{{ other }}'


def _render(**context: str) -> str:
    return engines["django"].from_string(TEMPLATE).render(context)


def test_a_kept_stretch_is_rendered_once_for_its_language_and_values():
    template = engines["django"].from_string(TEMPLATE)
    with translation.override("vi"):
        assert template.render({"name": "a", "other": "x"}) == "Đăng xuất a x|x"
        # Kept: what the stretch reads beyond its named values stays as first rendered; the rest is afresh.
        assert template.render({"name": "a", "other": "y"}) == "Đăng xuất a x|y"
        assert template.render({"name": "b", "other": "y"}) == "Đăng xuất b y|y"
    with translation.override("en"):
        assert template.render({"name": "a", "other": "z"}) == "Sign out a z|z"
    caching.clear_all()
    with translation.override("vi"):
        assert template.render({"name": "a", "other": "w"}) == "Đăng xuất a w|w"


def test_a_template_loaded_again_renders_its_stretches_afresh():
    with translation.override("vi"):
        assert _render(name="a", other="x") == "Đăng xuất a x|x"
        assert _render(name="a", other="y") == "Đăng xuất a y|y"


def test_every_page_header_follows_the_language(client, db):
    vietnamese = client.get("/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="vi">' in vietnamese and "Bỏ qua, đến nội dung chính" in vietnamese
    assert '<html lang="en">' in english and "Skip to main content" in english and "Sign in" in english
    assert "Bỏ qua" not in english and "Đăng nhập" not in english


def test_the_header_names_whoever_is_signed_in(client, db):
    first = citizen("096090001111", full_name="Nguyễn Thị Một")
    second = citizen("096090002222", full_name="Trần Văn Hai")
    client.force_login(first)
    assert "Nguyễn Thị Một" in client.get("/").content.decode()
    client.force_login(second)
    page = client.get("/").content.decode()
    assert "Trần Văn Hai" in page and "Nguyễn Thị Một" not in page


def test_a_kept_stretch_cannot_hold_a_block():
    # Kept once for every page extending the template, it would show the first page's block on all of them.
    with pytest.raises(TemplateSyntaxError, match="block"):
        engines["django"].from_string("{% load keep %}{% keep %}{% block title %}{% endblock %}{% endkeep %}")

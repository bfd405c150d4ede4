"""{% keep value ... %}…{% endkeep %}: a stretch of a template that every request in a language renders alike
(web/base.html's head, brand, menus and footer), rendered once per process and kept. A `{% translate %}`,
`{% static %}` or `{% url %}` costs some 40–130 Python calls a render; a kept stretch costs one lookup.

The kept text varies with the active language, the URL configuration and script prefix, and the values named
in the tag; the stretch must read nothing else of the request or the context. It must not rely on a variable
set by the template outside it either, nor set one for the template after it: when kept, it runs nothing."""

from collections.abc import Hashable

from django import template
from django.template.base import FilterExpression, Parser, Token
from django.template.context import Context
from django.template.loader_tags import BlockNode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from tinhso.core import caching
from tinhso.core.display import url_setting

register = template.Library()

# Per template node (the node itself is in the key, so a template loaded again renders its stretches afresh).
_KEPT = caching.Kept("web.kept_stretches", max_entries=2_000)
_RENDER_KEY = "tinhso.web.keep"


class KeptNode(template.Node):
    # `{% extends %}` looks for the base page's blocks through every node at each render: not in here, where
    # a block is refused (`keep`).
    child_nodelists = ()

    def __init__(self, nodelist: template.NodeList, values: list[FilterExpression]) -> None:
        self.nodelist, self.values = nodelist, values

    def render(self, context: Context) -> SafeString:
        key = (self, _page_key(context), *(value.resolve(context) for value in self.values))
        return _KEPT.get(key, lambda: mark_safe(self.nodelist.render(context)))


def _page_key(context: Context) -> Hashable:
    """What every kept stretch varies with, read once a render."""
    known = context.render_context.get(_RENDER_KEY)
    if known is None:
        known = context.render_context[_RENDER_KEY] = (get_language(), *url_setting())
    return known


@register.tag
def keep(parser: Parser, token: Token) -> KeptNode:
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endkeep",))
    parser.delete_first_token()
    # Kept once for every page, a block would show the first page's block on all of them.
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError("A {% keep %} stretch cannot hold a {% block %}.")
    return KeptNode(nodelist, values)

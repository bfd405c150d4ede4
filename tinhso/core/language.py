"""Names kept in the database in Vietnamese and English: the one shown is the active language's."""

from django.utils.translation import get_language


def in_active_language(*, vi: str, en: str) -> str:
    """The English name in English mode when there is one, else the Vietnamese (the authoritative name)."""
    language = get_language() or ""
    return en if en and language.startswith("en") else vi

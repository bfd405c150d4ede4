"""Folding Vietnamese text for search: "Trường học" and "truong hoc" fold alike, and "đ" to "d", in Python, so
SQLite and PostgreSQL search the same stored column the same way (no `unaccent` extension needed)."""

import unicodedata

from unidecode import unidecode


def fold(value: str) -> str:
    """Lower-case ASCII of `value`: diacritics dropped, "đ"/"Đ" to "d", spaces squeezed."""
    return " ".join(unidecode(unicodedata.normalize("NFC", value)).lower().split())


def words(query: str) -> list[str]:
    """The folded words of a search query."""
    return fold(query).split()

"""Reading numbers from text a request carries outside a form or a schema."""

INTEGER_MAX = 2**31 - 1  # PostgreSQL's integer: a larger number would fail at the database, not here
BIGINT_MAX = 2**63 - 1  # PostgreSQL's bigint (event ids)


def whole_number(text: str, maximum: int = INTEGER_MAX) -> int | None:
    """The text as a whole number the database can hold, or None: str.isdigit alone takes "²" for a digit,
    which int() refuses."""
    if text.isascii() and text.isdigit() and len(text) <= len(str(maximum)) and int(text) <= maximum:
        return int(text)
    return None

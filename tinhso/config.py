"""Typed readers for environment variables: every bad value is refused with its name and value."""

import os
from collections.abc import Mapping
from datetime import time

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Env:
    """Reads configuration from a mapping (the process environment by default)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def text(self, name: str, default: str) -> str:
        return self.environ.get(name, default).strip() or default

    def flag(self, name: str, default: bool) -> bool:
        raw = self.environ.get(name)
        if raw is None:
            return default
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use one of 1, 0, true, false, yes, no.")

    def number(self, name: str, default: int, *, minimum: int = 0) -> int:
        raw = self.environ.get(name)
        if raw is None or not raw.strip():
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
        if value < minimum:
            raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
        return value

    def items(self, name: str, default: list[str]) -> list[str]:
        raw = self.environ.get(name)
        if raw is None:
            return default
        return [item.strip() for item in raw.split(",") if item.strip()]

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.text(name, default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}.")
        return value

    def office_hours(self, name: str, default: str) -> list[tuple[time, time]]:
        """Parses '07:30-11:30,13:30-17:00' into ordered, non-overlapping periods."""
        raw = self.text(name, default)
        periods: list[tuple[time, time]] = []
        try:
            for part in raw.split(","):
                start, end = (time.fromisoformat(p.strip()) for p in part.split("-"))
                periods.append((start, end))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}={raw!r} is not a list of office periods such as '07:30-11:30,13:30-17:00'."
            ) from None
        previous_end = time.min
        for start, end in periods:
            if not previous_end <= start < end:
                raise ImproperlyConfigured(f"{name}={raw!r}: periods must be ordered and must not overlap.")
            previous_end = end
        return periods

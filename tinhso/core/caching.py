"""Every cache the platform keeps, in one of three kinds, each named and registered so that one call
(`clear_all`) empties them all:

- `Kept`: values a process read from the database, kept for a while (`seconds`) and up to `max_entries`;
- `memo`: a pure function's results, kept by this process for good (`functools.lru_cache`, registered);
- `Shared`: rendered pages or values shared by every process through a Django cache alias it owns.

A new cache is one of these, never a module-level dict: a reader then finds every cache in one list
(`registered()`), and none is left behind by a test (the fixture calls `clear_all`)."""

import functools
import hashlib
import time
from collections.abc import Callable, Hashable
from typing import Any, Protocol, TypeVar, cast

from django.core.cache import BaseCache, caches

T = TypeVar("T")


def key_of(*parts: object) -> str:
    """A key for a Shared value from everything it depends on (their repr): fixed length, safe on any backend."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()


class _Clearable(Protocol):
    name: str

    def clear(self) -> None: ...


_REGISTRY: dict[str, _Clearable] = {}


def _register(cache: _Clearable) -> None:
    if cache.name in _REGISTRY:
        raise ValueError(f"A cache named {cache.name!r} is registered already.")
    _REGISTRY[cache.name] = cache


def registered() -> list[str]:
    """The names of the caches declared so far (those of modules imported)."""
    return sorted(_REGISTRY)


def clear_all() -> None:
    """Empties every registered cache of this process (and the shared ones)."""
    for cache in _REGISTRY.values():
        cache.clear()


class Kept:
    """Values this process read, each kept `seconds` (for good when None; a function giving them is asked
    each time), at most `max_entries` of them: past that bound the cache starts afresh, which only costs the
    reads again."""

    def __init__(
        self, name: str, *, seconds: float | Callable[[], float] | None = None, max_entries: int = 1_000
    ) -> None:
        self.name, self.seconds, self.max_entries = name, seconds, max_entries
        self._values: dict[Hashable, tuple[float, Any]] = {}
        _register(self)

    def _fresh(self, kept_at: float, now: float) -> bool:
        seconds = self.seconds() if callable(self.seconds) else self.seconds
        return seconds is None or now - kept_at < seconds

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        """read(), as this process got it less than `seconds` ago."""
        now = time.monotonic()
        kept = self._values.get(key)
        if kept is not None and self._fresh(kept[0], now):
            return kept[1]
        value = read()
        self.put(key, value, now=now)
        return value

    def peek(self, key: Hashable, default: Any = None) -> Any:
        """The value kept for `key` if still fresh, else `default`, without reading anything."""
        kept = self._values.get(key)
        if kept is None or not self._fresh(kept[0], time.monotonic()):
            return default
        return kept[1]

    def put(self, key: Hashable, value: Any, *, now: float | None = None) -> None:
        if len(self._values) >= self.max_entries and key not in self._values:
            self._values.clear()
        self._values[key] = (time.monotonic() if now is None else now, value)

    def forget(self, key: Hashable) -> None:
        self._values.pop(key, None)

    def clear(self) -> None:
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


class _Memo:
    def __init__(self, name: str, function: Callable) -> None:
        self.name, self.function = name, function
        _register(self)

    def clear(self) -> None:
        self.function.cache_clear()  # type: ignore[attr-defined]


def memo(
    name: str, *, maxsize: int | None = 256
) -> Callable[[Callable[..., T]], "functools._lru_cache_wrapper[T]"]:
    """A pure function's results kept by this process (functools.lru_cache), registered under `name`."""

    def decorate(function: Callable[..., T]) -> "functools._lru_cache_wrapper[T]":
        kept = functools.lru_cache(maxsize=maxsize)(function)
        _Memo(name, kept)
        return kept

    return decorate


class Shared:
    """Values every process shares through the Django cache `alias`, which this cache owns (clearing it
    clears the alias), each kept `seconds`. With `read_here`, a process also keeps up to that many of the
    values it read by `peek` (their keys must name everything they depend on), each no longer than the alias
    keeps it: the next requests need not ask the alias (Redis) again."""

    def __init__(self, name: str, *, alias: str, seconds: float, read_here: int = 0) -> None:
        self.name, self.alias, self.seconds = name, alias, seconds
        self._here = Kept(f"{name}.read_here", max_entries=read_here) if read_here else None
        _register(self)

    @property
    def backend(self) -> BaseCache:
        return caches[self.alias]

    def get(self, key: str, compute: Callable[[], T]) -> T:
        return cast(T, self.backend.get_or_set(f"{self.name}:{key}", compute, self.seconds))

    def peek(self, key: str) -> Any:
        """The value `put` for `key` less than `seconds` ago, None when there is none."""
        kept = self._here.peek(key) if self._here is not None else None
        if kept is None or time.time() - kept[0] >= self.seconds:
            kept = self.backend.get(f"{self.name}:{key}")
            if kept is None:
                return None
            if self._here is not None:
                self._here.put(key, kept)
        return kept[1]

    def put(self, key: str, value: Any) -> None:
        self.backend.set(f"{self.name}:{key}", (time.time(), value), self.seconds)

    def clear(self) -> None:
        caches[self.alias].clear()
        self.forget_here()

    def forget_here(self) -> None:
        """Drops this process's copies only; the alias keeps its values."""
        if self._here is not None:
            self._here.clear()


def clear_shared(alias: str) -> None:
    """Empties the Django cache `alias` and what each process-side copy of it kept (as after the values'
    sources moved on)."""
    caches[alias].clear()
    for cache in _REGISTRY.values():
        if isinstance(cache, Shared) and cache.alias == alias:
            cache.forget_here()

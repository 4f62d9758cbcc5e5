"""The cache of shared representations: the part of a body that is the same for every caller who
may see it, stored under a key made of version stamps (docs/architecture.md, "Versions, ETags and
cached representations").

Two levels: a bounded in-process LRU in front of Django's `representations` cache (Redis when
REDIS_URL is set, this process's memory otherwise). Keys hold the stamps of everything the value
was built from, and stamps are never reused (a sequence, plus the database's epoch), so a key
never needs invalidating: a write makes new keys, old ones age out. That is what makes a
per-process LRU safe across gunicorn workers.

A value is built from the database AFTER its key's stamps were read (READ COMMITTED: a later
statement sees at least what an earlier one saw), so the value under a key is never older than
the key says; it may be newer when a write committed in between, which is never stale.

Values are shared between requests and threads: callers must never mutate what `get` returns.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches

from core.conditional import FORMAT

ALIAS = "representations"
_MISSING = object()


class _Lru:
    """A thread-safe bounded mapping that forgets the least recently used key first."""

    def __init__(self, size: int):
        self.size, self.data, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.data.get(key, _MISSING)
            if value is not _MISSING:
                self.data.move_to_end(key)
            return value

    def set(self, key, value) -> None:
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.data.clear()


_local = _Lru(getattr(settings, "REPRESENTATION_CACHE_LRU_SIZE", 1024))


def key(kind: str, *parts) -> str:
    """The cache key of a `kind` of representation built from `parts` (stamps, ids, filters,
    the request's absolute URI; each part's `repr` counts), short whatever the parts."""
    return f"{kind}:{FORMAT}:" + hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()


def get_or_build(cache_key: str, build: Callable[[], object]):
    """The value under `cache_key`, from this process, then the shared cache, else `build()` (then
    stored in both). None is never stored (a builder that finds nothing raises instead)."""
    value = _local.get(cache_key)
    if value is not _MISSING:
        return value
    shared = caches[ALIAS]
    value = shared.get(cache_key, _MISSING)
    if value is _MISSING:
        value = build()
        shared.set(cache_key, value, settings.REPRESENTATION_CACHE_SECONDS)
    _local.set(cache_key, value)
    return value


def clear_local() -> None:
    """Forget this process's copies (tests; the shared cache is `caches[ALIAS].clear()`)."""
    _local.clear()

"""The user of every authenticated request, kept in the shared cache (Redis) by id: cache
infrastructure, no business logic.

With Redis (`REDIS_URL`), the user row is read in the same round trip as the request's throttle
counter (`core.throttling.window_count_and_read`), so a signed-in request costs no database
query for its user; without Redis every request reads the row (`accounts.selectors.user_get_by_id`).
Authentication then compares the token's `ver` with the cached `token_version` as before.

Every change of a user row made by the application forgets its entry (`user_cache_forget`), in every process at once
(the entry is shared): the services that write users with `QuerySet.update()` call it
explicitly; every ORM save or delete of a User (services, the admin, commands, the shell) calls
it through `user_saved_or_deleted`, connected in `AccountsConfig.ready()`. The forgetting runs
twice: inside the writing transaction (a Redis failure then fails the write, so a change is never
committed with its old row still cached) and after the commit (an entry stored meanwhile by a
request that read the row before the commit goes too). A store is conditional on the user's
generation counter, which every forget increments: a request that read the row before a change
cannot store it after that change was forgotten. Entries also expire after `ENTRY_SECONDS`.

A change made outside the application (`psql`, a restore) fires no receiver: `manage.py restore`
forgets every entry (`user_cache_forget_all`), and after a hand-written change an operator runs
`manage.py forget_cached_users ID...` (or `--all`); otherwise it is seen within `ENTRY_SECONDS`.
"""

from __future__ import annotations

import hashlib
import pickle
import uuid

from django.core.cache import cache
from django.db import transaction

from accounts.models import User
from accounts.selectors import user_get_by_id
from core.throttling import UserRateThrottle, window_count_and_read

ENTRY_SECONDS = 300
GENERATION_SECONDS = 86400
# The entries are pickled User instances: a deploy that changes the model's columns reads none
# written before it (their key names the columns).
_COLUMNS = hashlib.sha256(",".join(f.attname for f in User._meta.concrete_fields).encode()).hexdigest()[:12]

# Store the entry only if the generation is still the one read with the miss.
_STORE = """
local generation = redis.call('GET', KEYS[2]) or ''
if generation ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
"""
_FORGET = """
for i = 1, #KEYS, 2 do
  redis.call('DEL', KEYS[i])
  redis.call('INCR', KEYS[i + 1])
  redis.call('EXPIRE', KEYS[i + 1], ARGV[1])
end
return 1
"""
_scripts: dict[tuple[int, str], object] = {}


def _redis():
    client = getattr(cache, "client", None)
    return client.get_client(write=True) if hasattr(client, "get_client") else None


def _script(redis, source: str):
    script = _scripts.get((id(redis), source))
    if script is None:
        script = _scripts[(id(redis), source)] = redis.register_script(source)
    return script


def _keys(user_id) -> tuple[str, str]:
    entry = cache.make_and_validate_key(f"user:{_COLUMNS}:{user_id}")
    return entry, cache.make_and_validate_key(f"user-generation:{user_id}")


def _user_throttle(request):
    """The view's per-user throttle whose window this request will count, if any."""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    if view is None:
        return None
    for throttle in view.get_throttles():
        if (
            isinstance(throttle, UserRateThrottle)
            and throttle.rate is not None
            and type(throttle).get_cache_key is UserRateThrottle.get_cache_key
        ):
            return throttle
    return None


def user_for_request(user_id: uuid.UUID, request) -> User | None:
    """The user `user_id` (active or not) or None, for authenticating `request`: from the shared
    cache, read in the round trip that counts the request in its view's user throttle (the count
    is left on `request.counted_windows` for the throttle), else from the database (then stored)."""
    redis = _redis()
    if redis is None:
        return user_get_by_id(user_id)
    entry_key, generation_key = _keys(user_id)
    throttle = _user_throttle(request)
    if throttle is not None:
        window = throttle.window_key(user_id)
        count, ttl, (entry, generation) = window_count_and_read(
            throttle.cache, window, throttle.duration, (entry_key, generation_key)
        )
        if not hasattr(request, "counted_windows"):
            request.counted_windows = {}
        request.counted_windows[window] = (count, ttl)
    else:
        entry, generation = redis.mget(entry_key, generation_key)
    if entry is not None:
        return pickle.loads(entry)  # noqa: S301 (our own cache, written below)
    user = user_get_by_id(user_id)
    if user is not None:
        _script(redis, _STORE)(
            keys=[entry_key, generation_key], args=[pickle.dumps(user), generation or b"", ENTRY_SECONDS]
        )
    return user


def user_cache_forget(user_ids) -> None:
    """Forget the cached rows of `user_ids` now and again after the commit (module docstring)."""
    redis = _redis()
    if redis is None:
        return
    keys = [key for user_id in user_ids for key in _keys(user_id)]
    if not keys:
        return

    def forget():
        _script(_redis(), _FORGET)(keys=keys, args=[GENERATION_SECONDS])

    forget()
    transaction.on_commit(forget)


def user_cache_forget_all() -> int | None:
    """Forget every cached user row, of users that exist or not: after a restore, or after rows
    were changed outside the application (`manage.py forget_cached_users --all`). The number of
    entries dropped, or None without the shared cache. A request that read a row just before
    may still store it; only `user_cache_forget` of named users guards against that (generation)."""
    if _redis() is None:
        return None
    return cache.delete_pattern(f"user:{_COLUMNS}:*")


def user_saved_or_deleted(sender, instance, **kwargs) -> None:
    """post_save / post_delete of User: forget its cached row (whoever saved it)."""
    user_cache_forget([instance.pk])

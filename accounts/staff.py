"""Staff actions on accounts (the Django admin): deactivating a user and revoking sessions. They end
sessions the way `accounts.services` does (the user row locked first, core/locks.py)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import RevokeReason, User
from accounts.services import _families_revoke, _user_sign_out_everywhere
from accounts.usercache import user_cache_forget
from core.hooks import Hook
from core.locks import Lock, lock_objects

# Connected by events.availability (AppConfig.ready): that app depends on accounts, not the other way round.
user_deactivated = Hook(
    "accounts.user_deactivated",
    "user_deactivated(user=<locked User>): the user was deactivated site-wide, in this transaction; "
    "their seats and waitlist places in every club's upcoming events are to be freed.",
)


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """Staff action: deactivate `user`, revoke every session, kill their access tokens, and give
    up the event seats they hold (waitlisted RSVPs are promoted by the availability service)."""
    (locked,) = lock_objects(Lock(User.objects.filter(pk=user.pk)))[0]
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    _user_sign_out_everywhere(user=locked, reason=RevokeReason.DEACTIVATED)
    user_deactivated(user=locked)
    user.is_active = False
    user.token_version = locked.token_version


@transaction.atomic
def refresh_tokens_revoke(*, tokens, reason: str = RevokeReason.ADMIN) -> int:
    """Staff action: revoke the sessions (families) of `tokens` and kill their users' access tokens."""
    user_ids = set(tokens.values_list("user_id", flat=True))
    lock_objects(Lock(User.objects.filter(pk__in=user_ids), no_key=True))
    revoked = _families_revoke(tokens=tokens, reason=reason, now=timezone.now())
    User.objects.filter(pk__in=user_ids).update(token_version=F("token_version") + 1)
    user_cache_forget(user_ids)  # `update()` sends no post_save (accounts/usercache.py)
    return revoked

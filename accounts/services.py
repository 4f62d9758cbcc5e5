"""Accounts services: registration, sign-in, refresh-token rotation with reuse detection, sign-out,
password change, profile updates and deactivation. Every write of the auth lifecycle lives here.

Refresh-token lifecycle (table `refresh_tokens`, one row per issued token, stored as a SHA-256 hash):

- A sign-in starts a *family* (`family_id`), capped at `REFRESH_FAMILY_MAX_AGE` from its start.
- `refresh_rotate` locks the user row, then the presented row, spends it (`used_at`) and creates
  its successor (`parent` = the presented row) in one transaction. The one-to-one `parent` column
  backs this in the database: a token can have only one successor.
- Every path that ends sessions (logout, session deletion, logout-all, password change, theft
  detection, deactivation, staff revocation) locks the same user row first (`core.locks`, whose
  order puts the user before refresh-token rows). Rotation and revocation of one user therefore
  serialize: a revocation waits for a concurrent rotation to commit and then revokes its successor
  too, and a rotation that waited for a revocation finds its token revoked. Once any of those calls
  has answered, no refresh token of the ended session works again.
- Presenting a spent token is theft: the whole family is revoked in a transaction that commits
  before the 401 is raised, and a WARNING goes to the `bookwork.security` logger.
- Logout, session deletion, logout-all, password change and deactivation revoke families AND bump
  `users.token_version` (the `ver` claim; its cached row forgotten, accounts/usercache.py): access
  tokens die on their next request. A password change or reset also rotates the calendar feed.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings

from accounts.feeds import calendar_feed_rotate
from accounts.models import RefreshToken, RevokeReason, User, UserManager
from accounts.selectors import session_list
from accounts.tokens import access_token_for, refresh_token_hash, refresh_token_sign, refresh_token_verify
from accounts.usercache import user_cache_forget
from core.locks import lock_one, retry_on_conflict
from core.services import model_update

security_log = logging.getLogger("bookwork.security")

# A family this close to its cap is treated as expired: its successor could not outlive its creation.
_MIN_REMAINING = timedelta(seconds=1)


class InvalidCredentials(exceptions.AuthenticationFailed):
    """401 for a wrong email, a wrong password and an inactive user alike."""

    default_detail = "No active account found with the given credentials."
    default_code = "authentication_failed"


class TokenNotValid(exceptions.AuthenticationFailed):
    """401 for a refresh token that is forged, expired, spent, revoked, unknown or of the wrong kind."""

    default_detail = "Token is invalid or expired."
    default_code = "token_not_valid"


@dataclass(frozen=True)
class ClientInfo:
    """Who is calling, as recorded on the session: user agent (truncated) and client IP or None."""

    user_agent: str = ""
    ip: str | None = None


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    user: User


def _field_errors(field: str, error: DjangoValidationError) -> exceptions.ValidationError:
    errors = [ErrorDetail(str(message), code=item.code or "invalid") for item in error.error_list for message in item]
    return exceptions.ValidationError({field: errors})


def _password_validate(*, password: str, user: User, field: str) -> None:
    """Django's AUTH_PASSWORD_VALIDATORS; failures are 400 errors on `field` with their codes."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as error:
        raise _field_errors(field, error) from None


def _refresh_token_issue(
    *,
    user: User,
    family_id: uuid.UUID,
    family_expires_at: datetime,
    parent: RefreshToken | None,
    client: ClientInfo,
    now: datetime,
) -> str:
    """Create one row of a family and return the raw token (which is never stored)."""
    expires_at = min(now + settings.REFRESH_TOKEN_LIFETIME, family_expires_at)
    issued = refresh_token_sign(user=user, issued_at=now, expires_at=expires_at)
    RefreshToken.objects.create(
        user=user,
        token_hash=issued.token_hash,
        jti=issued.jti,
        family_id=family_id,
        parent=parent,
        expires_at=expires_at,
        family_expires_at=family_expires_at,
        created_at=now,
        last_used_at=now,
        user_agent=(client.user_agent or "")[:512],
        ip=client.ip,
    )
    return issued.raw


def _session_start(*, user: User, client: ClientInfo, now: datetime) -> TokenPair:
    refresh = _refresh_token_issue(
        user=user,
        family_id=uuid.uuid4(),
        family_expires_at=now + settings.REFRESH_FAMILY_MAX_AGE,
        parent=None,
        client=client,
        now=now,
    )
    return TokenPair(access=access_token_for(user), refresh=refresh, user=user)


def _families_revoke(*, tokens, reason: str, now: datetime) -> int:
    """Revoke every not-yet-revoked row of `tokens`' families; returns how many rows changed."""
    return RefreshToken.objects.filter(
        family_id__in=tokens.values("family_id"),
        is_revoked=False,
    ).update(is_revoked=True, revoked_at=now, revoked_reason=reason)


def _user_lock(*, user_id) -> User | None:
    """Lock the user row (FOR NO KEY UPDATE: refresh-token rows referencing it may still be
    inserted by this transaction) before any refresh-token row; None if the user is gone."""
    return lock_one(User.objects.filter(pk=user_id), no_key=True)


def _token_version_bump(*, user: User) -> None:
    """Kill every access token of `user` (their `ver` claim no longer matches)."""
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user_cache_forget([user.pk])  # `update()` sends no post_save
    user.refresh_from_db(fields=["token_version"])


# --- registration and sign-in -------------------------------------------------------------------


@transaction.atomic
def user_create(*, email: str, password: str, name: str, phone: str | None = None, now: datetime | None = None) -> User:
    """Create an active `member`, no session (`user_register` starts one). A taken email (unique case-
    insensitively) or a password failing AUTH_PASSWORD_VALIDATORS is a 400 on its field. One hash."""
    email = UserManager.normalize_email_address(email)
    now = now or timezone.now()
    # One timestamp for the request: created_at = updated_at = last_login = the session's times.
    user = User(email=email, name=name.strip(), phone=phone or None, last_login=now, created_at=now, updated_at=now)
    _password_validate(password=password, user=user, field="password")
    taken = exceptions.ValidationError(
        {"email": [ErrorDetail("A user with this email already exists.", code="unique")]}
    )
    if User.objects.filter(email=email).exists():
        raise taken
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:
        # A concurrent registration with the same email won the unique index.
        raise taken from None
    return user


@transaction.atomic
def user_register(*, email: str, password: str, name: str, phone: str | None = None, client: ClientInfo) -> TokenPair:
    """`user_create`, then sign the new member in (a new API session)."""
    user = user_create(email=email, password=password, name=name, phone=phone, now=(now := timezone.now()))
    return _session_start(user=user, client=client, now=now)


def user_login(*, email: str, password: str, client: ClientInfo) -> TokenPair:
    """Check credentials with exactly one password hash (also for unknown emails, so timing does not
    reveal which emails exist) and start a new session.

    Unknown email, wrong password and inactive user all raise the same `InvalidCredentials` (401).
    """
    normalized = UserManager.normalize_email_address(email)
    user = User.objects.filter(email=normalized).first()
    if user is None:
        make_password(password)  # the one hash of this request: same cost as a real check
        raise InvalidCredentials()
    if not user.check_password(password) or not user.is_active:
        raise InvalidCredentials()
    with transaction.atomic():
        now = timezone.now()
        user.last_login = now
        user.save(update_fields=["last_login"])
        return _session_start(user=user, client=client, now=now)


# --- refresh-token rotation ---------------------------------------------------------------------


def _verified_hash(raw: str) -> tuple[str, str]:
    """(hash, user id claim) of a presented refresh token, or `TokenNotValid`."""
    try:
        token = refresh_token_verify(raw)
    except TokenError:
        raise TokenNotValid() from None
    return refresh_token_hash(raw), str(token.get(api_settings.USER_ID_CLAIM, ""))


def _live(token: RefreshToken, now: datetime) -> bool:
    return (
        not token.is_revoked
        and token.used_at is None
        and token.expires_at > now
        and token.family_expires_at - now > _MIN_REMAINING
    )


def _rotate(*, token: RefreshToken, client: ClientInfo, now: datetime) -> TokenPair:
    token.used_at = now
    token.last_used_at = now
    token.save(update_fields=["used_at", "last_used_at"])
    refresh = _refresh_token_issue(
        user=token.user,
        family_id=token.family_id,
        family_expires_at=token.family_expires_at,
        parent=token,
        # A client that omits its User-Agent keeps the one its session started with.
        client=ClientInfo(user_agent=client.user_agent or token.user_agent, ip=client.ip or token.ip),
        now=now,
    )
    return TokenPair(access=access_token_for(token.user), refresh=refresh, user=token.user)


def _grace_successor(*, token: RefreshToken, now: datetime) -> RefreshToken | None:
    """The live successor of `token` if `token` is the family's immediately previous token and was
    spent less than REFRESH_REUSE_GRACE_SECONDS ago; None otherwise (then it is reuse)."""
    grace = settings.REFRESH_REUSE_GRACE_SECONDS
    if grace <= 0 or token.used_at is None or now - token.used_at > timedelta(seconds=grace):
        return None
    successor = RefreshToken.objects.select_for_update(of=("self",)).select_related("user").filter(parent=token).first()
    if successor is None or not _live(successor, now):
        return None
    return successor


@retry_on_conflict
def refresh_rotate(*, raw: str, client: ClientInfo) -> TokenPair:
    """Spend the presented refresh token and issue a new access + refresh pair in its family.

    Of any number of concurrent calls with one token exactly one succeeds: the user row, then the
    token row are locked (`SELECT ... FOR UPDATE`) and the token is re-checked inside the
    transaction. A session ended concurrently is either ended before (the token is revoked) or
    after this commits (the successor is revoked with it). A spent token is reuse: its
    family is revoked (committed) and `TokenNotValid` is raised. Within the grace period the
    immediately previous token is accepted once more and rotates the family's current token.
    """
    token_hash, user_claim = _verified_hash(raw)
    try:
        user_id = uuid.UUID(user_claim)
    except ValueError:
        raise TokenNotValid() from None
    reused: RefreshToken | None = None
    with transaction.atomic():
        # The user row first: session-ending paths take it too, so they serialize with this.
        if _user_lock(user_id=user_id) is None:
            raise TokenNotValid()
        now = timezone.now()
        token = (
            RefreshToken.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(token_hash=token_hash)
            .first()
        )
        if token is None or str(token.user_id) != user_claim or token.is_revoked or not token.user.is_active:
            raise TokenNotValid()
        if token.used_at is not None:
            successor = _grace_successor(token=token, now=now)
            if successor is not None:
                security_log.info(
                    "refresh token retried within grace period",
                    extra={"event": "refresh_grace_retry", "family_id": str(token.family_id)},
                )
                return _rotate(token=successor, client=client, now=now)
            _families_revoke(
                tokens=RefreshToken.objects.filter(pk=token.pk), reason=RevokeReason.REUSE_DETECTED, now=now
            )
            reused = token
        elif not _live(token, now):
            raise TokenNotValid()
        else:
            return _rotate(token=token, client=client, now=now)
    # Only reached for reuse: the revocation above is committed before the request fails.
    security_log.warning(
        "refresh token reuse detected: session family revoked",
        extra={
            "event": "refresh_token_reuse",
            "user_id": str(reused.user_id),
            "family_id": str(reused.family_id),
            "token_id": str(reused.pk),
            "ip": client.ip,
            "user_agent": client.user_agent[:200],
        },
    )
    raise TokenNotValid()


# --- sign-out and sessions ----------------------------------------------------------------------


@transaction.atomic
def session_logout(*, user: User, raw: str) -> None:
    """Revoke the session (family) of `raw`, which must be a refresh token of `user`, and bump the
    user's token version so the access token used for this call dies too (other sessions keep
    their refresh tokens and simply refresh). An access token or another user's token is
    `TokenNotValid`. Logging out an already revoked session again is a no-op success."""
    token_hash, user_claim = _verified_hash(raw)
    _user_lock(user_id=user.pk)
    tokens = RefreshToken.objects.filter(token_hash=token_hash, user=user)
    if user_claim != str(user.pk) or not tokens.exists():
        raise TokenNotValid()
    _families_revoke(tokens=tokens, reason=RevokeReason.LOGOUT, now=timezone.now())
    _token_version_bump(user=user)


@transaction.atomic
def session_revoke(*, user: User, family_id: uuid.UUID) -> None:
    """Revoke one live session of `user` (and bump the token version, as logout does).
    Raises `NotFound` for another user's, a dead or an unknown session."""
    _user_lock(user_id=user.pk)
    if not session_list(user=user).filter(family_id=family_id).exists():
        raise exceptions.NotFound()
    _families_revoke(
        tokens=RefreshToken.objects.filter(user=user, family_id=family_id),
        reason=RevokeReason.SESSION_DELETED,
        now=timezone.now(),
    )
    _token_version_bump(user=user)


def _user_sign_out_everywhere(*, user: User, reason: str) -> int:
    _user_lock(user_id=user.pk)  # after it, no concurrent rotation can add a token unseen
    revoked = RefreshToken.objects.filter(user=user, is_revoked=False).update(
        is_revoked=True, revoked_at=timezone.now(), revoked_reason=reason
    )
    _token_version_bump(user=user)
    if reason == RevokeReason.PASSWORD_CHANGE:  # the feed address is a credential too
        calendar_feed_rotate(user=user)
    return revoked


@transaction.atomic
def user_logout_all(*, user: User) -> int:
    """Revoke every refresh token of `user` and kill their access tokens; returns rows revoked."""
    return _user_sign_out_everywhere(user=user, reason=RevokeReason.LOGOUT_ALL)


@transaction.atomic
def user_password_change(*, user: User, current_password: str, new_password: str) -> None:
    """Check the current password (400 `password_incorrect` on `current_password`), validate the new
    one (400 on `new_password`), store it, and sign the user out everywhere."""
    if not user.check_password(current_password):
        raise exceptions.ValidationError(
            {"current_password": [ErrorDetail("Your current password is incorrect.", code="password_incorrect")]}
        )
    _password_validate(password=new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _user_sign_out_everywhere(user=user, reason=RevokeReason.PASSWORD_CHANGE)


@transaction.atomic
def user_password_reset(*, user: User, new_password: str) -> None:
    """Set a password proven by the emailed reset link (400 on `new_password`); ends every session."""
    _password_validate(password=new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _user_sign_out_everywhere(user=user, reason=RevokeReason.PASSWORD_CHANGE)


@transaction.atomic
def user_profile_update(*, user: User, data: dict) -> User:
    """Update the caller's own `name`, `phone` and `avatar` (only the keys present in `data`)."""
    model_update(instance=user, changes={name: data[name] for name in ("name", "phone", "avatar") if name in data})
    return user

"""Revalidation before the view: a conditional GET whose ETag is still current answered 304 by a
middleware, without DRF's request cycle (docs/architecture.md, "Versions, ETags and cached
representations").

Clients that hold a representation ask again and again whether it changed; most answers are 304.
A view declares how its tag is computed without its body, as a class method named after the
method that answers its GET (`get` of an APIView, `retrieve` of a ViewSet):

    @classmethod
    def get_versioned(cls, request, *, user, **url_kwargs) -> tuple[version, str]: ...

returning what the handler reads before its body (the version) and exactly the ETag its GET
carries; the handler calls it too, so the two cannot differ. It raises Http404 where the GET
answers 404, and reads query parameters from `request.GET` (a Django request here, DRF's in the
view).

`RevalidationMiddleware` uses it for a `GET`/`HEAD` under /api/ with `If-None-Match` and a bearer
token, and the answer is the view's own:

- the caller is authenticated by the views' own authentication class, and the request counted in
  the view's throttles (the one Redis round trip that also reads the user); a throttled request
  goes on to the view, which answers 429;
- the view's permissions must hold (a view with more than "signed in" checks them here, as DRF
  would before its handler);
- on a match: 304 with the tag and the caching headers (`core.conditional.tagged`); otherwise the
  request goes on to the view as if nothing happened: its authentication reuses the user found
  here (`authenticated_here`) and its throttles the count already made, so nothing runs twice but
  the version read.

Anything unusual (no bearer token, an `Origin` (CORS), an `Accept` the one JSON renderer would not
answer as `application/json`, a failing token, a 404, a database error) goes to the view, which
answers it in full, with its errors.
"""

from __future__ import annotations

from django.db import DatabaseError
from django.http import Http404, HttpResponseNotModified
from django.urls import Resolver404, resolve
from rest_framework.exceptions import APIException

from core import conditional

API_PREFIX = "/api/"
# The Accept values DRF's negotiation answers with `application/json` for a JSON-only view
# (core/negotiation.py), which is the media type the views' tags are made with.
_PLAIN_ACCEPT = frozenset({None, "*/*", "application/json"})
MEDIA_TYPE = "application/json"


def authenticated_here(request):
    """The (user, token) the middleware authenticated `request` (a Django request) with, or None."""
    return getattr(request, "_revalidation_auth", None)


def _view_of(match):
    """The view instance the resolved `match` dispatches a GET to and that method's name, for
    APIView and ViewSet routes alike; (None, None) for anything else."""
    view_class = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)
    if view_class is None:
        return None, None
    actions = getattr(match.func, "actions", None)
    handler = actions.get("get") if actions else "get"
    view = view_class(**(match.func.initkwargs or {}))
    if actions:
        view.action_map, view.action = actions, handler
    return view, handler


class RevalidationMiddleware:
    """See the module docstring. Sits inside the security, static and CORS middlewares (their
    headers still apply) and outside everything a 304 does not need."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if (
            request.method in ("GET", "HEAD")
            and "HTTP_IF_NONE_MATCH" in meta
            and request.path_info.startswith(API_PREFIX)
            and meta.get("HTTP_AUTHORIZATION", "").startswith("Bearer ")
            and "HTTP_ORIGIN" not in meta
            and meta.get("HTTP_ACCEPT") in _PLAIN_ACCEPT
        ):
            answer = self._revalidate(request)
            if answer is not None:
                return answer
        return self.get_response(request)

    def _revalidate(self, request):
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        view, handler = _view_of(match)
        versioned = getattr(type(view), f"{handler}_versioned", None) if handler else None
        if versioned is None or "format" in request.GET:
            return None
        request.resolver_match = match  # the metrics' view label
        view.request, view.args, view.kwargs = request, match.args, match.kwargs
        # Read by accounts.usercache: the view whose user throttle counts this request.
        request.parser_context = {"view": view, "args": match.args, "kwargs": match.kwargs}
        try:
            auth = self._authenticate(request, view)
            if auth is None:
                return None
            request.user = auth[0]
            for permission in view.get_permissions():
                if not permission.has_permission(request, view):
                    return None
            request.accepted_media_type = MEDIA_TYPE
            _version, tag = versioned(request, user=auth[0], **match.kwargs)
            if not conditional.none_match(request, tag):
                return None
            for throttle in view.get_throttles():
                if not throttle.allow_request(request, view):
                    return None
        except (Http404, APIException, DatabaseError):
            # The view answers these in full (a database error, on its own retried connection).
            return None
        return conditional.tagged(HttpResponseNotModified(), tag)

    @staticmethod
    def _authenticate(request, view):
        authenticators = view.get_authenticators()
        if len(authenticators) != 1:
            return None
        auth = authenticators[0].authenticate(request)
        if auth is not None:
            request._revalidation_auth = auth
        return auth

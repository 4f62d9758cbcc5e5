"""Conditional GETs: strong ETags computed from version stamps, `If-None-Match` and 304.

An ETag here is never a digest of the body: it is a digest of what the body is a function of, read
before anything is rendered (docs/architecture.md, "Versions, ETags and cached representations"):

- the version stamps of the rows involved (`cache_stamps`, kept by database triggers) and the
  database's epoch;
- everything of the caller that changes the body (id, the name and avatar an RSVP of theirs
  shows, site role, club role);
- the request's path and query string, and the negotiated media type;
- `FORMAT`, the version of the representations: bump it whenever a body's keys or their
  rendering change, so a client's tag from before a deploy never matches a new body.

`If-None-Match` follows RFC 9110 (13.1.2): `*` matches any current representation, otherwise a
comma-separated list of entity tags compared weakly (`W/"x"` matches `"x"`). A 304 carries the
ETag and the caching headers and no body. Callers decide visibility first: an object the caller
may not see is a 404, never a 304.
"""

from __future__ import annotations

import hashlib

from django.http import HttpResponseNotModified
from django.utils.http import http_date

# The version of every representation this module tags (see the module docstring).
FORMAT = "1"

CACHE_CONTROL = "private, no-cache"
VARY = ("Authorization", "Accept")


def etag(request, *parts) -> str:
    """The strong ETag of `request`'s answer, given the `parts` it depends on (stamps, the
    caller's values; each part's `repr` is what counts)."""
    media_type = getattr(request, "accepted_media_type", "")
    material = repr((FORMAT, request.get_full_path(), media_type, parts)).encode()
    return '"' + hashlib.blake2b(material, digest_size=16).hexdigest() + '"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith(("W/", "w/")) else tag


def none_match(request, tag: str) -> bool:
    """Whether `If-None-Match` of `request` matches `tag` (weak comparison): the client holds the
    current representation. No header: False."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = _opaque(tag)
    return any(_opaque(candidate) == wanted for candidate in _split(header))


def _split(header: str) -> list[str]:
    """The entity tags of a list (a quoted tag may hold a comma)."""
    tags, current, quoted = [], [], False
    for char in header:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            tags.append("".join(current))
            current = []
        else:
            current.append(char)
    tags.append("".join(current))
    return [tag for tag in (t.strip() for t in tags) if tag]


def tagged(response, tag: str):
    """`response` with its ETag and the caching headers of a per-caller representation."""
    response["ETag"] = tag
    response["Cache-Control"] = CACHE_CONTROL
    existing = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
    response["Vary"] = ", ".join(dict.fromkeys([*existing, *VARY]))
    return response


def not_modified(request, tag: str):
    """A 304 for `tag` when `request`'s `If-None-Match` matches it, else None."""
    if request.method in ("GET", "HEAD") and none_match(request, tag):
        return tagged(HttpResponseNotModified(), tag)
    return None


def caller(user) -> tuple:
    """What of the caller may change a body: id, the name and avatar their own RSVP shows, site
    role and superuser flag (visibility), activity."""
    return tuple(getattr(user, name, None) for name in ("pk", "name", "avatar", "role", "is_superuser", "is_active"))


def check(request, *parts, exists: bool = True):
    """`(tag, answer)`: the ETag of `request`'s answer given `parts` (as `etag`), and the 304 to
    send when `If-None-Match` matches it (as `not_modified`), else None. `exists=False`: the parts
    do not prove that the resource exists (an object named by the path, looked up only with the
    body), so `If-None-Match: *` gets no 304 (the body's read answers 404 or 200); a listed tag
    can only match what a 200 gave, and the stamps change when the object goes."""
    tag = etag(request, *parts)
    if not exists and request.META.get("HTTP_IF_NONE_MATCH", "").strip() == "*":
        return tag, None
    return tag, not_modified(request, tag)


def dated(response, when):
    """`response` with `Last-Modified: when` (None: unchanged). Informational: `If-None-Match`
    decides, and a strong tag already changes with every write that `when` could tell."""
    if when is not None:
        response["Last-Modified"] = http_date(when.timestamp())
    return response

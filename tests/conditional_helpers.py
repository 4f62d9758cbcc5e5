"""Assertions of conditional GETs (docs/architecture.md, "Versions, ETags and cached
representations"), shared by the per-app tests/*/test_conditional*.py."""

from __future__ import annotations


def tag_of(client, path: str) -> str:
    """The ETag of a 200 for `path` (strong, with the per-caller caching headers)."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    tag = response["ETag"]
    assert tag.startswith('"') and not tag.startswith("W/"), tag
    assert response["Cache-Control"] == "private, no-cache"
    return tag


def unchanged(client, path: str, tag: str) -> None:
    """`tag` still matches: a 304 without a body."""
    response = client.get(path, HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 304, (path, response.status_code, response.content[:300])
    assert response.content == b"" and response["ETag"] == tag


def changed(client, path: str, tag: str):
    """`tag` no longer matches: a 200 with a new tag (returned with the response)."""
    response = client.get(path, HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    assert response["ETag"] != tag
    return response


def refused(client, path: str, tag: str, status: int) -> None:
    """Whatever the tag, the caller gets `status` (visibility and permission before any 304)."""
    for header in (tag, "*"):
        assert client.get(path, HTTP_IF_NONE_MATCH=header).status_code == status, header

"""Shared by the getting-into-a-club tests: creating invites and requests through the API."""

from __future__ import annotations

from tests.conftest import client_for

NOT_FOUND = {"type": "client_error", "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}]}


def error_codes(response) -> set[tuple[str | None, str]]:
    return {(error["attr"], error["code"]) for error in response.json()["errors"]}


def make_invite(club, by, **body) -> dict:
    response = client_for(by).post(f"/api/v1/clubs/{club.pk}/invites/", body)
    assert response.status_code == 201, response.content
    return response.json()


def ask_to_join(club, user, message: str | None = None) -> dict:
    body = {} if message is None else {"message": message}
    response = client_for(user).post(f"/api/v1/clubs/{club.pk}/join/", body)
    assert response.status_code == 202, response.content
    return response.json()

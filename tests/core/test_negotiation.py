"""core.negotiation.ContentNegotiation answers what DRF's DefaultContentNegotiation answers."""

from __future__ import annotations

import pytest
from django.http import Http404
from rest_framework import renderers
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.negotiation import ContentNegotiation
from core.renderers import JSONRenderer

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "application/*",
    "text/html",
    "text/html, application/json;q=0.9",
    "application/xml",
    "",
]
QUERIES = ["", "?format=json", "?format=xml", "?format="]


def _select(negotiation, accept, query, renderer_classes):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/api/v1/x/{query}", **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, [cls() for cls in renderer_classes])
    except (NotAcceptable, Http404) as error:
        return type(error).__name__
    return type(renderer).__name__, media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize(
    "renderer_classes", [[JSONRenderer], [renderers.JSONRenderer, renderers.BrowsableAPIRenderer]], ids=["one", "two"]
)
def test_same_choice_as_drf(accept, query, renderer_classes):
    ours = _select(ContentNegotiation(), accept, query, renderer_classes)
    assert ours == _select(DefaultContentNegotiation(), accept, query, renderer_classes)


def test_api_uses_it():
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_CONTENT_NEGOTIATION_CLASS is ContentNegotiation

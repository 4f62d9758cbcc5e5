"""core.renderers.JSONRenderer writes the bytes DRF's JSONRenderer writes (orjson underneath)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections import OrderedDict

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from core.renderers import JSONRenderer

UTC = dt.UTC
DEEP: list = [1]
for _ in range(300):  # deeper than orjson nests (254): DRF renders it
    DEEP = [DEEP]
BODIES = [
    {"count": 2, "next": None, "previous": "http://testserver/api/v1/x/?page=1", "results": []},
    {"text": "<script>&amp;</script> / \\ \" '", "quote": "\u2028line\u2029para"},
    {"non_ascii": "Café – Zürich, 東京, emoji 📚, \u00a0nbsp, \x00 \x1f control"},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "ids": [uuid.uuid4(), uuid.uuid4()]},
    {
        "at": dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        "at_whole": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "at_offset": dt.datetime(2026, 1, 2, 3, 4, 5, 123000, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "naive": dt.datetime(2026, 1, 2, 3, 4, 5, 1),
        "day": dt.date(2026, 2, 28),
        "time": dt.time(19, 30, 0, 250000),
        "duration": dt.timedelta(hours=1, seconds=3),
    },
    {"lazy": gettext_lazy("Not found."), "decimal": decimal.Decimal("12.50"), "big": 2**70, "neg": -(2**63)},
    {"ints": [0, -1, 2**63 - 1], "bools": [True, False, None], "floats": [0.1, 1.5, 1e16, 123.456, -0.0]},
    ReturnDict({"a": ReturnList([OrderedDict(b=1)], serializer=None)}, serializer=None),
    {1: "int key", "nested": {"tuple": (1, 2), "set_like": ["x"]}},
    ["a", "list", {"at": "top"}],
    {"deep": [[[[1]]]], "too_deep": DEEP},
    "just a string",
    {},
    [],
]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_same_bytes_as_drf(body):
    assert JSONRenderer().render(body) == renderers.JSONRenderer().render(body)


def test_none_is_empty():
    assert JSONRenderer().render(None) == b""


def test_indent_is_drf_s():
    body = {"a": [1, 2]}
    ours = JSONRenderer().render(body, "application/json; indent=4", {})
    assert ours == renderers.JSONRenderer().render(body, "application/json; indent=4", {})
    assert b"\n" in ours


def test_unknown_type_raises_like_drf():
    with pytest.raises(TypeError):
        renderers.JSONRenderer().render({"x": object()})
    with pytest.raises(TypeError):
        JSONRenderer().render({"x": object()})


def test_the_known_differences():
    """Documented in core/renderers.py: exponent digits of tiny floats, and non-finite floats."""
    assert JSONRenderer().render([1e-7]) == b"[1e-7]"
    assert renderers.JSONRenderer().render([1e-7]) == b"[1e-07]"
    assert JSONRenderer().render([float("nan")]) == b"[null]"
    with pytest.raises(ValueError):
        renderers.JSONRenderer().render([float("nan")])


def test_api_uses_it(settings):
    from rest_framework.settings import api_settings

    assert [JSONRenderer] == api_settings.DEFAULT_RENDERER_CLASSES

"""The API's JSON renderer: DRF's `JSONRenderer` output, written by orjson.

orjson (a Rust extension; well kept, pinned in requirements.txt) encodes a page of rows several
times faster than the standard library's `json` module with DRF's encoder class. The bytes are
DRF's for everything the API answers:

- compact separators, UTF-8 without `\\uXXXX` escapes (DRF's `UNICODE_JSON`/`COMPACT_JSON`
  defaults), `<`, `>`, `&` and `/` as they are, U+2028 and U+2029 escaped (DRF escapes them so
  the output is a strict JavaScript subset; orjson does not, so they are replaced here);
- dates, times and datetimes, lazy translation strings, Decimals, and every other type orjson does
  not know natively go through DRF's own `JSONEncoder.default` (datetimes are passed through, not
  written in orjson's format; DRF's is milliseconds and `Z`);
- anything orjson refuses (a non-string dict key, an integer beyond 64 bits, nesting deeper than
  254) is rendered by DRF's renderer instead, as is a request for indented output
  (`Accept: application/json; indent=4`).

Known difference, tested in tests/core/test_renderers.py: a float whose shortest form needs an
exponent below -4 is written `1e-7` where `json` writes `1e-07` (the same number), and NaN or
Infinity become `null` where DRF's strict mode raises. No body of the API carries a float.
"""

from __future__ import annotations

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_default = JSONEncoder().default


class JSONRenderer(renderers.JSONRenderer):
    """DRF's `JSONRenderer` (same media type, format and bytes), encoding with orjson."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if accepted_media_type and "indent" in accepted_media_type:
            return super().render(data, accepted_media_type, renderer_context)
        if renderer_context and renderer_context.get("indent") is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            text = orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        if b"\xe2\x80\xa8" in text or b"\xe2\x80\xa9" in text:
            text = text.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return text

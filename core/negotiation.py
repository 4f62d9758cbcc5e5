"""Content negotiation with DRF's answers and less work for the common request.

Every API view renders JSON only (one renderer). DRF's `DefaultContentNegotiation` parses the
`Accept` header on every request to find that out; a request that sends no `Accept`, `*/*` or
`application/json`, and no `?format=`, gets the one renderer and `application/json` straight away,
which is exactly what DRF's negotiation answers for those. Anything else (another media type, a
parameter such as `indent=4`, a list, `?format=`, a view with several renderers) takes DRF's path,
406 included."""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation

_PLAIN = frozenset({None, "*/*", "application/json"})


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if (
            len(renderers) == 1
            and format_suffix is None
            and request.META.get("HTTP_ACCEPT") in _PLAIN
            and renderers[0].media_type == "application/json"
            and self.settings.URL_FORMAT_OVERRIDE not in request.GET
        ):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)

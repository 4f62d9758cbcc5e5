"""Which requests are the web app's pages, and the Content-Security-Policy they carry.

The policy allows scripts and styles from our own static files only (htmx included; htmx is
configured by a meta tag), so no inline script or style can run. The admin and the API docs, which
have inline scripts of their own, and the JSON API do not get it.
"""

from __future__ import annotations

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def is_web_page(request) -> bool:
    """A page of the member web app (at the site root), whose errors are HTML pages: what its URLs
    resolved, and unknown paths outside the API and the admin."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.namespace == "web"
    return not request.path.startswith(("/api/", "/admin/"))


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_web_page(request):
            response.setdefault("Content-Security-Policy", POLICY)
        return response

"""The API docs work without internet: Swagger UI's page names only assets the app serves itself.

(tests/test_admin_browser.py also opens the page in Chromium with every other host blocked.)
"""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import urljoin, urlsplit

import pytest

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


CDN_HOST = re.compile(r"cdn[a-z0-9-]*\.[a-z]|unpkg\.com|jsdelivr", re.IGNORECASE)


def docs_assets(html: str) -> list[str]:
    return ASSET.findall(html)


@pytest.mark.django_db
def test_the_docs_page_names_no_other_host(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = docs_assets(html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets), assets
    assert any(asset.endswith("swagger-ui.css") for asset in assets), assets
    for asset in assets:
        assert not urlsplit(asset).netloc, f"{asset} is on another host"
    # A CDN is named by its host ("cdn.jsdelivr.net", "unpkg.com"); the bare letters "cdn" also
    # turn up by chance inside the page's random CSRF token, which once failed CI.
    assert not CDN_HOST.search(html), CDN_HOST.search(html)


@pytest.mark.django_db(transaction=True)
def test_every_asset_of_the_docs_page_answers_200(live_server):
    page_url = f"{live_server.url}/api/v1/docs/"
    with urllib.request.urlopen(page_url, timeout=10) as response:
        html = response.read().decode()
    assets = docs_assets(html)
    assert len(assets) >= 4  # favicon, CSS, the bundle and the standalone preset
    for asset in assets:
        with urllib.request.urlopen(urljoin(page_url, asset), timeout=10) as response:
            assert response.status == 200, asset
            assert response.read(), asset

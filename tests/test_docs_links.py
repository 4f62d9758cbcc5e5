"""README and docs/ point only at files a clone has (the contract is docs/api.md, in the repository)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_every_relative_link_of_readme_and_docs_exists():
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_no_page_points_outside_the_repository():
    outside = ("../" + "shared/", "/work/" + "shared")  # split so that this file does not match itself
    for page in [*PAGES, *ROOT.glob("*/*.py")]:
        text = page.read_text()
        assert not any(path in text for path in outside), page


def test_the_contract_is_in_the_repository_and_linked_from_the_readme():
    contract = (ROOT / "docs" / "api.md").read_text()
    assert contract.startswith("# Bookwork REST API v1: the contract")
    assert "`GET /api/v1/`" in contract  # where the code extends it, it says so
    assert "](docs/api.md)" in (ROOT / "README.md").read_text()

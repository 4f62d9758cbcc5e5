"""ISBN validation (books/isbn.py, python-stdnum) with real ISBNs: both forms, hyphens, the X
check digit, stored as ISBN-13; wrong check digits, ISMNs and junk rejected."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from books.isbn import isbn_normalize


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("0141439548", "9780141439549"),  # Middlemarch, Penguin Classics (ISBN-10)
        ("978-0-14-143954-9", "9780141439549"),  # the same, ISBN-13 with hyphens
        ("0441172717", "9780441172719"),  # Dune, Ace
        ("0-441-47812-3", "9780441478125"),  # The Left Hand of Darkness, Ace
        ("1400033411", "9781400033416"),  # Beloved, Vintage
        ("080442957X", "9780804429573"),  # an ISBN-10 whose check digit is X
        ("979-10-90636-07-1", "9791090636071"),  # a 979 ISBN-13 (no ISBN-10 form)
        (" 978 0 306 40615 7 ", "9780306406157"),  # spaces
    ],
)
def test_valid_isbns_are_stored_as_isbn13(given, stored):
    assert isbn_normalize(given) == stored


@pytest.mark.parametrize(
    "given",
    [
        "0141439547",  # Middlemarch with a wrong check digit
        "9780141439540",  # ISBN-13, wrong check digit
        "9790260000438",  # an ISMN (979-0): a valid check digit, but not a book number
        "12345",
        "978014143954",  # one digit short
        "abcdefghij",
        "",
    ],
)
def test_invalid_isbns_are_refused(given):
    with pytest.raises(ValidationError) as error:
        isbn_normalize(given)
    assert error.value.code == "invalid_isbn"

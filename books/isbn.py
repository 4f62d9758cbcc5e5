"""ISBNs: an ISBN-10 or ISBN-13 with its check digit verified, stored as the 13 digits of its
ISBN-13. python-stdnum (`stdnum.isbn`) does the checking and the conversion: a maintained
library with the check-digit rules of both forms and the 978 prefix of ISBN-10s.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError as StdnumError


def isbn_normalize(value: str) -> str:
    """The ISBN-13 digits of `value` (hyphens and spaces allowed, an ISBN-10's `X` too).

    ValidationError (code `invalid_isbn`) for anything that is not a valid ISBN-10 or ISBN-13, an
    ISMN (979-0, which `stdnum` would take for an ISBN-13) included."""
    try:
        number = stdnum_isbn.validate(value)
        if stdnum_isbn.isbn_type(number) is None:
            raise StdnumError
        converted = stdnum_isbn.to_isbn13(number)
    except StdnumError:
        raise ValidationError("Not a valid ISBN-10 or ISBN-13 (check digit included).", code="invalid_isbn") from None
    digits = stdnum_isbn.compact(converted)
    if not (len(digits) == 13 and digits.isdigit() and digits[:3] in ("978", "979") and not digits.startswith("9790")):
        raise ValidationError("Not a valid ISBN-10 or ISBN-13 (check digit included).", code="invalid_isbn")
    return digits

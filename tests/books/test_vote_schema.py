"""Found by `make fuzz`: the vote endpoints answer 403 `not_a_voter`, which the schema's 403 (the
library's `permission_denied`-only enum) did not allow."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import client_for
from tests.factories import ClubMemberFactory, PollFactory


@pytest.mark.django_db
def test_the_vote_403_is_documented_with_its_code():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    codes = schema["components"]["schemas"]
    for method in ("put", "delete"):
        ref = schema["paths"]["/api/v1/polls/{poll_id}/vote/"][method]["responses"]["403"]["content"]
        name = ref["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert name == "ConflictErrorResponse", method  # a free `code`, with its example
        item = codes[name]["properties"]["errors"]["items"]["$ref"].rsplit("/", 1)[1]
        code = codes[item]["properties"]["code"]  # the schema may not limit it to permission_denied
        assert "not_a_voter" in code.get("enum", ["not_a_voter"]), code
    guest = ClubMemberFactory(role="guest")
    poll = PollFactory(club=guest.club)
    answer = client_for(guest.user).put(f"/api/v1/polls/{poll.pk}/vote/", {"options": []}, format="json")
    assert answer.status_code == 403 and answer.json()["errors"][0]["code"] == "not_a_voter"

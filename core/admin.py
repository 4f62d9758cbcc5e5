"""Small helpers shared by the admin classes of the events apps."""

from __future__ import annotations


class OptionalAutocompleteMixin:
    """Autocomplete for foreign keys whose target has a searchable admin, raw id inputs otherwise.

    The admins of users and clubs belong to other apps; declaring `autocomplete_fields` against
    them would fail Django's system checks whenever they are not registered, so the choice is
    made per request. List the candidates in `optional_autocomplete_fields` and `raw_id_fields`.
    """

    optional_autocomplete_fields: tuple[str, ...] = ()

    def get_autocomplete_fields(self, request):
        fields = list(super().get_autocomplete_fields(request))
        for name in self.optional_autocomplete_fields:
            related = self.model._meta.get_field(name).related_model
            model_admin = self.admin_site._registry.get(related)
            if model_admin is not None and model_admin.get_search_fields(request):
                fields.append(name)
        return fields

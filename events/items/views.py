"""HTTP views of event items: translate requests to selectors and services, nothing more."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import conditional, representations
from core.paginate import paginate
from core.pagination import PageNumberPagination
from core.responses import errors, path_ids
from events.items import services
from events.items.selectors import item_get, item_list
from events.items.serializers import EventItemFilterSerializer, EventItemSerializer, EventItemWriteSerializer
from events.models import Event
from events.openapi import event_cancelled_409
from events.selectors import event_get_visible, event_version


def event_versioned(request, *, user, event_id, **_):
    """(the event's version, the ETag) of the item reads: the event's stamp covers its items
    (core/revalidation.py)."""
    version = event_version(user=user, event_id=event_id)
    return version, conditional.etag(request, version.epoch, version.stamp, conditional.caller(user), version.role)


@extend_schema(parameters=path_ids("event_id"))
class EventItemListView(APIView):
    pagination_class = PageNumberPagination  # documents the page shape; paginate() applies it
    get_versioned = staticmethod(event_versioned)

    @extend_schema(
        operation_id="events_items_list",
        parameters=[EventItemFilterSerializer],
        responses={200: EventItemSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request, event_id):
        # Conditional and cached: the event's version in one statement; then a 304, or the page,
        # the same for every caller who may see the event (`assigned_to=me` names the caller).
        user = request.user
        version, tag = event_versioned(request, user=user, event_id=event_id)
        if (answer := conditional.not_modified(request, tag)) is not None:
            return answer
        me = user.pk if request.query_params.get("assigned_to") == "me" else None
        key = representations.key(
            "items", version.event_id, version.epoch, version.stamp, me, request.build_absolute_uri()
        )
        body = representations.get_or_build(key, lambda: self._page(request, version))
        return conditional.tagged(Response(body), tag)

    def _page(self, request, version) -> dict:
        event = Event(id=version.event_id, club_id=version.club_id)  # visible: `event_version` said so
        # A plain dict: an empty value (`?status=`) is then a 400, as documented, not "not given".
        params = EventItemFilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        filters = dict(params.validated_data)
        assigned = filters.pop("assigned_to", None)
        if assigned is not None:
            filters["assigned_to_id"] = request.user.pk if assigned == "me" else assigned
        body = dict(paginate(request, self, item_list(event=event, filters=filters), EventItemSerializer).data)
        return {**body, "results": list(body["results"])}

    @extend_schema(
        operation_id="events_items_create",
        summary="Create an item (club members except guests)",
        request=EventItemWriteSerializer,
        responses={201: EventItemSerializer, **errors(400, 403, 404), 409: event_cancelled_409},
    )
    def post(self, request, event_id):
        event, access = event_get_visible(user=request.user, event_id=event_id)
        services.item_create_check(access=access)
        body = EventItemWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.item_create(event=event, created_by=request.user, data=body.validated_data)
        return Response(EventItemSerializer(item).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=path_ids("event_id", "item_id"))
class EventItemDetailView(APIView):
    get_versioned = staticmethod(event_versioned)

    @extend_schema(operation_id="events_items_retrieve", responses={200: EventItemSerializer, **errors(404)})
    def get(self, request, event_id, item_id):
        # Conditional and cached like the list: the event's stamp covers its items.
        user = request.user
        version, tag = self.get_versioned(request, user=user, event_id=event_id, item_id=item_id)
        if (answer := conditional.not_modified(request, tag)) is not None:
            return answer
        event = Event(id=version.event_id, club_id=version.club_id)  # visible: `event_version` said so
        key = representations.key("item", version.event_id, version.epoch, version.stamp, str(item_id))
        body = representations.get_or_build(
            key, lambda: dict(EventItemSerializer(item_get(event=event, item_id=item_id)).data)
        )
        return conditional.tagged(Response(body), tag)

    @extend_schema(
        operation_id="events_items_partial_update",
        summary="Edit an item: creator and club moderators/admins any field, the assignee only status and notes",
        request=EventItemWriteSerializer(partial=True),
        responses={200: EventItemSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request, event_id, item_id):
        event, access = event_get_visible(user=request.user, event_id=event_id)
        item = item_get(event=event, item_id=item_id)
        fields = request.data if isinstance(request.data, dict) else ()
        services.item_update_check(access=access, item=item, fields=fields)
        body = EventItemWriteSerializer(item, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        item.event = event
        item = services.item_update(item=item, data=body.validated_data)
        return Response(EventItemSerializer(item).data)

    @extend_schema(
        operation_id="events_items_destroy",
        summary="Delete an item (its creator and club moderators/admins)",
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request, event_id, item_id):
        event, access = event_get_visible(user=request.user, event_id=event_id)
        item = item_get(event=event, item_id=item_id)
        services.item_delete_check(access=access, item=item)
        services.item_delete(item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)

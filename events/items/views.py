"""HTTP views of event items: translate requests to selectors and services, nothing more."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from bookwork.pagination import PageNumberPagination
from events.items import services
from events.items.selectors import item_get, item_list
from events.items.serializers import EventItemFilterSerializer, EventItemSerializer, EventItemWriteSerializer
from events.openapi import errors, event_cancelled_409, path_ids
from events.pagination import paginate
from events.selectors import event_get_visible


@extend_schema(parameters=path_ids("event_id"))
class EventItemListView(APIView):
    pagination_class = PageNumberPagination  # documents the page shape; paginate() applies it

    @extend_schema(
        operation_id="events_items_list",
        parameters=[EventItemFilterSerializer],
        responses={200: EventItemSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request, event_id):
        event, _ = event_get_visible(user=request.user, event_id=event_id)
        # A plain dict: an empty value (`?status=`) is then a 400, as documented, not "not given".
        params = EventItemFilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        filters = dict(params.validated_data)
        assigned = filters.pop("assigned_to", None)
        if assigned is not None:
            filters["assigned_to_id"] = request.user.pk if assigned == "me" else assigned
        return paginate(request, self, item_list(event=event, filters=filters), EventItemSerializer)

    @extend_schema(
        operation_id="events_items_create",
        summary="Create an item (club members except guests)",
        request=EventItemWriteSerializer,
        responses={201: EventItemSerializer, **errors(400, 403, 404), 409: event_cancelled_409},
    )
    def post(self, request, event_id):
        event, access = event_get_visible(user=request.user, event_id=event_id)
        if not access.can_create_items():
            raise PermissionDenied("Only club members (not guests) may create event items.")
        body = EventItemWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.item_create(event=event, created_by=request.user, data=body.validated_data)
        return Response(EventItemSerializer(item).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=path_ids("event_id", "item_id"))
class EventItemDetailView(APIView):
    @extend_schema(operation_id="events_items_retrieve", responses={200: EventItemSerializer, **errors(404)})
    def get(self, request, event_id, item_id):
        event, _ = event_get_visible(user=request.user, event_id=event_id)
        return Response(EventItemSerializer(item_get(event=event, item_id=item_id)).data)

    @extend_schema(
        operation_id="events_items_partial_update",
        summary="Edit an item: creator and club moderators/admins any field, the assignee only status and notes",
        request=EventItemWriteSerializer(partial=True),
        responses={200: EventItemSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request, event_id, item_id):
        event, access = event_get_visible(user=request.user, event_id=event_id)
        item = item_get(event=event, item_id=item_id)
        scope = access.item_edit_scope(created_by_id=item.created_by_id, assigned_to_id=item.assigned_to_id)
        if scope is None:
            raise PermissionDenied("You may not edit this item.")
        # Judged on the fields sent, before their values, so the answer does not depend on them.
        restricted = set(services.EDITABLE_FIELDS) - services.ASSIGNEE_FIELDS
        if scope == "status_notes" and isinstance(request.data, dict) and set(request.data) & restricted:
            raise PermissionDenied("As the assignee you may change only status and notes.")
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
        if not access.can_delete_item(created_by_id=item.created_by_id):
            raise PermissionDenied("Only the item's creator and club moderators/admins may delete it.")
        services.item_delete(item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)

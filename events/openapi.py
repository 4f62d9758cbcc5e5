"""OpenAPI pieces of the event endpoints that are not shared library (core.responses has those):
the 409 of a cancelled event, in the one 409 body component that clubs.openapi declares."""

from __future__ import annotations

from clubs.openapi import conflict_409

event_cancelled_409 = conflict_409("The event is cancelled.", ("event_cancelled", "The event is cancelled."))

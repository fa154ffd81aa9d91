"""The case API's OpenAPI 3.1 description, written out rather than generated: DRF's own
generator is deprecated, and the description is a promise to the consumers that a test holds the
URL configuration to (tests/lianzheng/api)."""

from __future__ import annotations

from lianzheng.choices import CaseState

CHOICE = {
    "type": ["object", "null"],
    "properties": {"code": {"type": "string"}, "label": {"type": "string"}},
}
TEXT = {"type": "string"}
DATE = {"type": ["string", "null"], "format": "date"}
MOMENT = {"type": ["string", "null"], "format": "date-time"}
PERSON = {
    "type": "object",
    "properties": {"name": TEXT, "unit": TEXT, "post": TEXT},
}


def _objects(**properties) -> dict:
    return {"type": "array", "items": {"type": "object", "properties": properties}}


CASE_SUMMARY = {
    "id": {"type": "integer"},
    "url": {"type": "string", "format": "uri"},
    "number": TEXT,
    "talk_type": CHOICE,
    "state": CHOICE,
    "subjects": {"type": "array", "items": TEXT},
    "scheduled_at": MOMENT,
    "updated_at": MOMENT,
}
CASE = {
    **CASE_SUMMARY,
    "history": {"type": "string", "format": "uri"},
    "origin": CHOICE,
    "proposed_by": TEXT,
    "purpose": TEXT,
    "grounds": {"type": "array", "items": TEXT},
    "other_justification": TEXT,
    "problems": TEXT,
    "subjects": {"type": "array", "items": PERSON},
    "participants": {
        "type": "array",
        "items": {"allOf": [PERSON, {"properties": {"role": CHOICE}}]},
    },
    "place": TEXT,
    "created_at": MOMENT,
    "consented_at": MOMENT,
    "consented_by": TEXT,
    "consent_comment": TEXT,
    "declined_reason": TEXT,
    "notices": _objects(
        subject=TEXT,
        written_on=DATE,
        scheduled_at=MOMENT,
        place=TEXT,
        content=TEXT,
        interviewers=TEXT,
        short_notice={"type": "boolean"},
        superseded={"type": "boolean"},
        delivery_method=CHOICE,
        delivered_at=MOMENT,
        delivery_signed_by=TEXT,
    ),
    "records": _objects(
        subject=TEXT,
        held_at=MOMENT,
        record_text=TEXT,
        statement=TEXT,
        report=TEXT,
        requirements=TEXT,
        explanation=TEXT,
        measures=TEXT,
        commitment=TEXT,
    ),
    "postponements": _objects(
        subject=TEXT,
        applied_on=DATE,
        received_on=DATE,
        request_form=CHOICE,
        application=TEXT,
        scan_sha256=TEXT,
        decision=CHOICE,
        decision_note=TEXT,
        new_scheduled_at=MOMENT,
        new_place=TEXT,
    ),
    "rectification_items": _objects(
        subject=TEXT,
        description=TEXT,
        set_on=DATE,
        deadline=DATE,
        responsible=TEXT,
        status=CHOICE,
        checks=_objects(
            checked_on=DATE,
            result=CHOICE,
            finding=TEXT,
            evidence_name=TEXT,
            evidence_sha256=TEXT,
        ),
    ),
    "documents": _objects(
        kind=CHOICE,
        person=TEXT,
        version={"type": "integer"},
        filename=TEXT,
        sha256=TEXT,
        pages={"type": "integer"},
        generated_at=MOMENT,
    ),
}
HISTORY_ROW = {
    "at": MOMENT,
    "by": TEXT,
    "type": {"type": "string", "enum": ["+", "~", "-"]},
    "transition": TEXT,
    "state_from": TEXT,
    "state_to": TEXT,
    "reason": TEXT,
    "articles": {"type": "array", "items": TEXT},
    "chain_seq": {"type": ["integer", "null"]},
    "chain_hash": TEXT,
}
REFUSALS = {
    "401": {"description": "No token, a wrong one, or a revoked one."},
    "403": {"description": "The token does not open the case API."},
    "429": {"description": "Too many calls; the Retry-After header says when to try again."},
}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def description(base_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "廉政约谈案件接口 (read-only case API)",
            "version": "1",
            "description": (
                "For the discipline-inspection bodies: the bureau's numbered talk cases as its "
                "auditors read them, without the confidential report (第七条（四）). A token is "
                "issued per consumer by the bureau's administrator and can be revoked; every "
                "call is logged. Send it as 'Authorization: Bearer <token>'."
            ),
        },
        "servers": [{"url": base_url}],
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "CaseSummary": {"type": "object", "properties": CASE_SUMMARY},
                "Case": {"type": "object", "properties": CASE},
                "HistoryRow": {"type": "object", "properties": HISTORY_ROW},
            },
        },
        "security": [{"token": []}],
        "paths": {
            "/cases/": {
                "get": {
                    "summary": "Numbered cases, most recently changed first (50 a page).",
                    "parameters": [
                        {
                            "name": "state",
                            "in": "query",
                            "schema": {"type": "string", "enum": list(CaseState.values)},
                        },
                        {
                            "name": "updated_since",
                            "in": "query",
                            "schema": {"type": "string", "format": "date-time"},
                        },
                        {"name": "number", "in": "query", "schema": TEXT},
                        {"name": "page", "in": "query", "schema": {"type": "integer"}},
                        {"name": "page_size", "in": "query", "schema": {"type": "integer"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of cases.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "count": {"type": "integer"},
                                            "next": {"type": ["string", "null"]},
                                            "previous": {"type": ["string", "null"]},
                                            "results": {
                                                "type": "array",
                                                "items": {
                                                    "$ref": "#/components/schemas/CaseSummary"
                                                },
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": {"description": "A filter's value is not understood."},
                        **REFUSALS,
                    },
                }
            },
            "/cases/{id}/": {
                "get": {
                    "summary": "One case, whole.",
                    "parameters": [ID],
                    "responses": {
                        "200": {
                            "description": "The case.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Case"}
                                }
                            },
                        },
                        "404": {"description": "No such numbered case."},
                        **REFUSALS,
                    },
                }
            },
            "/cases/{id}/history/": {
                "get": {
                    "summary": "The case's history rows, oldest first, with their chain links.",
                    "parameters": [ID],
                    "responses": {
                        "200": {
                            "description": "The rows.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/HistoryRow"},
                                    }
                                }
                            },
                        },
                        "404": {"description": "No such numbered case."},
                        **REFUSALS,
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This description.",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1."}},
                }
            },
        },
    }

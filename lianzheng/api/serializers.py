"""What the case API shows of a case: what the auditor reads on the case page, never the
confidential report (R7.4) nor the preparation note (the interviewers' own outline), and no
files (their SHA-256 instead, to compare with a copy the consumer holds)."""

from __future__ import annotations

from django.utils import timezone, translation
from rest_framework import serializers

from lianzheng.models import (
    CaseParticipant,
    CaseSubject,
    GeneratedDocument,
    Notice,
    Postponement,
    RectificationCheck,
    RectificationItem,
    TalkCase,
    TalkRecord,
)


class Choice(serializers.Field):
    """A choice as its code and its Chinese label (the bureau's language of record)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        kwargs.setdefault("source", "*")
        self.field_name_ = kwargs.pop("field")
        super().__init__(**kwargs)

    def to_representation(self, instance):
        code = getattr(instance, self.field_name_)
        if not code:
            return None
        with translation.override("zh-hans"):
            label = str(getattr(instance, f"get_{self.field_name_}_display")())
        return {"code": code, "label": label}


class LocalDateTime(serializers.DateTimeField):
    def to_representation(self, value):
        return None if value is None else timezone.localtime(value).isoformat()


class PersonLine(serializers.Serializer):
    name = serializers.CharField(source="person.name")
    unit = serializers.CharField(source="person.unit.name", default="")
    post = serializers.CharField(source="person.post")


class SubjectSerializer(PersonLine):
    class Meta:
        model = CaseSubject


class ParticipantSerializer(PersonLine):
    role = Choice(field="role")

    class Meta:
        model = CaseParticipant


class NoticeSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(source="subject.person.name")
    scheduled_at = LocalDateTime()
    delivered_at = LocalDateTime()
    delivery_method = Choice(field="delivery_method")

    class Meta:
        model = Notice
        fields = [
            "subject",
            "written_on",
            "scheduled_at",
            "place",
            "content",
            "interviewers",
            "short_notice",
            "superseded",
            "delivery_method",
            "delivered_at",
            "delivery_signed_by",
        ]


class RecordSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(source="subject.person.name")
    held_at = LocalDateTime()

    class Meta:
        model = TalkRecord
        fields = [
            "subject",
            "held_at",
            "record_text",
            "statement",
            "report",
            "requirements",
            "explanation",
            "measures",
            "commitment",
        ]


class PostponementSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(source="subject.person.name", default="")
    request_form = Choice(field="request_form")
    decision = Choice(field="decision")
    new_scheduled_at = LocalDateTime()

    class Meta:
        model = Postponement
        fields = [
            "subject",
            "applied_on",
            "received_on",
            "request_form",
            "application",
            "scan_sha256",
            "decision",
            "decision_note",
            "new_scheduled_at",
            "new_place",
        ]


class CheckSerializer(serializers.ModelSerializer):
    result = Choice(field="result")

    class Meta:
        model = RectificationCheck
        fields = ["checked_on", "result", "finding", "evidence_name", "evidence_sha256"]


class ItemSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(source="subject.person.name", default="")
    status = Choice(field="status")
    checks = CheckSerializer(many=True)

    class Meta:
        model = RectificationItem
        fields = ["subject", "description", "set_on", "deadline", "responsible", "status", "checks"]


class DocumentSerializer(serializers.ModelSerializer):
    kind = Choice(field="kind")
    person = serializers.CharField(source="person.name", default="")
    generated_at = LocalDateTime()

    class Meta:
        model = GeneratedDocument
        fields = ["kind", "person", "version", "filename", "sha256", "pages", "generated_at"]


class CaseListSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="lianzheng_api:case-detail")
    talk_type = Choice(field="talk_type")
    state = Choice(field="state")
    subjects = serializers.SerializerMethodField()
    scheduled_at = LocalDateTime()
    updated_at = LocalDateTime()

    class Meta:
        model = TalkCase
        fields = [
            "id",
            "url",
            "number",
            "talk_type",
            "state",
            "subjects",
            "scheduled_at",
            "updated_at",
        ]

    def get_subjects(self, case) -> list[str]:
        return [s.person.name for s in case.subjects.all()]


class CaseSerializer(CaseListSerializer):
    history = serializers.HyperlinkedIdentityField(view_name="lianzheng_api:case-history")
    origin = Choice(field="origin")
    proposed_by = serializers.CharField(source="proposed_by.name", default="")
    grounds = serializers.SerializerMethodField()
    subjects = SubjectSerializer(many=True)
    participants = ParticipantSerializer(many=True)
    created_at = LocalDateTime()
    consented_at = LocalDateTime()
    consented_by = serializers.CharField(source="consented_by.name", default="")
    notices = NoticeSerializer(many=True)
    records = RecordSerializer(many=True)
    postponements = PostponementSerializer(many=True)
    rectification_items = ItemSerializer(many=True)
    documents = DocumentSerializer(many=True)

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "history",
            "origin",
            "proposed_by",
            "purpose",
            "grounds",
            "other_justification",
            "problems",
            "participants",
            "place",
            "created_at",
            "consented_at",
            "consented_by",
            "consent_comment",
            "declined_reason",
            "notices",
            "records",
            "postponements",
            "rectification_items",
            "documents",
        ]

    def get_grounds(self, case) -> list[str]:
        return [str(g) for g in case.grounds.all()]

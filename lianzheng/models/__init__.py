"""The add-on's models, one module per concern; import them from here."""

from lianzheng.audit.models import ChainHead, ChainVerification

from .calendar import CalendarOverride, CalendarYear
from .cases import (
    CaseGround,
    CaseParticipant,
    CaseSequence,
    CaseSubject,
    ConfidentialAccess,
    ConfidentialReport,
    Escalation,
    Ground,
    Notice,
    Postponement,
    RectificationCheck,
    RectificationItem,
    StateChangeRefused,
    TalkCase,
    TalkRecord,
)
from .documents import DocumentImmutable, GeneratedDocument
from .pages import RegulationIndexPage, RegulationPage
from .people import Appointment, Person, RoleAssignment
from .reminders import Reminder, ReminderImmutable
from .settings import DocumentSettings
from .units import Unit

__all__ = [
    "Appointment",
    "CalendarOverride",
    "CalendarYear",
    "CaseGround",
    "CaseParticipant",
    "CaseSequence",
    "CaseSubject",
    "ChainHead",
    "ChainVerification",
    "ConfidentialAccess",
    "ConfidentialReport",
    "DocumentImmutable",
    "DocumentSettings",
    "Escalation",
    "GeneratedDocument",
    "Ground",
    "Notice",
    "Person",
    "Postponement",
    "RectificationCheck",
    "RectificationItem",
    "RegulationIndexPage",
    "RegulationPage",
    "Reminder",
    "ReminderImmutable",
    "RoleAssignment",
    "StateChangeRefused",
    "TalkCase",
    "TalkRecord",
    "Unit",
]

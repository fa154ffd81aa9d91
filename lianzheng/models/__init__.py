"""The add-on's models, one module per concern; import them from here."""

from lianzheng.audit.models import ChainHead, ChainVerification, Checkpoint
from lianzheng.history import register_history

from .api import ApiCall, ApiConsumer
from .calendar import CalendarOverride, CalendarYear
from .case_parts import (
    CaseGround,
    CaseParticipant,
    CaseSubject,
    ConfidentialAccess,
    ConfidentialReport,
    Escalation,
    Notice,
    Postponement,
    RectificationCheck,
    RectificationItem,
    Substitution,
    TalkRecord,
)
from .cases import CaseSequence, Ground, StateChangeRefused, TalkCase
from .documents import DocumentImmutable, GeneratedDocument
from .jobs import GenerationJob, JobKind, JobStage, JobState
from .pages import RegulationIndexPage, RegulationPage
from .people import Appointment, Person, RoleAssignment
from .reminders import Reminder, ReminderImmutable
from .settings import DocumentSettings
from .units import Unit

# The verification records join the chain like every other record (see ChainVerification).
register_history(ChainVerification)

__all__ = [
    "ApiCall",
    "ApiConsumer",
    "Appointment",
    "CalendarOverride",
    "CalendarYear",
    "CaseGround",
    "CaseParticipant",
    "CaseSequence",
    "CaseSubject",
    "ChainHead",
    "ChainVerification",
    "Checkpoint",
    "ConfidentialAccess",
    "ConfidentialReport",
    "DocumentImmutable",
    "DocumentSettings",
    "Escalation",
    "GeneratedDocument",
    "GenerationJob",
    "Ground",
    "JobKind",
    "JobStage",
    "JobState",
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
    "Substitution",
    "TalkCase",
    "TalkRecord",
    "Unit",
]

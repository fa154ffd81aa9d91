"""The rules table's one-line summaries, marked for the translation catalogue.

The table keeps each rule's summary in English (``Rule.summary_en``) beside its Chinese quotation
of the article; the public regulation page shows the summary in the reader's language, so the
catalogue needs every one of them. ``makemessages`` only finds literals, hence this list; a test
fails when a rule's summary is missing here or has no Chinese translation.
"""

from django.utils.translation import gettext, gettext_noop

SUMMARIES = (
    gettext_noop("A talk case records its purpose."),
    gettext_noop("Subjects are bureau staff at 正科 or below, or principal heads of county units."),
    gettext_noop("A routine talk's record holds the subject's report."),
    gettext_noop("A pre-appointment talk precedes the appointment and ends with a commitment."),
    gettext_noop("A special talk records its trigger, and its record the requirements given."),
    gettext_noop("A warning talk names the problems; the subject explains causes and measures."),
    gettext_noop("An admonition talk records its source and the problems; causes are analysed."),
    gettext_noop("County principal heads may only have warning or admonition talks."),
    gettext_noop(
        "Warning and admonition talks cite a ground of 第五条; 其他 needs a justification."
    ),
    gettext_noop("A talk proceeds only after the principal head's recorded consent."),
    gettext_noop("Lead interviewer and required attendees match the table of 第六条（二）."),
    gettext_noop("A written notice at least 3 working days ahead, naming who, when, where, what."),
    gettext_noop("Each subject of a collective talk gets his own notice and his own record."),
    gettext_noop(
        "Every recorded moment follows the steps it depends on and none lies in the future; a "
        "talk is held at the time it was notified for."
    ),
    gettext_noop("A subject is never an interviewer or attendee of his own case."),
    gettext_noop("A preparation note exists before the talk is held."),
    gettext_noop("At least two interviewers present and a written record."),
    gettext_noop(
        "Only the discipline officer, deputy head for discipline and principal head see "
        "whistleblower information."
    ),
    gettext_noop(
        "Postponement needs a written application and its approval; a missed talk is "
        "recorded as absence."
    ),
    gettext_noop("The record holds the subject's own statement."),
    gettext_noop("Retaliation against interviewers or whistleblowers is an escalation ground."),
    gettext_noop(
        "Rectification items for warning and admonition talks; close only when the office has "
        "verified every item."
    ),
    gettext_noop("Escalation records its ground and who decided."),
    gettext_noop("Deception, falsification or retaliation are escalation grounds, with the facts."),
    gettext_noop("A case records the regulation revision it is handled under; no talk before it."),
)


def rule_summary(rule) -> str:
    """The rule's one-line summary in the active language."""
    return gettext(rule.summary_en)

"""Keep a case's index entry current when its parts change.

Wagtail re-indexes a model on its own save (``TalkCase`` is ``index.Indexed``), not when a row
that points at it changes: a new record, a rectification item, a subject added, a person or a unit
renamed would leave the case findable by the old words only. Each of those saves re-indexes the
cases concerned through the same task Wagtail's own handler uses (at once in development, queued
in production).
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from wagtail.search.tasks import insert_or_update_object_task


def _reindex_cases(case_ids) -> None:
    for case_id in dict.fromkeys(case_ids):
        insert_or_update_object_task.enqueue("lianzheng", "talkcase", str(case_id))


def _part_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from lianzheng.models import TalkCase

    case_id = getattr(instance, "case_id", None)
    # A part deleted with its case (a cascade) leaves nothing to re-index.
    if case_id is not None and TalkCase.objects.filter(pk=case_id).exists():
        _reindex_cases([case_id])


def _person_changed(sender, instance, raw=False, created=False, **kwargs):
    if raw or created:
        return
    from lianzheng.models import CaseParticipant, CaseSubject

    _reindex_cases(
        [
            *CaseSubject.objects.filter(person=instance).values_list("case_id", flat=True),
            *CaseParticipant.objects.filter(person=instance).values_list("case_id", flat=True),
        ]
    )


def _unit_changed(sender, instance, raw=False, created=False, **kwargs):
    if raw or created:
        return
    from lianzheng.models import CaseSubject

    _reindex_cases(
        CaseSubject.objects.filter(person__unit=instance).values_list("case_id", flat=True)
    )


def connect() -> None:
    from lianzheng.models import (
        CaseParticipant,
        CaseSubject,
        Person,
        RectificationItem,
        TalkRecord,
        Unit,
    )

    for part in (CaseSubject, CaseParticipant, TalkRecord, RectificationItem):
        post_save.connect(_part_changed, sender=part, dispatch_uid=f"lz_reindex_{part.__name__}")
        post_delete.connect(
            _part_changed, sender=part, dispatch_uid=f"lz_reindex_del_{part.__name__}"
        )
    post_save.connect(_person_changed, sender=Person, dispatch_uid="lz_reindex_person")
    post_save.connect(_unit_changed, sender=Unit, dispatch_uid="lz_reindex_unit")

"""A case's state changes only through ``case_transition``.

The audit trail is only worth something if no other path can move a case: not the ORM's create,
update, bulk_update or bulk_create, not attribute assignment, not an admin ModelForm, not
restoring an old version from simple-history, not calling the FSM method by hand. Each test
tries one of those paths on a real case and checks what an auditor would check afterwards: the
state stored in the database is the one it was, and the history has no new row.
"""

from __future__ import annotations

import pytest
from django import forms
from django_fsm import TransitionNotAllowed

from lianzheng.choices import CaseState
from lianzheng.models import TalkCase
from lianzheng.models.cases import StateChangeRefused
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db


def stored_state(case: TalkCase) -> str:
    return TalkCase.objects.filter(pk=case.pk).values_list("state", flat=True).get()


def history_count(case: TalkCase) -> int:
    return TalkCase.history.filter(id=case.pk).count()


@pytest.fixture
def approved(cast):
    """A case consented to by the principal head: far enough along that 'draft' is the past."""
    case = advance(cast, new_case(cast), "approved")
    return TalkCase.objects.get(pk=case.pk)


def _copy_fields(case: TalkCase, **changes) -> dict:
    """What a new TalkCase needs, taken from an existing one, with a fresh number."""
    fields = {
        "year": case.year,
        "sequence": case.sequence + 100,
        "number": f"{case.number}-copy",
        "talk_type": case.talk_type,
        "purpose": case.purpose,
        "regulation_page_id": case.regulation_page_id,
        "regulation_revision_id": case.regulation_revision_id,
    }
    fields.update(changes)
    return fields


def test_create_in_a_later_state_is_refused(approved):
    """A case is born a draft: creating one already 'closed' would skip consent and filing."""
    before = TalkCase.objects.count()
    history_before = TalkCase.history.count()

    with pytest.raises(StateChangeRefused, match="只能通过办理流程变更"):
        TalkCase.objects.create(**_copy_fields(approved, state=CaseState.CLOSED))

    assert TalkCase.objects.count() == before
    assert TalkCase.history.count() == history_before


def test_bulk_create_in_a_later_state_is_refused(approved):
    """bulk_create skips save(); the queryset guard must catch it too."""
    before = TalkCase.objects.count()
    history_before = TalkCase.history.count()

    with pytest.raises(StateChangeRefused):
        TalkCase.objects.bulk_create([TalkCase(**_copy_fields(approved, state=CaseState.CLOSED))])

    assert TalkCase.objects.count() == before
    assert TalkCase.history.count() == history_before


def test_queryset_update_of_state_is_refused(approved):
    """update() writes SQL directly, without save() or history: it must not touch the state."""
    history_before = history_count(approved)

    with pytest.raises(StateChangeRefused):
        TalkCase.objects.filter(pk=approved.pk).update(state=CaseState.CLOSED)

    assert stored_state(approved) == CaseState.APPROVED
    assert history_count(approved) == history_before


def test_queryset_update_of_other_fields_is_allowed(approved):
    """The guard is about the state only; moving the talk time this way stays possible (the
    workflow tests rely on it to put a talk in the past)."""
    TalkCase.objects.filter(pk=approved.pk).update(place="局二楼会议室")

    assert TalkCase.objects.get(pk=approved.pk).place == "局二楼会议室"
    assert stored_state(approved) == CaseState.APPROVED


def test_bulk_update_of_state_is_refused(approved):
    """bulk_update with 'state' among the fields is refused before any row is written. The
    object is built with the new state in its constructor, the one place a protected FSM field
    can be given a value."""
    history_before = history_count(approved)
    forged = TalkCase(pk=approved.pk, **_copy_fields(approved, state=CaseState.CLOSED))

    with pytest.raises(StateChangeRefused):
        TalkCase.objects.bulk_update([forged], ["state"])

    assert stored_state(approved) == CaseState.APPROVED
    assert history_count(approved) == history_before


def test_attribute_assignment_is_refused(approved):
    """The field is a protected FSMField: django-fsm-2 refuses the assignment itself."""
    history_before = history_count(approved)

    with pytest.raises(AttributeError, match="Direct state modification is not allowed"):
        approved.state = CaseState.CLOSED

    assert approved.state == CaseState.APPROVED
    assert stored_state(approved) == CaseState.APPROVED
    assert history_count(approved) == history_before


def test_save_of_an_instance_with_another_state_is_refused(approved):
    """An instance built in memory with the pk of a stored case and another state (as a form or
    a script might) is refused on save; the stored row keeps its state."""
    history_before = history_count(approved)
    forged = TalkCase.objects.get(pk=approved.pk)
    forged.__dict__["state"] = CaseState.CLOSED  # bypass the descriptor, as a raw setter would

    with pytest.raises(StateChangeRefused):
        forged.save()

    assert stored_state(approved) == CaseState.APPROVED
    assert history_count(approved) == history_before


class AllFieldsForm(forms.ModelForm):
    class Meta:
        model = TalkCase
        fields = "__all__"  # noqa: DJ007 - the point: what an all-fields form would offer


def _posted(form: forms.ModelForm, **changes) -> dict:
    """The data a browser would post back for the form as shown, with ``changes``."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name)
        if value is None:
            continue
        if isinstance(field, forms.ModelMultipleChoiceField):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = getattr(value, "pk", value)
    data.update(changes)
    return data


def test_model_form_with_all_fields_does_not_expose_state(approved):
    """An edit form built with fields='__all__' (as a quick admin view would be) must not offer
    the state, and must validate an ordinary edit of an existing case. (At fa24c5d the state was
    an editable field: the form offered it and is_valid() raised AttributeError from django-fsm
    on every existing case, even with the state unchanged.)"""
    assert "state" not in AllFieldsForm.base_fields
    bound = AllFieldsForm(_posted(AllFieldsForm(instance=approved)), instance=approved)
    assert bound.is_valid(), bound.errors


def test_model_form_posting_a_state_cannot_change_it(approved):
    """Whatever the form offers, posting 'closed' with it never changes the stored state: either
    the state is not a form field and is ignored, or the protected field refuses it."""
    history_before = history_count(approved)
    data = _posted(AllFieldsForm(instance=approved), state=CaseState.CLOSED)
    bound = AllFieldsForm(data, instance=approved)

    if "state" in bound.fields:
        # Today django-fsm refuses the assignment inside is_valid(); a later fix may instead
        # make the form invalid or refuse on save. Any of these is fine: what matters is below.
        try:
            if bound.is_valid():
                bound.save()
        except (AttributeError, StateChangeRefused):
            pass
        assert history_count(approved) == history_before
    else:
        assert bound.is_valid(), bound.errors
        bound.save()

    assert stored_state(approved) == CaseState.APPROVED
    assert not TalkCase.history.filter(id=approved.pk, state=CaseState.CLOSED).exists()


def test_restoring_an_old_version_is_refused(approved):
    """simple-history can rebuild the case as it was when it was a draft; saving that rebuilt
    instance would silently take the case back to draft, erasing the principal head's consent
    from the live row. It must be refused and the stored state kept. (At fa24c5d it was not:
    the rebuilt instance is "adding" with an existing pk, and the guard trusted _state.adding.)"""
    draft_version = approved.history.earliest()
    assert draft_version.state == CaseState.DRAFT
    history_before = history_count(approved)

    with pytest.raises(StateChangeRefused):
        draft_version.instance.save()

    assert stored_state(approved) == CaseState.APPROVED
    assert TalkCase.objects.get(pk=approved.pk).consented_by_id is not None
    assert history_count(approved) == history_before


def test_calling_a_transition_method_directly_is_refused(cast):
    """case.submit() without the service has no judged context: the transition refuses, so
    nobody can skip the permission and rule checks by calling the FSM method."""
    case = new_case(cast)
    history_before = history_count(case)

    with pytest.raises(TransitionNotAllowed):
        case.submit()

    assert case.state == CaseState.DRAFT
    assert stored_state(case) == CaseState.DRAFT
    assert history_count(case) == history_before


def test_calling_a_transition_method_then_saving_is_refused(approved):
    """Nor can the FSM method and save() be combined by hand from a later state: the method
    refuses (no context), and saving the instance afterwards does not notify the case."""
    history_before = history_count(approved)

    with pytest.raises(TransitionNotAllowed):
        approved.notify()

    assert approved.state == CaseState.APPROVED
    assert history_count(approved) == history_before
    approved.save()
    assert stored_state(approved) == CaseState.APPROVED
    assert not TalkCase.history.filter(id=approved.pk, state=CaseState.NOTIFIED).exists()

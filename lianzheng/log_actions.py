"""The add-on's entries in Wagtail's audit log (shown in each object's history)."""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TRANSITION = "lianzheng.transition"


def register(actions) -> None:
    actions.register_action(TRANSITION, _("Case transition"), _("Case transition"))


def log_transition(instance, *, user, data: dict):
    """The transition's entry, as ``wagtail.log_actions.log()`` writes it, less two queries.

    Wagtail's log entry runs ``full_clean()`` on save, whose foreign-key checks ask the
    database whether the content type and the user exist: both were just used by the
    transition. The entry gets the same fields (label, content type, object id, the log
    context's uuid), and its action and fields are validated all the same.
    """
    from wagtail.log_actions import get_active_log_context, registry
    from wagtail.models import BaseLogEntry

    model = registry.get_log_model_for_instance(instance)
    if model is None:  # no log model for this type: Wagtail's log() does nothing either
        return None
    context = get_active_log_context()
    entry = model(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        label=model.objects.get_instance_title(instance),
        action=TRANSITION,
        timestamp=timezone.now(),
        data=data,
        user=user or context.user,
        uuid=context.uuid,
        object_id=str(instance.pk),
    )
    entry.clean_fields(exclude=["content_type", "user", "revision"])
    entry.clean()
    super(BaseLogEntry, entry).save()
    return entry

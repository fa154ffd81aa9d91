"""Settings the bureau keeps in the admin (Wagtail's Settings menu), not in code."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting

from lianzheng.history import Audited, audited_history

PHONE = RegexValidator(
    r"^[0-9０-９+()（）\- ,，、转]+$",
    _("A telephone number holds digits, and may hold +, -, brackets, spaces and 转 (extension)."),
)


class DocumentSettings(Audited, BaseGenericSetting):
    """What the bureau's documents tell their reader. A subject who receives a notice must be
    able to reach the office — to ask about the talk or to apply in writing for a postponement
    (第八条（一）) — so the notice gives the office's telephone beside the contact's name. It is
    one number for the whole office, kept by the office and the editors; a notice already
    generated keeps the number it was made with (its PDF is stored and hashed). Audited like
    every model: the history says who changed the number and when."""

    contact_phone = models.CharField(
        _("office telephone"),
        max_length=40,
        blank=True,
        validators=[PHONE],
        help_text=_("Printed on notices after the contact, e.g. 0837-2822123."),
    )

    history = audited_history()

    class Meta:
        verbose_name = _("document settings")
        verbose_name_plural = _("document settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

"""Units: where subjects work, and so who leads their talks (第三条, 第六条（二）)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianzheng.choices import County, UnitKind
from lianzheng.history import Audited, audited_history


class Unit(Audited):
    """A bureau section or a county's 住建局 / 城市管理局 / 公用事业服务中心.

    ``code`` is the stable key the set-up command matches on, so renaming a unit in the admin
    survives a later set-up run instead of creating a duplicate.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, db_index=True)
    county = models.CharField(
        _("county or city"), max_length=20, choices=County.choices, blank=True, db_index=True
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    history = audited_history()

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="section", county="") | ~models.Q(kind="section"))
                & (models.Q(kind="section") | ~models.Q(county="")),
                name="lianzheng_unit_county_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """The constraint's rule, said on the field (the database's own message names only the
        constraint)."""
        if self.kind == UnitKind.SECTION and self.county:
            raise ValidationError(
                {"county": _("A bureau section belongs to no county; leave the county empty.")}
            )
        if self.kind and self.kind != UnitKind.SECTION and not self.county:
            raise ValidationError({"county": _("Choose the county or city of a county unit.")})

    @property
    def is_county_unit(self) -> bool:
        return self.kind != UnitKind.SECTION

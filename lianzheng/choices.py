"""Choices shared by models, rules and views, kept apart so none of them import each other."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class County(models.TextChoices):
    """The 13 counties and cities of Aba prefecture (第三条), in the prefecture's own order."""

    MAERKANG = "maerkang", "马尔康市"
    WENCHUAN = "wenchuan", "汶川县"
    LIXIAN = "lixian", "理县"
    MAOXIAN = "maoxian", "茂县"
    SONGPAN = "songpan", "松潘县"
    JIUZHAIGOU = "jiuzhaigou", "九寨沟县"
    JINCHUAN = "jinchuan", "金川县"
    XIAOJIN = "xiaojin", "小金县"
    HEISHUI = "heishui", "黑水县"
    RANGTANG = "rangtang", "壤塘县"
    ABA = "aba", "阿坝县"
    RUOERGAI = "ruoergai", "若尔盖县"
    HONGYUAN = "hongyuan", "红原县"


class UnitKind(models.TextChoices):
    """Where a unit stands in 第三条: a section of the bureau, or one of a county's three units."""

    SECTION = "section", _("Bureau section")
    COUNTY_HOUSING = "county_housing", _("County housing and urban-rural development bureau")
    COUNTY_URBAN = "county_urban", _("County urban management bureau")
    COUNTY_UTILITY = "county_utility", _("County public utility service centre")


COUNTY_UNIT_SUFFIX = {
    UnitKind.COUNTY_HOUSING: "住房和城乡建设局",
    UnitKind.COUNTY_URBAN: "城市管理局",
    UnitKind.COUNTY_UTILITY: "公用事业服务中心",
}


class Role(models.TextChoices):
    """The roles of rules.md (People and roles); each is a Wagtail group of the same name."""

    EDITOR = "editor", _("Editor")
    OFFICE = "office", _("Office")
    PRINCIPAL_HEAD = "principal_head", _("Principal head")
    DEPUTY_HEAD_PERSONNEL = "deputy_head_personnel", _("Deputy head for personnel")
    DEPUTY_HEAD_DISCIPLINE = "deputy_head_discipline", _("Deputy head for discipline")
    LEADER_IN_CHARGE = "leader_in_charge", _("Leader in charge")
    OFFICE_HEAD = "office_head", _("Office head")
    DISCIPLINE_OFFICER = "discipline_officer", _("Discipline officer")
    PERSONNEL_OFFICER = "personnel_officer", _("Personnel officer")
    AUDITOR = "auditor", _("Auditor")

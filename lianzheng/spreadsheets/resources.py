"""What each importable sheet holds: its columns (headed in Chinese, as the office types them),
how a cell becomes a value, and how a row finds the record it updates.

Choices are accepted as their Chinese label (科员), their English one, or their code; units by
their code or their name; a person by his name and his unit's, since two people of the same
name in one unit is the one case the office must settle by hand (the row is refused).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import translation
from import_export import fields, resources, widgets

from lianzheng.choices import AppointmentKind, County, PersonCategory, Rank, Role, UnitKind
from lianzheng.models import Appointment, Person, RoleAssignment, Unit


def _spellings(choices) -> dict[str, str]:
    """Every way a user may write a choice: its code, labels in both languages, and the
    Chinese in an English label's brackets ("Staff member (科员)")."""
    names: dict[str, str] = {}
    for code, label in choices.choices:
        names[code.lower()] = code
        for language in ("zh-hans", "en"):
            with translation.override(language):
                text = str(label)
            names[text.lower()] = code
            if bracketed := re.search(r"[（(]([^）)]+)[）)]", text):
                names[bracketed.group(1).lower()] = code
    return names


def zh_label(choices, code) -> str:
    with translation.override("zh-hans"):
        return str(choices(code).label) if code else ""


class ChoiceWidget(widgets.Widget):
    def __init__(self, choices, what: str, required: bool = True):
        super().__init__()
        self.choices, self.what, self.required = choices, what, required
        self._names: dict[str, str] | None = None

    @property
    def names(self) -> dict[str, str]:
        if self._names is None:  # once translations are loaded, not at import time
            self._names = _spellings(self.choices)
        return self._names

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            if self.required:
                raise ValueError(f"须填写{self.what}")
            return ""
        code = self.names.get(text.lower())
        if code is None:
            allowed = "、".join(zh_label(self.choices, c) for c in self.choices.values)
            raise ValueError(f"「{text}」不是可用的{self.what}；可填：{allowed}")
        return code

    def render(self, value, obj=None, **kwargs):
        return zh_label(self.choices, value)


class TextWidget(widgets.CharWidget):
    def __init__(self, what: str, required: bool = True):
        super().__init__()
        self.what, self.required = what, required

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))  # a number typed into a spreadsheet cell
        if self.required and not text:
            raise ValueError(f"须填写{self.what}")
        return text


class DayWidget(widgets.Widget):
    """A date typed as 2027-01-04, 2027/1/4, 2027年1月4日, or a spreadsheet date cell."""

    def __init__(self, what: str, required: bool = True):
        super().__init__()
        self.what, self.required = what, required

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value or "").strip()
        if not text:
            if self.required:
                raise ValueError(f"须填写{self.what}")
            return None
        match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
        try:
            if match is None:
                raise ValueError
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            raise ValueError(f"「{text}」不是有效日期（如 2027-01-04）") from None

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class UnitWidget(widgets.ForeignKeyWidget):
    """A unit by its code or its exact name; looked up once per import, not once per row."""

    def __init__(self, what: str = "单位", required: bool = True):
        super().__init__(Unit, field="code")
        self.what, self.required = what, required
        self._units: dict[str, Unit] | None = None

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            if self.required:
                raise ValueError(f"须填写{self.what}")
            return None
        if self._units is None:
            self._units = {}
            for unit in Unit.objects.all():
                self._units[unit.code] = unit
                self._units.setdefault(unit.name, unit)
        unit = self._units.get(text)
        if unit is None:
            raise ValueError(f"系统中没有单位「{text}」：请填写单位名称或代码，或先导入单位")
        return unit

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class SheetResource(resources.ModelResource):
    """What every sheet shares: unchanged rows are reported as such and not saved again, and a
    row's key columns are checked first, so a wrong unit is refused on its column."""

    # Shown above the template's columns: what the sheet is for.
    title = ""

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        skip_html_diff = True

    def before_import_row(self, row, **kwargs):
        """Every cell read first, so a row is refused with all its faults at once, each on its
        column (a wrong unit would otherwise stop the row before its other cells are read)."""
        errors = self.row_errors(row)
        if errors:
            raise ValidationError(errors)

    def row_errors(self, row) -> dict[str, list[str]]:
        errors = {}
        for field in self.get_import_fields():
            if field.column_name not in row:
                continue
            try:
                field.clean(row)
            except ValueError as exc:
                name = next(n for n, f in self.fields.items() if f is field)
                errors[name] = [str(exc)]
        return errors

    def save_instance(self, instance, is_create, row, **kwargs):
        """A preview (dry run) says what each row would do without writing it: a write, its
        history row and chain link only to be rolled back cost most of the preview's time."""
        if self._is_dry_run(kwargs):
            return
        super().save_instance(instance, is_create, row, **kwargs)

    @classmethod
    def column_of(cls, field_name: str) -> str:
        field = cls.fields.get(field_name)
        return field.column_name if field else ""

    @classmethod
    def example(cls) -> list:
        return []


class UnitResource(SheetResource):
    title = "单位"
    code = fields.Field("code", "代码", widget=TextWidget("代码"))
    name = fields.Field("name", "名称", widget=TextWidget("名称"))
    kind = fields.Field("kind", "类别", widget=ChoiceWidget(UnitKind, "单位类别"))
    county = fields.Field("county", "县（市）", widget=ChoiceWidget(County, "县（市）", False))
    sort_order = fields.Field("sort_order", "排序", widget=widgets.IntegerWidget(), default=0)

    class Meta(SheetResource.Meta):
        model = Unit
        fields = ("code", "name", "kind", "county", "sort_order")
        import_id_fields = ("code",)

    @classmethod
    def example(cls):
        return [
            "maerkang-housing",
            "马尔康市住房和城乡建设局",
            "县（市）住房和城乡建设局",
            "马尔康市",
            10,
        ]


class PersonResource(SheetResource):
    title = "人员"
    name = fields.Field("name", "姓名", widget=TextWidget("姓名"))
    unit = fields.Field("unit", "单位", widget=UnitWidget())
    post = fields.Field("post", "职务", widget=TextWidget("职务", required=False))
    rank = fields.Field("rank", "职级", widget=ChoiceWidget(Rank, "职级"))
    category = fields.Field("category", "人员类别", widget=ChoiceWidget(PersonCategory, "人员类别"))

    class Meta(SheetResource.Meta):
        model = Person
        fields = ("name", "unit", "post", "rank", "category")
        import_id_fields = ("name", "unit")

    def get_instance(self, instance_loader, row):
        matches = list(
            Person.objects.filter(
                name=self.fields["name"].clean(row), unit=self.fields["unit"].clean(row)
            )[:2]
        )
        if len(matches) > 1:
            raise ValidationError({"name": ["本单位有两名同名人员，请在系统中逐一修改"]})
        return matches[0] if matches else None

    @classmethod
    def example(cls):
        return ["张三", "办公室", "科员", "科员", "局机关干部职工"]


class _PersonRowResource(SheetResource):
    """A sheet whose rows name a person by 姓名 and 所在单位."""

    person_name = fields.Field(column_name="姓名", widget=TextWidget("姓名"))
    person_unit = fields.Field(column_name="所在单位", widget=UnitWidget("所在单位"))

    def row_errors(self, row):
        errors = super().row_errors(row)
        if "person_name" in errors or "person_unit" in errors:
            return errors
        name = self.fields["person_name"].clean(row)
        unit = self.fields["person_unit"].clean(row)
        people = list(Person.objects.filter(name=name, unit=unit)[:2])
        if len(people) == 1:
            row["__person"] = people[0]
        else:
            errors["person_name"] = [
                f"{unit.name}没有名为「{name}」的人员：请先导入人员"
                if not people
                else f"{unit.name}有两名「{name}」，无法确定是哪一位"
            ]
        return errors

    def import_instance(self, instance, row, **kwargs):
        instance.person = row["__person"]
        super().import_instance(instance, row, **kwargs)


class AppointmentResource(_PersonRowResource):
    title = "任职"
    kind = fields.Field("kind", "任职类别", widget=ChoiceWidget(AppointmentKind, "任职类别"))
    post = fields.Field("post", "新任职务", widget=TextWidget("新任职务"))
    rank = fields.Field("rank", "新任职级", widget=ChoiceWidget(Rank, "新任职级"))
    unit = fields.Field("unit", "任职单位", widget=UnitWidget("任职单位"))
    effective_date = fields.Field("effective_date", "生效日期", widget=DayWidget("生效日期"))
    document = fields.Field("document", "任职文件", widget=TextWidget("任职文件", required=False))

    class Meta(SheetResource.Meta):
        model = Appointment
        fields = (
            "person_name",
            "person_unit",
            "kind",
            "post",
            "rank",
            "unit",
            "effective_date",
            "document",
        )
        import_id_fields = ()

    def get_instance(self, instance_loader, row):
        return Appointment.objects.filter(
            person=row["__person"],
            kind=self.fields["kind"].clean(row),
            effective_date=self.fields["effective_date"].clean(row),
        ).first()

    @classmethod
    def example(cls):
        return [
            "张三",
            "办公室",
            "提拔",
            "副主任",
            "副科",
            "办公室",
            "2027-01-04",
            "阿州住建党组〔2027〕1号",
        ]


class RoleResource(_PersonRowResource):
    title = "职责分工"
    role = fields.Field("role", "职责", widget=ChoiceWidget(Role, "职责"))
    unit = fields.Field("unit", "分管科室", widget=UnitWidget("分管科室", required=False))
    valid_from = fields.Field("valid_from", "起始日期", widget=DayWidget("起始日期"))
    valid_until = fields.Field("valid_until", "截止日期", widget=DayWidget("截止日期", False))
    note = fields.Field("note", "备注", widget=TextWidget("备注", required=False))

    class Meta(SheetResource.Meta):
        model = RoleAssignment
        fields = ("person_name", "person_unit", "role", "unit", "valid_from", "valid_until", "note")
        import_id_fields = ()

    def get_instance(self, instance_loader, row):
        return RoleAssignment.objects.filter(
            person=row["__person"],
            role=self.fields["role"].clean(row),
            unit=self.fields["unit"].clean(row),
            valid_from=self.fields["valid_from"].clean(row),
        ).first()

    @classmethod
    def example(cls):
        return ["张三", "办公室", "纪检专干", "", "2027-01-01", "", ""]


SHEETS: dict[str, type[SheetResource]] = {
    "units": UnitResource,
    "people": PersonResource,
    "appointments": AppointmentResource,
    "roles": RoleResource,
}

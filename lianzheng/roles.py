"""Who may do what, as one table: each role of rules.md, its Wagtail group and its permissions.

The set-up command makes the groups match this table exactly, so a permission granted by hand in
the admin is undone by the next set-up run; change the table instead, and its test.
"""

from __future__ import annotations

from dataclasses import dataclass

from lianzheng.choices import Role

ADMIN_ACCESS = "wagtailadmin.access_admin"
VIEW_UNITS = "lianzheng.view_unit"


def _manage(*models: str) -> tuple[str, ...]:
    return tuple(f"lianzheng.{action}_{m}" for m in models for action in ("add", "change", "view"))


def _view(*models: str) -> tuple[str, ...]:
    return tuple(f"lianzheng.view_{m}" for m in models)


MANAGE_UNITS = _manage("unit")
# Reference data everyone who works cases may read (cases themselves follow
# lianzheng.permissions, not model permissions).
READ_REFERENCE = (
    ADMIN_ACCESS,
    *_view(
        "unit",
        "person",
        "appointment",
        "roleassignment",
        "ground",
        "calendaroverride",
        "calendaryear",
    ),
)
# The office keeps the people, their appointments, who holds which office, and the office
# telephone its notices print (DocumentSettings).
OFFICE_DATA = (
    ADMIN_ACCESS,
    *_manage("unit", "person", "appointment", "roleassignment"),
    "lianzheng.change_documentsettings",
    *_view("ground", "calendaroverride", "calendaryear"),
)
# Editors keep the regulation's data: grounds of 第五条, the working-day calendar, and the
# document settings with the office.
EDITOR_DATA = (
    ADMIN_ACCESS,
    *_manage("unit", "ground", "calendaroverride", "calendaryear"),
    "lianzheng.change_documentsettings",
    *_view("person", "appointment", "roleassignment"),
)

# Page permission types Wagtail knows (``<type>_page`` codenames), granted on the regulations
# index so that they cover every regulation page below it.
EDIT_REGULATIONS = ("add", "change", "publish", "lock", "unlock")


@dataclass(frozen=True)
class RoleSpec:
    role: Role
    group_name: str
    description: str
    model_permissions: tuple[str, ...] = READ_REFERENCE
    regulation_page_permissions: tuple[str, ...] = ()
    demo_username: str = ""


ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(
        Role.EDITOR,
        "编辑",
        "Publishes and revises the regulation pages, the grounds and the calendar.",
        EDITOR_DATA,
        EDIT_REGULATIONS,
        "editor",
    ),
    RoleSpec(
        Role.OFFICE,
        "办公室",
        "Prepares cases, sends notices, supervises rectification, keeps integrity files.",
        OFFICE_DATA,
        demo_username="office",
    ),
    RoleSpec(
        Role.PRINCIPAL_HEAD,
        "主要负责人",
        "The bureau's head: consents to every talk (第六条（一）).",
        demo_username="principal",
    ),
    RoleSpec(
        Role.DEPUTY_HEAD_PERSONNEL,
        "分管人事副局长",
        "Leads pre-appointment talks.",
        demo_username="deputy_personnel",
    ),
    RoleSpec(
        Role.DEPUTY_HEAD_DISCIPLINE,
        "分管纪检监察副局长",
        "Leads special, warning and admonition talks.",
        demo_username="deputy_discipline",
    ),
    RoleSpec(
        Role.LEADER_IN_CHARGE,
        "分管领导",
        "Leads routine talks for the sections he is in charge of.",
        demo_username="leader",
    ),
    RoleSpec(
        Role.OFFICE_HEAD,
        "办公室负责人",
        "Heads the office; attends every talk.",
        OFFICE_DATA,
        demo_username="office_head",
    ),
    RoleSpec(
        Role.DISCIPLINE_OFFICER,
        "纪检专干",
        "Attends every talk; may see confidential reports (第七条（四）).",
        demo_username="discipline",
    ),
    RoleSpec(
        Role.PERSONNEL_OFFICER,
        "人事专干",
        "Attends pre-appointment talks.",
        demo_username="personnel",
    ),
    RoleSpec(
        Role.AUDITOR,
        "审计",
        "Discipline-inspection auditors: read everything, change nothing.",
        demo_username="auditor",
    ),
)

ROLE_BY_CODE = {spec.role: spec for spec in ROLES}


def group_name(role: Role) -> str:
    return ROLE_BY_CODE[role].group_name

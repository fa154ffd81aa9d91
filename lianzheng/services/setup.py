"""The install profile: groups, units, the site tree and demo logins, created or brought up to date.

Each step compares before it writes, so running the whole set-up again changes nothing, adds no
rows and no history; that is what lets ``make run`` call it on every start.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import GroupPagePermission, Locale, Page, Site, Task, Workflow

from home.models import HomePage
from lianzheng.audit.checkpoints import development_key
from lianzheng.choices import COUNTY_UNIT_SUFFIX, County, UnitKind
from lianzheng.models import Ground, RegulationIndexPage, RegulationPage, Unit
from lianzheng.regulation import load_seed
from lianzheng.roles import ROLES, RoleSpec
from lianzheng.services.demo import setup_demo_cases, setup_demo_people

# The bureau's own sections (局属各科室站局中心). The seed does not list them; these are the usual
# sections of a prefecture housing bureau and editors rename or add to them in the admin.
BUREAU_SECTIONS: tuple[tuple[str, str], ...] = (
    ("office", "办公室"),
    ("personnel", "人事科"),
    ("planning-finance", "计划财务科"),
    ("policy-law", "政策法规科"),
    ("housing-security", "住房保障科"),
    ("real-estate", "房地产市场监管科"),
    ("construction-market", "建筑市场监管科"),
    ("urban-construction", "城市建设科"),
    ("village-construction", "村镇建设科"),
    ("quality-safety", "建设工程质量安全监督站"),
)

# The home page's text is the bureau's content, in its language; the interface around it follows
# the reader's. Earlier set-ups wrote an English paragraph after the Chinese one, which Chinese
# readers saw on the public home page; ``setup_site`` takes it out of a home page still as made.
HOME_INTRO = (
    "<p>本系统依据《阿坝州住房和城乡建设局廉政约谈制度（试行）》办理廉政约谈：公开制度全文，"
    "按制度逐条办理每一起约谈案件，并保留审计人员可以信赖的全部记录。</p>"
)
OLD_HOME_INTRO = HOME_INTRO + (
    "<p>This system publishes the bureau's integrity-talk regulation and runs every talk case "
    "by it, with an audit trail the discipline-inspection bodies can rely on.</p>"
)


class DemoNotAllowed(Exception):
    """Demo logins were asked for where the settings forbid them (production)."""


@dataclass
class SetupReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    demo_passwords: dict[str, str] = field(default_factory=dict)

    def note(self, created: bool, label: str) -> None:
        (self.created if created else self.updated).append(label)


@transaction.atomic
def setup_all(*, demo: bool = False, reset_demo_passwords: bool = False) -> SetupReport:
    report = SetupReport()
    if demo and not settings.LIANZHENG_ALLOW_DEMO:
        raise DemoNotAllowed(
            "Demo logins are refused by these settings (LIANZHENG_ALLOW_DEMO is off, as in "
            "production)."
        )
    setup_units(report)
    _home, index, regulation = setup_site(report)
    setup_grounds(report, regulation)
    setup_groups(report, regulations_index=index)
    setup_publishing_review(report)
    if demo:
        setup_demo_users(report, reset_passwords=reset_demo_passwords)
        people = setup_demo_people()
        created = setup_demo_cases(people)
        if created:
            report.note(True, f"{created} demo cases")
        setup_development_key(report)
    return report


def setup_development_key(report: SetupReport) -> None:
    """A checkpoint signing key for development (``LIANZHENG_CHECKPOINT_DEV_KEY_FILE``, which
    .gitignore keeps out of the repository); production settings name none, and no key is made
    where one is configured."""
    path = getattr(settings, "LIANZHENG_CHECKPOINT_DEV_KEY_FILE", None)
    if not path or settings.LIANZHENG_CHECKPOINT_KEY or settings.LIANZHENG_CHECKPOINT_KEY_FILE:
        return
    existed = Path(path).exists()
    development_key(path)
    if not existed:
        report.note(True, f"development checkpoint key {path}")


# What Wagtail's own migrations name in English (wagtailcore 0050, wagtailadmin's groups): the
# editors read them as 「提交给Moderators approval」. Renamed while they still have Wagtail's
# names, so an administrator's own names are kept (#17).
WAGTAIL_DEFAULT_NAMES = {
    Workflow: {"Moderators approval": "发布审核"},
    Task: {"Moderators approval": "发布审核"},
    Group: {"Moderators": "页面审核员", "Editors": "页面编辑员"},
}


def setup_publishing_review(report: SetupReport) -> None:
    """The default publishing workflow, its task and Wagtail's two page groups, named in
    Chinese for the editors who submit regulation pages to it."""
    for model, names in WAGTAIL_DEFAULT_NAMES.items():
        for old, new in names.items():
            if model.objects.filter(name=old).update(name=new):
                report.note(False, f"{model._meta.verbose_name} {new}")


def setup_units(report: SetupReport) -> None:
    wanted = [
        {"code": f"section-{code}", "name": name, "kind": UnitKind.SECTION, "county": ""}
        for code, name in BUREAU_SECTIONS
    ]
    for county in County:
        for kind, suffix in COUNTY_UNIT_SUFFIX.items():
            wanted.append(
                {
                    "code": f"{county.value}-{kind.value.removeprefix('county_')}",
                    "name": f"{county.label}{suffix}",
                    "kind": kind,
                    "county": county.value,
                }
            )
    for order, spec in enumerate(wanted, start=1):
        unit = Unit.objects.filter(code=spec["code"]).first()
        if unit is None:
            unit = Unit(sort_order=order, **spec)
            unit._change_reason = "安装配置：创建单位 / set-up: unit created"
            unit.save()
            report.note(True, f"unit {spec['code']}")
        elif unit.kind != spec["kind"] or unit.county != spec["county"]:
            # Names and order are the editors' to change; the kind and county are structural.
            unit.kind, unit.county = spec["kind"], spec["county"]
            unit._change_reason = "安装配置：更正单位类别 / set-up: unit kind corrected"
            unit.save()
            report.note(False, f"unit {spec['code']}")


def _placeholder_root_pages():
    """Wagtail's own migration leaves a plain "Welcome to Wagtail" page at /home/."""
    page_type = ContentType.objects.get_for_model(Page)
    return Page.objects.filter(depth=2, content_type=page_type)


def _root_page(report: SetupReport) -> Page:
    """Wagtail's migrations create the tree's root; a flushed database has none, so make one."""
    root = Page.get_first_root_node()
    if root is None:
        locale = Locale.objects.filter(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        ).first() or Locale.objects.create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        report.note(True, "page tree root")
    return root


def setup_site(report: SetupReport) -> tuple[HomePage, RegulationIndexPage, RegulationPage]:
    root = _root_page(report)
    home = HomePage.objects.first()
    if home is None:
        sites_to_move = list(Site.objects.filter(root_page__in=_placeholder_root_pages()))
        for placeholder in _placeholder_root_pages():
            placeholder.delete()
        home = root.add_child(
            instance=HomePage(title="廉政约谈", slug="home", intro=HOME_INTRO, live=False)
        )
        home.save_revision().publish()
        for site in sites_to_move:
            site.root_page = home
            site.save()
        report.note(True, "home page")
    elif home.intro == OLD_HOME_INTRO:
        home.intro = HOME_INTRO
        home.save_revision().publish()
        report.note(False, "home page (its English paragraph taken out)")
    if not Site.objects.exists():
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name="廉政约谈",
        )
        report.note(True, "site")
    for site in Site.objects.filter(site_name__in=["", None]):
        site.site_name = "廉政约谈"
        site.save(update_fields=["site_name"])
        report.note(False, f"site name of {site.hostname}")

    index = RegulationIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(
            instance=RegulationIndexPage(
                title="制度文件",
                slug="regulations",
                intro="<p>本局印发的廉政约谈制度。Regulations issued by the bureau.</p>",
                live=False,
            )
        )
        index.save_revision().publish()
        report.note(True, "regulations index")

    seed = load_seed()
    regulation = (
        RegulationPage.objects.child_of(index).filter(document_number=seed.document_number).first()
    )
    if regulation is None:
        regulation = RegulationPage(slug="lianzheng-yuetan-zhidu", live=False)
        regulation.apply_regulation(seed, trial=True)
        index.add_child(instance=regulation)
        regulation.save_revision().publish()
        report.note(True, "regulation page")
    return home, index, regulation


def setup_grounds(report: SetupReport, regulation: RegulationPage) -> None:
    """The grounds of 第五条 as editable data, taken from the published regulation's clauses.

    Only missing grounds are added; an editor's wording is never overwritten. The last clause
    (“其他需要进行约谈的情形”) asks for a written justification (R5.1).
    """
    article = next((a for a in regulation.as_regulation().articles if a.number == 5), None)
    if article is None:
        return
    last = len(article.clauses)
    for clause in article.clauses:
        if Ground.objects.filter(number=clause.number).exists():
            continue
        ground = Ground(
            number=clause.number,
            text="".join(clause.paragraphs).rstrip("；。"),
            requires_justification=clause.number == last,
        )
        ground._change_reason = "安装配置：第五条适用情形 / set-up: ground of Article 5"
        ground.save()
        report.note(True, f"ground {clause.number}")


def _permissions(names: tuple[str, ...]) -> list[Permission]:
    perms = []
    for name in names:
        app_label, codename = name.split(".")
        perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return perms


def _setup_group(spec: RoleSpec, report: SetupReport, regulations_index: Page) -> Group:
    group, created = Group.objects.get_or_create(name=spec.group_name)
    wanted = set(_permissions(spec.model_permissions))
    if set(group.permissions.all()) != wanted:
        group.permissions.set(wanted)
        if not created:
            report.note(False, f"group {spec.group_name} permissions")
    page_perms = {
        Permission.objects.get(content_type__app_label="wagtailcore", codename=f"{kind}_page")
        for kind in spec.regulation_page_permissions
    }
    existing = GroupPagePermission.objects.filter(group=group, page=regulations_index)
    for gpp in existing:
        if gpp.permission not in page_perms:
            gpp.delete()
    have = {gpp.permission for gpp in existing}
    for perm in page_perms - have:
        GroupPagePermission.objects.create(group=group, page=regulations_index, permission=perm)
    if created:
        report.note(True, f"group {spec.group_name}")
    return group


def setup_groups(report: SetupReport, *, regulations_index: Page) -> None:
    for spec in ROLES:
        _setup_group(spec, report, regulations_index)


DEMO_PASSWORD_ALPHABET = string.ascii_letters + string.digits + "-.@#%+"


def _demo_password(user) -> str:
    """16 random characters that pass the password policy (settings.AUTH_PASSWORD_VALIDATORS),
    as a person's own password set in the admin must."""
    for _attempt in range(100):
        password = "".join(secrets.choice(DEMO_PASSWORD_ALPHABET) for _ in range(16))
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password
    raise RuntimeError("No random demo password passes AUTH_PASSWORD_VALIDATORS; check them.")


def setup_demo_users(report: SetupReport, *, reset_passwords: bool = False) -> None:
    """One login per role, plus a superuser; passwords appear in the report once, at creation."""
    User = get_user_model()
    wanted = [("admin", None)] + [(spec.demo_username, spec) for spec in ROLES]
    for username, spec in wanted:
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username, is_staff=spec is None, is_superuser=spec is None)
            user.first_name = spec.group_name if spec else "管理员"
            user.last_name = "（演示）"
        if created or reset_passwords:
            password = _demo_password(user)
            user.set_password(password)
            user.save()
            report.demo_passwords[username] = password
            report.note(created, f"demo user {username}")
        if spec is not None:
            group = Group.objects.get(name=spec.group_name)
            if not user.groups.filter(pk=group.pk).exists():
                user.groups.add(group)

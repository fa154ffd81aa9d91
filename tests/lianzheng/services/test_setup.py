"""The install profile: complete on the first run, and a no-op on every run after it."""

import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from wagtail.models import GroupPagePermission, Page, Site

from lianzheng.choices import County, UnitKind
from lianzheng.models import RegulationIndexPage, RegulationPage, Unit
from lianzheng.roles import ROLES
from lianzheng.services.setup import setup_all

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    """Rows in every table the project and its libraries own, history and revisions included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy
    }


def test_second_run_changes_nothing():
    setup_all(demo=True)
    before = row_counts()
    report = setup_all(demo=True)
    assert row_counts() == before
    assert report.created == [] and report.updated == [] and report.demo_passwords == {}


def test_command_twice_prints_passwords_only_the_first_time():
    first, second = io.StringIO(), io.StringIO()
    call_command("lianzheng_setup", "--demo", stdout=first)
    call_command("lianzheng_setup", "--demo", stdout=second)
    assert "auditor" in first.getvalue() and "Demo logins" in first.getvalue()
    assert "Demo logins" not in second.getvalue()
    assert "nothing changed" in second.getvalue()


def test_units_cover_every_county_and_the_bureau_sections():
    setup_all()
    for county in County:
        names = set(Unit.objects.filter(county=county).values_list("name", flat=True))
        assert names == {
            f"{county.label}住房和城乡建设局",
            f"{county.label}城市管理局",
            f"{county.label}公用事业服务中心",
        }
    assert Unit.objects.filter(kind=UnitKind.SECTION).count() >= 5
    assert Unit.objects.count() == 13 * 3 + Unit.objects.filter(kind=UnitKind.SECTION).count()


def test_unit_renamed_by_an_editor_survives_a_second_run():
    setup_all()
    unit = Unit.objects.get(code="wenchuan-housing")
    unit.name = "汶川县住房和城乡建设局（新名称）"
    unit.save()
    setup_all()
    assert Unit.objects.get(code="wenchuan-housing").name.endswith("（新名称）")
    assert Unit.objects.filter(county=County.WENCHUAN).count() == 3


def test_units_are_created_with_history():
    setup_all()
    unit = Unit.objects.get(code="aba-urban")
    record = unit.history.get()
    assert record.history_type == "+"
    assert "set-up" in record.history_change_reason


def test_site_tree_home_index_regulation():
    setup_all()
    site = Site.objects.get(is_default_site=True)
    home = site.root_page.specific
    assert type(home).__name__ == "HomePage" and home.live
    index = RegulationIndexPage.objects.child_of(home).get()
    regulation = RegulationPage.objects.child_of(index).get()
    assert regulation.live and regulation.live_revision is not None
    # Wagtail's placeholder welcome page is gone.
    assert not Page.objects.filter(depth=2).exclude(pk=home.pk).exists()


def test_a_regulation_edited_by_an_editor_is_not_overwritten():
    setup_all()
    page = RegulationPage.objects.get()
    page.cc_list = "编辑修改后的抄送"
    page.save_revision().publish()
    setup_all()
    assert RegulationPage.objects.get().cc_list == "编辑修改后的抄送"


def test_groups_match_the_roles_table():
    setup_all()
    for spec in ROLES:
        group = Group.objects.get(name=spec.group_name)
        perms = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert perms == set(spec.model_permissions)
        page_perms = {
            gpp.permission.codename for gpp in GroupPagePermission.objects.filter(group=group)
        }
        assert page_perms == {f"{kind}_page" for kind in spec.regulation_page_permissions}


def test_a_permission_granted_by_hand_is_reset_to_the_table():
    setup_all()
    auditors = Group.objects.get(name="审计")
    index = RegulationIndexPage.objects.get()
    GroupPagePermission.objects.create(group=auditors, page=index, permission_type="change")
    setup_all()
    assert not GroupPagePermission.objects.filter(group=auditors).exists()


def test_one_demo_login_per_role():
    report = setup_all(demo=True)
    User = get_user_model()
    for spec in ROLES:
        user = User.objects.get(username=spec.demo_username)
        assert list(user.groups.values_list("name", flat=True)) == [spec.group_name]
        assert user.check_password(report.demo_passwords[spec.demo_username])
        assert not user.is_superuser


def test_reset_demo_passwords_gives_new_ones():
    first = setup_all(demo=True).demo_passwords
    second = setup_all(demo=True, reset_demo_passwords=True).demo_passwords
    assert set(first) == set(second)
    assert all(first[name] != second[name] for name in first)


def test_production_settings_refuse_demo_logins(settings):
    settings.LIANZHENG_ALLOW_DEMO = False
    with pytest.raises(CommandError, match="LIANZHENG_ALLOW_DEMO"):
        call_command("lianzheng_setup", "--demo", stdout=io.StringIO())
    assert not get_user_model().objects.exists()
    # Without --demo the profile still installs.
    call_command("lianzheng_setup", stdout=io.StringIO())
    assert RegulationPage.objects.exists()


def test_demo_shows_a_case_in_every_state():
    from lianzheng.choices import CaseState
    from lianzheng.models import TalkCase

    setup_all(demo=True)
    assert set(TalkCase.objects.values_list("state", flat=True)) == set(CaseState.values)
    numbers = sorted(TalkCase.objects.exclude(sequence=None).values_list("sequence", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    # Only the drafts never submitted are without a number.
    unnumbered = TalkCase.objects.filter(number=None)
    assert unnumbered.exists() and not unnumbered.exclude(state=CaseState.DRAFT).exists()

    # Every demo case was moved by the service: each transition left its history row.
    def steps(case) -> list[str]:
        rows = case.history.exclude(history_transition="").order_by("history_id")
        return list(rows.values_list("history_transition", flat=True))

    notified = TalkCase.objects.filter(state=CaseState.NOTIFIED)
    assert steps(notified.filter(short_notice_approved_at__isnull=True).first()) == [
        "submit",
        "consent",
        "notify",
    ]
    # The principal head's approval of a shorter notice is a step of its own, in the history.
    assert steps(notified.filter(short_notice_approved_at__isnull=False).get()) == [
        "submit",
        "consent",
        "approve_short_notice",
        "notify",
    ]


def test_wagtails_default_workflow_is_named_for_the_editors():
    """#17: Wagtail's migration names its workflow, task and page groups in English
    (「提交给Moderators approval」); the set-up names them in Chinese, once."""
    from wagtail.models import Task, Workflow

    setup_all()
    assert Workflow.objects.filter(name="发布审核").exists()
    assert Task.objects.filter(name="发布审核").exists()
    assert not Workflow.objects.filter(name="Moderators approval").exists()
    assert not Group.objects.filter(name__in=["Moderators", "Editors"]).exists()
    assert Group.objects.filter(name__in=["页面审核员", "页面编辑员"]).count() == 2


def test_a_workflow_renamed_by_an_administrator_keeps_its_name():
    from wagtail.models import Workflow

    setup_all()
    Workflow.objects.filter(name="发布审核").update(name="制度发布审核")
    setup_all()
    assert Workflow.objects.filter(name="制度发布审核").exists()
    assert not Workflow.objects.filter(name="发布审核").exists()


def test_the_home_page_speaks_the_bureaus_language_and_an_old_english_paragraph_goes(client):
    """The walkthrough: the public home page in 简体中文 kept an English paragraph that set-up
    had written into the page's text."""
    from home.models import HomePage
    from lianzheng.services.setup import OLD_HOME_INTRO

    setup_all()
    home = HomePage.objects.get()
    assert "This system" not in client.get("/").content.decode()
    home.intro = OLD_HOME_INTRO
    home.save_revision().publish()
    assert "This system" in client.get("/").content.decode()
    report = setup_all()
    assert "home page (its English paragraph taken out)" in report.updated
    html = client.get("/").content.decode()
    assert "This system" not in html and "本系统依据" in html

"""What a user walking through the admin saw wrong, each pinned by what the page now says."""

import re

import pytest
from django.urls import reverse

from lianzheng.choices import TalkType
from lianzheng.dates import zh_day
from tests.workflow_helpers import new_case

pytestmark = pytest.mark.django_db

P = "wagtailsnippets_lianzheng_talkcase"


def text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_article_6_2_suggestion_names_roles_in_chinese(client, cast):
    """The suggestion showed the role codes (lead, office_head) instead of their names."""
    case = new_case(cast, TalkType.ROUTINE, participants=[])
    client.force_login(cast.clerk.user)
    page = text(client.get(reverse(f"{P}:inspect", args=[case.pk])))
    assert "钱副局长（负责约谈）、孙主任（办公室负责人）、周专干（纪检专干）" in page
    assert "（lead）" not in page and "office_head" not in page


def test_the_suggestion_is_not_offered_once_its_people_are_on_the_case(client, cast):
    """The page offered 「使用这些参加人员」 for the very people the case already had."""
    case = new_case(cast, TalkType.ROUTINE, participants=[])
    client.force_login(cast.clerk.user)
    client.post(reverse(f"{P}:participants_suggested", args=[case.pk]))
    page = text(client.get(reverse(f"{P}:inspect", args=[case.pk])))
    assert case.participants.count() == 3
    assert "使用这些参加人员" not in page and "按第六条（二）应为" not in page


def test_each_step_says_what_its_form_asks_for(client, cast):
    """Every step carried the same 「其余条件在表单中核对。」."""
    case = new_case(cast, TalkType.ROUTINE)
    client.force_login(cast.clerk.user)
    page = text(client.get(reverse(f"{P}:inspect", args=[case.pk])))
    assert "其余条件在表单中核对" not in page
    assert "表单中填写：" in page
    # A step whose form is a list of items says so too.
    from lianzheng.choices import CaseState
    from tests.workflow_helpers import advance

    held = advance(cast, new_case(cast, TalkType.WARNING), CaseState.HELD)
    page = text(client.get(reverse(f"{P}:inspect", args=[held.pk])))
    assert "表单中填写：整改事项" in page and "其余条件在表单中核对" not in page


def test_the_case_list_shows_no_filter_until_one_is_ticked(client, cast):
    """Unticked boxes showed as two active filters, 「已逾期: False」 and 「我的案件: False」."""
    new_case(cast)
    client.force_login(cast.clerk.user)
    listing = client.get(reverse(f"{P}:list"))
    assert "False" not in text(listing)
    assert 'class="w-pill"' not in listing.content.decode()
    ticked = client.get(reverse(f"{P}:list") + "?mine=on")
    assert "我的案件： 是" in text(ticked).replace(" : ", ": ")
    assert "True" not in text(ticked)


def test_the_next_deadline_is_named_in_the_readers_language(client, cast):
    """The case page said 「下一期限：…（约谈 talk）」 and the English list 「… 约谈」."""
    from wagtail.users.models import UserProfile

    from lianzheng.choices import CaseState
    from tests.workflow_helpers import advance

    case = advance(cast, new_case(cast), CaseState.NOTIFIED)
    user = cast.clerk.user
    client.force_login(user)
    page = text(client.get(reverse(f"{P}:inspect", args=[case.pk])))
    assert re.search(r"下一期限：\d{4}年\d{1,2}月\d{1,2}日（约谈）", page)
    assert "约谈 talk" not in page

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    listing = text(client.get(reverse(f"{P}:list")))
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4} talk", listing)
    assert "约谈" not in listing.replace("阿州住建廉约", "")


def test_the_timeline_names_who_consented_rather_than_his_number(client, cast):
    """The timeline's consent entry read 「同意人：— → 1」, the person's primary key."""
    from lianzheng.choices import CaseState
    from tests.workflow_helpers import advance

    case = advance(cast, new_case(cast), CaseState.APPROVED)
    client.force_login(cast.clerk.user)
    page = text(client.get(reverse(f"{P}:inspect", args=[case.pk])))
    assert f"同意人： — → {cast.principal}" in page
    assert not re.search(r"同意人： — → \d", page)


def test_comparing_versions_names_the_steps_and_the_regulation_revision(client, cast):
    """The version lists read 「… submit」「… consent」 and the regulation revision
    '"阿坝州…" at 2026-11-27 21:15:48.192952+00:00'."""
    from lianzheng.choices import CaseState
    from tests.workflow_helpers import advance

    case = advance(cast, new_case(cast), CaseState.APPROVED)
    client.force_login(cast.auditor)
    page = text(client.get(reverse("lianzheng_audit:compare", args=[case.pk])))
    assert "提交审批" in page and "同意" in page
    assert not re.search(r"\b(submit|consent)\b", page)
    revision = case.regulation_revision
    assert f"#{revision.pk}（" in page
    assert " at 20" not in page and "+00:00" not in page


def test_the_audit_log_of_a_case_includes_its_documents_and_checks(client, cast):
    """Filtered by case number, the log left out the documents generated for the case and the
    office's rectification checks, which the unfiltered log shows."""
    from django.utils import timezone

    from lianzheng.choices import CaseState, DocumentKind
    from lianzheng.models import RectificationItem
    from lianzheng.services.documents import document_generate
    from lianzheng.services.rectification import rectification_check_record
    from tests.workflow_helpers import advance

    case = advance(cast, new_case(cast), CaseState.RECTIFYING)
    item = RectificationItem.objects.get(case=case)
    rectification_check_record(
        item=item,
        user=cast.clerk.user,
        checked_on=timezone.localdate(),
        result="in_progress",
        finding="台账正在建立。",
    )
    document_generate(
        user=cast.clerk.user, kind=DocumentKind.RECTIFICATION_NOTICE, case=case, person=None
    )
    client.force_login(cast.auditor)
    entries = client.get(reverse("lianzheng_audit:log"), {"case": case.number}).context["entries"]
    kinds = {e["model"] for e in entries}
    assert {"整改检查", "已生成文书", "约谈案件"} <= kinds
    assert {e["case_id"] for e in entries} == {case.pk}


def test_verifying_the_chain_says_how_many_rows_in_a_chinese_sentence(client, cast):
    """The result read 「审计链完整。 287 已核验行数.」: a number before its noun and an
    English full stop."""
    from lianzheng.choices import CaseState
    from tests.workflow_helpers import advance

    advance(cast, new_case(cast), CaseState.SUBMITTED)
    client.force_login(cast.auditor)
    page = text(client.post(reverse("lianzheng_audit:verify"), follow=True))
    assert re.search(r"审计链完整：已核验 \d+ 行。", page)
    assert "已核验行数." not in page


def test_the_check_form_says_which_item_is_checked(client, cast):
    """With two items, 「登记办公室检查情况」 named only the case: a clerk could not tell which
    item he was about to record as verified."""
    from datetime import timedelta

    from django.utils import timezone

    from lianzheng.choices import CaseState
    from lianzheng.models import RectificationItem
    from lianzheng.services.rectification import rectification_item_add
    from tests.workflow_helpers import advance

    case = advance(cast, new_case(cast), CaseState.RECTIFYING)
    rectification_item_add(
        case=case,
        user=cast.clerk.user,
        description="组织一次廉政教育学习",
        deadline=timezone.localdate() + timedelta(days=40),
        responsible="冯科员",
    )
    item = RectificationItem.objects.get(case=case, description="组织一次廉政教育学习")
    client.force_login(cast.clerk.user)
    page = text(client.get(reverse(f"{P}:item_check", args=[case.pk, item.pk])))
    assert (
        f"整改事项：组织一次廉政教育学习（整改期限 {zh_day(item.deadline)}，责任人：冯科员）"
        in page
    )
    assert "建立办事台账" not in page


def test_the_admin_asks_no_outside_server_for_a_users_picture(client, cast):
    """Once a user had entered his email address (the account form requires one), every admin
    page asked www.gravatar.com for his picture: the CSP blocked it with console errors, and the
    address's hash went out of the bureau."""
    user = cast.clerk.user
    user.email = "zheng@example.gov.cn"
    user.save()
    client.force_login(user)
    for url in (reverse("wagtailadmin_home"), reverse("wagtailadmin_account")):
        html = client.get(url).content.decode()
        assert "gravatar" not in html, url


def test_history_cites_the_articles_not_bare_rule_codes(client, cast):
    """The timeline and the audit log read 「R6.1 R12.1」: codes only our developers know."""
    from lianzheng.choices import CaseState
    from tests.workflow_helpers import advance

    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    client.force_login(cast.auditor)
    page = text(client.get(reverse(f"{P}:inspect", args=[case.pk])))
    assert re.search(r"R6\.1 第六条第（一）项", page)
    log = text(client.get(reverse("lianzheng_audit:log"), {"case": case.number}))
    assert "第六条第（一）项（R6.1）" in log


def test_audit_pages_are_titled_by_what_they_are(client, cast):
    """Every audit page's header read 「首页」; the package page's command named 案卷.zip while
    the file downloaded is called after the case."""
    from lianzheng.choices import CaseState
    from tests.workflow_helpers import advance

    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    client.force_login(cast.auditor)
    for name, args, title in (
        ("lianzheng_audit:log", [], "审计日志"),
        ("lianzheng_audit:verify", [], "核验审计链"),
        ("lianzheng_audit:checkpoints", [], "签名检查点"),
        ("lianzheng_audit:compare", [case.pk], "版本比较"),
    ):
        html = client.get(reverse(name, args=args)).content.decode()
        crumbs = text_of(html.split('class="w-breadcrumbs')[1].split("</header>")[0])
        assert title in crumbs, (name, crumbs)
        if args:  # a page about one case names it on the way
            assert case.number in crumbs
    client.force_login(cast.clerk.user)
    package = text(client.get(reverse("lianzheng_audit:package", args=[case.pk])))
    assert f"python verify.py 案卷-{case}.zip" in package


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())

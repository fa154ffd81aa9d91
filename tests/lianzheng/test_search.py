"""Search that finds Chinese: the public /search/, the editors' page search, the case listing's
search (who may find what), the sidebar's search box, the index kept current, and the query set's
recall and precision."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from search_queryset import Score, load_queries
from wagtail.models import Page

from lianzheng.models import RectificationItem, TalkCase, TalkRecord
from lianzheng.selectors.cases import case_search
from lianzheng.selectors.search import regulation_search

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_site")]

LIST = reverse("wagtailsnippets_lianzheng_talkcase:list")


def _hits(response) -> list[tuple[str, str]]:
    html = response.content.decode()
    return re.findall(r'<p class="search-hit-label"><a href="[^"]*#([^"]+)">([^<]+)</a>', html)


def _listed_numbers(response) -> list[str]:
    """The case numbers in the listing, each once, in order (a row shows its number twice)."""
    numbers = re.findall(r"阿州住建廉约〔\d{4}〕\d+号", response.content.decode())
    return list(dict.fromkeys(numbers))


# -- the public search ---


def test_public_search_finds_the_clause_and_marks_the_sentence(client):
    response = client.get("/search/", {"query": "书面通知"})
    assert response.status_code == 200
    assert _hits(response) == [("article-6-3", "第六条（三）")]
    assert "提前3个工作日<mark>书面通知</mark>约谈对象" in response.content.decode()


def test_public_search_finds_admonition_in_article_4_5_and_article_5(client):
    labels = [label for _anchor, label in _hits(client.get("/search/", {"query": "诫勉"}))]
    assert labels[:2] == ["第四条（五）", "第五条"]


def test_public_search_with_nothing_searchable_says_so_and_lists_nothing(client):
    response = client.get("/search/", {"query": "，。"})
    assert response.status_code == 200
    assert _hits(response) == []
    assert 'class="search-empty"' in response.content.decode()


def test_public_search_for_an_absent_word_says_nothing_contains_it(client):
    response = client.get("/search/", {"query": "房地产开发"})
    assert _hits(response) == []
    assert "房地产开发" in response.content.decode()


def test_public_search_does_not_show_an_unpublished_regulation(client, regulation_page):
    regulation_page.unpublish()
    assert _hits(client.get("/search/", {"query": "书面通知"})) == []


# -- the editors' page search ---


@pytest.mark.parametrize("query", ["约谈", "书面通知", "诫勉约谈", "纪检专干"])
def test_editors_page_search_finds_the_regulation_by_a_word_of_its_text(
    client, login_as, regulation_page, query
):
    login_as("editor")
    response = client.get(reverse("wagtailadmin_pages:search_results"), {"q": query})
    assert response.status_code == 200
    assert regulation_page.title in response.content.decode()


def test_editors_page_search_finds_nothing_for_a_word_not_in_any_page(client, login_as):
    login_as("editor")
    response = client.get(reverse("wagtailadmin_pages:search_results"), {"q": "房地产开发"})
    assert "阿坝州住房和城乡建设局廉政约谈制度" not in response.content.decode()


def test_page_search_through_wagtail_api_finds_by_words_not_only_the_full_title(regulation_page):
    assert regulation_page.page_ptr in Page.objects.search("书面通知")
    assert list(Page.objects.search("房地产开发")) == []


# -- the case listing's search ---


def test_office_finds_cases_by_a_unit(client, login_as):
    login_as("office")
    response = client.get(LIST, {"q": "住房保障科"})
    assert response.status_code == 200
    found = TalkCase.objects.filter(subjects__person__unit__name="住房保障科").exclude(number=None)
    assert sorted(_listed_numbers(response)) == sorted(c.number for c in found)


def test_office_finds_a_case_by_a_rectification_item_and_a_record(client, login_as):
    login_as("office")
    item = RectificationItem.objects.get(description__contains="积压事项")
    assert _listed_numbers(client.get(LIST, {"q": "积压事项"})) == [item.case.number]
    record_cases = set(TalkRecord.objects.values_list("case__number", flat=True))
    assert set(_listed_numbers(client.get(LIST, {"q": "诚恳接受"}))) == record_cases


def test_case_number_search_is_kept(client, login_as):
    login_as("office")
    case = TalkCase.objects.exclude(number=None).order_by("sequence").first()
    part = case.number[case.number.index("〔") :]
    assert _listed_numbers(client.get(LIST, {"q": part})) == [case.number]
    assert _listed_numbers(client.get(LIST, {"q": case.number})) == [case.number]
    # Its end under another prefix is not its number.
    assert _listed_numbers(client.get(LIST, {"q": "川建" + part})) == []
    # Digits alone find every number that holds them.
    digits = str(case.sequence)
    found = _listed_numbers(client.get(LIST, {"q": digits}))
    assert case.number in found and all(digits in number for number in found)


def test_confidential_report_finds_nothing_for_the_office(client, login_as):
    login_as("office")
    response = client.get(LIST, {"q": "索要好处"})
    assert response.status_code == 200
    assert _listed_numbers(response) == []


def test_confidential_report_finds_its_case_for_the_discipline_officer(client, login_as):
    login_as("discipline")
    case = TalkCase.objects.get(confidential__material__contains="索要好处")
    assert _listed_numbers(client.get(LIST, {"q": "索要好处"})) == [case.number]


def test_confidential_report_finds_nothing_for_the_superuser(client, login_as):
    login_as("admin")
    assert _listed_numbers(client.get(LIST, {"q": "索要好处"})) == []


def test_an_editor_cannot_search_cases(client, login_as):
    login_as("editor")
    assert client.get(LIST, {"q": "冯涛"}).status_code == 403


def test_one_character_and_mixed_queries_answer_sensibly(client, login_as):
    login_as("office")
    for query in ("秦", "2026年", "a", "，", "13号"):
        assert client.get(LIST, {"q": query}).status_code == 200, query
    assert len(_listed_numbers(client.get(LIST, {"q": "秦"}))) == 1


# -- the index kept current ---


def test_a_new_rectification_item_makes_its_case_findable(client, login_as):
    case = (
        TalkCase.objects.filter(rectification_items__isnull=False, subjects__person__name="秦岭")
        .distinct()
        .get()
    )
    assert case_search(TalkCase.objects.all(), "防汛物资台账").count() == 0
    RectificationItem.objects.create(
        case=case,
        description="清点防汛物资台账",
        deadline=case.rectification_items.first().deadline,
        responsible="秦岭",
    )
    assert list(case_search(TalkCase.objects.all(), "防汛物资台账")) == [case]


def test_renaming_a_person_reindexes_their_cases():
    case = TalkCase.objects.filter(subjects__person__name="杨帆").get()
    person = case.subjects.get().person
    person.name = "杨远帆"
    person._change_reason = "test"
    person.save()
    assert list(case_search(TalkCase.objects.all(), "杨远帆")) == [case]


# -- the sidebar's search box ---


def _sidebar_search_url(response) -> str:
    match = re.search(
        r'"wagtail.sidebar.SearchModule", "_args": \["([^"]+)"', response.content.decode()
    )
    return match.group(1) if match else ""


@pytest.mark.parametrize("username", ["office", "principal", "leader"])
def test_sidebar_search_leads_case_workers_to_case_search(client, login_as, username):
    login_as(username)
    assert _sidebar_search_url(client.get(reverse("wagtailadmin_home"))) == LIST


@pytest.mark.parametrize("username", ["office", "principal", "auditor"])
def test_the_dashboards_search_box_searches_cases_for_case_workers(client, login_as, username):
    """It sent every query to the page explorer, which answered 「对不起，你没有权限访问。」."""
    login_as(username)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    form = re.search(r'<form class="w-mb-12" action="([^"]+)"[^>]*role="search"', html)
    assert form and form.group(1) == LIST
    assert 'placeholder="搜索约谈案件…"' in html
    found = client.get(form.group(1), {"q": "住房保障科"})
    assert found.status_code == 200 and _listed_numbers(found)


def test_sidebar_search_keeps_page_search_for_editors(client, login_as):
    login_as("editor")
    url = _sidebar_search_url(client.get(reverse("wagtailadmin_home")))
    assert url == reverse("wagtailadmin_pages:search")


# -- the query set ---


def test_query_set_recall_and_precision_meet_their_thresholds():
    queries = load_queries()
    assert len(queries["regulation"]) + len(queries["cases"]) >= 40
    regulation, cases = Score(), Score()
    for entry in queries["regulation"]:
        found = [hit.label or hit.page.title for hit in regulation_search(entry["query"])]
        regulation.add(entry["query"], entry["expected"], found)
    for entry in queries["cases"]:
        found = [c.subject_names() for c in case_search(TalkCase.objects.all(), entry["query"])]
        cases.add(entry["query"], entry["expected"], found)
    thresholds = queries["thresholds"]
    for score in (regulation, cases):
        assert score.recall >= thresholds["recall"], score.misses
        assert score.precision >= thresholds["precision"], score.misses


def test_a_query_found_in_many_cases_finds_the_same_cases_walked_in_order(monkeypatch):
    """Above ``DENSE_MATCHES`` index matches a search tests each case in the listing's order
    (selectors.cases._dense_search) instead of collecting the matches: both ways must find the
    same cases, for every query of the query set, the number's and the report's included."""
    from lianzheng.selectors import cases as selectors

    queries = [entry["query"] for entry in load_queries()["cases"]]
    queries += ["阿州住建廉约〔2026〕1号", "〔2026〕2号", "2026", "举报"]
    found = {}
    for dense in (False, True):
        threshold = 0 if dense else 10**9
        monkeypatch.setattr(
            selectors, "DENSE_MATCHES", {"sqlite": threshold, "postgresql": threshold}
        )
        for query in queries:
            for confidential in (False, True):
                cases = case_search(TalkCase.objects.all(), query, with_confidential=confidential)
                found.setdefault((query, confidential), []).append(
                    sorted(cases.values_list("pk", flat=True))
                )
                # The same inside another query, where Django renames the case table.
                nested = TalkCase.objects.filter(pk__in=cases.values("pk"))
                assert (
                    sorted(nested.values_list("pk", flat=True)) == found[(query, confidential)][-1]
                )
    differ = {key: ways for key, ways in found.items() if ways[0] != ways[1]}
    assert not differ
    assert any(ways[0] for ways in found.values())


def test_a_search_matching_more_than_the_cap_says_so_instead_of_counting(
    client, login_as, monkeypatch
):
    from lianzheng.views.cases import CaseIndexView

    login_as("office")
    everything = client.get(LIST, {"q": "约谈"})
    total = everything.context["paginator"].count
    assert total > 3
    # Counted in Chinese: 「共有 14 个符合」 and 「14 约谈案件」 read as broken Chinese.
    assert f"共找到 {total} 项" in everything.content.decode()
    assert f"共 {total} 件约谈案件" in everything.content.decode()
    monkeypatch.setattr(CaseIndexView, "SEARCH_COUNT_CAP", 3)
    capped = client.get(LIST, {"q": "约谈"})
    html = capped.content.decode()
    assert "找到 3 件以上" in html and "缩小范围" in html
    assert "3 件以上约谈案件" in html  # the pagination's count
    # The pages run to the cap and one more (the real cap, 200, is ten full pages).
    listed = [case.pk for case in capped.context["object_list"]]
    assert listed == [case.pk for case in everything.context["object_list"]][:4]
    # Not searching, the listing counts every case as before.
    assert "件以上" not in client.get(LIST).content.decode()


# -- Elasticsearch/OpenSearch with a Chinese analyzer (configuration only, no server) ---


def test_elasticsearch_backend_builds_with_the_smartcn_analyzer(settings):
    from wagtail.search.backends import get_search_backend

    from lianzheng.models import RegulationPage
    from lianzheng.search.fields import CJKSearchField
    from lianzheng_site.settings.search_elasticsearch import elasticsearch_backend

    backend = get_search_backend("default", **elasticsearch_backend("http://localhost:9200"))
    analysis = backend.settings["settings"]["analysis"]["analyzer"]
    assert analysis["default"] == {"type": "smartcn"}
    mapping = backend.mapping_class(RegulationPage).get_mapping()
    field = [f for f in RegulationPage.search_fields if isinstance(f, CJKSearchField)][-1]
    column = backend.mapping_class(RegulationPage).get_field_column_name(field)
    assert mapping["properties"][column]["type"] == "text"
    settings.LIANZHENG_SEARCH_BIGRAMS = False
    page = RegulationPage.objects.get()
    assert "书面通知约谈对象" in field.get_value(page)


def test_the_index_is_rebuilt_over_more_people_than_sqlite_takes_in_one_expression():
    """``update_index`` reads every case with its people; over a thousand of them at once used
    to stop on SQLite ("Expression tree is too large", Django 5.2's prefetch by id)."""
    from django.core.management import call_command

    from lianzheng.models import CaseSubject, Person, Unit

    case = TalkCase.objects.exclude(state="draft").first()
    unit = Unit.objects.first()
    people = Person.objects.bulk_create(
        Person(name=f"测试{i:04d}", unit=unit, category="bureau_staff", rank="staff_member")
        for i in range(1100)
    )
    CaseSubject.objects.bulk_create(
        CaseSubject(case=case, person=person, sort_order=100 + i) for i, person in enumerate(people)
    )
    call_command("update_index", verbosity=0)
    assert case in case_search(TalkCase.objects.all(), "测试1099")

"""The public figures match the data, disappear below the minimum count, and stay in their year."""

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from lianzheng.models import RegulationPage
from lianzheng.rules import RULES
from lianzheng.rules.summaries import SUMMARIES, rule_summary
from lianzheng.selectors.public import (
    breakdown,
    count_figure,
    count_year,
    public_record,
    share_figure,
    years_with_data,
)
from tests.lianzheng.public_record_helpers import Expected, build_year, move_to_year
from tests.workflow_helpers import new_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page(profile):
    return RegulationPage.objects.get()


@pytest.fixture
def year_of_cases(cast):
    return build_year(cast)


def figures(record) -> dict[str, object]:
    """Every figure on the page by key: a count, (part, whole) for a share, or 'withheld'."""
    found = {}
    for article in record.articles.values():
        for figure in article.figures:
            if figure.withheld:
                found[figure.key] = "withheld"
            elif figure.is_share:
                found[figure.key] = (figure.count, figure.whole)
            else:
                found[figure.key] = figure.count
        for figure in article.table:
            found[f"type:{figure.key}"] = "withheld" if figure.withheld else figure.count
    return found


def test_raw_counts_match_the_cases_built(page, year_of_cases):
    counts = count_year(page.pk, timezone.localdate().year)
    assert counts.cases_by_type == Expected.by_type
    assert counts.notices == Expected.notices
    assert counts.notices_in_time == Expected.notices_in_time
    assert counts.short_notice_exceptions == Expected.short_notice_exceptions
    assert counts.postponements == Expected.postponements
    assert counts.postponements_approved == Expected.postponements_approved
    assert counts.items_due == Expected.items_due
    assert counts.items_on_time == Expected.items_on_time
    assert counts.escalations_by_article == {
        10: Expected.escalations_10,
        11: Expected.escalations_11,
    }


def test_every_figure_is_published_when_the_minimum_allows(page, year_of_cases, settings):
    settings.LIANZHENG_PUBLIC_MIN_COUNT = 1
    record = public_record(page)
    assert record.year == timezone.localdate().year
    assert figures(record) == {
        "type:routine": 1,
        "type:pre_appointment": 0,
        "type:special": 1,
        "type:warning": 6,
        "type:admonition": 0,
        "type:total": Expected.total,
        "notices": Expected.notices,
        "notices_in_time": (Expected.notices_in_time, Expected.notices),
        "short_notice_exceptions": Expected.short_notice_exceptions,
        "postponements": Expected.postponements,
        "postponements_approved": (Expected.postponements_approved, Expected.postponements),
        "items_due": Expected.items_due,
        "items_on_time": (Expected.items_on_time, Expected.items_due),
        "escalations_10": Expected.escalations_10,
        "escalations_11": Expected.escalations_11,
    }
    article_6 = record.articles[6].figures
    assert next(f for f in article_6 if f.key == "notices_in_time").percent == 86


def test_figures_below_the_default_minimum_of_five_disappear(page, year_of_cases):
    record = public_record(page)
    assert record.minimum == 5
    assert figures(record) == {
        "type:routine": "withheld",
        "type:pre_appointment": 0,
        "type:special": "withheld",
        "type:warning": 6,
        "type:admonition": 0,
        # 8 - 6 would give away the two withheld cases.
        "type:total": "withheld",
        "notices": 7,
        # 6 of 7 would tell that exactly one notice was short.
        "notices_in_time": "withheld",
        "short_notice_exceptions": "withheld",
        "postponements": "withheld",
        "postponements_approved": "withheld",
        "items_due": "withheld",
        "items_on_time": "withheld",
        "escalations_10": "withheld",
        "escalations_11": "withheld",
    }


def test_a_total_is_published_when_the_withheld_rows_together_reach_the_minimum(
    page, year_of_cases, settings
):
    settings.LIANZHENG_PUBLIC_MIN_COUNT = 2
    found = figures(public_record(page))
    assert found["type:routine"] == found["type:special"] == "withheld"
    assert found["type:total"] == Expected.total
    assert found["postponements"] == 2 and found["postponements_approved"] == "withheld"


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, None), (4, None), (5, 5), (40, 40)])
def test_a_count_is_shown_at_zero_or_from_the_minimum(n, shown):
    figure = count_figure("k", "label", n, 5)
    assert figure.count == shown and figure.withheld == (shown is None)


@pytest.mark.parametrize(
    ("part", "whole", "published"),
    [
        (10, 10, True),
        (0, 10, True),
        (5, 10, True),
        (6, 10, False),
        (5, 12, True),
        (9, 10, False),
        (1, 10, False),
        (2, 4, False),
        (0, 0, True),
    ],
)
def test_a_share_needs_both_its_part_and_the_rest_to_be_safe(part, whole, published):
    figure = share_figure("k", "label", part, whole, 5)
    assert figure.withheld is not published
    assert figure.is_share


def test_a_share_of_nothing_has_no_percent():
    assert share_figure("k", "label", 0, 0, 5).percent is None


def test_breakdown_withholds_the_total_that_would_reveal_a_small_row():
    rows = [("a", "A", 20), ("b", "B", 3), ("c", "C", 0)]
    assert [f.withheld for f in breakdown(rows, "total", 5)] == [False, True, False, True]
    rows = [("a", "A", 20), ("b", "B", 3), ("c", "C", 4)]
    shown = breakdown(rows, "total", 5)
    assert [f.withheld for f in shown] == [False, True, True, False]
    assert shown[-1].count == 27


def test_a_case_of_another_year_stays_in_its_year(page, cast, settings):
    settings.LIANZHENG_PUBLIC_MIN_COUNT = 1
    this_year = timezone.localdate().year
    old = new_case(cast)
    move_to_year(old, this_year - 1)
    new_case(cast)
    assert years_with_data(page.pk) == [this_year, this_year - 1]
    last = figures(public_record(page, this_year - 1))
    now = figures(public_record(page, this_year))
    assert last["type:warning"] == 1 and now["type:warning"] == 1
    assert last["type:total"] == now["type:total"] == 1
    # A year without cases, or no year at all, shows the current year.
    assert public_record(page, "1999").year == this_year
    assert public_record(page, "nonsense").year == this_year


def test_counts_are_cached_per_year_and_a_new_years_data_does_not_leak(
    page, cast, settings, django_assert_num_queries
):
    settings.LIANZHENG_PUBLIC_MIN_COUNT = 1
    this_year = timezone.localdate().year
    new_case(cast)
    assert figures(public_record(page))["type:total"] == 1
    with django_assert_num_queries(0):
        public_record(page)
    # A case of last year is counted in last year's figures, not in this year's cached ones.
    move_to_year(new_case(cast), this_year - 1)
    assert figures(public_record(page, this_year - 1))["type:total"] == 1
    assert figures(public_record(page, this_year))["type:total"] == 1
    # Within the cache's few minutes a new case of this year is not counted yet; then it is.
    new_case(cast)
    assert figures(public_record(page))["type:total"] == 1
    cache.clear()
    assert figures(public_record(page))["type:total"] == 2


def test_every_rule_has_its_summary_in_chinese():
    assert {rule.summary_en for rule in RULES.values()} <= set(SUMMARIES)
    with translation.override("zh-hans"):
        for rule in RULES.values():
            summary = rule_summary(rule)
            assert summary != rule.summary_en, rule.code
            assert not any("a" <= ch <= "z" for ch in summary), (rule.code, summary)


def test_rules_stand_beside_the_article_the_table_names(page):
    record = public_record(page)
    assert [r.code for r in record.articles[6].rules] == ["R6.1", "R6.2", "R6.3", "R6.4", "R6.5"]
    r63 = record.articles[6].rules[2]
    assert (r63.reference, r63.anchor) == ("第六条第（三）项", "article-6-3")
    assert 1 not in record.articles or not record.articles[1].rules
    assert sum(len(a.rules) for a in record.articles.values()) == len(RULES)

"""What the public regulation page shows beside each article: the rules of the system that
enforce it, and figures for a year taken from live data.

Only counts and shares leave this module, never a name, a case number or a date of a case. A
figure whose count lies between one and the minimum (``LIANZHENG_PUBLIC_MIN_COUNT``, 5 unless
set) is withheld, and so is any figure from which such a count could be worked out: a share whose
part or remainder is that small, a total whose withheld rows add up to that little. Zero is
published; it identifies nobody. The raw counts are cached per page and year for a few minutes;
the withholding is applied on each request, so a changed minimum applies at once.

A case belongs to the year of its number (``TalkCase.year``), and so do its notices,
postponements, rectification items and escalation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianzheng.choices import CheckResult, PostponementDecision, RectificationStatus, TalkType
from lianzheng.models import (
    Escalation,
    Notice,
    Postponement,
    RectificationCheck,
    RectificationItem,
    TalkCase,
)
from lianzheng.regulation import article_anchor, article_label
from lianzheng.rules import RULES
from lianzheng.rules.summaries import rule_summary
from lianzheng.rules.table import ARTICLE_10_GROUNDS, ARTICLE_11_GROUNDS, NOTICE
from lianzheng.selectors.calendar import load_calendar

DEFAULT_MIN_COUNT = 5
CACHE_SECONDS = 300
_CACHE_PREFIX = "lianzheng:public-record:v1"


def min_count() -> int:
    return int(getattr(settings, "LIANZHENG_PUBLIC_MIN_COUNT", DEFAULT_MIN_COUNT))


# -- raw counts (cached, never shown as they are) ----------------------------------------------


@dataclass(frozen=True)
class YearCounts:
    year: int
    cases_by_type: dict[str, int]
    notices: int
    notices_in_time: int
    short_notice_exceptions: int
    postponements: int
    postponements_approved: int
    items_due: int
    items_on_time: int
    escalations_by_article: dict[int, int]
    counted_at: datetime


def _completed_on(item) -> date | None:
    """The day the office verified the item done for good: the first check of the last run of
    'verified' checks (an item found inadequate after a verification was not done then)."""
    if item.status != RectificationStatus.VERIFIED:
        return None
    done = None
    for check in item.checks.all():
        if check.result == CheckResult.VERIFIED:
            done = done or check.checked_on
        else:
            done = None
    return done


def count_year(page_id: int, year: int, today: date | None = None) -> YearCounts:
    """The counts behind every public figure of one regulation page and year, from the database."""
    today = today or timezone.localdate()
    cases = TalkCase.objects.filter(regulation_page_id=page_id, year=year)

    by_type = dict.fromkeys(TalkType.values, 0)
    for row in cases.values("talk_type").annotate(n=Count("pk")).order_by():
        by_type[row["talk_type"]] = row["n"]

    calendar = load_calendar()
    notices = list(Notice.objects.filter(case__in=cases).values_list("written_on", "scheduled_at"))
    in_time = sum(
        1
        for written_on, scheduled_at in notices
        if NOTICE.in_time(calendar, written_on, timezone.localtime(scheduled_at).date())
    )

    postponements = Postponement.objects.filter(case__in=cases).aggregate(
        total=Count("pk"), approved=Count("pk", filter=Q(decision=PostponementDecision.APPROVED))
    )

    items = RectificationItem.objects.filter(case__in=cases).prefetch_related(
        Prefetch("checks", queryset=RectificationCheck.objects.order_by("checked_on", "pk"))
    )
    due = on_time = 0
    for item in items:
        completed = _completed_on(item)
        if completed is None and item.deadline >= today:
            continue  # still open and not yet due: neither on time nor late
        due += 1
        on_time += completed is not None and completed <= item.deadline

    escalations = {10: 0, 11: 0}
    for ground, n in (
        Escalation.objects.filter(case__in=cases)
        .values_list("ground")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if ground in ARTICLE_11_GROUNDS:
            escalations[11] += n
        elif ground in ARTICLE_10_GROUNDS:
            escalations[10] += n

    return YearCounts(
        year=year,
        cases_by_type=by_type,
        notices=len(notices),
        notices_in_time=in_time,
        short_notice_exceptions=cases.filter(short_notice_approved_at__isnull=False).count(),
        postponements=postponements["total"],
        postponements_approved=postponements["approved"],
        items_due=due,
        items_on_time=on_time,
        escalations_by_article=escalations,
        counted_at=timezone.now(),
    )


def year_counts(page_id: int, year: int) -> YearCounts:
    """``count_year``, cached for a few minutes per page and year."""
    return cache.get_or_set(
        f"{_CACHE_PREFIX}:{page_id}:{year}", lambda: count_year(page_id, year), CACHE_SECONDS
    )


def years_with_data(page_id: int) -> list[int]:
    """The years a reader may choose, newest first: those with cases, and the current year."""

    def years():
        return list(
            TalkCase.objects.filter(regulation_page_id=page_id)
            .values_list("year", flat=True)
            .distinct()
            .order_by()
        )

    found = cache.get_or_set(f"{_CACHE_PREFIX}:{page_id}:years", years, CACHE_SECONDS)
    return sorted({*found, timezone.localdate().year}, reverse=True)


# -- what may be published ---------------------------------------------------------------------


def _small(n: int, minimum: int) -> bool:
    return 0 < n < minimum


@dataclass(frozen=True)
class Figure:
    """One published figure: a count, or a share (``count`` of ``whole``). ``withheld`` says it
    is not shown because of the minimum count; ``count`` is then None."""

    key: str
    label: str
    count: int | None = None
    whole: int | None = None
    withheld: bool = False

    @property
    def is_share(self) -> bool:
        return self.whole is not None

    @property
    def percent(self) -> int | None:
        if self.count is None or not self.whole:
            return None
        return round(100 * self.count / self.whole)


def count_figure(key: str, label, n: int, minimum: int) -> Figure:
    if _small(n, minimum):
        return Figure(key, label, withheld=True)
    return Figure(key, label, count=n)


def share_figure(key: str, label, part: int, whole: int, minimum: int) -> Figure:
    """A share is published only if neither its part nor the rest is a small count."""
    if _small(whole, minimum) or _small(part, minimum) or _small(whole - part, minimum):
        return Figure(key, label, whole=0, withheld=True)
    return Figure(key, label, count=part, whole=whole)


def breakdown(rows: list[tuple[str, object, int]], total_label, minimum: int) -> list[Figure]:
    """Rows and their total; the total is withheld when it would give away the withheld rows."""
    figures = [count_figure(key, label, n, minimum) for key, label, n in rows]
    hidden = sum(n for (_key, _label, n), f in zip(rows, figures, strict=True) if f.withheld)
    total = sum(n for _key, _label, n in rows)
    if _small(hidden, minimum) or _small(total, minimum):
        figures.append(Figure("total", total_label, withheld=True))
    else:
        figures.append(Figure("total", total_label, count=total))
    return figures


@dataclass(frozen=True)
class RuleLine:
    code: str
    reference: str
    anchor: str
    summary: str


@dataclass
class ArticleRecord:
    """What stands beside one article: its rules, its figures, and a table of figures."""

    number: int
    rules: list[RuleLine] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    table: list[Figure] = field(default_factory=list)
    table_caption: str = ""

    @property
    def label(self) -> str:
        return article_label(self.number)

    @property
    def anchor(self) -> str:
        return article_anchor(self.number)


@dataclass(frozen=True)
class PublicRecord:
    year: int
    years: list[int]
    minimum: int
    counted_at: datetime
    articles: dict[int, ArticleRecord]


def rules_by_article() -> dict[int, list[RuleLine]]:
    """The rules table, article by article, with each rule's summary in the active language."""
    result: dict[int, list[RuleLine]] = {}
    for rule in RULES.values():
        result.setdefault(rule.article, []).append(
            RuleLine(rule.code, rule.article_ref, rule.anchor, rule_summary(rule))
        )
    return result


def public_record(page, year=None) -> PublicRecord:
    """Rules and figures for each article of ``page`` in ``year`` (a year with data, else the
    current year)."""
    years = years_with_data(page.pk)
    try:
        chosen = int(year)
    except (TypeError, ValueError):
        chosen = None
    if chosen not in years:
        chosen = timezone.localdate().year
    counts = year_counts(page.pk, chosen)
    n = min_count()
    articles = {
        number: ArticleRecord(number, rules=rules) for number, rules in rules_by_article().items()
    }

    def article(number: int) -> ArticleRecord:
        return articles.setdefault(number, ArticleRecord(number))

    # 第四条: the five kinds of talk.
    kinds = article(4)
    kinds.table_caption = _("Cases opened in the year, by kind of talk")
    kinds.table = breakdown(
        [(t, TalkType(t).label, counts.cases_by_type.get(t, 0)) for t in TalkType.values],
        _("Total"),
        n,
    )
    # 第六条（三）: written notice three working days ahead, and the exceptions.
    article(6).figures = [
        count_figure("notices", _("Written notices given"), counts.notices, n),
        share_figure(
            "notices_in_time",
            _("Given at least three working days before the talk"),
            counts.notices_in_time,
            counts.notices,
            n,
        ),
        count_figure(
            "short_notice_exceptions",
            _("Shorter notices approved as exceptions"),
            counts.short_notice_exceptions,
            n,
        ),
    ]
    # 第八条（一）: postponements on written application.
    article(8).figures = [
        count_figure("postponements", _("Postponement applications"), counts.postponements, n),
        share_figure(
            "postponements_approved",
            _("Share approved"),
            counts.postponements_approved,
            counts.postponements,
            n,
        ),
    ]
    # 第九条: rectification supervised by the office.
    article(9).figures = [
        count_figure("items_due", _("Rectification items due"), counts.items_due, n),
        share_figure(
            "items_on_time",
            _("Verified done by their deadline"),
            counts.items_on_time,
            counts.items_due,
            n,
        ),
    ]
    # 第十条、第十一条: escalation.
    article(10).figures = [
        count_figure(
            "escalations_10",
            _("Escalations on the grounds of Article 10"),
            counts.escalations_by_article[10],
            n,
        )
    ]
    article(11).figures = [
        count_figure(
            "escalations_11",
            _("Escalations on the grounds of Article 11"),
            counts.escalations_by_article[11],
            n,
        )
    ]
    return PublicRecord(
        year=chosen, years=years, minimum=n, counted_at=counts.counted_at, articles=articles
    )

"""Load a bench database: the set-up profile, 20,000 people and 100,000 talk cases.

The database is the bench's own and is recreated on every load: a SQLite file under
bench/results/ or, with --postgres, the database ``lianzheng_bench`` on the local server
(dropped and created again; ``--pg-name`` names another, so that benches running side by side
do not drop each other's). Nothing here touches the checkout's db.sqlite3.

    .venv/bin/python bench/load_cases.py               # SQLite: bench/results/bench.sqlite3
    .venv/bin/python bench/load_cases.py --postgres    # PostgreSQL: lianzheng_bench
    .venv/bin/python bench/load_cases.py --postgres --pg-name lianzheng_bench_load --if-needed

What is loaded, with a fixed random seed so that every load is the same:

- ``setup_all()``: groups, units (10 sections, 39 county units), the regulation page, grounds;
- the bureau's officers (principal, deputy heads, leaders in charge, office head, discipline and
  personnel officers) with their role assignments, a superuser ``bench_admin`` and an office
  user ``bench_office`` (group 办公室, with his Person and office role);
- 20,000 people across the units (bureau staff in the sections; principals and staff in the
  county units);
- 100,000 cases, 20,000 a year over 2022–2026, in every state (mostly final in the old years,
  mostly open in 2026), each with 1–2 subjects (a quarter are collective talks) and a lead
  interviewer, rectification items on rectifying and some closed cases, and the pending written
  application of every case awaiting a decision on a postponement;
- five history rows per case (opened, edits and the transitions that led to its state) and one
  history row per subject, participant and postponement, as the services would have written them.

Rows are written with bulk_create in batches; non-draft states through the privileged import
path ``state_write_allowed()``. On PostgreSQL the load ends with VACUUM ANALYZE (what autovacuum
does in production); SQLite gets no ANALYZE, as Django never runs one.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SQLITE_PATH = RESULTS / "bench.sqlite3"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "lianzheng_bench"

# Bump when the generated data changes, so that an old bench database is loaded again.
LOADER_VERSION = "7"  # 7: the cases' search index is built (issue 17)
CASES = FULL_CASES = 100_000
PEOPLE = FULL_PEOPLE = 20_000
YEARS = (2022, 2023, 2024, 2025, 2026)
CHUNK = 5_000  # cases generated and written per transaction
SEED = 20260127

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文辉春海鹏飞云波宁斌晨"
    "浩宇欣怡雪琳晓东亮婷颖丹凯俊峰旭阳帆岚松柏青山川江河湖泽林森森彬琪瑶瑞祥福禄寿康健安"
)


def database_url(db: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{SQLITE_PATH}"
    if db == "postgres":
        return f"{PG_SERVER}/{PG_NAME}"
    raise ValueError(f"unknown database {db!r}: sqlite or postgres")


def use_size(cases: int, people: int) -> None:
    """Load and use ``cases`` cases and ``people`` people instead of the full 100,000 and 20,000:
    a database of their own (bench-<cases>-<people>.sqlite3, lianzheng_bench_<cases>_<people>),
    so that sizes loaded for one bench or another do not replace each other."""
    global CASES, PEOPLE, SQLITE_PATH, PG_NAME
    if (cases, people) == (CASES, PEOPLE):
        return
    CASES, PEOPLE = cases, people
    full = (cases, people) == (FULL_CASES, FULL_PEOPLE)
    # Named by both sizes: the listing bench's quick run (600 cases, 300 people) and the scale
    # and search benches' (600, 120) would otherwise take turns reloading one file.
    SQLITE_PATH = RESULTS / ("bench.sqlite3" if full else f"bench-{cases}-{people}.sqlite3")
    PG_NAME = "lianzheng_bench" if full else f"lianzheng_bench_{cases}_{people}"


def switch(db: str) -> None:
    """Point the configured default connection at the database of the current size (benches
    that compare sizes in one process)."""
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict["NAME"] = str(SQLITE_PATH) if db == "sqlite" else PG_NAME


def open_size(db: str, cases: int, *, out=None) -> None:
    """Use the bench database of ``cases`` cases (and a fifth as many people) in this process,
    loading it when missing, with Django's caches emptied: the benches that compare two sizes
    in one run (bench_scale.py, bench_search.py) go back and forth with this."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    use_size(cases, max(cases // 5, 120))
    switch(db)
    if not is_loaded(db):
        load(db, out=out)
    cache.clear()
    ContentType.objects.clear_cache()


def two_sizes_arguments(parser, quick: tuple[int, int]) -> None:
    """The options of a bench that compares two sizes (bench_scale.py, bench_search.py)."""
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--quick", action="store_true", help=f"{quick[0]} and {quick[1]} cases, one run each"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)


def alternate(args, measure_size, quick: tuple[int, int]):
    """Measure the small size, the large, the large again and the small again (the machine
    may be shared: each is measured once early and once late); returns (small passes, large
    passes). Configures Django for ``args.db`` first."""
    if args.quick:
        (args.small, args.large), args.runs = quick, 1
    use_size(args.small, max(args.small // 5, 120))
    configure(args.db)
    first_small = measure_size(args.db, args.small, args.runs, sys.stderr)
    first_large = measure_size(args.db, args.large, args.runs, sys.stderr)
    second_large = measure_size(args.db, args.large, args.runs, sys.stderr)
    second_small = measure_size(args.db, args.small, args.runs, sys.stderr)
    return (first_small, second_small), (first_large, second_large)


def use_pg_name(name: str) -> None:
    """Load (and check) the PostgreSQL database ``name`` instead of lianzheng_bench: each bench
    that runs beside others has its own, as the loader drops the database it loads."""
    global PG_NAME
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain database name: {name!r}")
    PG_NAME = name


def configure(db: str) -> None:
    """Point Django at the bench database (test settings: DEBUG off) and set it up."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "lianzheng_site.settings.test"
    os.environ["DATABASE_URL"] = database_url(db)
    import django

    django.setup()


def _pg_admin():
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)


def recreate_database(db: str) -> None:
    """Drop and create the bench database (never any other)."""
    from django.db import connections

    connections.close_all()
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    with _pg_admin() as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [PG_NAME],
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}"')
        admin.execute(f'CREATE DATABASE "{PG_NAME}"')


def database_exists(db: str) -> bool:
    if db == "sqlite":
        return SQLITE_PATH.exists()
    with _pg_admin() as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME])
        return bool(found.fetchone())


def loaded_marker() -> str:
    """What a load is for: this loader's version and data, and the migrations on disk (a new
    migration, say another history column, means loading again rather than migrating 700,000
    rows the application never wrote)."""
    import hashlib

    from django.db.migrations.loader import MigrationLoader

    names = sorted(f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations)
    schema = hashlib.sha1("\n".join(names).encode()).hexdigest()[:12]
    return f"v{LOADER_VERSION} cases={CASES} people={PEOPLE} seed={SEED} migrations={schema}"


def is_loaded(db: str) -> bool:
    """Whether the bench database holds a complete load of this loader's version."""
    if not database_exists(db):
        return False
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT value FROM bench_meta WHERE key = 'loaded'")
            row = cursor.fetchone()
    except Exception:
        connection.close()
        return False
    return bool(row) and row[0] == loaded_marker()


# -- what the cases look like ---------------------------------------------------------------

OLD_YEAR_STATES = {
    "closed": 70,
    "withdrawn": 9,
    "escalated": 4,
    "rectifying": 5,
    "held": 3,
    "declined": 2,
    "draft": 1.5,
    "submitted": 1,
    "approved": 1.5,
    "notified": 1.5,
    "postponement_requested": 0.5,
    "absent": 1,
}
CURRENT_YEAR_STATES = {
    "draft": 10,
    "submitted": 8,
    "approved": 10,
    "declined": 3,
    "notified": 10,
    "postponement_requested": 3,
    "absent": 3,
    "held": 8,
    "rectifying": 15,
    "closed": 20,
    "escalated": 3,
    "withdrawn": 7,
}
TALK_TYPES = {"routine": 40, "pre_appointment": 20, "special": 20, "warning": 12, "admonition": 8}

# The transitions that bring a case from draft to its state (the canonical path).
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "approved": ["submit", "consent"],
    "declined": ["submit", "decline"],
    "notified": ["submit", "consent", "notify"],
    "postponement_requested": ["submit", "consent", "notify", "request_postponement"],
    "absent": ["submit", "consent", "notify", "record_absence"],
    "held": ["submit", "consent", "notify", "hold"],
    "rectifying": ["submit", "consent", "notify", "hold", "start_rectification"],
    "closed": ["submit", "consent", "notify", "hold", "close"],
    "escalated": ["submit", "consent", "notify", "hold", "escalate"],
    "withdrawn": ["submit", "withdraw"],
}
CONSENTED = {
    "approved",
    "notified",
    "postponement_requested",
    "absent",
    "held",
    "rectifying",
    "closed",
    "escalated",
}
SCHEDULED = CONSENTED
# The states whose talk time has come.
TALK_PASSED = {"absent", "held", "rectifying", "closed", "escalated"}
HISTORY_ROWS = 5

PURPOSE = "了解有关情况，提醒约谈对象端正思想认识，认真整改存在的问题。"
OUTLINE = "谈话提纲：一、通报有关情况；二、听取本人说明；三、提出纪律要求和整改要求。"


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


class Loader:
    def __init__(self, *, cases: int = CASES, people: int = PEOPLE, seed: int = SEED, out=None):
        from django.db import connection

        self.cases = cases
        self.people = people
        self.rng = random.Random(seed)
        self.out = out or sys.stdout
        self.vendor = connection.vendor
        self.batch = 2_000 if self.vendor == "postgresql" else None
        self.started = time.perf_counter()

    def log(self, message: str) -> None:
        print(f"[load {time.perf_counter() - self.started:6.1f}s] {message}", file=self.out)
        self.out.flush()

    # -- set-up, users and officers ---------------------------------------------------------

    def setup(self) -> None:
        from django.core.management import call_command

        from lianzheng.services.setup import setup_all

        call_command("migrate", verbosity=0, interactive=False)
        self.log("migrated")
        setup_all()
        self.log("setup_all(): groups, units, regulation page, grounds")

    def officers(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from lianzheng.choices import PersonCategory, Rank, Role
        from lianzheng.models import Person, RoleAssignment, Unit
        from lianzheng.roles import group_name

        User = get_user_model()
        self.admin = User.objects.create_superuser("bench_admin", "", "bench-admin-password")
        self.office_user = User.objects.create_user(
            "bench_office", "", "bench-office-password", first_name="郑小红"
        )
        self.office_user.groups.add(Group.objects.get(name=group_name(Role.OFFICE)))
        office_unit = Unit.objects.get(code="section-office")
        sections = list(Unit.objects.filter(kind="section").order_by("sort_order"))

        def officer(name, role, *, user=None, units=()):
            leader = role in {
                Role.PRINCIPAL_HEAD,
                Role.DEPUTY_HEAD_PERSONNEL,
                Role.DEPUTY_HEAD_DISCIPLINE,
                Role.LEADER_IN_CHARGE,
            }
            person = Person.objects.create(
                name=name,
                unit=office_unit,
                user=user,
                post="局领导" if leader else "干部",
                category=PersonCategory.BUREAU_LEADER if leader else PersonCategory.BUREAU_STAFF,
                rank=Rank.COUNTY_LEVEL if leader else Rank.SECTION_CHIEF,
            )
            if units:
                for unit in units:
                    RoleAssignment.objects.create(person=person, role=role, unit=unit)
            else:
                RoleAssignment.objects.create(person=person, role=role)
            return person

        self.principal = officer("王建国", Role.PRINCIPAL_HEAD)
        self.deputy_personnel = officer("李明", Role.DEPUTY_HEAD_PERSONNEL)
        self.deputy_discipline = officer("赵刚", Role.DEPUTY_HEAD_DISCIPLINE)
        self.leaders = {}
        for i, name in enumerate(("钱卫东", "孙志强", "周海涛")):
            mine = sections[i::3]
            person = officer(name, Role.LEADER_IN_CHARGE, units=mine)
            for unit in mine:
                self.leaders[unit.pk] = person
        self.office_head = officer("孙丽", Role.OFFICE_HEAD)
        self.discipline = officer("周敏", Role.DISCIPLINE_OFFICER)
        self.personnel = officer("吴芳", Role.PERSONNEL_OFFICER)
        self.office_person = officer("郑小红", Role.OFFICE, user=self.office_user)
        self.log("officers, bench_admin (superuser) and bench_office (办公室)")

    # -- people -----------------------------------------------------------------------------

    def load_people(self) -> None:
        from django.db import transaction

        from lianzheng.choices import PersonCategory, Rank
        from lianzheng.models import Person, Unit

        rng = self.rng
        units = list(Unit.objects.order_by("sort_order"))
        sections = [u for u in units if u.kind == "section"]
        counties = [u for u in units if u.kind != "section"]
        start = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        rows = []
        staff_ranks = [Rank.SECTION_CHIEF, Rank.DEPUTY_SECTION_CHIEF, Rank.STAFF_MEMBER]
        principals: dict[int, int] = {}
        for i in range(self.people):
            if i % 5 == 0:  # a fifth in the bureau's sections
                unit = sections[i // 5 % len(sections)]
                category = PersonCategory.BUREAU_STAFF
                rank = rng.choices([*staff_ranks, Rank.CLERK], weights=[1, 2, 6, 1])[0]
                post = {"section_chief": "科长", "deputy_section_chief": "副科长"}.get(rank, "科员")
            else:
                unit = counties[i % len(counties)]
                principals[unit.pk] = principals.get(unit.pk, 0) + 1
                principal = principals[unit.pk] <= 3  # three principals per county unit
                category = (
                    PersonCategory.COUNTY_PRINCIPAL if principal else PersonCategory.COUNTY_STAFF
                )
                rank = Rank.SECTION_CHIEF if principal else rng.choice(staff_ranks)
                post = "局长" if principal else "干部"
            rows.append(
                Person(
                    pk=start + i,
                    name=_name(rng),
                    unit_id=unit.pk,
                    category=category,
                    rank=rank,
                    post=post,
                    active=rng.random() > 0.03,
                )
            )
        with transaction.atomic():
            Person.objects.bulk_create(rows, batch_size=self.batch)
        eligible = [
            p
            for p in rows
            if p.active
            and p.category in (PersonCategory.BUREAU_STAFF, PersonCategory.COUNTY_PRINCIPAL)
        ]
        self.staff = [p for p in eligible if p.category == PersonCategory.BUREAU_STAFF]
        self.principals = [p for p in eligible if p.category == PersonCategory.COUNTY_PRINCIPAL]
        self.log(
            f"{len(rows):,} people ({len(self.staff):,} bureau staff and "
            f"{len(self.principals):,} county principals can be subjects)"
        )

    # -- cases ------------------------------------------------------------------------------

    def load_cases(self) -> None:
        from django.db import transaction

        from lianzheng.models import RegulationPage

        regulation = RegulationPage.objects.get()
        self.regulation_id = regulation.pk
        self.revision_id = regulation.live_revision_id
        self.now = datetime.now().astimezone()
        self.ids = dict.fromkeys(
            ("subject", "participant", "item", "postponement", "history", "part_history"), 0
        )
        self.counts = dict.fromkeys(
            ("cases", "subjects", "participants", "items", "postponements", "history"), 0
        )
        self.counts["part_history"] = 0
        self.states: dict[str, int] = {}
        per_year = self.cases // len(YEARS)
        for start in range(0, self.cases, CHUNK):
            with transaction.atomic():
                self._write_chunk(start, min(start + CHUNK, self.cases), per_year)
            if (start // CHUNK) % 4 == 3 or start + CHUNK >= self.cases:
                self.log(f"{min(start + CHUNK, self.cases):,} cases")
        self.log(
            "written: "
            + ", ".join(f"{k} {v:,}" for k, v in self.counts.items())
            + "\n  states: "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(self.states.items()))
        )

    def _when(self, year: int) -> datetime:
        """A time in ``year`` (not after now), at a working hour."""
        tz = self.now.tzinfo
        first = datetime(year, 1, 2, 9, 0, tzinfo=tz)
        last = min(datetime(year, 12, 28, 17, 0, tzinfo=tz), self.now - timedelta(days=1))
        span = max(int((last - first).total_seconds() // 3600), 1)
        return first + timedelta(hours=self.rng.randrange(span))

    def _write_chunk(self, start: int, stop: int, per_year: int) -> None:
        from lianzheng.models import (
            CaseParticipant,
            CaseSubject,
            Postponement,
            RectificationItem,
            TalkCase,
        )
        from lianzheng.models.cases import CASE_NUMBER_FORMAT, state_write_allowed

        rng = self.rng
        cases, subjects, participants, items, postponements = [], [], [], [], []
        history, subject_history, participant_history, postponement_history = [], [], [], []
        HCase = TalkCase.history.model
        HSubject = CaseSubject.history.model
        HParticipant = CaseParticipant.history.model
        HPostponement = Postponement.history.model
        user_id, user_display = self.office_user.pk, "郑小红 (bench_office)"
        for i in range(start, stop):
            year = YEARS[min(i // per_year, len(YEARS) - 1)]
            sequence = i - YEARS.index(year) * per_year + 1
            current = year == YEARS[-1]
            state = _weighted(rng, CURRENT_YEAR_STATES if current else OLD_YEAR_STATES)
            self.states[state] = self.states.get(state, 0) + 1
            talk_type = _weighted(rng, TALK_TYPES)
            opened = self._when(year)
            if current and state in ("approved", "notified", "postponement_requested"):
                # Open talks around today: some late (overdue), most still ahead.
                scheduled = self.now + timedelta(days=rng.randint(-10, 40), hours=rng.randint(0, 8))
            elif state in SCHEDULED:
                scheduled = opened + timedelta(days=rng.randint(5, 25))
            else:
                scheduled = None
            if state in TALK_PASSED and scheduled > self.now - timedelta(hours=2):
                # A talk held (or missed) has its time behind us, and the case was opened and
                # consented before it (R6.5): no draw from ``rng``, so the rest stays as it was.
                scheduled = self.now - timedelta(hours=2)
                opened = min(opened, scheduled - timedelta(days=5))
            subject_people = (
                [rng.choice(self.principals)]
                if talk_type in ("warning", "admonition") and rng.random() < 0.3
                else [rng.choice(self.staff)]
            )
            if rng.random() < 0.25:  # a collective talk
                other = rng.choice(self.staff)
                if other.pk != subject_people[0].pk:
                    subject_people.append(other)
            first = subject_people[0]
            if talk_type == "routine":
                lead = self.leaders.get(first.unit_id, self.deputy_discipline)
            elif talk_type == "pre_appointment":
                lead = self.deputy_personnel
            elif first.category == "county_principal":
                lead = self.principal
            else:
                lead = self.deputy_discipline
            case = TalkCase(
                pk=i + 1,
                year=year,
                sequence=sequence,
                number=CASE_NUMBER_FORMAT.format(year=year, sequence=sequence),
                talk_type=talk_type,
                state=state,
                purpose=PURPOSE,
                preparation_note=OUTLINE,
                origin="direct",
                proposed_by_id=lead.pk,
                special_trigger="major_project" if talk_type == "special" else "",
                source="public_report" if talk_type == "admonition" else "",
                problems="群众反映有关问题。" if talk_type in ("warning", "admonition") else "",
                scheduled_at=scheduled,
                place="局三楼会议室" if scheduled else "",
                regulation_page_id=self.regulation_id,
                regulation_revision_id=self.revision_id,
                consented_by_id=self.principal.pk if state in CONSENTED else None,
                consented_at=opened + timedelta(days=2) if state in CONSENTED else None,
                declined_reason="材料不全。" if state == "declined" else "",
                withdrawal_reason="情况已查清，无需约谈。" if state == "withdrawn" else "",
                created_by_id=user_id,
                closed_at=(scheduled + timedelta(days=30)) if state == "closed" else None,
            )
            cases.append(case)
            for order, person in enumerate(subject_people):
                self.ids["subject"] += 1
                subjects.append(
                    CaseSubject(
                        pk=self.ids["subject"],
                        case_id=case.pk,
                        person_id=person.pk,
                        sort_order=order,
                    )
                )
            self.ids["participant"] += 1
            participants.append(
                CaseParticipant(
                    pk=self.ids["participant"], case_id=case.pk, person_id=lead.pk, role="lead"
                )
            )
            if state == "rectifying" or (state == "closed" and rng.random() < 0.3):
                for _n in range(rng.randint(1, 2)):
                    self.ids["item"] += 1
                    deadline = (scheduled or opened).date() + timedelta(days=rng.randint(10, 90))
                    if state == "closed":
                        status = "verified"
                    else:
                        status = rng.choices(["open", "inadequate", "verified"], [6, 1, 2])[0]
                    items.append(
                        RectificationItem(
                            pk=self.ids["item"],
                            case_id=case.pk,
                            description="完善内部管理制度，建立问题整改台账。",
                            deadline=min(deadline, date(year + 1, 3, 31)),
                            responsible=first.name,
                            status=status,
                        )
                    )
            if state == "postponement_requested":
                # The written application the transition stores (第八条（一）): a leader deciding
                # on it finds it pending, as he would in production. No draw from ``rng``, so
                # the rest of the data stays as earlier loads made it.
                self.ids["postponement"] += 1
                postponement = Postponement(
                    pk=self.ids["postponement"],
                    case_id=case.pk,
                    subject_id=subjects[-len(subject_people)].pk,
                    applied_on=(scheduled - timedelta(days=2)).date(),
                    application="因公出差，不能按时参加约谈，申请推后补谈。",
                )
                postponements.append(postponement)
                self.ids["part_history"] += 1
                postponement_history.append(
                    HPostponement(
                        history_id=self.ids["part_history"],
                        id=postponement.pk,
                        case_id=case.pk,
                        subject_id=postponement.subject_id,
                        applied_on=postponement.applied_on,
                        application=postponement.application,
                        decision="pending",
                        decision_note="",
                        new_place="",
                        history_date=scheduled - timedelta(days=2),
                        history_type="+",
                        history_user_id=user_id,
                        history_user_display=user_display,
                    )
                )
            history += self._case_history(case, opened, state, user_id, user_display, HCase)
            for subject in subjects[-len(subject_people) :]:
                self.ids["part_history"] += 1
                subject_history.append(
                    HSubject(
                        history_id=self.ids["part_history"],
                        id=subject.pk,
                        case_id=case.pk,
                        person_id=subject.person_id,
                        sort_order=subject.sort_order,
                        history_date=opened,
                        history_type="+",
                        history_user_id=user_id,
                        history_user_display=user_display,
                    )
                )
            lead_row = participants[-1]
            self.ids["part_history"] += 1
            participant_history.append(
                HParticipant(
                    history_id=self.ids["part_history"],
                    id=lead_row.pk,
                    case_id=case.pk,
                    person_id=lead.pk,
                    role="lead",
                    history_date=opened + timedelta(minutes=5),
                    history_type="+",
                    history_user_id=user_id,
                    history_user_display=user_display,
                )
            )
        with state_write_allowed():
            TalkCase.objects.bulk_create(cases, batch_size=self.batch)
        CaseSubject.objects.bulk_create(subjects, batch_size=self.batch)
        CaseParticipant.objects.bulk_create(participants, batch_size=self.batch)
        RectificationItem.objects.bulk_create(items, batch_size=self.batch)
        Postponement.objects.bulk_create(postponements, batch_size=self.batch)
        HCase.objects.bulk_create(history, batch_size=self.batch)
        HSubject.objects.bulk_create(subject_history, batch_size=self.batch)
        HParticipant.objects.bulk_create(participant_history, batch_size=self.batch)
        HPostponement.objects.bulk_create(postponement_history, batch_size=self.batch)
        self.counts["cases"] += len(cases)
        self.counts["subjects"] += len(subjects)
        self.counts["participants"] += len(participants)
        self.counts["items"] += len(items)
        self.counts["postponements"] += len(postponements)
        self.counts["history"] += len(history)
        self.counts["part_history"] += (
            len(subject_history) + len(participant_history) + len(postponement_history)
        )

    def _case_history(self, case, opened, state, user_id, user_display, HCase):
        """Five rows: opened as a draft, edits while a draft, then the transitions to ``state``
        (the last four of its path when the path is longer)."""
        from lianzheng.models import TalkCase

        base = {
            f.attname: getattr(case, f.attname)
            for f in TalkCase._meta.concrete_fields
            if f.attname not in ("created_at", "updated_at")
        }
        base["created_at"] = opened
        full = PATHS[state]
        kept = full[-(HISTORY_ROWS - 1) :]
        steps = [("+", "", "draft", "draft")]
        steps += [("~", "", "draft", "draft")] * (HISTORY_ROWS - 1 - len(kept))
        current = "draft"
        for name in full[: len(full) - len(kept)]:
            current = _target(name, current)
        for name in kept:
            source, current = current, _target(name, current)
            steps.append(("~", name, source, current))
        rows = []
        when = opened
        for n, (kind, transition, source, target) in enumerate(steps):
            self.ids["history"] += 1
            if n:
                when += timedelta(hours=self.rng.randint(2, 72))
            values = {**base, "state": target, "updated_at": when}
            if kind == "~" and not transition:
                values["preparation_note"] = f"{OUTLINE}（第{n}稿）"
            if transition:
                reason = transition
            else:
                reason = "立案 / case opened" if kind == "+" else "修改案件 / case edited"
            rows.append(
                HCase(
                    **values,
                    history_id=self.ids["history"],
                    history_date=when,
                    history_type=kind,
                    history_change_reason=reason,
                    history_user_id=user_id,
                    history_user_display=user_display,
                    history_transition=transition,
                    history_state_from=source if transition else "",
                    history_state_to=target if transition else "",
                    history_articles="R6.1 R6.3" if transition in ("consent", "notify") else "",
                )
            )
        return rows

    # -- finishing --------------------------------------------------------------------------

    def index_cases(self) -> None:
        """The cases' search index, as ``manage.py update_index`` writes it: bulk_create sends no
        signal, and a listing search over an empty index would find nothing in no time."""
        from wagtail.search.backends import get_search_backend

        from lianzheng.models import TalkCase

        backend = get_search_backend()
        index = backend.get_index_for_model(TalkCase)
        started, done = time.perf_counter(), 0
        objects = TalkCase.get_indexed_objects().order_by("pk")
        last = 0
        while True:
            chunk = list(objects.filter(pk__gt=last)[:2_000])
            if not chunk:
                break
            index.add_items(TalkCase, chunk)
            last, done = chunk[-1].pk, done + len(chunk)
        spent = time.perf_counter() - started
        self.counts["indexed"] = done
        self.log(f"search index: {done:,} cases in {spent:.0f}s ({done / max(spent, 1e-9):,.0f}/s)")

    def finish(self) -> None:
        from django.core.management.color import no_style
        from django.db import connection

        from lianzheng.models import (
            CaseParticipant,
            CaseSubject,
            Person,
            Postponement,
            RectificationItem,
            TalkCase,
        )

        models = [
            Person,
            TalkCase,
            CaseSubject,
            CaseParticipant,
            RectificationItem,
            Postponement,
            TalkCase.history.model,
            CaseSubject.history.model,
            CaseParticipant.history.model,
            Postponement.history.model,
        ]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bench_meta (key VARCHAR(40) PRIMARY KEY, value TEXT)"
            )
            cursor.execute("DELETE FROM bench_meta")
            cursor.execute(
                "INSERT INTO bench_meta (key, value) VALUES ('loaded', %s)", [loaded_marker()]
            )
        if self.vendor == "postgresql":
            connection.ensure_connection()
            old = connection.connection.autocommit
            connection.connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            connection.connection.autocommit = old
            self.log("VACUUM ANALYZE")
        self.log("done")


_TARGETS: dict[tuple[str, str], str] = {}


def _target(transition: str, source: str) -> str:
    """The state django-fsm's ``transition`` leads to from ``source``."""
    if (transition, source) not in _TARGETS:
        from lianzheng.models import TalkCase

        meta = getattr(TalkCase, transition)._django_fsm
        _TARGETS[transition, source] = str(meta.transitions[source].target)
    return _TARGETS[transition, source]


def load(db: str, *, out=None) -> None:
    """Recreate the bench database ``db`` of the current size and fill it (Django must be
    configured for it)."""
    from django.db import connection

    started = time.perf_counter()
    recreate_database(db)
    loader = Loader(cases=CASES, people=PEOPLE, out=out)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
    loader.setup()
    loader.officers()
    loader.load_people()
    loader.load_cases()
    loader.index_cases()
    loader.finish()
    print(f"loaded {db} in {time.perf_counter() - started:.0f}s", file=out or sys.stdout)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres", action="store_true", help="load lianzheng_bench on 127.0.0.1:5432"
    )
    parser.add_argument(
        "--pg-name",
        default=None,
        help=f"the PostgreSQL database to (re)create (default {PG_NAME}); only with --postgres",
    )
    parser.add_argument(
        "--if-needed", action="store_true", help="only when the database is not loaded yet"
    )
    parser.add_argument("--cases", type=int, default=CASES)
    parser.add_argument("--people", type=int, default=PEOPLE)
    args = parser.parse_args(argv)
    db = "postgres" if args.postgres else "sqlite"
    use_size(args.cases, args.people)
    if args.pg_name:
        use_pg_name(args.pg_name)
    configure(db)
    if args.if_needed and is_loaded(db):
        print(f"{db}: already loaded ({loaded_marker()})")
        return
    load(db)


if __name__ == "__main__":
    main()

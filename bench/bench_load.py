"""Load test: the production server on the 100,000-case data, worked by N signed-in staff at once.

    .venv/bin/python bench/bench_load.py                            # 50 users for 180 s
    .venv/bin/python bench/bench_load.py --users 10 --duration 30   # a smoke run
    .venv/bin/python bench/bench_load.py --quick    # 600 cases, 3 users, 8 s: the test suite

In order:

1. data: ``bench/load_cases.py --postgres --pg-name lianzheng_bench_load --if-needed`` in its own
   process: a current load is reused (``--reload`` loads again, about ten minutes);
2. users: the logins of ROSTER (at least 50), each with his Person and role assignment as the
   loader gives bench_office, created once; the password of ``<username>`` is
   ``bench-load:<username>``; the logins whose role requires two-factor sign-in in production
   (the principal head, deputy heads, leaders in charge, the discipline officer) get a confirmed
   authenticator with a fixed secret (``totp_key``) and give its current code after the password;
3. static files: ``collectstatic`` into bench/results/load-static;
4. the server: gunicorn with the production settings (lianzheng_site.settings.production, a
   random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0) on 127.0.0.1, ``--workers``
   sync workers (default 2 x CPUs + 1), then a warm-up that is not measured, and each kind of
   page requested ``--alone`` times by one user with nobody else on the server (the cost of a
   page before any queueing, on the machine as it is at the time);
5. the driver, in this process (the second one on the loopback): a thread per user that signs
   in through Wagtail's login form and works as its role does (below) until ``--duration`` is up.
   Every request goes out as the TLS proxy would pass it on (``X-Forwarded-Proto: https``): the
   secure cookies, HSTS and the CSRF origin and referer checks are those of production;
6. afterwards: gunicorn stopped (also on Ctrl-C or an error), ``manage.py lianzheng_audit verify``
   on the database, and the history the run wrote compared with the transitions the driver saw
   accepted.

Why sync workers: every request is Python work under the GIL (templates, rules, the chain), so
a thread would wait for the GIL rather than for I/O, and a process per CPU-and-a-half is
gunicorn's own advice; slow clients, the reason for async workers, are the TLS proxy's business
in production and absent on the loopback. ``--worker-class gthread --threads 4`` measures the
alternative.

The user and request model (closed loop: a user sends his next request only after reading the
previous answer):

- think time: after every page the user reads for an exponentially distributed time of mean
  ``--think`` (5 s), at least 1 s and at most 30 s (a mean of about 5.1 s); filling in a form
  takes twice as long. Users start one after another over ``--ramp`` seconds (default 30, a
  quarter of a shorter run).
- browsing, what everyone does between other work: one listing (the default page 30 %, a filter
  25 %, pages 2-10 15 %, a search by a subject's name 15 %, by case number 15 %), then one or two
  cases from it;
- the principal head: 60 % of the time the next submitted case (case page, the consent form,
  consent), and the postponements of the talks he leads;
- office clerks: 35 % of the time their next approved case (case page; when 第六条（二）'s
  attendees are missing, "use these participants"; the notify form with its working-day check;
  notify: a written notice dated today for a talk six working days ahead) or, one time in three
  instead, a notified case's postponement application;
- leaders (three in charge of sections, two deputy heads): 50 % of the time a pending
  postponement of a talk they lead, approved (70 %, with a new time nine working days ahead) or
  rejected;
- the office head, the discipline and personnel officers browse; they and the leaders list
  their own cases (``?mine=on``) for half of their listings;
- auditors browse or read the audit log (unfiltered or by case number) or compare two versions
  of a case.

Cases are dealt to one user each, so two users rarely act on the same case: submitted cases to
the principal head, approved and notified ones to a clerk by case number, postponements to the
lead interviewer's login. A case a user moves goes to whoever acts on it next. A user who finds
the button greyed on the case page does not post (counted as skipped, with the articles cited);
a form the server refuses with an article is a refusal, a correct answer, not an error.
Errors: any 5xx, connection error or time-out (60 s), any other status than expected (200 for
pages, a redirect to the case for an accepted form, 200 for a refused one, a redirect to the
admin for a sign-in).

The report is printed and written to bench/results/load.md (git-ignored); gunicorn's log is in
bench/results/load-gunicorn.log. Goals of issue 8, reported, not asserted: no errors, p95 under
300 ms for pages, the chain verifies. The machine is shared: the report gives the load average
and the CPU time of the server, the driver and everything else during the run.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import http.client
import math
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import load_cases

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
REPORT = RESULTS / "load.md"
SERVER_LOG = RESULTS / "load-gunicorn.log"
STATIC_ROOT = RESULTS / "load-static"
MEDIA_ROOT = RESULTS / "load-media"
PYTHON = sys.executable
PG_SERVER = load_cases.PG_SERVER
PG_NAME = "lianzheng_bench_load"
HOST = "127.0.0.1"

MIN_USERS = 50
PAGE_GOAL_MS = 300
REQUEST_TIMEOUT = 60  # seconds; gunicorn's own worker time-out is 30
THINK_MIN, THINK_MAX, FORM_FACTOR = 1.0, 30.0, 2.0

LIST = "/admin/snippets/lianzheng/talkcase/"
CASE = LIST + "inspect/{pk}/"
TRANSITION = LIST + "{pk}/transition/{name}/"
SUGGESTED = LIST + "{pk}/participants/suggested/"
WORKDAYS = LIST + "workdays/"
AUDIT_LOG = "/admin/lianzheng/audit/"
COMPARE = "/admin/lianzheng/audit/case/{pk}/compare/"
LOGIN = "/admin/login/"
DASHBOARD = "/admin/"
VERIFY = "/admin/two-factor/verify/"


# -- who signs in ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    username: str
    role: str  # lianzheng.choices.Role
    kind: str  # principal, leader, attendee, office, auditor
    person: str = ""  # the officer load_cases made, given this login; "" for a new person

    @property
    def password(self) -> str:
        return f"bench-load:{self.username}"


# The bureau's officers as bench/load_cases.py creates them (one person per office); the order
# is the order in which they join a run of fewer users.
OFFICERS = (
    Account("load_principal", "principal_head", "principal", "王建国"),
    Account("load_leader_1", "leader_in_charge", "leader", "钱卫东"),
    Account("load_deputy_discipline", "deputy_head_discipline", "leader", "赵刚"),
    Account("load_office_head", "office_head", "attendee", "孙丽"),
    Account("load_leader_2", "leader_in_charge", "leader", "孙志强"),
    Account("load_deputy_personnel", "deputy_head_personnel", "leader", "李明"),
    Account("load_discipline", "discipline_officer", "attendee", "周敏"),
    Account("load_leader_3", "leader_in_charge", "leader", "周海涛"),
    Account("load_personnel", "personnel_officer", "attendee", "吴芳"),
)
# Of the default 50: the nine officers, 28 office clerks and 13 auditors; other numbers keep
# these shares (the principal head always, at most the nine officers), interleaved.
SHARES = {"officer": 9, "office": 28, "auditor": 13}


def roster(n: int) -> list[Account]:
    """The ``n`` logins of a run."""
    officers = min(len(OFFICERS), max(1, round(n * SHARES["officer"] / MIN_USERS)))
    office = round((n - officers) * SHARES["office"] / (SHARES["office"] + SHARES["auditor"]))
    quota = {"officer": officers, "office": office, "auditor": n - officers - office}
    taken = Counter({"officer": 1})
    result = [OFFICERS[0]]
    while len(result) < n:
        position = len(result) + 1
        kind = max(
            (k for k in quota if taken[k] < quota[k]),
            key=lambda k: quota[k] / n * position - taken[k],
        )
        taken[kind] += 1
        if kind == "officer":
            result.append(OFFICERS[taken[kind] - 1])
        elif kind == "office":
            result.append(Account(f"load_office_{taken[kind]:02d}", "office", "office"))
        else:
            result.append(Account(f"load_auditor_{taken[kind]:02d}", "auditor", "auditor"))
    return result


def person_name(account: Account) -> str:
    """A fixed Chinese name for a new person (clerks and auditors)."""
    rng = random.Random(account.username)
    given = rng.choice(load_cases.GIVEN) + rng.choice(load_cases.GIVEN)
    return rng.choice(load_cases.SURNAMES) + given


# -- the database, the users, the plan ------------------------------------------------------


def production_env(args, port: int) -> dict[str, str]:
    """The server's environment, as an operator would set it (README, "Running in production"),
    with plain HTTP on the loopback: the driver plays the TLS proxy."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="lianzheng_site.settings.production",
        DATABASE_URL=f"{PG_SERVER}/{args.pg_name}",
        DATABASE_CONN_MAX_AGE=str(args.conn_max_age),
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS=HOST,
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}:{port}",
        WAGTAILADMIN_BASE_URL=f"https://{HOST}:{port}",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(STATIC_ROOT),
        MEDIA_ROOT=str(MEDIA_ROOT),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def ensure_data(args, log) -> tuple[bool, float]:
    """Load the bench database unless a current load is there: (loaded now, seconds). The
    loader runs in its own process, as it configures Django with the test settings."""
    command = [PYTHON, str(ROOT / "bench" / "load_cases.py"), "--postgres"]
    command += ["--pg-name", args.pg_name, "--cases", str(args.cases)]
    command += ["--people", str(max(args.cases // 5, 120))]
    if not args.reload:
        command.append("--if-needed")
    log("data: " + " ".join(command[1:]))
    started = time.perf_counter()
    reused = False
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as loader:
        for line in loader.stdout:
            reused = reused or "already loaded" in line
            print(line, end="", file=sys.stderr, flush=True)
    if loader.returncode:
        raise RuntimeError(f"bench/load_cases.py failed ({loader.returncode})")
    return not reused, time.perf_counter() - started


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_users(accounts: list[Account], log) -> int:
    """Give each account a login, its group, a person and the role assignment; returns how many
    were created (a login that exists is kept with its password)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction

    from lianzheng.choices import PersonCategory, Rank, Role
    from lianzheng.models import Person, RoleAssignment, Unit
    from lianzheng.roles import group_name

    User = get_user_model()
    names = [a.username for a in accounts]
    ready = set(
        User.objects.filter(username__in=names, person__isnull=False).values_list(
            "username", flat=True
        )
    )
    missing = [a for a in accounts if a.username not in ready]
    if not missing:
        return 0
    admin = User.objects.get(username="bench_admin")
    office = Unit.objects.get(code="section-office")
    with transaction.atomic():
        for account in missing:
            user = User.objects.filter(username=account.username).first()
            if user is None:
                user = User(username=account.username)
                user.set_password(account.password)  # the production hasher (PBKDF2)
                user.first_name = account.person or person_name(account)
                user.save()
            user.groups.set([Group.objects.get(name=group_name(Role(account.role)))])
            if account.person:
                person = Person.objects.filter(
                    name=account.person, roles__role=account.role
                ).distinct()
                person = person.get()
                if person.user_id != user.pk:
                    person.user = user
                    person._history_user = admin
                    person.save()
                continue
            person = Person.objects.filter(user=user).first()
            if person is None:
                person = Person(
                    name=person_name(account),
                    unit=office,
                    user=user,
                    category=PersonCategory.BUREAU_STAFF,
                    rank=Rank.STAFF_MEMBER,
                    post="办公室科员" if account.kind == "office" else "派驻纪检监察组审计人员",
                )
                person._history_user = admin
                person.save()
            if not person.roles.filter(role=account.role).exists():
                assignment = RoleAssignment(person=person, role=account.role, note="bench_load")
                assignment._history_user = admin
                assignment.save()
    log(f"users: {len(missing)} created ({len(accounts)} in this run)")
    return len(missing)


# The logins whose role requires two-factor sign-in under the production settings (the principal
# head, the deputy heads, the leaders in charge and the discipline officer), filled by
# ensure_second_factor: they give a code after the password, as they would in production.
TWO_FACTOR: set[str] = set()
_last_code_step: dict[str, int] = {}
_code_lock = threading.Lock()


def totp_key(username: str) -> str:
    """The bench's authenticator secret of a login (hex, 20 bytes): fixed, so a rerun needs
    no new enrolment."""
    return hashlib.sha1(f"bench-load:{username}".encode()).hexdigest()


def ensure_second_factor(accounts: list[Account], log) -> None:
    """Give every login whose role requires two-factor sign-in a confirmed authenticator with
    the bench's secret, as if he had enrolled. last_t is reset so that a code of a previous run
    is not taken for a replay."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lianzheng.signin.twofactor import APP_DEVICE_NAME, user_requires_2fa

    users = get_user_model().objects.filter(username__in=[a.username for a in accounts])
    for user in users:
        if not user_requires_2fa(user):
            continue
        TOTPDevice.objects.filter(user=user).exclude(name=APP_DEVICE_NAME).delete()
        TOTPDevice.objects.update_or_create(
            user=user,
            name=APP_DEVICE_NAME,
            defaults={"key": totp_key(user.username), "confirmed": True, "last_t": -1},
        )
        TWO_FACTOR.add(user.username)
    log(f"two-factor sign-in: {len(TWO_FACTOR)} logins ({', '.join(sorted(TWO_FACTOR))})")


def current_code(username: str) -> tuple[str, float]:
    """The code the login's authenticator shows, and how long to wait first: django-otp takes
    each 30-second code once, so a second sign-in within the same 30 s waits for the next code,
    as a person would."""
    from django_otp.oath import TOTP

    with _code_lock:
        totp = TOTP(bytes.fromhex(totp_key(username)))
        wait = 0.0
        if totp.t() <= _last_code_step.get(username, -1):
            wait = totp.step - (time.time() - totp.t0) % totp.step + 0.5
            totp.time = time.time() + wait
        _last_code_step[username] = totp.t()
        return f"{totp.token():06d}", wait


@dataclass
class Plan:
    """What the driver needs from the database, read once before the run."""

    initial: dict[str, list[int]]  # state -> case pks, newest first
    leads: dict[int, int]  # case pk -> lead interviewer's person pk
    login_of_person: dict[int, str]
    names: list[str]
    numbers: list[str]
    cases: list[int]
    units: list[int]
    counties: list[str]
    today: str
    talk_at: str
    new_talk_at: str
    user_ids: dict[str, int]


WORKED_STATES = ("submitted", "approved", "notified", "postponement_requested")


def make_plan(accounts: list[Account]) -> Plan:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from lianzheng.choices import County
    from lianzheng.models import CaseParticipant, Person, Postponement, TalkCase, Unit
    from lianzheng.selectors.calendar import load_calendar

    initial = {state: [] for state in WORKED_STATES}
    pending = set(Postponement.objects.filter(decision="pending").values_list("case_id", flat=True))
    rows = TalkCase.objects.filter(state__in=WORKED_STATES).order_by("-pk")
    for pk, state in rows.values_list("pk", "state"):
        if state != "postponement_requested" or pk in pending:
            initial[state].append(pk)
    leads = dict(
        CaseParticipant.objects.filter(role="lead", case__state__in=WORKED_STATES).values_list(
            "case_id", "person_id"
        )
    )
    usernames = [a.username for a in accounts]
    login_of_person = dict(
        Person.objects.filter(user__username__in=usernames).values_list("pk", "user__username")
    )
    people = Person.objects.filter(category__in=("bureau_staff", "county_principal"))
    names = [name for pk, name in people.order_by("pk").values_list("pk", "name") if pk % 67 == 0]
    sample = TalkCase.objects.filter(pk__in=range(1, 100_001, 331)).order_by("pk")
    numbers = list(sample.values_list("number", flat=True))
    calendar = load_calendar()
    today = timezone.localdate()
    users = get_user_model().objects.filter(username__in=usernames)
    return Plan(
        initial=initial,
        leads=leads,
        login_of_person=login_of_person,
        names=names,
        numbers=numbers,
        cases=list(sample.values_list("pk", flat=True)),
        units=list(Unit.objects.values_list("pk", flat=True)),
        counties=list(County.values),
        today=today.isoformat(),
        talk_at=f"{calendar.add_working_days(today, 6).isoformat()} 09:30",
        new_talk_at=f"{calendar.add_working_days(today, 9).isoformat()} 15:00",
        user_ids=dict(users.values_list("username", "pk")),
    )


def chain_head(env) -> tuple[int, str]:
    done = subprocess.run(
        [PYTHON, "manage.py", "lianzheng_audit", "head"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seq, _, digest = done.stdout.strip().partition(":")
    return int(seq), digest


# -- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In gunicorn's master, before exec: receive SIGTERM if this bench dies without stopping
    it (killed outright), so no server is left behind; SIGTERM stops gunicorn gracefully."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _proc_stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


class Server:
    def __init__(self, args, env: dict[str, str], port: int):
        self.args, self.env, self.port = args, env, port
        self.proc: subprocess.Popen | None = None
        self.command: list[str] = []

    def start(self) -> None:
        args = self.args
        self.command = [
            str(Path(PYTHON).parent / "gunicorn"),
            "lianzheng_site.wsgi",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            "--timeout",
            "30",
            "--graceful-timeout",
            "20",
            "--log-level",
            "warning",
        ]
        if args.worker_class == "gthread":
            self.command += ["--threads", str(args.threads)]
        if args.access_log:
            self.command += ["--access-logfile", str(RESULTS / "load-access.log")]
        self.log = open(SERVER_LOG, "w")
        self.proc = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches this bench, which stops the server itself
            preexec_fn=_die_with_parent,
        )

    def wait_ready(self, timeout: float = 300) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if Browser(self.port).request("GET", LOGIN).status == 200:
                    return time.perf_counter() - started
            time.sleep(1)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(SERVER_LOG.read_text(errors="replace").splitlines()[-lines:])

    def pids(self) -> list[int]:
        if self.proc is None:
            return []
        master = self.proc.pid
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                stat = _proc_stat(int(entry.name))
                if stat and int(stat[1]) == master:
                    children.append(int(entry.name))
        return [master, *children]

    def cpu_seconds(self) -> float:
        """CPU time of the master, its live workers and the workers it has reaped."""
        ticks = 0
        for n, pid in enumerate(self.pids()):
            stat = _proc_stat(pid)
            if stat:
                ticks += int(stat[11]) + int(stat[12])  # utime, stime
                if n == 0:
                    ticks += int(stat[13]) + int(stat[14])  # cutime, cstime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        workers = self.pids()[1:]
        self.proc.send_signal(signal.SIGTERM)  # graceful: workers finish their requests
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            for pid in [*workers, self.proc.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


class Machine:
    """Samples the load average and the CPU time of the whole machine every two seconds."""

    def __init__(self):
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def cpu() -> tuple[float, float]:
        """(busy, total) seconds of all CPUs since boot."""
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        total = sum(fields[:8])
        idle = fields[3] + fields[4]
        tick = os.sysconf("SC_CLK_TCK")
        return (total - idle) / tick, total / tick

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), os.getloadavg()[0]))
            self._stop.wait(2)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


# -- the driver: one browser per user -------------------------------------------------------


class StopRun(Exception):
    """The run's time is up."""


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str
    ms: float

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("Location", "")).path


class Browser:
    """What a user's browser does here: keep the cookies, send the page's address as referer
    and origin with a form, one connection per request (gunicorn's sync workers close it)."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://{HOST}:{port}"
        self.cookies: dict[str, str] = {}
        self.page = ""

    def request(self, method: str, path: str, form=None, xhr: bool = False) -> Response:
        headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "User-Agent": "lianzheng-bench-load/1",
            "Accept-Language": "zh-CN,zh;q=0.9",
            "Accept": "application/json" if xhr else "text/html,application/xhtml+xml",
            "Connection": "close",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if xhr:
            headers["X-Requested-With"] = "XMLHttpRequest"
        if self.page:
            headers["Referer"] = self.origin + self.page
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        ms = (time.perf_counter() - started) * 1000
        for cookie in response.headers.get_all("Set-Cookie") or ():
            self._keep(cookie)
        if method == "GET" and not xhr:
            self.page = path
        return Response(response.status, response.headers, data.decode("utf-8", "replace"), ms)

    def _keep(self, header: str) -> None:
        name, _, rest = header.partition("=")
        value, _, attributes = rest.partition(";")
        attributes = attributes.lower().replace(" ", "")
        if not value or "max-age=0" in attributes or "1970" in attributes:
            self.cookies.pop(name.strip(), None)
        else:
            self.cookies[name.strip()] = value


@dataclass
class Sample:
    kind: str
    method: str
    start: float  # seconds since the run started
    ms: float
    status: int
    outcome: str  # ok, refused, error


PAGE_KINDS = (
    "login form",
    "two-factor form",
    "dashboard",
    "listing",
    "listing filter",
    "listing page",
    "search name",
    "search number",
    "case page",
    "transition form",
    "participants form",
    "audit log",
    "audit log filter",
    "compare versions",
)
XHR_KINDS = ("workday check",)
WRITE_KINDS = (
    "sign in",
    "two-factor code",
    "participants",
    "consent",
    "notify",
    "request postponement",
    "approve postponement",
    "reject postponement",
)


class Recorder:
    def __init__(self, started: float):
        self.started = started
        self.samples: list[Sample] = []
        self.errors: Counter = Counter()
        self.error_examples: list[str] = []
        self.refusals: dict[str, Counter] = defaultdict(Counter)
        self.refusal_examples: dict[str, str] = {}
        self.skips: dict[str, Counter] = defaultdict(Counter)
        self.accepted: Counter = Counter()
        self.signed_in: list[float] = []
        self.lock = threading.Lock()

    def add(self, kind, method, start, ms, status, outcome) -> None:
        self.samples.append(Sample(kind, method, start - self.started, ms, status, outcome))

    def error(self, kind: str, what: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            if len(self.error_examples) < 20:
                self.error_examples.append(f"{kind}: {what}")

    def refused(self, kind: str, codes: str, example: str) -> None:
        with self.lock:
            self.refusals[kind][codes] += 1
            self.refusal_examples.setdefault(f"{kind} {codes}", example)

    def skipped(self, transition: str, why: str) -> None:
        with self.lock:
            self.skips[transition][why] += 1


class Dispatcher:
    """Deals the cases to the users who act on them next, one queue per user and task."""

    def __init__(self, plan: Plan, accounts: list[Account]):
        self.plan = plan
        self.clerks = [a.username for a in accounts if a.kind == "office"]
        self.principal = next((a.username for a in accounts if a.kind == "principal"), None)
        self.queues: dict[tuple[str, str], deque] = defaultdict(deque)
        self.lock = threading.Lock()
        for state, pks in plan.initial.items():
            for pk in pks:
                self.route(pk, state, first=False)

    def route(self, pk: int, state: str, first: bool = True) -> None:
        """Queue the case for whoever acts on it next: first in line when a user has just
        moved it (people take up the newest work first), so a run sees whole cycles."""
        clerk = self.clerks[pk % len(self.clerks)] if self.clerks else None
        if state == "submitted":
            owner, task = self.principal, "consent"
        elif state == "approved":
            owner, task = clerk, "notify"
        elif state == "notified":
            owner, task = clerk, "request_postponement"
        elif state == "postponement_requested":
            lead = self.plan.login_of_person.get(self.plan.leads.get(pk))
            owner, task = lead or self.principal, "decide_postponement"
        else:
            return
        if owner:
            with self.lock:
                queue = self.queues[owner, task]
                if first:
                    queue.appendleft(pk)
                else:
                    queue.append(pk)

    def take(self, username: str, task: str) -> int | None:
        with self.lock:
            queue = self.queues.get((username, task))
            return queue.popleft() if queue else None

    def size(self, task: str) -> int:
        return sum(len(q) for (_user, t), q in self.queues.items() if t == task)


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_LINK = re.compile(r'href="/admin/snippets/lianzheng/talkcase/inspect/(\d+)/"')
ACTION = re.compile(r'class="lz-action (lz-allowed|lz-refused)" data-transition="(\w+)"')
RULE_CODE = re.compile(r'class="lz-code">(R\d+\.\d+)<')
REFUSAL = re.compile(r"）\[(R\d+\.\d+)\]")
ERROR_TEXT = re.compile(
    r'class="(?:help-block help-critical[^"]*|error-message)"[^>]*>(.*?)</(?:div|p)>', re.S
)
SUBJECT_OPTION = re.compile(r'<select name="subject_person_id".*?<option value="(\d+)"', re.S)
TAG = re.compile(r"<[^>]+>")


def case_actions(body: str) -> dict[str, tuple[bool, str]]:
    """The case page's actions: name -> (allowed, the rule codes that grey it out)."""
    matches = list(ACTION.finditer(body))
    actions = {}
    for n, match in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else body.find("lz-more", match.end())
        chunk = body[match.end() : end]
        codes = " ".join(sorted(set(RULE_CODE.findall(chunk)))) or "no article"
        actions[match.group(2)] = (match.group(1) == "lz-allowed", codes)
    return actions


def text_of(html: str, limit: int = 200) -> str:
    return " ".join(unescape(TAG.sub(" ", html)).split())[:limit]


class VirtualUser:
    def __init__(self, account, plan, dispatcher, recorder, port, start_at, deadline, args, seed):
        self.account = account
        self.plan = plan
        self.dispatcher = dispatcher
        self.recorder = recorder
        self.browser = Browser(port)
        self.start_at = start_at
        self.deadline = deadline
        self.think_mean = args.think
        self.rng = random.Random(seed)

    # -- the plumbing

    def run(self) -> None:
        try:
            self.sleep_until(self.start_at)
            if not self.sign_in():
                return
            while True:
                self.step()
        except StopRun:
            return
        except Exception as error:  # a bug in the driver must show, not stop the run silently
            self.recorder.error("driver", f"{self.account.username}: {error!r}")

    def sleep_until(self, moment: float) -> None:
        if moment >= self.deadline:
            raise StopRun
        time.sleep(max(0.0, moment - time.monotonic()))

    def think(self, factor: float = 1.0) -> None:
        seconds = self.rng.expovariate(1 / self.think_mean)
        seconds = min(max(seconds, THINK_MIN), THINK_MAX) * factor
        self.sleep_until(time.monotonic() + seconds)

    def fetch(self, kind, path, *, method="GET", form=None, xhr=False, expect=200):
        """One request; an unexpected answer is recorded as an error and gives None. A form
        post returns its answer whatever it is, for the caller to judge."""
        if time.monotonic() >= self.deadline:
            raise StopRun
        started = time.monotonic()
        try:
            response = self.browser.request(method, path, form=form, xhr=xhr)
        except (OSError, http.client.HTTPException) as error:
            ms = (time.monotonic() - started) * 1000
            self.recorder.add(kind, method, started, ms, 0, "error")
            self.recorder.error(kind, f"{method} {path}: {error!r} after {ms:.0f} ms")
            return None
        if expect is None:
            return response
        if response.status != expect:
            self.recorder.add(kind, method, started, response.ms, response.status, "error")
            self.recorder.error(
                kind,
                f"{method} {path}: {response.status} {response.location} "
                f"{text_of(response.body, 160)}",
            )
            return None
        self.recorder.add(kind, method, started, response.ms, response.status, "ok")
        return response

    def post_form(self, kind: str, path: str, page: Response, data: dict) -> Response | None:
        """Post a form as the browser would, with the page's CSRF token: accepted (a redirect
        to the case, followed), refused (the form again, with the article) or an error."""
        token = CSRF.search(page.body)
        if not token:
            self.recorder.error(kind, f"no CSRF token on {path}")
            return None
        started = time.monotonic()
        response = self.fetch(
            kind,
            path,
            method="POST",
            form={"csrfmiddlewaretoken": token.group(1), **data},
            expect=None,
        )
        if response is None:
            return None
        if response.status == 302 and "/talkcase/inspect/" in response.location:
            self.recorder.add(kind, "POST", started, response.ms, 302, "ok")
            self.recorder.accepted[kind] += 1
            return self.fetch("case page", response.location)
        if response.status == 200:
            codes = " ".join(sorted(set(REFUSAL.findall(response.body))))
            errors = [text_of(e) for e in ERROR_TEXT.findall(response.body)]
            self.recorder.add(kind, "POST", started, response.ms, 200, "refused")
            self.recorder.refused(kind, codes or "input", "; ".join(errors)[:300])
            return None
        self.recorder.add(kind, "POST", started, response.ms, response.status, "error")
        self.recorder.error(
            kind,
            f"POST {path}: {response.status} {response.location} {text_of(response.body, 160)}",
        )
        return None

    # -- signing in

    def sign_in(self) -> bool:
        page = self.fetch("login form", f"{LOGIN}?next={DASHBOARD}")
        if page is None:
            return False
        self.think()  # typing the name and the password
        token = CSRF.search(page.body)
        started = time.monotonic()
        response = self.fetch(
            "sign in",
            LOGIN,
            method="POST",
            form={
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "username": self.account.username,
                "password": self.account.password,
                "next": DASHBOARD,
            },
            expect=None,
        )
        if response is None:
            return False
        if not self.redirected("sign in", "POST", started, response, DASHBOARD):
            return False
        if self.account.username in TWO_FACTOR and not self.second_factor():
            return False
        self.recorder.signed_in.append(time.monotonic() - self.recorder.started)
        if self.fetch("dashboard", DASHBOARD) is None:
            return False
        self.think()
        return True

    def second_factor(self) -> bool:
        """The step after the password for a login whose role requires it: the admin sends him
        to give a code, he reads it off his authenticator and types it in."""
        started = time.monotonic()
        page = self.fetch("dashboard", DASHBOARD, expect=None)
        if page is None:
            return False
        if not self.redirected("dashboard", "GET", started, page, VERIFY, prefix=True):
            return False
        form = self.fetch("two-factor form", page.location)
        if form is None:
            return False
        code, wait = current_code(self.account.username)
        self.sleep_until(time.monotonic() + wait)
        self.think()  # taking out the phone and typing the code
        token = CSRF.search(form.body)
        started = time.monotonic()
        response = self.fetch(
            "two-factor code",
            page.location,
            method="POST",
            form={"csrfmiddlewaretoken": token.group(1) if token else "", "code": code},
            expect=None,
        )
        if response is None:
            return False
        return self.redirected("two-factor code", "POST", started, response, DASHBOARD)

    def redirected(self, kind, method, started, response, location, *, prefix=False) -> bool:
        """Record a step of signing in that must answer with a redirect to ``location`` (or,
        with ``prefix``, to an address starting with it): ok, or an error with the page's
        error messages."""
        where = response.location or ""
        if response.status == 302 and (where.startswith(location) if prefix else where == location):
            self.recorder.add(kind, method, started, response.ms, 302, "ok")
            return True
        self.recorder.add(kind, method, started, response.ms, response.status, "error")
        errors = "; ".join(text_of(e) for e in ERROR_TEXT.findall(response.body))
        self.recorder.error(
            kind, f"{self.account.username}: {response.status} {response.location} {errors}"
        )
        return False

    # -- what a user does

    def step(self) -> None:
        kind, rng = self.account.kind, self.rng
        if kind == "principal":
            if rng.random() < 0.6 and self.work("consent"):
                return
            if rng.random() < 0.3 and self.work("decide_postponement"):
                return
        elif kind == "office" and rng.random() < 0.35:
            task = "notify" if rng.random() < 2 / 3 else "request_postponement"
            if self.work(task):
                return
        elif kind == "leader" and rng.random() < 0.5:
            if self.work("decide_postponement"):
                return
        elif kind == "auditor":
            roll = rng.random()
            if roll < 0.2:
                return self.audit_log()
            if roll < 0.3:
                return self.audit_log(by_case=True)
            if roll < 0.4:
                return self.compare()
        self.browse()

    def work(self, task: str) -> bool:
        pk = self.dispatcher.take(self.account.username, task)
        if pk is None:
            return False
        getattr(self, task)(pk)
        return True

    def listing(self) -> Response | None:
        rng, plan = self.rng, self.plan
        roll = rng.random()
        if self.account.kind in ("leader", "attendee") and rng.random() < 0.5:
            return self.fetch("listing filter", LIST + "?mine=on")
        if roll < 0.30:
            return self.fetch("listing", LIST)
        if roll < 0.55:
            filters = [
                {"state": "submitted"},
                {"state": "approved"},
                {"state": "notified"},
                {"state": "rectifying"},
                {"state": "closed"},
                {"talk_type": "warning", "year": "2025"},
                {"talk_type": "routine", "year": "2026"},
                {"state": "notified", "year": "2026"},
                {"overdue": "on"},
                {"county": rng.choice(plan.counties)},
                {"unit": rng.choice(plan.units)},
                {"mine": "on"},
            ]
            return self.fetch("listing filter", LIST + "?" + urlencode(rng.choice(filters)))
        if roll < 0.70:
            return self.fetch("listing page", LIST + f"?p={rng.randint(2, 10)}")
        if roll < 0.85:
            name = rng.choice(plan.names)
            query = name if rng.random() < 0.8 else name[:2]
            return self.fetch("search name", LIST + "?" + urlencode({"q": query}))
        number = rng.choice(plan.numbers)
        if rng.random() < 0.3:  # 〔2025〕1234 without the prefix and 号
            number = number[number.index("〔") : -1]
        return self.fetch("search number", LIST + "?" + urlencode({"q": number}))

    def browse(self) -> None:
        page = self.listing()
        self.think()
        if page is None:
            return
        found = CASE_LINK.findall(page.body)
        for _ in range(self.rng.choice((1, 1, 2))):
            if not found:
                return
            self.fetch("case page", CASE.format(pk=self.rng.choice(found)))
            self.think()

    def audit_log(self, by_case: bool = False) -> None:
        if by_case:
            query = urlencode({"case": self.rng.choice(self.plan.numbers)})
            self.fetch("audit log filter", f"{AUDIT_LOG}?{query}")
        else:
            self.fetch("audit log", AUDIT_LOG)
        self.think()

    def compare(self) -> None:
        self.fetch("compare versions", COMPARE.format(pk=self.rng.choice(self.plan.cases)))
        self.think()

    # -- transitions: the case page first, then the form, as a person works

    def open_case(self, pk: int) -> dict[str, tuple[bool, str]] | None:
        page = self.fetch("case page", CASE.format(pk=pk))
        return None if page is None else case_actions(page.body)

    def offered(self, actions, transition: str) -> bool:
        if actions is None:
            return False
        if transition not in actions:
            self.recorder.skipped(transition, "not offered in this state")
            return False
        allowed, codes = actions[transition]
        if not allowed:
            self.recorder.skipped(transition, f"greyed: {codes}")
        return allowed

    def transition(self, pk: int, name: str, kind: str, data: dict) -> bool:
        self.think()
        path = TRANSITION.format(pk=pk, name=name)
        form = self.fetch("transition form", path)
        if form is None:
            return False
        if name == "notify":
            query = urlencode({"from": self.plan.today, "to": self.plan.talk_at[:10]})
            self.fetch("workday check", f"{WORKDAYS}?{query}", xhr=True)
        if name == "request_postponement":
            subject = SUBJECT_OPTION.search(form.body)
            data = {**data, "subject_person_id": subject.group(1) if subject else ""}
        self.think(FORM_FACTOR)
        done = self.post_form(kind, path, form, data)
        self.think()
        return done is not None

    def consent(self, pk: int) -> None:
        if self.offered(self.open_case(pk), "consent"):
            if self.transition(pk, "consent", "consent", {"comment": "同意。"}):
                self.dispatcher.route(pk, "approved")

    def notify(self, pk: int) -> None:
        page = self.fetch("case page", CASE.format(pk=pk))
        if page is None:
            return
        actions = case_actions(page.body)
        greyed = actions.get("notify", (True, ""))
        if not greyed[0] and "R6.2" in greyed[1] and "participants/suggested/" in page.body:
            self.think()
            path = SUGGESTED.format(pk=pk)
            confirm = self.fetch("participants form", path)
            if confirm is None:
                return
            self.think()
            page = self.post_form("participants", path, confirm, {})
            if page is None:
                return
            actions = case_actions(page.body)
        if not self.offered(actions, "notify"):
            return
        data = {
            "scheduled_at": self.plan.talk_at,
            "place": "局三楼会议室",
            "written_on": self.plan.today,
            "content": "就落实党风廉政建设责任制情况进行廉政约谈，请准时参加。",
            "phone_notified_at": "",
            "phone_note": "",
        }
        if self.transition(pk, "notify", "notify", data):
            self.dispatcher.route(pk, "notified")

    def request_postponement(self, pk: int) -> None:
        if self.offered(self.open_case(pk), "request_postponement"):
            data = {
                "application": "约谈对象因公出差，书面申请推后补谈。",
                "applied_on": self.plan.today,
            }
            if self.transition(pk, "request_postponement", "request postponement", data):
                self.dispatcher.route(pk, "postponement_requested")

    def decide_postponement(self, pk: int) -> None:
        approve = self.rng.random() < 0.7
        name = "approve_postponement" if approve else "reject_postponement"
        if not self.offered(self.open_case(pk), name):
            return
        if approve:
            data = {
                "new_scheduled_at": self.plan.new_talk_at,
                "new_place": "局五楼会议室",
                "note": "同意推后补谈。",
            }
        else:
            data = {"note": "理由不充分，请按原定时间参加约谈。"}
        if self.transition(pk, name, name.replace("_", " "), data):
            self.dispatcher.route(pk, "approved" if approve else "notified")


def signed_in(port: int, account: Account) -> Browser:
    browser = Browser(port)
    page = browser.request("GET", LOGIN)
    token = CSRF.search(page.body).group(1)
    answer = browser.request(
        "POST",
        LOGIN,
        form={
            "csrfmiddlewaretoken": token,
            "username": account.username,
            "password": account.password,
            "next": DASHBOARD,
        },
    )
    if answer.status != 302:
        raise RuntimeError(f"{account.username} cannot sign in ({answer.status})")
    if account.username in TWO_FACTOR:
        code, wait = current_code(account.username)
        time.sleep(wait)
        page = browser.request("GET", VERIFY)
        answer = browser.request(
            "POST",
            VERIFY,
            form={"csrfmiddlewaretoken": CSRF.search(page.body).group(1), "code": code},
        )
        if answer.status != 302:
            raise RuntimeError(f"{account.username}: the two-factor code was refused")
    return browser


def warm_up(browser: Browser, plan: Plan, workers: int) -> tuple[int, float]:
    """Each worker renders each kind of page a few times before the measurement: a server that
    has run for a day has its templates compiled and its URL and translation tables built."""
    port = browser.port
    pk = plan.cases[0]
    paths = [
        DASHBOARD,
        LIST,
        LIST + "?state=notified",
        LIST + "?p=2",
        LIST + "?" + urlencode({"q": plan.names[0]}),
        CASE.format(pk=pk),
        TRANSITION.format(pk=pk, name="consent"),
        AUDIT_LOG,
        COMPARE.format(pk=pk),
    ]
    answered = []
    started = time.perf_counter()

    def one():
        for _ in range(2):
            for path in paths:
                clone = Browser(port)
                clone.cookies = dict(browser.cookies)
                with contextlib.suppress(OSError, http.client.HTTPException):
                    answered.append(clone.request("GET", path).status)

    threads = [threading.Thread(target=one) for _ in range(workers * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(answered), time.perf_counter() - started


def alone(browser: Browser, plan: Plan, runs: int) -> dict[str, list[float]]:
    """Each kind of page requested by one user with nobody else on the server, one after
    another: what the pages cost before any queueing, on the machine as it is at the time
    (the principal head's view: he may open the audit log too)."""
    submitted = plan.initial["submitted"][::-1] or plan.cases

    def pick(values, n):
        return values[n % len(values)]

    kinds = {
        "dashboard": lambda n: DASHBOARD,
        "listing": lambda n: LIST,
        "listing filter": lambda n: LIST + ("?state=notified", "?overdue=on")[n % 2],
        "listing page": lambda n: LIST + f"?p={2 + n}",
        "search name": lambda n: LIST + "?" + urlencode({"q": pick(plan.names, n)}),
        "search number": lambda n: LIST + "?" + urlencode({"q": pick(plan.numbers, n)}),
        "case page": lambda n: CASE.format(pk=pick(plan.cases, n)),
        "transition form": lambda n: TRANSITION.format(pk=pick(submitted, n), name="consent"),
        "audit log": lambda n: AUDIT_LOG,
        "audit log filter": lambda n: AUDIT_LOG + "?" + urlencode({"case": pick(plan.numbers, n)}),
        "compare versions": lambda n: COMPARE.format(pk=pick(plan.cases, n)),
    }
    times: dict[str, list[float]] = defaultdict(list)
    for n in range(runs):
        for kind, path in kinds.items():
            with contextlib.suppress(OSError, http.client.HTTPException):
                answer = browser.request("GET", path(n))
                if answer.status == 200:
                    times[kind].append(answer.ms)
    return times


# -- after the run --------------------------------------------------------------------------


def verify_chain(env) -> tuple[int, str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "manage.py", "lianzheng_audit", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    output = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode, "\n".join(output[-5:]), time.perf_counter() - started


def written_transitions(plan: Plan, since: datetime) -> Counter:
    """History rows of case transitions the run's users wrote, by transition."""
    from django.db import connections
    from django.db.models import Count

    from lianzheng.models import TalkCase

    connections.close_all()
    rows = (
        TalkCase.history.model.objects.filter(
            history_date__gte=since, history_user_id__in=list(plan.user_ids.values())
        )
        .exclude(history_transition="")
        .values_list("history_transition")
        .annotate(n=Count("history_id"))
    )
    return Counter(dict(rows))


# -- the report -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def row(label: str, samples: list[Sample], window: float) -> str:
    times = [s.ms for s in samples]
    n = len(samples)
    errors = sum(s.outcome == "error" for s in samples)
    refused = sum(s.outcome == "refused" for s in samples)
    rate = n / window if window > 0 else math.nan
    return (
        f"| {label} | {n} | {rate:.2f} | {refused or ''} | {errors or ''} | "
        f"{percentile(times, 0.5):.0f} | {percentile(times, 0.95):.0f} | "
        f"{percentile(times, 0.99):.0f} | {max(times, default=math.nan):.0f} |"
    )


def over_time(rec: Recorder, pages: list[Sample], loads, step: int = 30) -> list[str]:
    """Pages by slices of the run, beside the machine's load average then: on a shared
    machine the slow slices are worth comparing with the load."""
    end = max((s.start for s in pages), default=0.0)
    lines = []
    for first in range(0, int(end) + 1, step):
        chosen = [s.ms for s in pages if first <= s.start < first + step]
        load = [value for t, value in loads if first <= t < first + step]
        signed = sum(t < first + step for t in rec.signed_in)
        lines.append(
            f"| {first}–{first + step} | {signed} | {len(chosen)} | "
            f"{percentile(chosen, 0.5):.0f} | {percentile(chosen, 0.95):.0f} | "
            f"{sum(load) / len(load) if load else math.nan:.1f} |"
        )
    return lines


def _alone(times: list[float] | None) -> str:
    if not times:
        return " |"
    ordered = sorted(times)
    return f" {ordered[len(ordered) // 2]:.0f} |"


def report(ctx: dict) -> str:
    args, rec = ctx["args"], ctx["recorder"]
    samples = rec.samples
    window = max((s.start + s.ms / 1000 for s in samples), default=0.0) - min(
        (s.start for s in samples), default=0.0
    )
    pages = [s for s in samples if s.kind in PAGE_KINDS]
    writes = [s for s in samples if s.kind in WRITE_KINDS]
    ramped = max(rec.signed_in, default=math.inf)
    steady = [s for s in pages if s.start >= ramped]
    errors = sum(rec.errors.values())
    page_p95 = percentile([s.ms for s in pages], 0.95)
    verify_rc, verify_out, verify_s = ctx["verify"]
    verdict = (verify_out.splitlines() or ["(no output)"])[-1]
    lines = [
        "# Load test: the production server at 100,000 cases",
        "",
        f"`{ctx['command']}` — {ctx['when']}, commit {ctx['commit']}",
        "",
        "## Result",
        "",
        f"- {'✓' if errors == 0 else '✗'} errors: **{errors}** "
        f"(5xx, connection errors, time-outs, unexpected statuses)",
        f"- {'✓' if page_p95 < PAGE_GOAL_MS else '✗'} p95 of pages: **{page_p95:.0f} ms** "
        f"(goal under {PAGE_GOAL_MS} ms; p50 {percentile([s.ms for s in pages], 0.5):.0f} ms, "
        f"p99 {percentile([s.ms for s in pages], 0.99):.0f} ms)",
        (
            "- the audit chain was not verified (--no-verify)"
            if verify_rc is None
            else f"- {'✓' if verify_rc == 0 else '✗'} the audit chain "
            f"{'verifies' if verify_rc == 0 else 'does NOT verify'} after the run "
            f"(`manage.py lianzheng_audit verify`, {verify_s:.0f} s): {verdict}"
        ),
        f"- held: {len(rec.signed_in)} of {args.users} users signed in, {len(samples)} requests "
        f"in {window:.0f} s = **{len(samples) / window if window else 0:.1f} requests/s** "
        f"({len(pages) / window if window else 0:.1f} pages/s), "
        f"{sum(rec.accepted.values())} forms accepted",
        f"- machine: load average (1 min) {ctx['load_before']:.2f} before, "
        f"{ctx['load_mean']:.2f} mean and {ctx['load_max']:.2f} max during the run, "
        f"{ctx['load_after']:.2f} after; {os.cpu_count()} CPUs",
        "",
        "## Set-up",
        "",
        f"- server: `{' '.join(ctx['server_command'][1:])}` "
        f"(settings lianzheng_site.settings.production, DATABASE_CONN_MAX_AGE="
        f"{args.conn_max_age}), answering {ctx['ready_s']:.0f} s after start; warm-up "
        f"{ctx['warmup'][0]} requests in {ctx['warmup'][1]:.0f} s, not counted",
        f"- database: PostgreSQL `{args.pg_name}` "
        f"({'loaded now' if ctx['loaded'] else 'reused'}, {ctx['data_s']:.0f} s), "
        f"chain head {ctx['head_before'][0]} before the run, {ctx['head_after'][0]} after "
        f"({ctx['head_after'][0] - ctx['head_before'][0]} history rows written)",
        f"- users: {args.users} ({ctx['roster']}), started over {args.ramp:.0f} s, "
        f"all signed in after {ramped:.0f} s; think time exponential, mean {args.think:g} s "
        f"(1–30 s), forms ×{FORM_FACTOR:g}; run {args.duration:.0f} s",
        f"- CPU during the run ({ctx['cpu']['wall']:.0f} s × {os.cpu_count()} CPUs = "
        f"{ctx['cpu']['capacity']:.0f} CPU-s): gunicorn {ctx['cpu']['server']:.0f} CPU-s "
        f"({ctx['cpu']['server'] * 1000 / max(len(samples), 1):.0f} ms a request), driver "
        f"{ctx['cpu']['driver']:.0f}, everything else (PostgreSQL, other work on the machine) "
        f"{ctx['cpu']['other']:.0f}; idle {ctx['cpu']['idle']:.0f}",
        "",
        "## Latency by request kind (ms, whole run)",
        "",
        f"*alone*: the median of {args.alone} requests of the kind by one user with nobody else "
        f"on the server, just before the run (load average {ctx['alone_load']:.1f}).",
        "",
        "| kind | n | per s | refused | errors | p50 | p95 | p99 | max | alone |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in (*PAGE_KINDS, *XHR_KINDS, *WRITE_KINDS):
        chosen = [s for s in samples if s.kind == kind]
        if chosen:
            lines.append(row(kind, chosen, window) + _alone(ctx["alone"].get(kind)))
    every_alone = [ms for times in ctx["alone"].values() for ms in times]
    lines += [
        row("**all pages**", pages, window) + _alone(every_alone),
        row(f"pages after all signed in ({ramped:.0f} s on)", steady, window) + " |",
        row("**all form posts** (sign-in included)", writes, window) + " |",
        row("**everything**", samples, window) + " |",
        "",
        "## Over time (pages, by the second their request started)",
        "",
        "| seconds | signed in | pages | p50 | p95 | load average |",
        "|---|---:|---:|---:|---:|---:|",
        *over_time(rec, pages, ctx["loads"]),
        "",
        "## Work done",
        "",
        "| task | accepted | refused by the server (articles) | not posted: greyed or moved |",
        "|---|---:|---|---|",
    ]
    skip_names = {
        "participants": "",
        "consent": "consent",
        "notify": "notify",
        "request postponement": "request_postponement",
        "approve postponement": "approve_postponement",
        "reject postponement": "reject_postponement",
    }
    for kind, transition in skip_names.items():
        refused = ", ".join(f"{code} ×{n}" for code, n in rec.refusals[kind].most_common())
        skipped = ", ".join(f"{why} ×{n}" for why, n in rec.skips[transition].most_common())
        lines.append(f"| {kind} | {rec.accepted[kind]} | {refused} | {skipped} |")
    written = ctx["written"]
    lines += [
        "",
        "History rows of these transitions written by the run's users, from the database: "
        + ", ".join(f"{name} {n}" for name, n in sorted(written.items()))
        + ".",
        "Driver's count of accepted transitions: "
        + ", ".join(
            f"{t} {rec.accepted[k]}" for k, t in skip_names.items() if t and rec.accepted[k]
        )
        + (
            " — the same."
            if all(written.get(t, 0) == rec.accepted[k] for k, t in skip_names.items() if t)
            else " — **they differ**."
        ),
        f"Queues left: {ctx['left']}.",
    ]
    if rec.refusal_examples:
        lines += ["", "Refusals as the form showed them (one of each kind):", ""]
        lines += [f"- {k}: {v}" for k, v in sorted(rec.refusal_examples.items())]
    lines += ["", "## Errors", ""]
    if errors:
        lines += [f"- {kind}: {n}" for kind, n in rec.errors.most_common()]
        lines += ["", "First ones:", "", *[f"    {e}" for e in rec.error_examples]]
    else:
        lines.append("None.")
    if ctx.get("notes"):
        lines += ["", "## Notes", "", *ctx["notes"]]
    return "\n".join(lines) + "\n"


# -- main -----------------------------------------------------------------------------------


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=MIN_USERS, help="concurrent users (50)")
    parser.add_argument("--duration", type=float, default=180, help="seconds of load (180)")
    parser.add_argument(
        "--ramp",
        type=float,
        default=None,
        help="seconds over which the users start (30, or a quarter of a shorter run)",
    )
    parser.add_argument("--think", type=float, default=5, help="mean think time, seconds (5)")
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn workers (2 x CPUs + 1)",
    )
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=4, help="threads a gthread worker (4)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=0,
        help="DATABASE_CONN_MAX_AGE of the server (0: a connection per request, the default)",
    )
    parser.add_argument("--port", type=int, default=0, help="server port (0: a free one)")
    parser.add_argument("--pg-name", default=PG_NAME, help="PostgreSQL database (%(default)s)")
    parser.add_argument("--reload", action="store_true", help="load the database again")
    parser.add_argument("--access-log", action="store_true", help="bench/results/load-access.log")
    parser.add_argument("--seed", type=int, default=8, help="random seed of the users")
    parser.add_argument(
        "--alone",
        type=int,
        default=5,
        help="requests of each kind of page by one user alone, before the run (5)",
    )
    parser.add_argument("--no-verify", action="store_true", help="skip the chain verification")
    parser.add_argument("--cases", type=int, default=load_cases.CASES, help="cases (100,000)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="600 cases, 3 users for 8 s, 2 workers: that the bench still works",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the report is written")
    args = parser.parse_args(argv)
    if args.quick:
        args.cases, args.users, args.duration, args.ramp = 600, 3, 8.0, 1.0
        args.think, args.alone, args.workers = 1.0, 1, 2
        if args.pg_name == PG_NAME:
            args.pg_name = PG_NAME + "_quick"
    if args.users < 1 or args.duration <= 0 or args.think <= 0:
        parser.error("--users, --duration and --think must be positive")
    if args.ramp is None:
        args.ramp = min(30.0, args.duration / 4)
    load_cases.use_pg_name(args.pg_name)

    RESULTS.mkdir(parents=True, exist_ok=True)

    began = time.perf_counter()

    def log(message: str) -> None:
        print(f"[load {time.perf_counter() - began:6.1f}s] {message}", file=sys.stderr, flush=True)

    # Ctrl-C and a kill stop the server too, even where a shell started this bench with
    # SIGINT ignored (a background job).
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    port = args.port or free_port()
    env = production_env(args, port)
    accounts = roster(args.users)
    server = Server(args, env, port)
    machine = Machine()
    ctx: dict = {
        "args": args,
        "command": " ".join([".venv/bin/python", *sys.argv]),
        "when": time.strftime("%Y-%m-%d %H:%M %Z"),
        "commit": _commit(),
        "roster": ", ".join(f"{n} {k}" for k, n in Counter(a.kind for a in accounts).most_common()),
        "notes": [],
    }
    recorder = None
    try:
        ctx["loaded"], ctx["data_s"] = ensure_data(args, log)
        setup_django(env)
        ensure_users(roster(max(args.users, MIN_USERS)), log)
        ensure_second_factor(roster(max(args.users, MIN_USERS)), log)
        plan = make_plan(accounts)
        from django.db import connections

        connections.close_all()
        log(
            "plan: "
            + ", ".join(f"{state} {len(pks)}" for state, pks in plan.initial.items())
            + f"; talks notified for {plan.talk_at}, postponed to {plan.new_talk_at}"
        )
        started = time.perf_counter()
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        log(f"collectstatic: {time.perf_counter() - started:.0f} s")
        ctx["head_before"] = chain_head(env)
        server.start()
        ctx["server_command"] = server.command
        log(f"gunicorn: {' '.join(server.command[1:])}")
        ctx["ready_s"] = server.wait_ready()
        browser = signed_in(port, accounts[0])
        ctx["warmup"] = warm_up(browser, plan, args.workers)
        log(f"ready after {ctx['ready_s']:.0f} s; warm-up {ctx['warmup'][0]} requests")
        ctx["alone_load"] = os.getloadavg()[0]
        ctx["alone"] = alone(browser, plan, args.alone)

        dispatcher = Dispatcher(plan, accounts)
        ctx["load_before"] = os.getloadavg()[0]
        run_start = time.monotonic()
        since = datetime.now().astimezone()
        deadline = run_start + args.duration
        recorder = Recorder(run_start)
        users = [
            VirtualUser(
                account,
                plan,
                dispatcher,
                recorder,
                port,
                run_start + n * args.ramp / max(len(accounts), 1),
                deadline,
                args,
                seed=args.seed * 1000 + n,
            )
            for n, account in enumerate(accounts)
        ]
        threads = [threading.Thread(target=u.run, daemon=True) for u in users]
        cpu_before = (server.cpu_seconds(), time.process_time(), *Machine.cpu())
        machine.start()
        log(f"driving: {len(users)} users for {args.duration:.0f} s")
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            time.sleep(0.5)
            if time.monotonic() > deadline + REQUEST_TIMEOUT + 5:
                ctx["notes"].append("- Some users were still waiting for an answer at the end.")
                break
        machine.stop()
        wall = time.monotonic() - run_start
        cpu_after = (server.cpu_seconds(), time.process_time(), *Machine.cpu())
        busy = cpu_after[2] - cpu_before[2]
        server_cpu = cpu_after[0] - cpu_before[0]
        driver_cpu = cpu_after[1] - cpu_before[1]
        ctx["cpu"] = {
            "wall": wall,
            "capacity": cpu_after[3] - cpu_before[3],
            "server": server_cpu,
            "driver": driver_cpu,
            "other": max(busy - server_cpu - driver_cpu, 0.0),
            "idle": (cpu_after[3] - cpu_before[3]) - busy,
        }
        ctx["loads"] = [(t - run_start, load) for t, load in machine.samples]
        loads = [load for _t, load in machine.samples] or [os.getloadavg()[0]]
        ctx["load_mean"] = sum(loads) / len(loads)
        ctx["load_max"] = max(loads)
        ctx["load_after"] = os.getloadavg()[0]
        ctx["recorder"] = recorder
        ctx["left"] = ", ".join(
            f"{task} {dispatcher.size(task)}"
            for task in ("consent", "notify", "request_postponement", "decide_postponement")
        )
        log(f"run over: {len(recorder.samples)} requests; stopping gunicorn")
        server.stop()
        ctx["head_after"] = chain_head(env)
        ctx["written"] = written_transitions(plan, since)
        if args.no_verify:
            ctx["verify"] = (None, "not run (--no-verify)", 0.0)
        else:
            log("verifying the audit chain")
            ctx["verify"] = verify_chain(env)
        text = report(ctx)
        args.out.mkdir(parents=True, exist_ok=True)
        written = args.out / REPORT.name
        written.write_text(text)
        print(text)
        log(f"written to {written}")
        return 0 if ctx["verify"][0] in (0, None) and not sum(recorder.errors.values()) else 1
    except KeyboardInterrupt:
        log("interrupted: stopping gunicorn")
        return 130
    finally:
        if machine._thread.is_alive():
            machine.stop()
        server.stop()


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


if __name__ == "__main__":
    sys.exit(main())

"""An office on the embedded default: `make run`'s server on SQLite, 20 people at once.

    .venv/bin/python bench/bench_office.py                      # 20 users, 60 s, this branch
    .venv/bin/python bench/bench_office.py --main-settings      # the same, with main's settings
    .venv/bin/python bench/bench_office.py --quick              # 4 users, 8 s: the test suite

What ``make run`` does, in a temporary folder: ``migrate``, ``lianzheng_setup --demo`` (a fresh
demo database, SQLite, the development settings) and ``runserver`` (threaded, ``--noreload``).
Before the server starts, the office's clerk opens ``--drafts`` routine-talk drafts (through the
services, as the demo does), so that there is work to move.

Then ``--users`` people (the demo logins in turn, so two sessions of each at 20) open the sign-in
form and sign in at the same moment, and work until ``--duration`` is up, each a closed loop with
a short think time (0.2-1 s, far busier than a person): the dashboard, the case listing, a case
page (the editor, who may not open cases, the page explorer and the regulation page's editor
instead); the clerk's sessions submit the next draft (its form, then the POST), the principal's
consent the next submitted case. Every request counts: an error is a 5xx, a connection error or
time-out, or any answer but the expected one (200 for a page, a redirect for a sign-in or an
accepted form; a form refused with an article is an answer, counted apart).

``--main-settings`` runs the server as main had it before issue 18: SQLite's deferred
transactions in the rollback journal (only the 20 s busy timeout) and no fault page middleware.

Report: requests, throughput, p50/p95/max per kind and overall, errors with examples, the load
average before and after; printed and written to bench/results/office[-main].md (git-ignored).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 60

LOGIN = "/admin/login/"
DASHBOARD = "/admin/"
LIST = "/admin/snippets/lianzheng/talkcase/"
CASE = LIST + "inspect/{pk}/"
TRANSITION = LIST + "{pk}/transition/{name}/"

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PAGES = "/admin/pages/"
PAGE_EDIT_LINK = re.compile(r'href="(/admin/pages/\d+/edit/)"')
CASE_LINK = re.compile(r'href="/admin/snippets/lianzheng/talkcase/inspect/(\d+)/"')
PASSWORD_LINE = re.compile(r"^\s+(\w+)\s+(\S+)\s+", re.M)

# Run inside `manage.py shell`: the clerk's drafts, made as the demo makes its cases.
DRAFTS = """
from lianzheng.choices import TalkType
from lianzheng.services.cases import case_create
from lianzheng.services.demo import OUTLINE, PURPOSE, _participants, setup_demo_people
people = setup_demo_people()
subjects = [p for p in people.values() if p.user_id is None]
for i in range({n}):
    case = case_create(
        user=people["office"].user, talk_type=TalkType.ROUTINE,
        subjects=[subjects[i % len(subjects)]], purpose=PURPOSE, preparation_note=OUTLINE,
        participants=_participants(people, TalkType.ROUTINE), proposed_by=people["leader"],
    )
    print("draft", case.pk)
"""

# main's settings before issue 18, for the "before" figures.
MAIN_SETTINGS = """
from lianzheng_site.settings.dev import *  # noqa: F403
DATABASES["default"]["OPTIONS"] = {"timeout": 20}
MIDDLEWARE = [m for m in MIDDLEWARE if not m.endswith("DatabaseFaultPageMiddleware")]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


class Browser:
    """Cookies, a referer and an origin with forms: what Django's CSRF checks look at."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"http://{HOST}:{port}"
        self.cookies: dict[str, str] = {}
        self.page = ""

    def request(self, method, path, form=None):
        headers = {"Host": f"{HOST}:{self.port}", "Accept-Language": "zh-CN", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.page:
            headers["Referer"] = self.origin + self.page
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for cookie in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = cookie.partition("=")
            value = rest.partition(";")[0]
            if value and "max-age=0" not in cookie.lower():
                self.cookies[name.strip()] = value
        if method == "GET":
            self.page = path
        return response.status, urlsplit(response.headers.get("Location", "")).path, data


class Run:
    def __init__(self):
        self.samples: list[tuple[str, float, bool]] = []
        self.errors: Counter = Counter()
        self.examples: dict[str, str] = {}
        self.refused = 0
        self.accepted: Counter = Counter()
        self.lock = threading.Lock()
        self.submitted: list[int] = []

    def add(self, kind, ms, ok, example=""):
        with self.lock:
            self.samples.append((kind, ms, ok))
            if not ok:
                self.errors[kind] += 1
                self.examples.setdefault(kind, example[:300])


class User(threading.Thread):
    def __init__(self, username, password, port, run, drafts, start, deadline, seed):
        super().__init__(daemon=True)
        self.username, self.password = username, password
        self.browser = Browser(port)
        self.run_, self.drafts, self.start_at, self.deadline = run, drafts, start, deadline
        self.random = random.Random(seed)

    def fetch(self, kind, path, method="GET", form=None, expect=(200,)):
        started = time.monotonic()
        try:
            status, location, body = self.browser.request(method, path, form)
        except (OSError, http.client.HTTPException) as error:
            self.run_.add(kind, (time.monotonic() - started) * 1000, False, f"{path}: {error!r}")
            return None
        ms = (time.monotonic() - started) * 1000
        ok = status in expect
        title = re.search(r"<title>(.*?)</title>", body, re.S)
        example = f"{method} {path}: {status} {title.group(1).strip() if title else body[:120]}"
        self.run_.add(kind, ms, ok, example)
        return (status, location, body) if ok else None

    def run(self):
        page = self.fetch("login form", LOGIN)
        while time.monotonic() < self.start_at:
            time.sleep(0.005)
        if page is None:
            return
        token = CSRF.search(page[2])
        form = {
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "username": self.username,
            "password": self.password,
            "next": DASHBOARD,
        }
        if self.fetch("sign in", LOGIN, "POST", form, expect=(302,)) is None:
            return
        while time.monotonic() < self.deadline:
            self.step()

    def think(self):
        time.sleep(self.random.uniform(0.2, 1.0))

    def step(self):
        self.fetch("dashboard", DASHBOARD)
        self.think()
        if self.username == "editor":
            self.edit_pages()
            return
        listing = self.fetch("listing", LIST)
        self.think()
        if listing:
            pks = CASE_LINK.findall(listing[2])
            if pks:
                self.fetch("case page", CASE.format(pk=self.random.choice(pks)))
                self.think()
        if self.username == "office" and self.drafts:
            with self.run_.lock:
                pk = self.drafts.pop() if self.drafts else None
            if pk and self.transition(pk, "submit", {"comment": ""}):
                with self.run_.lock:
                    self.run_.submitted.append(pk)
        if self.username == "principal":
            with self.run_.lock:
                pk = self.run_.submitted.pop(0) if self.run_.submitted else None
            if pk:
                self.transition(pk, "consent", {"comment": "同意。"})

    def edit_pages(self):
        """The editor's round: the page explorer, then one of its pages in the page editor."""
        explorer = self.fetch("page explorer", PAGES, expect=(200, 302))
        if explorer and explorer[0] == 302:  # Wagtail opens the explorer at the site's root
            explorer = self.fetch("page explorer", explorer[1])
        self.think()
        if explorer:
            links = PAGE_EDIT_LINK.findall(explorer[2])
            if links:
                self.fetch("page editor", self.random.choice(links))
                self.think()

    def transition(self, pk, name, data) -> bool:
        path = TRANSITION.format(pk=pk, name=name)
        form = self.fetch(f"{name} form", path)
        if form is None:
            return False
        self.think()
        token = CSRF.search(form[2])
        answer = self.fetch(
            name,
            path,
            "POST",
            {"csrfmiddlewaretoken": token.group(1) if token else "", **data},
            expect=(200, 302),
        )
        if answer is None:
            return False
        if answer[0] == 200:
            with self.run_.lock:
                self.run_.refused += 1
            return False
        with self.run_.lock:
            self.run_.accepted[name] += 1
        return True


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def manage(env, *args, **kwargs):
    return subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        **kwargs,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--drafts", type=int, default=60)
    parser.add_argument("--main-settings", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.duration, args.drafts = 4, 8.0, 6

    load_before = loadavg()
    folder = Path(tempfile.mkdtemp(prefix="lianzheng-bench-office-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lianzheng_site.settings.dev",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "STATIC_ROOT": str(folder / "static"),
        "PYTHONUNBUFFERED": "1",
    }
    if args.main_settings:
        (folder / "main_settings.py").write_text(MAIN_SETTINGS)
        env["PYTHONPATH"] = f"{folder}{os.pathsep}{env.get('PYTHONPATH', '')}"
        env["DJANGO_SETTINGS_MODULE"] = "main_settings"
    manage(env, "migrate", "--noinput")
    setup = manage(env, "lianzheng_setup", "--demo").stdout
    passwords = dict(PASSWORD_LINE.findall(setup.split("Demo logins", 1)[-1]))
    drafts_out = manage(env, "shell", "-c", DRAFTS.format(n=args.drafts)).stdout
    drafts = [int(line.split()[1]) for line in drafts_out.splitlines() if line.startswith("draft")]
    logins = ["office", "principal", *sorted(set(passwords) - {"office", "principal"})]

    port = free_port()
    log = open(folder / "runserver.log", "w")
    server = subprocess.Popen(
        [PYTHON, str(ROOT / "manage.py"), "runserver", f"{HOST}:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for _ in range(600):
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        run = Run()
        start = time.monotonic() + 3
        deadline = start + args.duration
        users = [
            User(
                logins[i % len(logins)],
                passwords[logins[i % len(logins)]],
                port,
                run,
                drafts,
                start,
                deadline,
                i,
            )
            for i in range(args.users)
        ]
        for user in users:
            user.start()
        for user in users:
            user.join(timeout=args.duration + REQUEST_TIMEOUT + 30)
        elapsed = time.monotonic() - start
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    load_after = loadavg()

    kinds = defaultdict(list)
    for kind, ms, _ok in run.samples:
        kinds[kind].append(ms)
    every = [ms for _k, ms, _ok in run.samples]
    errors = sum(run.errors.values())
    title = "main's settings (before issue 18)" if args.main_settings else "this branch"
    lines = [
        f"# Office on SQLite: {args.users} users for {args.duration:.0f} s, {title}",
        "",
        f"- load average before: {load_before}; after: {load_after}",
        f"- requests: {len(every)}, throughput {len(every) / elapsed:.1f} requests/s",
        f"- overall p50 {percentile(every, 50):.0f} ms, p95 {percentile(every, 95):.0f} ms, "
        f"max {max(every, default=0):.0f} ms",
        f"- errors: {errors}; forms refused with an article: {run.refused}; "
        f"accepted: {dict(run.accepted)}",
        "",
        "| kind | n | p50 ms | p95 ms | max ms | errors |",
        "|---|---|---|---|---|---|",
    ]
    for kind in sorted(kinds):
        values = kinds[kind]
        lines.append(
            f"| {kind} | {len(values)} | {percentile(values, 50):.0f} | "
            f"{percentile(values, 95):.0f} | {max(values):.0f} | {run.errors[kind]} |"
        )
    if run.examples:
        lines += ["", "Errors, one example of each kind:", ""]
        lines += [f"- {kind}: {example}" for kind, example in sorted(run.examples.items())]
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    name = "office-main.md" if args.main_settings else "office.md"
    (args.out / name).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

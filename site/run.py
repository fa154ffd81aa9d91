"""`make run`: the development server with what production runs beside it.

runserver in the foreground, and as its companions the task worker (``manage.py db_worker``:
reminder emails, Wagtail's own jobs) and the reminder sweep every ``--sweep-every`` seconds
(``manage.py lianzheng_reminders``, what cron does in production). Ctrl-C, or the server
ending, stops all three: the demo shows reminders without a second terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

MANAGE = str(Path(__file__).resolve().parents[1] / "manage.py")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("address", help="host:port for runserver")
    parser.add_argument("--sweep-every", type=float, default=60.0)
    args = parser.parse_args()

    # Ctrl-C, or a TERM from whoever started us (even in the background, where SIGINT is
    # ignored), stops the three together.
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    python = sys.executable
    # Each in a process group of its own, so that runserver's reloading child goes with it.
    worker = subprocess.Popen(
        [python, MANAGE, "db_worker", "--interval", "2"], start_new_session=True
    )
    stop = threading.Event()

    def sweeps() -> None:
        while not stop.wait(args.sweep_every):
            subprocess.run([python, MANAGE, "lianzheng_reminders"], check=False)

    threading.Thread(target=sweeps, daemon=True).start()
    server = subprocess.Popen([python, MANAGE, "runserver", args.address], start_new_session=True)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop.set()
        for process in (server, worker):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in (server, worker):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())

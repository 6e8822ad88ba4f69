"""A worker process killed with SIGKILL in the middle of a screening run and of a settlement run:
another worker resumes each run from its last finished chunk, and the totals are those of an
uninterrupted run.

Everything runs in separate processes (``python -m changhu …``) on a scratch database of the
same kind as the suite's (a SQLite file, or a new database on the suite's PostgreSQL server),
seeded with a small demo city. The killing worker is the real ``changhu worker`` with one
difference: after a run reports its first finished chunk (and before its last), the process
sends itself SIGKILL, so nothing of ours runs on the way out: no exception handler marks the run
failed, no ``release`` puts it back in the queue, and the transaction of the chunk in hand is
lost. The next worker finds the run still "running" with a heartbeat older than the stale limit
(aged here instead of waiting ten minutes) and takes it over.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid

import pytest
from django.db import connection

from tests.clock import child

pytestmark = pytest.mark.slow

KILLER = r"""
import os, signal
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changhu.settings")
import django
django.setup()
from changhu.settlement import compute
from changhu.visits import screening


def killing(execute):
    def wrapper(*args, progress=None, **kwargs):
        def report(*state):
            if progress:
                progress(*state)
            if len(state) == 1:  # screening reports the run, settlement (done, total)
                state = (state[0].done_chunks, state[0].total_chunks)
            done, total = state
            if 1 <= done < total:
                os.kill(os.getpid(), signal.SIGKILL)
        return execute(*args, progress=report, **kwargs)
    return wrapper


compute.execute = killing(compute.execute)
screening.execute = killing(screening.execute)
from django.core.management import call_command
call_command("worker", "--once", "--workers", "1")
"""

QUEUE = r"""
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changhu.settings")
import django
django.setup()
from changhu.core import clock
from changhu.orgs.models import User
from changhu.settlement import services as settlement
from changhu.settlement.models import PeriodStatus, SettlementPeriod
from changhu.visits import services as visits

admin = User.objects.filter(is_superuser=True).order_by("pk").first()
period = (
    SettlementPeriod.objects.filter(status__in=[PeriodStatus.OPEN, PeriodStatus.CLAIMING])
    .order_by("-month")
    .first()
)
run = settlement.run_request(actor=admin, period_id=period.pk)
screen = visits.screening_request(actor=None, period=clock.today().strftime("%Y-%m"))
print(json.dumps({"period": period.pk, "settlement": run.pk, "screening": screen.pk}))
"""

STATE = r"""
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changhu.settings")
import django
django.setup()
import datetime as dt
from changhu.core import clock
from changhu.settlement.models import ClaimLine, SettlementPeriod, SettlementRun
from changhu.visits.models import Finding, ScreeningRun

ids = json.loads(sys.argv[1])
if sys.argv[2] == "age":
    old = clock.now() - dt.timedelta(hours=1)
    SettlementRun.objects.filter(pk=ids["settlement"]).update(heartbeat_at=old)
    ScreeningRun.objects.filter(pk=ids["screening"]).update(heartbeat_at=old)
period = SettlementPeriod.objects.get(pk=ids["period"])
run = SettlementRun.objects.get(pk=ids["settlement"])
screen = ScreeningRun.objects.get(pk=ids["screening"])
lines = ClaimLine.objects.filter(period=period)
print(json.dumps({
    "settlement": [run.status, run.done_chunks, run.total_chunks],
    "screening": [screen.status, screen.done_chunks, screen.total_chunks],
    "totals": [period.fund_fen, period.personal_fen, period.line_count, lines.count(),
               # an institution's deduction line has no person: sort by the row's text
               sorted(lines.values_list("person_id", "benefit", "fund_fen", "personal_fen"),
                      key=str)],
    "findings": [screen.findings_count, sorted(
        Finding.objects.filter(run_id=screen.pk).values_list("rule_code", "visit_id", "bed_day_id"),
        key=str,
    )],
}))
"""


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A seeded demo city in a database of its own; the environment to reach it."""
    home = tmp_path_factory.mktemp("killtest")
    settings = connection.settings_dict
    created = None
    if connection.vendor == "postgresql":
        import psycopg

        created = f"changhu_kill_{uuid.uuid4().hex[:10]}"
        params = {
            "host": settings["HOST"] or None,
            "port": settings["PORT"] or None,
            "user": settings["USER"] or None,
            "password": settings["PASSWORD"] or None,
            "dbname": "postgres",
        }
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{created}"')
        auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        url = f"postgres://{auth}@{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}/"
        url += created
    else:
        url = f"sqlite:///{home / 'scratch.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CHANGHU_PROFILE": "test",
        "CHANGHU_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "changhu.settings",
    }
    env.pop("CHANGHU_TEST_TODAY", None)
    for command in (
        ["migrate", "--noinput"],
        ["load-presets"],
        ["seed-demo", "--persons", "60"],
    ):
        _run(env, ["-m", "changhu", *command])
    yield env
    if created:
        import psycopg

        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def _run(env, args, *, expect=0) -> str:
    done = subprocess.run(
        [sys.executable, *child(args)], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == expect, (args[:3], done.returncode, done.stderr[-3000:])
    return done.stdout


def _state(env, ids, action="read") -> dict:
    return json.loads(_run(env, ["-c", STATE, json.dumps(ids), action]).strip().splitlines()[-1])


def _queue(env) -> dict:
    return json.loads(_run(env, ["-c", QUEUE]).strip().splitlines()[-1])


def test_a_killed_worker_is_resumed_with_the_same_totals(scratch):
    env = scratch
    # An uninterrupted run of each: the reference.
    clean = _queue(env)
    _run(env, ["-m", "changhu", "worker", "--once", "--workers", "1"])
    reference = _state(env, clean)
    assert reference["settlement"][0] == reference["screening"][0] == "done"
    assert reference["settlement"][2] >= 2 and reference["screening"][2] >= 2  # chunks to kill in

    # Again, killed: the first worker dies inside the screening run (queues are served in
    # order), the second inside the settlement run (the screening run still looks alive).
    again = _queue(env)
    assert again["settlement"] != clean["settlement"]
    _run(env, ["-c", KILLER], expect=-signal.SIGKILL)
    _run(env, ["-c", KILLER], expect=-signal.SIGKILL)
    killed = _state(env, again)
    for kind in ("settlement", "screening"):
        status, done, total = killed[kind]
        assert status == "running" and 1 <= done < total, (kind, killed[kind])

    # Ten minutes of silence later (aged here), a plain worker resumes both runs.
    _state(env, again, "age")
    _run(env, ["-m", "changhu", "worker", "--once", "--workers", "1"])
    resumed = _state(env, again)
    assert resumed["settlement"][0] == resumed["screening"][0] == "done"
    assert resumed["totals"] == reference["totals"]
    assert resumed["findings"][0] == reference["findings"][0] > 0
    assert [f[0] for f in resumed["findings"][1]] == [f[0] for f in reference["findings"][1]]

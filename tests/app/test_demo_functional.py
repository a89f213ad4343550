"""`restock-bot demo` end to end on SQLite: a week of Nibbo reports replayed in seconds through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from restock_bot.demo import DemoError, demo_database
from tests.helpers import clean_env


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path, str]:
    """One fast demo for the module: its JSON summary, its database file and what it showed."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    command = [sys.executable, "-m", "restock_bot.cli", "demo", "--speed", "200000", "--no-web",
               "--db", str(db), "--json-summary"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, env=clean_env())
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), db, done.stderr


def rows(db: Path, sql: str) -> list[Any]:
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        return list(connection.execute(text(sql)).all())


def test_demo_opens_tickets_merges_warns_escalates_restocks_and_gifts(
    demo_run: tuple[dict[str, Any], Path, str],
) -> None:
    summary, _, _ = demo_run
    assert summary["posts"] == 46
    assert summary["tickets"] >= 10
    assert summary["merges"] >= 1
    assert summary["warnings"] >= 1
    assert summary["escalations"] >= 1
    assert summary["restocks"] >= 1
    assert summary["gifts"] >= 1
    assert summary["acknowledgements"] == 1


def test_scripted_restocks_happen_at_their_simulated_hour(demo_run: tuple[dict[str, Any], Path, str]) -> None:
    summary, _, _ = demo_run
    assert summary["median_hours_to_restock"] == pytest.approx(40.0, abs=0.1)  # restocks after 30, 40, 54 h


def test_restocked_ticket_thanks_every_reporter_with_a_gift(
    demo_run: tuple[dict[str, Any], Path, str],
) -> None:
    _, db, _ = demo_run
    [(ticket_id, state)] = rows(db, "select id, state from tickets where store_id = 'MUM-0001'")
    reporters = rows(db, f"select distinct reporter from reports where ticket_id = {ticket_id}")
    gifts = rows(db, f"select reporter, state from gifts where ticket_id = {ticket_id}")
    thanks = rows(db, f"select status from replies where ticket_id = {ticket_id} and kind = 'restocked'")
    assert state == "restocked"
    assert len(reporters) == 3
    assert sorted(r for r, _ in gifts) == sorted(r for (r,) in reporters)
    assert {s for _, s in gifts} == {"queued"}
    assert thanks == [("done",)] * 3


def test_demo_shows_the_story_as_it_happens(demo_run: tuple[dict[str, Any], Path, str]) -> None:
    _, _, shown = demo_run
    flat = " ".join(shown.split())
    for sign in (
        "opened",
        "repeat report merged",
        "deadline warning",
        "escalated to",
        "restocked by",
        "🎁 gift",
    ):
        assert sign in flat, sign
    assert "Demo summary" in flat


def test_every_reply_is_sent_once_even_on_a_fast_clock(demo_run: tuple[dict[str, Any], Path, str]) -> None:
    summary, db, _ = demo_run
    [(done,)] = rows(db, "select count(*) from replies where status = 'done'")
    [(waiting,)] = rows(db, "select count(*) from replies where status != 'done'")
    assert (summary["replies"], waiting) == (done, 0)


def test_demo_refuses_a_database_that_already_has_data(demo_run: tuple[dict[str, Any], Path, str]) -> None:
    _, db, _ = demo_run
    with pytest.raises(DemoError, match="exists"), demo_database(db):
        pass


def test_each_post_is_handled_at_its_own_simulated_time(demo_run: tuple[dict[str, Any], Path, str]) -> None:
    _, db, _ = demo_run
    # The first ticket at DMart Powai (a later one may open after its restock).
    (opened_at, handled_at), *_later = rows(
        db,
        "select t.opened_at, e.at from tickets t join ticket_events e on e.ticket_id = t.id "
        "where t.store_id = 'MUM-0001' and e.kind = 'opened' order by e.at",
    )
    assert str(opened_at).startswith("2026-03-09 05:52:59")  # priya_k's post
    assert str(handled_at).startswith("2026-03-09 05:52:59")

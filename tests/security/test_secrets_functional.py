"""Secrets (portal and desk tokens, webhook secrets, X keys, the SMTP and Bluesky passwords, the link secret)
come from the environment or secret files, and never show: not in a repr, a log line of a run with errors,
a page, /metrics, an error about a bad setting, nor the `restock-bot` command's output."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import structlog
from pydantic import ValidationError

from restock_bot.app import RestockBot, configure_logging
from restock_bot.clock import FixedClock
from restock_bot.config import DistributorSettings, EmailSettings, Settings, load_settings, reveal
from restock_bot.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_timestamped
from tests.fakes.restock import START, ScriptedTriage, ticket_decision
from tests.security.conftest import (
    DISTRIBUTOR_WEBHOOK_SECRET,
    MARKETING_TOKEN,
    NORTH_TOKEN,
    OPERATIONS_TOKEN,
    SECRETS,
    SKU,
    SMTP_PASSWORD,
    WEBHOOK_SECRET,
    security_settings,
)

DB_PASSWORD = "database-password-9f8e"
RESTOCK_BOT = Path(sys.executable).with_name("restock-bot")


def leaks(text: str) -> list[str]:
    """The settings whose secret value appears in `text`."""
    return [name for name, value in {**SECRETS, "database password": DB_PASSWORD}.items() if value in text]


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything the bot logs, as production writes it (JSON lines), from the bot's own logging setup."""
    buffer = io.StringIO()
    configure_logging("debug", buffer)
    yield buffer
    structlog.reset_defaults()


def test_repr_str_and_dumps_of_the_settings_hide_every_secret(tmp_path: Path) -> None:
    settings = security_settings(tmp_path, database_url=f"postgresql+asyncpg://restock:{DB_PASSWORD}@db/restock")
    for shown in (
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        json.dumps(settings.model_dump(mode="json")),
    ):
        assert not leaks(shown)
        assert "**********" in shown
    assert reveal(settings.webhook_secret) == WEBHOOK_SECRET  # still there for the code that signs with it


def test_a_bad_setting_is_named_without_its_value() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(x={"bearer_token": SECRETS["x.bearer_token"], "mode": ["stream"]})
    assert "x.mode stream needs" in str(refused.value) and not leaks(str(refused.value))
    with pytest.raises(ValidationError) as refused:
        Settings(distributors={"d1": {"portal_token": NORTH_TOKEN, "ladder": 5}})
    assert "distributors.d1.ladder" in str(refused.value) and not leaks(str(refused.value))


def test_secrets_are_read_from_files_named_by_file_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def secret_file(name: str, value: str) -> str:
        path = tmp_path / name
        path.write_text(value + "\n", encoding="utf-8")  # as `echo` and most secret stores write them
        return str(path)

    monkeypatch.setenv("RESTOCK_BOT_WEBHOOK_SECRET_FILE", secret_file("webhook", WEBHOOK_SECRET))
    monkeypatch.setenv("RESTOCK_BOT_X__BEARER_TOKEN_FILE", secret_file("x", SECRETS["x.bearer_token"]))
    monkeypatch.setenv("RESTOCK_BOT_EMAIL__PASSWORD_FILE", secret_file("smtp", SMTP_PASSWORD))
    monkeypatch.setenv("RESTOCK_BOT_DISTRIBUTORS__DST-MUM-E__PORTAL_TOKEN_FILE", secret_file("dst", NORTH_TOKEN))
    monkeypatch.setenv("RESTOCK_BOT_OPERATIONS_TOKEN", OPERATIONS_TOKEN)  # a value in the environment works too

    settings = Settings()

    assert reveal(settings.webhook_secret) == WEBHOOK_SECRET
    assert reveal(settings.x.bearer_token) == SECRETS["x.bearer_token"]
    assert reveal(settings.email.password) == SMTP_PASSWORD
    assert reveal(settings.distributors["DST-MUM-E"].portal_token) == NORTH_TOKEN  # the id keeps its case
    assert list(settings.distributors) == ["DST-MUM-E"]  # and the variable itself adds no distributor
    assert reveal(settings.operations_token) == OPERATIONS_TOKEN

    monkeypatch.setenv("RESTOCK_BOT_MARKETING_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="RESTOCK_BOT_MARKETING_TOKEN_FILE: cannot read"):
        Settings()
    monkeypatch.delenv("RESTOCK_BOT_MARKETING_TOKEN_FILE")
    monkeypatch.setenv("RESTOCK_BOT_MARKETTING_TOKEN_FILE", secret_file("typo", MARKETING_TOKEN))
    with pytest.raises(ValueError, match="no setting marketting_token") as refused:
        Settings()
    assert not leaks(str(refused.value))


def test_a_secret_in_the_config_file_works_and_is_named_in_a_warning(tmp_path: Path, log_output: io.StringIO) -> None:
    toml = tmp_path / "restock-bot.toml"
    toml.write_text(
        f'webhook_secret = "{WEBHOOK_SECRET}"\nsla_hours = 24\n'
        f'[distributors.DST-1]\nname = "North"\nportal_token = "{NORTH_TOKEN}"\n'
        f'[x]\nconsumer_secret = "{SECRETS["x.consumer_secret"]}"\nmode = ["webhook"]\n',
        encoding="utf-8",
    )
    settings = load_settings(toml)

    assert reveal(settings.distributors["DST-1"].portal_token) == NORTH_TOKEN
    [warning] = [json.loads(line) for line in log_output.getvalue().splitlines() if "secrets_in_config_file" in line]
    assert sorted(warning["settings"]) == ["distributors.DST-1.portal_token", "webhook_secret", "x.consumer_secret"]
    assert not leaks(log_output.getvalue())


async def test_no_secret_in_the_logs_pages_and_metrics_of_a_run_with_errors(
    tmp_path: Path, log_output: io.StringIO
) -> None:
    unreachable = "http://127.0.0.1:9"  # nothing listens: every delivery fails and is logged
    distributors = {
        "dist-north": DistributorSettings(
            name="North", portal_token=NORTH_TOKEN, webhook_secret=DISTRIBUTOR_WEBHOOK_SECRET,
            webhook_url=f"{unreachable}/north", email="north@example.com",
        ),
    }  # fmt: skip
    settings = security_settings(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        distributors=distributors,
        email=EmailSettings(host="127.0.0.1", port=9, username="bot", password=SMTP_PASSWORD, timeout_seconds=2),
        webhook_reply_url=f"{unreachable}/replies",
    )
    triage = ScriptedTriage()
    triage.will(ticket_decision("w1", store_id="N7", sku=SKU, brand="Nibbo"))
    bodies: list[str] = []
    async with (
        RestockBot(settings, clock=FixedClock(START), triage=triage) as bot,
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
    ):
        url = bot.url

        async def fetch(method: str, path: str, **kwargs: object) -> int:
            async with http.request(method, f"{url}{path}", allow_redirects=False, **kwargs) as response:  # type: ignore[arg-type]
                bodies.append(json.dumps(dict(response.headers)) + await response.text())
                return response.status

        post = json.dumps({"id": "w1", "text": "no masala", "created_at": "2025-03-03T09:00:00Z"}).encode()
        stamp = str(int(time.time()))
        signed = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign_timestamped(WEBHOOK_SECRET, stamp, post)}
        assert (
            await fetch("POST", "/hooks/posts", data=post, headers={"Content-Type": "application/json", **signed})
            == 200
        )
        assert await fetch("POST", "/hooks/posts", data=post, headers={"Content-Type": "application/json"}) == 401
        assert (
            await fetch("POST", "/hooks/x", data=b"{}", headers={"x-twitter-webhooks-signature": "sha256=AAAA"}) == 401
        )
        assert await fetch("GET", "/hooks/x?crc_token=challenge") == 200
        await bot.service.process_pending()
        for _ in range(2):
            await bot.service.deliver_outboxes()  # the reply, the webhook and the email all fail
        assert await fetch("POST", "/distributors/dist-north/login", data={"token": "guess"}) == 403
        assert await fetch("GET", f"/distributors/dist-north?token={NORTH_TOKEN}") == 303
        assert await fetch("GET", "/gifts", headers={"Authorization": "Bearer wrong"}) == 403
        for path in ("/metrics", "/api/x/usage", "/readyz", "/healthz", "/", "/board.json", "/no/such/page"):
            await fetch("GET", path)
        operations = {"Authorization": f"Bearer {OPERATIONS_TOKEN}"}
        assert await fetch("GET", "/api/operations/dead-letters", headers=operations) == 200
        assert await fetch("GET", "/api/operations/distributors/dist-north", headers=operations) == 200
        assert (
            await fetch("GET", "/distributors/dist-north.json", headers={"Authorization": f"Bearer {NORTH_TOKEN}"})
            == 200
        )
        assert await fetch("GET", "/gifts.json", headers={"Authorization": f"Bearer {MARKETING_TOKEN}"}) == 200
    logged = log_output.getvalue()
    for expected in ("webhook_refused", "x_webhook_refused", "restock_bot_started", "restock_bot_stopped"):
        assert expected in logged, f"the run should have logged {expected}"
    assert "failed" in logged or "error" in logged, "the deliveries should have failed and been logged"
    assert not leaks(logged), f"secrets in the log: {leaks(logged)}"
    for body in bodies:
        assert not leaks(body), f"secrets in an answer: {leaks(body)}"
    print(f"\nsecrets: {len(SECRETS)} secret values looked for in {len(logged.splitlines())} log lines "
          f"and {len(bodies)} answers")  # fmt: skip


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own command, no shell)
        [str(RESTOCK_BOT), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_command_shows_settings_with_secrets_masked_and_names_bad_settings_without_values(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESTOCK_BOT_")}
    secret_file = tmp_path / "bearer"
    secret_file.write_text(SECRETS["x.bearer_token"], encoding="utf-8")
    env |= {
        "RESTOCK_BOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "RESTOCK_BOT_X__BEARER_TOKEN_FILE": str(secret_file),
        "RESTOCK_BOT_EMAIL__PASSWORD": SMTP_PASSWORD,
        "RESTOCK_BOT_DATABASE_URL": f"postgresql+asyncpg://restock:{DB_PASSWORD}@db/restock",
    }
    shown = _cli("config", "show", env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    assert document["webhook_secret"] == "**********" and document["x"]["bearer_token"] == "**********"
    assert document["database_url"] == "postgresql+asyncpg://restock:***@db/restock"
    assert not leaks(shown.stdout + shown.stderr)

    bad = tmp_path / "bad.toml"
    bad.write_text(f'[x]\nbearer_token = "{SECRETS["x.bearer_token"]}"\nmode = ["stream"]\n', encoding="utf-8")
    for args in (("config", "show", "--config", str(bad)), ("run", "--config", str(bad), "--port", "0")):
        refused = _cli(*args, env=env, cwd=tmp_path)
        assert refused.returncode == 2, refused.stderr
        assert "x.mode stream needs" in refused.stderr
        assert not leaks(refused.stdout + refused.stderr), f"{args}: {leaks(refused.stderr)}"

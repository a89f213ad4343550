"""The deployment files hold together: compose.yaml's bot services, started with exactly their env, the
Dockerfile's ENV and the mounted TOML (against the local PostgreSQL instead of the `db` service), upgrade
the schema once and serve; the image runs as a non-root user with a health check; the systemd units run
the same commands."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from restock_bot.config import Settings
from tests.helpers import PG_URL, clean_env

ROOT = Path(__file__).parents[2]
RUNNING = re.compile(r"Restock Bot is running on (http://\S+)")
DEFAULT = re.compile(r"\$\{(\w+):-([^}]*)\}")


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def image_env() -> dict[str, str]:
    """The Dockerfile's ENV lines (KEY=value pairs, continued with backslashes)."""
    text = dockerfile().replace("\\\n", " ")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            found |= dict(pair.split("=", 1) for pair in line[4:].split())
    return found


def service_env(name: str, schema: str) -> dict[str, str]:
    """What the container of service `name` gets: the image's ENV, then compose's environment (defaults of
    ${VAR:-default} filled in), the mounted TOML at its path in the repository, and the local PostgreSQL
    (with a schema of the test's own) where compose names the `db` service."""
    service = compose()["services"][name]
    env = {k: v for k, v in image_env().items() if k.startswith("RESTOCK_BOT_")}
    env |= {k: DEFAULT.sub(r"\2", str(v)) for k, v in service["environment"].items()}
    for volume in service["volumes"]:
        host, container = volume.split(":")[:2]
        if env.get("RESTOCK_BOT_CONFIG") == container:
            env["RESTOCK_BOT_CONFIG"] = str((ROOT / host).resolve())
    assert "@db:5432/" in env["RESTOCK_BOT_DATABASE_URL"]
    env["RESTOCK_BOT_DATABASE_URL"] = PG_URL
    env["RESTOCK_BOT_DATABASE_SCHEMA"] = schema
    env["RESTOCK_BOT_HOST"], env["RESTOCK_BOT_PORT"] = "127.0.0.1", "0"  # several "containers" on one machine
    return env


async def start(name: str, schema: str) -> tuple[asyncio.subprocess.Process, str]:
    """The service's command as its container runs it (ENTRYPOINT restock-bot); the process and, for a
    server, its URL."""
    command = compose()["services"][name]["command"]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "restock_bot.cli", *command,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=clean_env() | service_env(name, schema),
    )  # fmt: skip
    assert process.stderr is not None
    seen: list[str] = []
    while line := (await process.stderr.readline()).decode():
        seen.append(line)
        if found := RUNNING.search(line):
            return process, found.group(1)
    await process.wait()
    return process, "".join(seen)


async def stop(process: asyncio.subprocess.Process) -> int:
    if process.returncode is None:
        process.terminate()
    await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode is not None
    return process.returncode


def test_compose_runs_a_schema_upgrade_a_listener_and_workers_on_postgres() -> None:
    services = compose()["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert services["db-upgrade"]["command"] == ["db", "upgrade"]
    assert services["listener"]["command"] == ["run", "--role", "listener"]
    assert services["worker"]["command"] == ["run", "--role", "worker"]
    assert services["worker"]["deploy"]["replicas"] >= 2
    for name in ("listener", "worker"):
        assert services[name]["depends_on"]["db-upgrade"]["condition"] == "service_completed_successfully"


def test_the_mounted_toml_is_valid_settings() -> None:
    settings = Settings(**tomllib.loads((ROOT / "deploy" / "restock-bot.toml").read_text()))
    assert settings.public_url.startswith("https://") and settings.x.dry_run


def test_the_image_is_slim_runs_as_a_user_and_checks_its_health() -> None:
    text = dockerfile()
    assert re.search(r"^FROM python:3\.\d+-slim", text, re.M)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert 'ENTRYPOINT ["restock-bot"]' in text


def test_the_systemd_units_run_the_same_commands() -> None:
    unit = (ROOT / "deploy" / "systemd" / "restock-bot@.service").read_text()
    upgrade = (ROOT / "deploy" / "systemd" / "restock-bot-db-upgrade.service").read_text()
    assert re.search(r"^ExecStart=\S*restock-bot run$", unit, re.M)
    assert re.search(r"^User=(?!root)\w+", unit, re.M)
    assert "Requires=restock-bot-db-upgrade.service" in unit
    assert re.search(r"^ExecStart=\S*restock-bot db upgrade$", upgrade, re.M)
    assert "Type=oneshot" in upgrade


@pytest.mark.postgres
async def test_the_bot_starts_with_the_compose_env_against_postgres(pg_schema: str) -> None:
    early, refused = await start("listener", pg_schema)  # before db-upgrade ran: auto_migrate is off
    assert await stop(early) == 2 and "db upgrade" in refused

    upgrade, output = await start("db-upgrade", pg_schema)
    assert await stop(upgrade) == 0, output

    (listener, listener_url), (worker, worker_url) = await asyncio.gather(
        start("listener", pg_schema), start("worker", pg_schema)
    )
    try:
        async with aiohttp.ClientSession() as http:
            for url, role in ((listener_url, "listener"), (worker_url, "worker")):
                async with http.get(f"{url}/readyz") as ready:
                    body = await ready.json()
                    assert ready.status == 200 and body["role"] == role and body["status"] == "ready"
    finally:
        codes = [await stop(listener), await stop(worker)]
    assert codes == [0, 0]
    assert os.environ.get("RESTOCK_BOT_CONFIG") is None  # nothing leaked into this process

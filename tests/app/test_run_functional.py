"""`restock-bot run` as a real process: it serves, answers /healthz, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import aiohttp

from tests.helpers import clean_env

RUNNING = re.compile(r"Restock Bot is running on (http://\S+)")


async def wait_for_url(process: asyncio.subprocess.Process) -> str:
    """The URL the bot prints once serving (stderr is read line by line until then)."""
    assert process.stderr is not None
    seen: list[str] = []
    while line := (await process.stderr.readline()).decode():
        seen.append(line)
        if found := RUNNING.search(line):
            return found.group(1)
    raise AssertionError("the bot exited before serving:\n" + "".join(seen))


async def test_run_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    config = tmp_path / "restock-bot.toml"
    config.write_text(f'database_url = "sqlite+aiosqlite:///{tmp_path / "run.db"}"\nhost = "127.0.0.1"\n')
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "restock_bot.cli", "run", "--config", str(config), "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=clean_env(),
    )  # fmt: skip
    try:
        url = await asyncio.wait_for(wait_for_url(process), timeout=60)
        async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as health:
            assert health.status == 200
        process.send_signal(signal.SIGTERM)
        _, rest = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, rest.decode()[-2000:]
    assert "restock_bot_stopped" in rest.decode()
    assert (tmp_path / "run.db").exists()

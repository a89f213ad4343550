"""`restock-bot stores geocode`: missing coordinates filled from Nominatim (a fake one on loopback), and a
clear "offline" when it cannot be reached (a closed local port)."""

from __future__ import annotations

import asyncio
import csv
import socket
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.helpers import clean_env

HEADER = "store_id,name,chain,aliases,handle,address,locality,city,state,country,postcode,lat,lon,distributor_id\n"
STORES = (
    HEADER
    + "S-1,DMart Powai,DMart,,,Saki Vihar Road,Powai,Mumbai,Maharashtra,IN,400076,19.11992,72.9073,D-1\n"
    + "S-2,DMart Thane,DMart,,,Ghodbunder Road,Kasarvadavali,Thane,Maharashtra,IN,400615,,,D-1\n"
    + "S-3,Star Bazaar Andheri,Star Bazaar,,,Nowhere Lane,Nowhere,Atlantis,,IN,,,,D-2\n"
)


class FakeNominatim:
    """Knows Kasarvadavali only by area (not by the full address); knows nothing of Atlantis."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    async def search(self, request: web.Request) -> web.Response:
        query = request.query["q"]
        self.queries.append(query)
        if query.startswith("Kasarvadavali"):
            return web.json_response([{"lat": "19.2650", "lon": "72.9690", "display_name": "Kasarvadavali, Thane"}])
        return web.json_response([])


async def geocode(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "restock_bot.cli", "stores", "geocode", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=clean_env(),
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nobody listens here once the socket is closed


async def test_missing_coordinates_are_filled_and_unknown_places_named(tmp_path: Path, aiohttp_server: Any) -> None:
    fake = FakeNominatim()
    app = web.Application()
    app.router.add_get("/search", fake.search)
    server = await aiohttp_server(app, host="127.0.0.1")
    stores = tmp_path / "stores.csv"
    stores.write_text(STORES)
    done = tmp_path / "done.csv"

    code, out, err = await geocode(
        str(stores), "--out", str(done), "--nominatim-url", str(server.make_url("/")), "--min-delay", "0"
    )

    assert code == 0, err
    assert "filled 1 of 2 store(s)" in out and "S-3" in err
    rows = {r["store_id"]: r for r in csv.DictReader(done.open())}
    assert (rows["S-1"]["lat"], rows["S-2"]["lat"], rows["S-2"]["lon"]) == ("19.11992", "19.265000", "72.969000")
    assert rows["S-3"]["lat"] == ""
    assert fake.queries[0].startswith("Ghodbunder Road, Kasarvadavali, Thane")  # full address first
    assert stores.read_text() == STORES  # --out leaves the input alone


async def test_offline_it_says_so_and_changes_nothing(tmp_path: Path) -> None:
    stores = tmp_path / "stores.csv"
    stores.write_text(STORES)

    nowhere = f"http://127.0.0.1:{closed_port()}"
    code, out, err = await geocode(str(stores), "--nominatim-url", nowhere, "--min-delay", "0")

    assert code == 3
    assert "offline: cannot reach Nominatim" in err and "No coordinates were filled" in err
    assert stores.read_text() == STORES

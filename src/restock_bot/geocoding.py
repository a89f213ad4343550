"""Filling a retailer list's missing coordinates with OpenStreetMap's Nominatim (through geopy).

Nominatim's usage policy asks for at most one request a second and a user agent naming the application;
`nominatim()` keeps both. A store is looked up by its full address first, then by locality and city."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from geopy.adapters import AioHTTPAdapter
from geopy.exc import GeocoderTimedOut, GeocoderUnavailable
from geopy.extra.rate_limiter import AsyncRateLimiter
from geopy.geocoders import Nominatim
from geopy.location import Location
from yarl import URL

NOMINATIM_URL = "https://nominatim.openstreetmap.org"
Geocode = Callable[[str], Awaitable[Location | None]]
Row = dict[str, str]


class Offline(RuntimeError):
    """Nominatim cannot be reached (no network, wrong URL, timeouts)."""


@dataclass(slots=True)
class GeocodeRun:
    filled: list[str] = field(default_factory=list)  # store ids that got coordinates
    not_found: list[str] = field(default_factory=list)  # store ids Nominatim had no answer for


def lacks_coordinates(row: Row) -> bool:
    return not (row.get("lat") or "").strip() or not (row.get("lon") or "").strip()


def queries_for(row: Row) -> list[str]:
    """What to ask Nominatim for a store, most precise first (blank parts left out, repeats dropped)."""

    def joined(*names: str) -> str:
        return ", ".join(part for name in names if (part := (row.get(name) or "").strip()))

    full = joined("address", "locality", "city", "state", "postcode", "country")
    area = joined("locality", "city", "state", "country")
    return [q for i, q in enumerate([full, area]) if q and q not in (full, area)[:i]]


async def fill_coordinates(rows: list[Row], geocode: Geocode) -> GeocodeRun:
    """Give every row without coordinates the first answer to its queries; Offline when the service is down."""
    result = GeocodeRun()
    for row in rows:
        if not lacks_coordinates(row):
            continue
        store = row.get("store_id", "?")
        for query in queries_for(row):
            try:
                found = await geocode(query)
            except (GeocoderUnavailable, GeocoderTimedOut) as exc:
                raise Offline(f"{type(exc).__name__}: {exc}") from exc
            if found is not None:
                row["lat"], row["lon"] = f"{found.latitude:.6f}", f"{found.longitude:.6f}"
                result.filled.append(store)
                break
        else:
            result.not_found.append(store)
    return result


@asynccontextmanager
async def nominatim(
    url: str = NOMINATIM_URL, *, user_agent: str, min_delay_seconds: float = 1.0, request_seconds: float = 10.0
) -> AsyncIterator[Geocode]:
    """A rate-limited Nominatim lookup at `url` (another instance, or a closed port in tests)."""
    where = URL(url)
    domain = where.host or ""
    if where.explicit_port:
        domain += f":{where.port}"
    async with Nominatim(
        user_agent=user_agent,
        domain=domain + where.path.rstrip("/"),
        scheme=where.scheme or "https",
        timeout=request_seconds,
        adapter_factory=AioHTTPAdapter,
    ) as geolocator:
        limited = AsyncRateLimiter(
            geolocator.geocode, min_delay_seconds=min_delay_seconds, max_retries=0, swallow_exceptions=False
        )

        async def geocode(query: str) -> Location | None:
            found: Location | None = await limited(query, exactly_one=True)
            return found

        yield geocode

"""Config files (TOML) and the ticket policy they set: a file is Settings, or a ValueError naming the file or
the setting at fault; the policy of any accepted file resolves and its deadlines and SLA plan can be computed."""

from __future__ import annotations

import json
import math
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from restock_bot.config import Settings, load_settings
from restock_bot.restock.policy import PolicyBook
from restock_bot.retailers import Store
from restock_bot.tickets.lifecycle import open_ticket
from restock_bot.tickets.sla import plan
from tests.fuzz import tally
from tests.fuzz.strategies import INVALID_UTF8, hostile_texts

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
STORE = Store("S1", "Sharma Kirana", "", (), "", "", "Kothrud", "Pune", "MH", "IN", "", None, None, "dist-north")


def toml_value(value: Any) -> str:
    """A value as TOML (inline tables for dicts); strings as JSON escapes them, which TOML reads alike."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(values: dict[str, Any]) -> bytes:
    lines = [f"{json.dumps(key)} = {toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines).encode("utf-8", "surrogatepass")


numbers = st.one_of(st.floats(), st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 1e-300, 1e300, 10**19, 48, 0.5]))
scalars = st.one_of(numbers, st.booleans(), hostile_texts(40), st.sampled_from(["21:00", "08:00", "Asia/Kolkata"]))
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
)
hours_lists = st.lists(numbers, max_size=4)
tiers = st.lists(
    st.one_of(
        st.sampled_from(["distributor", "area_manager"]),
        st.fixed_dictionaries(
            {"name": st.one_of(st.text(max_size=10), values)}, optional={"repeat_hours": numbers, "email": values}
        ),
    ),
    max_size=3,
)
quiet = st.fixed_dictionaries(
    {"start": st.sampled_from(["21:00", "00:00", "25:00", "x"]), "end": st.sampled_from(["08:00", "23:59", ""])},
    optional={"timezone": st.sampled_from(["Asia/Kolkata", "UTC", "Mars/Base", "../../etc/passwd", ""])},
)
policy = st.fixed_dictionaries(
    {},
    optional={
        "deadline_hours": numbers,
        "warn_before_hours": st.one_of(hours_lists, values),
        "repeat_hours": numbers,
        "reopen_days": numbers,
        "ladder": st.one_of(tiers, values),
        "quiet_hours": st.one_of(quiet, values),
        "chains": st.dictionaries(
            st.sampled_from(["", "DMart", "dmart"]),
            st.fixed_dictionaries({}, optional={"deadline_hours": numbers, "warn_before_hours": hours_lists}),
        ),
        "regions": st.dictionaries(
            st.sampled_from(["west", "x"]),
            st.fixed_dictionaries(
                {"places": st.lists(st.sampled_from(["Pune", "MH", "IN", ""]))}, optional={"repeat_hours": numbers}
            ),
        ),
        "distributors": st.dictionaries(
            st.sampled_from(["dist-north", "x"]),
            st.fixed_dictionaries({}, optional={"deadline_hours": numbers, "ladder": tiers}),
        ),
    },
)
settings_files = st.fixed_dictionaries(
    {},
    optional={
        "sla_hours": numbers,
        "warn_at_hours": numbers,
        "escalation_repeat_hours": numbers,
        "port": numbers,
        "default_ladder": st.one_of(st.lists(st.text(max_size=10)), values),
        "policy": st.one_of(policy, values),
        "distributors": st.dictionaries(
            st.sampled_from(["dist-north", "d"]), st.fixed_dictionaries({}, optional={"ladder": tiers, "email": values})
        ),
        "x": st.fixed_dictionaries({}, optional={"mode": values, "poll_seconds": numbers}),
        "no_such_setting": values,
    },
)


@st.composite
def config_files(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["settings", "settings", "settings", "noise", "utf8"]))
    if kind == "noise":
        return draw(
            st.one_of(st.binary(max_size=500), hostile_texts(500).map(lambda t: t.encode("utf-8", "surrogatepass")))
        )
    document = toml_document(draw(settings_files))
    if kind == "utf8":
        at = draw(st.integers(0, len(document)))
        return document[:at] + draw(st.sampled_from(INVALID_UTF8)) + document[at:]
    return document


def load(data: bytes) -> Settings:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "restock-bot.toml"
        path.write_bytes(data)
        before = os.environ.get("RESTOCK_BOT_CONFIG")
        try:
            return load_settings(path)
        finally:
            if before is None:
                os.environ.pop("RESTOCK_BOT_CONFIG", None)
            else:
                os.environ["RESTOCK_BOT_CONFIG"] = before


@given(config_files())
@example(b"[policy]\ndeadline_hours = inf")
@example(b"sla_hours = nan")
@example(b"[policy]\nwarn_before_hours = [1e300]")
@example(b"[policy.chains.x]\ndeadline_hours = 1e300")
@example(b"[policy]\nrepeat_hours = 1e-300")
@example(b"\xff\xfe = 1")
@example(b"x = ")
def test_a_config_file_is_settings_or_a_named_error_and_its_policy_resolves(data: bytes) -> None:
    try:
        settings = load(data)
    except ValidationError as exc:
        for error in exc.errors():
            assert error["loc"], error
            tally.rejected("config: files", f"{'.'.join(str(p) for p in error['loc'][:2])}: {error['msg']}")
        return
    except ValueError as exc:
        assert "restock-bot.toml" in str(exc), f"the error names no file: {exc}"
        tally.rejected("config: files", str(exc).split("restock-bot.toml", 1)[1].lstrip(": "))
        return
    book = PolicyBook(settings)
    for store, distributor in ((STORE, "dist-north"), (None, "dist-north"), (STORE, "nobody")):
        ticket_policy = book.for_store(store, distributor)
        opened = open_ticket(
            store_id="S1", distributor_id=distributor, sku="MUN-50", brand="Munchu", reporter="asha",
            report_ref="x/1", reported_at=NOW, at=NOW, policy=ticket_policy.sla,
        )  # fmt: skip
        plan(opened.ticket, [t.name for t in ticket_policy.ladder], ticket_policy.sla)
        if ticket_policy.quiet_hours is not None:
            ticket_policy.quiet_hours.release_time(NOW)
    tally.accepted("config: files")

"""The JSON API and its fields, on the real web app on 127.0.0.1 with the real service (SQLite): any body, path
number or action gets a 2xx, or a 4xx whose JSON names what is wrong; never a 500."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from restock_bot.post import Author, Post
from restock_bot.restock import RestockService
from restock_bot.web import create_web_app
from restock_bot.web.fields import BadInput, number, text_field
from tests.fakes.restock import START
from tests.fuzz import tally
from tests.fuzz.conftest import MARKETING_TOKEN, PORTAL_TOKEN, SETTINGS, examples
from tests.fuzz.strategies import bodies, hostile_texts, json_values

DISTRIBUTOR = "DST-MUM-E"  # serves DMart Powai in the bundled retailer list

path_numbers = st.one_of(
    st.integers(0, 2**64).map(str),
    st.sampled_from(["-1", "²", "١٢", "1e3", "0x1", "9" * 5000, " 1", "1.0", "", "%00"]),
    hostile_texts(20),
)
actions = st.one_of(st.sampled_from(["acknowledge", "restocked", "not-a-stockout", "cannot-supply"]), hostile_texts(20))
gift_actions = st.one_of(st.sampled_from(["approve", "reject", "shipped", "hold"]), hostile_texts(20))
field_values = st.one_of(hostile_texts(700), json_values)
action_bodies = st.one_of(
    st.fixed_dictionaries(
        {}, optional={"who": field_values, "why": field_values, "note": field_values, "promised": field_values}
    ).map(lambda d: json.dumps(d).encode("utf-8", "surrogatepass")),
    bodies(1 << 16),
)
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]


async def a_ticket(service: RestockService) -> int:
    """A shopper's report the real triage reads as a ticket at DMart Powai."""
    post = Post("fuzz-1", "No Nibbo chatpata masala at DMart Powai today", Author("asha", "asha"), START, "x")
    await service.accept(post)
    await service.process_pending()
    queue = await service.distributor_queue(DISTRIBUTOR)
    return max(item.ticket.id or 0 for item in queue)


def check(status: int, answer: Any, target: str) -> None:
    assert status < 500, f"{status}: {answer}"
    if status >= 400:
        assert isinstance(answer, dict) and isinstance(answer.get("error"), str) and answer["error"], answer
        tally.rejected(target, f"{status} {answer['error']}")
    else:
        tally.accepted(target)


@settings(max_examples=examples(0.25))
@given(
    ticket=st.one_of(st.none(), path_numbers),
    action=actions,
    body=action_bodies,
    content_type=st.sampled_from(CONTENT_TYPES),
)
@example(ticket=None, action="acknowledge", body=b'{"who": "\\ud800"}', content_type="application/json")
@example(ticket=None, action="acknowledge", body=b"[" * 100_000, content_type="application/json")
@example(ticket="\u00b2", action="acknowledge", body=b'{"who": "a"}', content_type="application/json")
@example(ticket="9" * 30, action="acknowledge", body=b'{"who": "a"}', content_type="application/json")
@example(ticket=None, action="not-a-stockout", body=b'{"who": "a", "why": ["x"]}', content_type="application/json")
async def test_every_ticket_action_body_is_answered_never_a_500(
    aiohttp_client: Any, service: RestockService, ticket: str | None, action: str, body: bytes, content_type: str
) -> None:
    client = await aiohttp_client(create_web_app(service, SETTINGS))
    ticket_id = str(await a_ticket(service)) if ticket is None else ticket
    url = f"/api/distributors/{DISTRIBUTOR}/tickets/{_segment(ticket_id)}/{_segment(action)}"
    headers = {"Authorization": f"Bearer {PORTAL_TOKEN}", "Content-Type": content_type}
    response = await client.post(url, data=body, headers=headers)
    check(response.status, await _json(response), "web: ticket actions")


@settings(max_examples=examples(0.15))
@given(gift=path_numbers, action=gift_actions, body=action_bodies, state=st.one_of(st.none(), hostile_texts(20)))
@example(gift="1", action="approve", body=b'{"who": "\\udfff"}', state=None)
async def test_every_gift_request_is_answered_never_a_500(
    aiohttp_client: Any, service: RestockService, gift: str, action: str, body: bytes, state: str | None
) -> None:
    client = await aiohttp_client(create_web_app(service, SETTINGS))
    headers = {"Authorization": f"Bearer {MARKETING_TOKEN}", "Content-Type": "application/json"}
    response = await client.post(f"/api/gifts/{_segment(gift)}/{_segment(action)}", data=body, headers=headers)
    check(response.status, await _json(response), "web: gift actions")
    params = {} if state is None else {"state": state.encode("utf-8", "surrogatepass").decode("utf-8", "replace")}
    response = await client.get("/api/gifts", params=params, headers=headers)
    check(response.status, await _json(response), "web: gift lists")


@given(fields=st.dictionaries(st.sampled_from(["who", "why"]), field_values), limit=st.integers(1, 600))
def test_a_text_field_is_text_or_a_bad_input_naming_it(fields: dict[str, Any], limit: int) -> None:
    try:
        value = text_field(fields, "who", required="say who", limit=limit)
    except BadInput as exc:
        assert str(exc).startswith("who: ") and exc.field == "who"
        tally.rejected("web: text fields", str(exc))
        return
    assert value == value.strip() and len(value) <= limit
    value.encode("utf-8")  # storable
    tally.accepted("web: text fields")


@given(raw=path_numbers)
def test_a_path_number_is_a_number_or_a_bad_input_naming_it(raw: str) -> None:
    try:
        value = number(raw, "ticket", "ticket")
    except BadInput as exc:
        assert str(exc).startswith("ticket: ")
        tally.rejected("web: path numbers", str(exc))
        return
    assert 0 <= value < 2**63  # fits the database's integer
    tally.accepted("web: path numbers")


def _segment(text: str) -> str:
    from urllib.parse import quote

    return quote(text.encode("utf-8", "surrogatepass"), safe="") or "%20"


async def _json(response: Any) -> Any:
    text = await response.text()
    try:
        return json.loads(text)
    except ValueError:
        raise AssertionError(f"{response.status} answered with no JSON: {text[:200]!r}") from None

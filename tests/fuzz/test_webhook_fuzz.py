"""The inbound post webhook on a real aiohttp server on 127.0.0.1, storing into the real inbox (SQLite): every
body gets 200, or a 4xx whose JSON says why; never a 500. What it accepts is stored, read back and triaged."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from hypothesis import example, given, settings
from hypothesis import strategies as st

from restock_bot.channels.rate_limit import ClientRateLimit
from restock_bot.channels.webhook import POSTS_PATH, webhook_routes
from restock_bot.config import Settings
from restock_bot.restock import RestockService
from tests.fuzz import tally
from tests.fuzz.conftest import examples
from tests.fuzz.strategies import bodies

LIMIT = 1 << 20
CONTENT_TYPES = ["application/json", "text/plain", "application/json; charset=latin-1", ""]


async def start(aiohttp_client: Any, service: RestockService) -> Any:
    app = web.Application()
    unlimited = ClientRateLimit(1e9)  # the fuzzer is one client sending thousands of bodies
    app.add_routes(webhook_routes(service, Settings(), LIMIT, unlimited))
    return await aiohttp_client(app)


def check_answer(status: int, answer: Any, sent: bytes) -> None:
    """200 names every item; 4xx says why; a body over the limit is a 413."""
    assert status < 500, f"{status}: {answer}"
    assert isinstance(answer, dict), answer
    if len(sent) > LIMIT:
        assert status == 413
    if status in (200, 422):
        assert set(answer) == {"accepted", "duplicates", "errors"}
        for error in answer["errors"]:
            assert isinstance(error["index"], int) and error["error"]
            tally.REJECTED[("webhook: items", tally.reason_class(error["error"]))] += 1
        tally.ACCEPTED["webhook: items"] += len(answer["accepted"]) + len(answer["duplicates"])
        tally.TRIED["webhook: items"] += len(answer["accepted"]) + len(answer["duplicates"]) + len(answer["errors"])
    else:
        assert 400 <= status < 500 and isinstance(answer.get("error"), str) and answer["error"], answer
    if status == 200:
        tally.accepted("webhook: bodies")
    else:
        tally.rejected("webhook: bodies", f"{status} {answer.get('error') or 'no post in the batch could be read'}")


@settings(max_examples=examples(0.4))
@given(body=bodies(LIMIT), content_type=st.sampled_from(CONTENT_TYPES), chunked=st.booleans())
@example(body=b"[" * 100_000 + b"]" * 100_000, content_type="application/json", chunked=False)
@example(body=b'{"a":' * 100_000, content_type="application/json", chunked=True)
@example(body=b'{"id": "1", "text": "\xff\xfe"}', content_type="application/json", chunked=False)
@example(body=b'[{"id": "1", "text": "\\ud800", "created_at": "2026-03-02T09:15:00Z"}]', content_type="", chunked=False)
@example(body=b'{"id": ' + b"9" * 5000 + b"}", content_type="application/json", chunked=False)
@example(body=b'"' + b"x" * (LIMIT + 1) + b'"', content_type="application/json", chunked=True)
async def test_every_malformed_body_gets_a_4xx_with_a_reason(
    aiohttp_client: Any, service: RestockService, body: bytes, content_type: str, chunked: bool
) -> None:
    client = await start(aiohttp_client, service)
    data: Any = body
    if chunked:  # no Content-Length: the size limit must hold while reading

        async def pieces() -> Any:
            for at in range(0, len(body), 65536):
                yield body[at : at + 65536]

        data = pieces()
    response = await client.post(POSTS_PATH, data=data, headers={"Content-Type": content_type})
    text = await response.text()
    check_answer(response.status, json.loads(text), body)
    run = await service.process_pending()
    assert run.failed == 0, "an accepted post could not be triaged"

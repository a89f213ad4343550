"""Reading what a request sends: text fields of a form or JSON body, numbers in the URL, the JSON body.

Each problem is a BadInput whose message starts with the field at fault (answered with 400)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web


class BadInput(ValueError):
    """A request field that cannot be used; the message starts with the field's name."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


def text_field(fields: Mapping[str, Any], name: str, *, required: str | None = None, limit: int = 500) -> str:
    """A text field, trimmed; `required` is the message when it is missing."""
    value = fields.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadInput(name, "must be text")
    try:
        value.encode("utf-8")  # what cannot be stored: a lone surrogate sent as "\ud800" in JSON
    except UnicodeEncodeError as exc:
        raise BadInput(name, f"not valid Unicode (a lone surrogate at character {exc.start})") from None
    value = value.strip()
    if required and not value:
        raise BadInput(name, required)
    if len(value) > limit:
        raise BadInput(name, f"longer than {limit} characters")
    return value


MAX_NUMBER = 2**63 - 1  # the database's largest integer


def number(raw: str, field: str, noun: str) -> int:
    """A ticket or gift number from the URL: ASCII digits ("²".isdigit() is true too), at most MAX_NUMBER."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_NUMBER:
        raise BadInput(field, f"{raw[:30]!r} is not a {noun} number")
    return int(raw)


async def json_body(request: web.Request) -> dict[str, Any]:
    """The JSON object a machine sent. Only `application/json` is read: a cross-site HTML form cannot
    send it, which keeps cookie-authenticated API posts safe from other sites."""
    if request.content_type != "application/json":
        raise BadInput("body", f"send JSON (Content-Type: application/json), not {request.content_type}")
    try:
        body = json.loads(await request.read())
    except ValueError as exc:  # not UTF-8, not JSON, an integer of over 4300 digits
        raise BadInput("body", f"not JSON: {exc}") from None
    except RecursionError:
        raise BadInput("body", "not JSON we read: nested too deeply") from None
    if not isinstance(body, dict):
        raise BadInput("body", "send a JSON object")
    return body

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
    value = value.strip()
    if required and not value:
        raise BadInput(name, required)
    if len(value) > limit:
        raise BadInput(name, f"longer than {limit} characters")
    return value


def number(raw: str, field: str, noun: str) -> int:
    """A ticket or gift number from the URL."""
    if not raw.isdigit():
        raise BadInput(field, f"{raw!r} is not a {noun} number")
    return int(raw)


async def json_body(request: web.Request) -> dict[str, Any]:
    """The JSON object a machine sent. Only `application/json` is read: a cross-site HTML form cannot
    send it, which keeps cookie-authenticated API posts safe from other sites."""
    if request.content_type != "application/json":
        raise BadInput("body", f"send JSON (Content-Type: application/json), not {request.content_type}")
    try:
        body = json.loads(await request.read())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput("body", f"not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadInput("body", "send a JSON object")
    return body

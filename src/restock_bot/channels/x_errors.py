"""How X says no, in the operator's words: which setting or plan to fix, or until when to wait."""

from __future__ import annotations

from typing import Any

from restock_bot.channels.base import ChannelRefused, ChannelUnavailable

BEARER_TOKEN = "the bearer token (x.bearer_token / RESTOCK_BOT_X__BEARER_TOKEN)"
USER_KEYS = (
    "the OAuth 1.0a user keys (x.consumer_key, x.consumer_secret, x.access_token, "
    "x.access_token_secret / RESTOCK_BOT_X__CONSUMER_KEY …)"
)
PLAN = "the X developer plan of the app (developer.x.com > Products), or x.mode"
CREDITS = "the X account's credits or plan (developer.x.com > Billing); x.budget keeps spending in check"


class XError(Exception):
    """X refused or could not answer a request."""


class XAccessError(XError, ChannelRefused):
    """X refuses the bot's credentials or plan: fatal until the named setting is fixed."""


class XCredentialsError(XAccessError):
    """X rejected the configured credentials (401, or 403 for the wrong kind of key)."""


class XPlanError(XAccessError):
    """The credentials are fine but the plan does not cover the endpoint (403) or is out of credits (402)."""


class XUnavailable(XError, ChannelUnavailable):
    """X kept failing (rate limit, 5xx, network) through every retry; the next round tries again."""


class XBudgetSpent(XUnavailable):
    """The configured budget (x.budget) for this window is used up; work waits for the next window."""


def refusal(status: int, problem: dict[str, Any], what: str, credential: str) -> XAccessError | None:
    """The operator's error for a 401/402/403 answer to `what`, or None when the status is not a refusal.

    A 403 for a duplicate or otherwise forbidden post is not a refusal of the bot: that is a plain XError."""
    detail = _detail(problem)
    if status == 401:
        return XCredentialsError(f"X refused {what} (401 Unauthorized{detail}): check {credential}")
    if status == 402:
        return XPlanError(f"X refused {what} (402 Payment Required{detail}): check {CREDITS}")
    if status != 403:
        return None
    kind = f"{problem.get('type', '')} {problem.get('reason', '')} {problem.get('title', '')}".lower()
    if "unsupported-authentication" in kind or "unsupported authentication" in kind:
        return XCredentialsError(f"X refused {what} (403{detail}): it needs {credential}")
    if "client-not-enrolled" in kind or "client-forbidden" in kind or "client forbidden" in kind:
        return XPlanError(f"X refused {what} (403{detail}): {PLAN} does not include it")
    if what.startswith("create tweet"):
        return None
    return XCredentialsError(f"X refused {what} (403{detail}): check {credential} and {PLAN}")


def _detail(problem: dict[str, Any]) -> str:
    text = problem.get("detail") or problem.get("title") or ""
    return f": {text}" if text else ""

"""A fake X API v2 on 127.0.0.1 (port 0) answering with real recorded bodies (x_api_bodies/README.md).

It serves recent search (honouring since_id, next_token, max_results, expansions and *.fields), the mentions
timeline (pagination_token), users/me, create tweet (recording what was posted), the filtered stream's rules
and the stream itself (the recorded stream lines, one per line with keep-alives, each connection following a
plan: deliver n messages, then close cleanly, drop mid-line, stall, or refuse with a status). It can be told
to answer the next requests with the recorded 429 (with or without x-rate-limit-reset), 503 (JSON or an HTML
page), 401, 402 or 403 bodies, or to answer so slowly that the client times out.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from aiohttp import web

from tests.helpers import serve_locally

BODIES = Path(__file__).parent / "x_api_bodies"
ERROR_BODIES = {
    401: "error_401_unauthorized.json",
    402: "error_402_payment_required.json",
    403: "error_403_client_not_enrolled.json",
    429: "error_429_too_many_requests.json",
    503: "error_503_service_unavailable.json",
}
STREAM_PATH = "/2/tweets/search/stream"
KEEP_ALIVE = b"\r\n"
ALWAYS_TWEET_FIELDS = {"id", "text", "edit_history_tweet_ids"}
ALWAYS_USER_FIELDS = {"id", "name", "username"}
ALWAYS_PLACE_FIELDS = {"id", "full_name"}

UNSUPPORTED_AUTHENTICATION = {  # what /2/users/me answers to an app-only bearer token
    "title": "Unsupported Authentication",
    "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.",
    "type": "https://api.twitter.com/2/problems/unsupported-authentication",
    "status": 403,
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def recorded(name: str) -> Any:
    """One recorded body, parsed."""
    return json.loads((BODIES / name).read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class SeenRequest:
    """A request the fake answered: method, path, query parameters and the Authorization scheme."""

    method: str
    path: str
    query: dict[str, str]
    auth: str


@dataclass(slots=True)
class Failure:
    """How to spoil one request: a status with its recorded body (or an HTML page), or no answer in time."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    html: bool = False
    slow: bool = False
    path: str = ""  # only requests whose path contains this (all when empty)
    after: int = 0  # let this many matching requests through first


@dataclass(frozen=True, slots=True)
class StreamPlan:
    """What one stream connection does: deliver `deliver` messages (all pending when None), then `then`:
    "close" (a clean end), "drop" (cut mid-line), "stall" (silence), "hold" (keep-alives until the client
    leaves); `lose` messages are dropped before the next connection (posted while it was down); `status`
    refuses the connection instead."""

    deliver: int | None = None
    then: str = "hold"
    lose: int = 0
    status: int | None = None


class FakeXApi:
    """The X API v2 endpoints the X channel uses, on a real loopback socket."""

    def __init__(self, bearer_token: str = "test-bearer", page_size: int = 3) -> None:
        self.bearer_token = bearer_token
        self.page_size = page_size
        self.me: dict[str, Any] = recorded("users_me.json")["data"]
        self.search_tweets: list[dict[str, Any]] = []
        self.mention_tweets: list[dict[str, Any]] = list(recorded("users_id_mentions.json")["data"])
        self.users: dict[str, dict[str, Any]] = {}
        self.places: dict[str, dict[str, Any]] = {}
        self.referenced: dict[str, dict[str, Any]] = {}
        self.posted: list[dict[str, Any]] = []
        self.requests: list[SeenRequest] = []
        self._failures: deque[Failure] = deque()
        self.rules: list[dict[str, Any]] = []
        self.stream_pending: deque[dict[str, Any]] = deque()
        self.stream_plans: deque[StreamPlan] = deque()
        self.stream_connections = 0
        self.stream_delivered: list[str] = []
        self.stream_feeds_search = False  # True: a stream message becomes searchable when it is sent (or lost)
        self._next_rule_id = 1900000000000000000
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self._load_search_corpus()

    def _load_search_corpus(self) -> None:
        """Recent search finds the recorded search page, the stream tweets and the expanded lookup tweet."""
        self.search_tweets.extend(recorded("tweets_search_recent.json")["data"])
        for message in recorded("tweets_search_stream_lines.json"):
            self.add_search_tweet(message["data"], message.get("includes", {}))
        lookup = recorded("tweets_lookup_expansions_place.json")
        for tweet in lookup["data"]:
            self.add_search_tweet(tweet, lookup["includes"])

    def add_search_tweet(self, tweet: dict[str, Any], includes: dict[str, Any] | None = None) -> None:
        """A tweet recent search will find from now on, with the users/places/tweets it expands to."""
        self.search_tweets.append(tweet)
        includes = includes or {}
        self.users.update({user["id"]: user for user in includes.get("users", [])})
        self.places.update({place["id"]: place for place in includes.get("places", [])})
        self.referenced.update({ref["id"]: ref for ref in includes.get("tweets", [])})

    def fail_next(
        self,
        status: int,
        times: int = 1,
        reset: int | None = None,
        *,
        html: bool = False,
        path: str = "",
        after: int = 0,
    ) -> None:
        """Answer the next `times` requests (to `path`, after letting `after` through) with the recorded
        `status` body (429 carries `reset` when given; `html` sends the HTML 503 page instead of JSON)."""
        headers = {"x-rate-limit-reset": str(reset)} if reset is not None else {}
        failures = [Failure(status, headers, html=html, path=path) for _ in range(times)]
        failures[0].after = after
        self._failures.extend(failures)

    def answer_slowly(self, times: int = 1, path: str = "", after: int = 0) -> None:
        """Do not answer the next `times` requests (to `path`, after `after`) until the fake stops."""
        failures = [Failure(0, slow=True, path=path) for _ in range(times)]
        failures[0].after = after
        self._failures.extend(failures)

    def post_to_stream(self, messages: Iterable[dict[str, Any]]) -> None:
        """Messages (stream lines) the stream delivers from now on, in order."""
        self.stream_pending.extend(messages)

    def plan_stream(self, *plans: StreamPlan) -> None:
        """What the next stream connections do, one plan each (then: deliver everything and hold)."""
        self.stream_plans.extend(plans)

    def seen(self, path_part: str) -> list[SeenRequest]:
        """The requests whose path contains `path_part`, in order."""
        return [request for request in self.requests if path_part in request.path]

    # -- lifecycle

    async def __aenter__(self) -> Self:
        app = web.Application(middlewares=[self._record, self._fail, self._authorize])
        app.add_routes(
            [
                web.get("/2/tweets/search/recent", self._search),
                web.get("/2/users/me", self._users_me),
                web.get("/2/users/{id}/mentions", self._mentions),
                web.post("/2/tweets", self._create_tweet),
                web.get(STREAM_PATH + "/rules", self._get_rules),
                web.post(STREAM_PATH + "/rules", self._change_rules),
                web.get(STREAM_PATH, self._stream),
            ]
        )
        self._runner, self.base_url = await serve_locally(app)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- middlewares

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "").split(" ", 1)[0]
        self.requests.append(SeenRequest(request.method, request.path, dict(request.query), auth))
        return await handler(request)

    @web.middleware
    async def _fail(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        failure = next((f for f in self._failures if f.path in request.path), None)
        if failure is not None and failure.after:
            failure.after -= 1
            failure = None
        if failure is None:
            return await handler(request)
        self._failures.remove(failure)
        if failure.slow:
            await self._closing.wait()
            return problem(503)
        if failure.html:
            page = (BODIES / "error_503_service_unavailable.html").read_text(encoding="utf-8")
            return web.Response(text=page, status=failure.status, content_type="text/html", headers=failure.headers)
        return problem(failure.status, failure.headers)

    @web.middleware
    async def _authorize(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("OAuth ") or auth == f"Bearer {self.bearer_token}":
            return await handler(request)
        return problem(401)

    # -- endpoints

    async def _search(self, request: web.Request) -> web.Response:
        max_results = int(request.query.get("max_results", "10"))
        if not 10 <= max_results <= 100:
            return bad_request(f"max_results must be between 10 and 100, got {max_results}")
        return web.json_response(self._page(self.search_tweets, request.query, "next_token"))

    async def _mentions(self, request: web.Request) -> web.Response:
        return web.json_response(self._page(self.mention_tweets, request.query, "pagination_token"))

    async def _users_me(self, request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("OAuth "):
            return web.json_response(UNSUPPORTED_AUTHENTICATION, status=403)
        return web.json_response({"data": self.me})

    async def _create_tweet(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.posted.append(body)
        created = recorded("tweets_create.json")["data"]
        tweet_id = str(int(created["id"]) + len(self.posted))
        data = {"id": tweet_id, "text": body.get("text", ""), "edit_history_tweet_ids": [tweet_id]}
        return web.json_response({"data": data}, status=201)

    # -- the filtered stream

    async def _get_rules(self, request: web.Request) -> web.Response:
        meta = {"sent": "2026-03-02T09:00:00.000Z", "result_count": len(self.rules)}
        return web.json_response({"data": self.rules, "meta": meta} if self.rules else {"meta": meta})

    async def _change_rules(self, request: web.Request) -> web.Response:
        body = await request.json()
        sent = "2026-03-02T09:00:00.000Z"
        if "delete" in body:
            ids = set(body["delete"]["ids"])
            deleted = [rule for rule in self.rules if rule["id"] in ids]
            self.rules = [rule for rule in self.rules if rule["id"] not in ids]
            summary = {"deleted": len(deleted), "not_deleted": len(ids) - len(deleted)}
            return web.json_response({"meta": {"sent": sent, "summary": summary}})
        created = []
        for rule in body.get("add", []):
            self._next_rule_id += 1
            created.append({"value": rule["value"], "tag": rule.get("tag"), "id": str(self._next_rule_id)})
        self.rules.extend(created)
        summary = {"created": len(created), "not_created": 0, "valid": len(created), "invalid": 0}
        return web.json_response({"data": created, "meta": {"sent": sent, "summary": summary}}, status=201)

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        self.stream_connections += 1
        plan = self.stream_plans.popleft() if self.stream_plans else StreamPlan()
        if plan.status is not None:
            if plan.status == 429:
                return web.json_response(recorded("error_429_stream_too_many_connections.json"), status=429)
            return problem(plan.status)
        response = web.StreamResponse(headers={"Content-Type": "application/json; charset=utf-8"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(KEEP_ALIVE)
        count = len(self.stream_pending) if plan.deliver is None else plan.deliver
        for _ in range(min(count, len(self.stream_pending))):
            message = self._posted(self.stream_pending.popleft())
            self.stream_delivered.append(str(message["data"]["id"]))
            await response.write(json.dumps(message).encode() + b"\r\n")
            await response.write(KEEP_ALIVE)
        for _ in range(plan.lose):
            if self.stream_pending:
                self._posted(self.stream_pending.popleft())
        return await self._end_stream(request, response, plan.then)

    def _posted(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.stream_feeds_search:
            self.add_search_tweet(message["data"], message.get("includes"))
        return message

    async def _end_stream(self, request: web.Request, response: web.StreamResponse, then: str) -> web.StreamResponse:
        if then == "close":
            await response.write_eof()
        elif then == "drop":
            await response.write(b'{"data": {"id": "13776')
            assert request.transport is not None
            request.transport.abort()
        elif then == "stall":
            await self._closing.wait()
        else:  # hold: keep-alives until the client goes away or the fake stops
            try:
                while not self._closing.is_set():
                    await response.write(KEEP_ALIVE)
                    await asyncio.sleep(0.02)
            except ConnectionResetError:
                pass
        return response

    # -- pages

    def _page(self, tweets: Iterable[dict[str, Any]], query: Any, token_param: str) -> dict[str, Any]:
        """Newest first, newer than since_id, page_size at a time; meta like the real API's."""
        since_id = int(query.get("since_id") or 0)
        matching = sorted((t for t in tweets if int(t["id"]) > since_id), key=lambda t: int(t["id"]), reverse=True)
        offset = int(query.get(token_param) or 0)
        size = min(self.page_size, int(query.get("max_results", "10")))
        chunk = matching[offset : offset + size]
        if not chunk:
            return {"meta": {"result_count": 0}}
        meta: dict[str, Any] = {
            "newest_id": chunk[0]["id"],
            "oldest_id": chunk[-1]["id"],
            "result_count": len(chunk),
        }
        if offset + size < len(matching):
            meta["next_token"] = str(offset + size)
        page: dict[str, Any] = {"data": [self._fields(t, query) for t in chunk], "meta": meta}
        includes = self._includes(chunk, query)
        if includes:
            page["includes"] = includes
        return page

    def _fields(self, tweet: dict[str, Any], query: Any) -> dict[str, Any]:
        asked = ALWAYS_TWEET_FIELDS | set(_listed(query, "tweet.fields"))
        if "author_id" in _listed(query, "expansions"):
            asked.add("author_id")
        return {key: value for key, value in tweet.items() if key in asked}

    def _includes(self, tweets: list[dict[str, Any]], query: Any) -> dict[str, Any]:
        expansions = _listed(query, "expansions")
        user_ids = {t.get("author_id") for t in tweets} if "author_id" in expansions else set()
        place_ids = {(t.get("geo") or {}).get("place_id") for t in tweets} if "geo.place_id" in expansions else set()
        ref_ids = (
            {ref["id"] for t in tweets for ref in t.get("referenced_tweets", [])}
            if "referenced_tweets.id" in expansions
            else set()
        )
        includes = {
            "users": _pick(self.users, user_ids, ALWAYS_USER_FIELDS | set(_listed(query, "user.fields"))),
            "places": _pick(self.places, place_ids, ALWAYS_PLACE_FIELDS | set(_listed(query, "place.fields"))),
            "tweets": [self.referenced[i] for i in sorted(ref_ids) if i in self.referenced],
        }
        return {key: value for key, value in includes.items() if value}


def _listed(query: Any, name: str) -> list[str]:
    return [part for part in str(query.get(name, "")).split(",") if part]


def _pick(objects: dict[str, dict[str, Any]], ids: set[Any], fields: set[str]) -> list[dict[str, Any]]:
    return [{k: v for k, v in objects[i].items() if k in fields} for i in sorted(ids, key=str) if i in objects]


def problem(status: int, headers: dict[str, str] | None = None) -> web.Response:
    """The recorded error body for `status` (401, 402, 403, 429 or 503), as application/json like the real API."""
    return web.json_response(recorded(ERROR_BODIES[status]), status=status, headers=headers)


def bad_request(detail: str) -> web.Response:
    """A 400 in the API's problem shape."""
    return web.json_response({"title": "Invalid Request", "detail": detail, "type": "about:blank"}, status=400)

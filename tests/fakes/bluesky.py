"""A fake Bluesky PDS/AppView on 127.0.0.1 (port 0) speaking XRPC with the bodies in bluesky_bodies/.

It serves createSession (checking the app password, minting JWTs atproto can read), getProfile,
listNotifications (reasons, limit, cursor), searchPosts (q, sort=latest, limit, cursor), getPosts and
createRecord (recording every record created), and can answer the next requests with 401, 429 (with the
ratelimit-* headers) or 500.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from aiohttp import web

from tests.helpers import serve_locally

BODIES = Path(__file__).parent / "bluesky_bodies"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
TID_CHARACTERS = "234567abcdefghijklmnopqrstuvwxyz"


def body(name: str) -> Any:
    return json.loads((BODIES / name).read_text(encoding="utf-8"))


def _jwt(payload: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(payload)}.c2lnbmF0dXJl"


@dataclass(frozen=True, slots=True)
class SeenCall:
    method: str
    nsid: str
    query: dict[str, list[str]]


class FakeBluesky:
    """The XRPC methods the Bluesky channel uses, on a real loopback socket."""

    def __init__(self) -> None:
        session = body("create_session.json")
        self.did: str = session["did"]
        self.handle: str = session["handle"]
        self.posts: list[dict[str, Any]] = body("posts.json")
        self.notifications: list[dict[str, Any]] = body("notifications.json")
        self.created: list[dict[str, Any]] = []
        self.record_created = asyncio.Event()  # set at each createRecord, so tests wait on it
        self.calls: list[SeenCall] = []
        self.logins = 0
        self._failures: deque[tuple[int, dict[str, str]]] = deque()
        self._access = ""
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def fail_next(self, status: int, times: int = 1, reset: int | None = None) -> None:
        """Answer the next `times` calls (not the login) with the XRPC error for `status`."""
        headers = {}
        if status == 429:
            headers = {"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-policy": "3000;w=300"}
            if reset is not None:
                headers["ratelimit-reset"] = str(reset)
        self._failures.extend((status, headers) for _ in range(times))

    def add_post(self, view: dict[str, Any], reason: str | None = None) -> None:
        """A post the AppView knows (and, with a reason, a notification of it for the brand)."""
        self.posts.append(view)
        if reason:
            notification = {k: view[k] for k in ("uri", "cid", "author", "record", "indexedAt")}
            notification |= {"reason": reason, "isRead": False, "labels": []}
            self.notifications.insert(0, notification)

    def called(self, nsid: str) -> list[SeenCall]:
        return [call for call in self.calls if call.nsid == nsid]

    async def __aenter__(self) -> Self:
        app = web.Application(middlewares=[self._record])
        app.router.add_post("/xrpc/com.atproto.server.createSession", self._create_session)
        app.router.add_get("/xrpc/app.bsky.actor.getProfile", self._get_profile)
        app.router.add_get("/xrpc/app.bsky.notification.listNotifications", self._list_notifications)
        app.router.add_get("/xrpc/app.bsky.feed.searchPosts", self._search_posts)
        app.router.add_get("/xrpc/app.bsky.feed.getPosts", self._get_posts)
        app.router.add_post("/xrpc/com.atproto.repo.createRecord", self._create_record)
        self._runner, self.base_url = await serve_locally(app)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        nsid = request.path.removeprefix("/xrpc/")
        query = {key: request.query.getall(key) for key in request.query}
        self.calls.append(SeenCall(request.method, nsid, query))
        if nsid == "com.atproto.server.createSession":
            return await handler(request)
        if self._failures:
            status, headers = self._failures.popleft()
            return web.json_response(body("errors.json")[str(status)], status=status, headers=headers)
        if request.headers.get("Authorization") != f"Bearer {self._access}":
            expired = {"error": "AuthenticationRequired", "message": "Authentication Required"}
            return web.json_response(expired, status=401)
        return await handler(request)

    async def _create_session(self, request: web.Request) -> web.Response:
        data = await request.json()
        if data.get("identifier") not in (self.handle, self.did) or data.get("password") != APP_PASSWORD:
            return web.json_response(body("errors.json")["401"], status=401)
        self.logins += 1
        now = int(time.time())
        claims = {"scope": "com.atproto.appPass", "sub": self.did, "iat": now, "aud": "did:web:pds.example"}
        self._access = _jwt(claims | {"exp": now + 7200, "jti": f"access-{self.logins}"})
        refresh = _jwt(claims | {"scope": "com.atproto.refresh", "exp": now + 90 * 86400, "jti": f"r-{self.logins}"})
        return web.json_response(body("create_session.json") | {"accessJwt": self._access, "refreshJwt": refresh})

    async def _get_profile(self, request: web.Request) -> web.Response:
        return web.json_response(body("get_profile.json"))

    async def _list_notifications(self, request: web.Request) -> web.Response:
        reasons = set(request.query.getall("reasons", []))
        found = [n for n in self.notifications if not reasons or n["reason"] in reasons]
        return web.json_response(self._page(found, request, "notifications") | {"priority": False})

    async def _search_posts(self, request: web.Request) -> web.Response:
        terms = request.query["q"].lower().split()
        found = [p for p in self.posts if all(term in p["record"]["text"].lower() for term in terms)]
        if since := request.query.get("since"):
            found = [p for p in found if p["indexedAt"] >= since]
        found.sort(key=lambda p: p["indexedAt"], reverse=True)
        return web.json_response(self._page(found, request, "posts"))

    async def _get_posts(self, request: web.Request) -> web.Response:
        uris = request.query.getall("uris", [])
        return web.json_response({"posts": [p for p in self.posts if p["uri"] in uris]})

    async def _create_record(self, request: web.Request) -> web.Response:
        data = await request.json()
        if data.get("repo") != self.did or data.get("collection") != "app.bsky.feed.post":
            return web.json_response({"error": "InvalidRequest", "message": "Invalid repo"}, status=400)
        self.created.append(data)
        self.record_created.set()
        answer = body("create_record.json")
        answer["uri"] = answer["uri"][:-1] + TID_CHARACTERS[len(self.created) % 32]  # a fresh record key
        view = {"uri": answer["uri"], "cid": answer["cid"], "author": {"did": self.did, "handle": self.handle}}
        self.posts.append(view | {"record": data["record"], "indexedAt": data["record"]["createdAt"], "labels": []})
        return web.json_response(answer)

    def _page(self, items: list[dict[str, Any]], request: web.Request, key: str) -> dict[str, Any]:
        offset = int(request.query.get("cursor") or 0)
        limit = int(request.query.get("limit") or 50)
        page: dict[str, Any] = {key: items[offset : offset + limit]}
        if offset + limit < len(items):
            page["cursor"] = str(offset + limit)
        return page

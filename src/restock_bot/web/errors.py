"""How the web answers a request that cannot be served: a status and a message naming the input at fault.

Machines (`/api/…`, `.json`, `.csv`) get `{"error": "..."}`; people get a page saying the same."""

from __future__ import annotations

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from restock_bot.gifts.queue import IllegalGiftTransition
from restock_bot.restock import TicketNotFound
from restock_bot.restock.fulfilment import ClaimRefused
from restock_bot.storage.tickets import StaleTicket
from restock_bot.tickets import IllegalTransition
from restock_bot.web.pages import render

log = structlog.get_logger(__name__)


class NotAllowed(Exception):
    """No access token (401) or a wrong one, or none configured (403).

    `login_path` is where a person can give the token, when a token would help."""

    def __init__(self, status: int, message: str, login_path: str | None = None, next_path: str = "/") -> None:
        super().__init__(message)
        self.status = status
        self.login_path = login_path
        self.next_path = next_path


class TooManyLogins(NotAllowed):
    """Too many wrong tokens from one address (429); `retry_after` is the wait in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(429, f"token: too many wrong tokens from your address; try again in {retry_after} s")
        self.retry_after = retry_after


def status_of(exc: Exception) -> int | None:
    """The HTTP status for an error the service raises about the request; None for our own failures."""
    if isinstance(exc, NotAllowed | ClaimRefused):
        return exc.status
    if isinstance(exc, TicketNotFound) or type(exc) is LookupError:  # the service's "gift #n not found"
        return 404
    if isinstance(exc, IllegalTransition | IllegalGiftTransition | StaleTicket):
        return 409
    if isinstance(exc, ValueError):  # BadInput, and the service's "who: ..." checks
        return 400
    return None


def wants_json(request: web.Request) -> bool:
    path = request.path
    return path.startswith("/api/") or path.endswith((".json", ".csv")) or path == "/healthz"


def json_error(status: int, message: str, *, field: str | None = None) -> web.Response:
    body: dict[str, str] = {"error": message}
    if field:
        body["field"] = field
    headers = {"WWW-Authenticate": 'Bearer realm="restock-bot"'} if status == 401 else None
    return web.json_response(body, status=status, headers=headers)


def error_page(request: web.Request, status: int, message: str, exc: Exception | None = None) -> web.Response:
    if isinstance(exc, NotAllowed) and exc.login_path:
        context = {"message": message, "login_path": exc.login_path, "next_path": exc.next_path}
        return render(request, "login.html", context, status=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


@web.middleware
async def answer_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn the service's refusals into 400/401/403/404/409 answers; anything else is logged as a 500."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if wants_json(request):
            return json_error(exc.status, exc.reason)
        return error_page(request, exc.status, exc.reason)
    except Exception as exc:
        status = status_of(exc)
        if status is None:
            log.exception("web request failed", path=request.path, method=request.method)
            status, message = 500, "something went wrong on our side; it has been logged"
        else:
            message = str(exc) or type(exc).__name__
        response = (
            json_error(status, message, field=getattr(exc, "field", None))
            if wants_json(request)
            else error_page(request, status, message, exc)
        )
        if isinstance(exc, TooManyLogins):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

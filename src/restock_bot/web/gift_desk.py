"""Marketing's gift desk: the gift queue by state (with the abuse guard's hold reasons), approve / reject /
shipped from a form, the CSV export, and the reporters list. Every page needs the marketing token."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from restock_bot.gifts.queue import GiftState
from restock_bot.web.access import (
    How,
    allow,
    check_form,
    form_token,
    log_in,
    log_out,
    login_page,
    marketing_realm,
    remember,
)
from restock_bot.web.errors import status_of
from restock_bot.web.gifts import (
    GIFT_ACTIONS,
    act_on_gift,
    actions_for,
    gift_action_named,
    gift_number,
    gift_state,
    gifts_document,
    reporters_document,
)
from restock_bot.web.pages import remember_who, render, see_other, typed_who
from restock_bot.web.state import SERVICE, SETTINGS

routes = web.RouteTableDef()


def _desk_path(state: GiftState | None, **extra: str) -> str:
    query = {"state": state.value} if state else {}
    query.update(extra)
    return "/gifts" + (f"?{urlencode(query)}" if query else "")


async def _desk_page(
    request: web.Request, state: GiftState | None, *, error: str = "", status: int = 200
) -> web.Response:
    realm = marketing_realm(request.app[SETTINGS])
    service = request.app[SERVICE]
    action = GIFT_ACTIONS.get(request.query.get("done", ""))
    gift = request.query.get("gift", "")
    context: dict[str, Any] = {
        "gifts": await service.gift_queue(state),
        "state": state,
        "states": list(GiftState),
        "store_label": service.rules.store_label,
        "actions_for": actions_for,
        "csrf": form_token(request, realm),
        "who": typed_who(request),
        "error": error,
        "done": f"Gift #{gift} {action.done}." if action and gift.isdigit() else "",
        "csv_path": "/gifts.csv" + (f"?state={state.value}" if state else ""),
        "realm": realm,
    }
    return render(request, "gifts.html", context, status=status)


@routes.get("/gifts.json")
async def gifts_json(request: web.Request) -> web.Response:
    allow(request, marketing_realm(request.app[SETTINGS]))
    state = gift_state(request.query.get("state"))
    service = request.app[SERVICE]
    return web.json_response(gifts_document(service, await service.gift_queue(state), state))


@routes.get("/gifts.csv")
async def gifts_csv(request: web.Request) -> web.Response:
    allow(request, marketing_realm(request.app[SETTINGS]))
    state = gift_state(request.query.get("state"))
    filename = f"gifts-{state.value if state else 'all'}.csv"
    return web.Response(
        text=await request.app[SERVICE].export_gifts_csv(state),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@routes.get("/gifts")
async def desk_page(request: web.Request) -> web.Response:
    realm = marketing_realm(request.app[SETTINGS])
    how = allow(request, realm)
    state = gift_state(request.query.get("state"))
    if how is How.QUERY:  # keep the token out of the address bar and history
        response = see_other(_desk_path(state))
        remember(response, request, realm)
        return response
    return await _desk_page(request, state)


@routes.get("/gifts/login")
async def login_form(request: web.Request) -> web.Response:
    return login_page(request, marketing_realm(request.app[SETTINGS]))


@routes.post("/gifts/login")
async def login(request: web.Request) -> web.StreamResponse:
    return await log_in(request, marketing_realm(request.app[SETTINGS]))


@routes.post("/gifts/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    return await log_out(request, marketing_realm(request.app[SETTINGS]))


@routes.post("/gifts/{gift_id}")
async def act(request: web.Request) -> web.Response:
    """A button on the desk: approve, reject (with a note) or shipped, then back to the same filter."""
    realm = marketing_realm(request.app[SETTINGS])
    how = allow(request, realm)
    form = await request.post()
    check_form(request, realm, how, str(form.get("csrf", "")))
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    state: GiftState | None = None
    try:
        state = gift_state(fields.get("state"))
        action = gift_action_named(fields.get("action", ""))
        gift = await act_on_gift(
            request.app[SERVICE], gift_number(request.match_info["gift_id"]), action, fields
        )
    except Exception as exc:
        status = status_of(exc)
        if status is None:
            raise
        return await _desk_page(request, state, error=str(exc), status=status)
    response = see_other(_desk_path(state, done=action.name, gift=str(gift.id)))
    remember_who(response, fields["who"])
    return response


@routes.get("/reporters.json")
async def reporters_json(request: web.Request) -> web.Response:
    allow(request, marketing_realm(request.app[SETTINGS]))
    return web.json_response(reporters_document(await request.app[SERVICE].reporters()))


@routes.get("/reporters")
async def reporters_page(request: web.Request) -> web.Response:
    realm = marketing_realm(request.app[SETTINGS])
    if allow(request, realm) is How.QUERY:
        response = see_other("/reporters")
        remember(response, request, realm)
        return response
    return render(
        request,
        "reporters.html",
        {
            "reporters": await request.app[SERVICE].reporters(),
            "realm": realm,
            "csrf": form_token(request, realm),
        },
    )

"""Marketing's gift desk: the gift queue with each reporter's history and abuse signals, the leaderboard;
approve / hold / reject with a reason; the thank-you note; a one-time claim link for the shipping address;
shipped with a tracking reference; the CSV exports. Every page needs the marketing sign-in.

  GET  /gifts?state=…   (+ .json, .csv)     GET /gifts/approved.csv   the approved batch for fulfilment
  POST /gifts/{gift}    action=approve|hold|reject|shipped|thank-you|claim-link
  GET  /reporters  (+ .json)                 reporters, most active first, and the leaderboard
  GET|POST /gifts/login   POST /gifts/logout"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from restock_bot.gifts.queue import Gift, GiftState
from restock_bot.gifts.reporters import ReporterHistory
from restock_bot.restock import fulfilment, reporters
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
from restock_bot.web.fields import text_field
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

NOTE_LIMIT = 1000
DESK_ACTIONS = {"thank-you": "thank-you note saved", "claim-link": "claim link made"}


def _desk_path(state: GiftState | None, **extra: str) -> str:
    query = {"state": state.value} if state else {}
    query.update(extra)
    return "/gifts" + (f"?{urlencode(query)}" if query else "")


async def _histories(request: web.Request, reporter_keys: list[str]) -> dict[str, ReporterHistory]:
    service = request.app[SERVICE]
    rules = service.rules
    return await reporters.histories(
        service.database, reporter_keys, rules.stores, rules.store_label, rules.gift_policy
    )


async def _leaderboard(request: web.Request, size: int) -> list[ReporterHistory]:
    service = request.app[SERVICE]
    rules = service.rules
    return await reporters.most_helpful(service.database, rules.stores, rules.store_label, rules.gift_policy, size)


def _done_message(request: web.Request) -> str:
    """What the last form did, rebuilt from known words only (the query string is not echoed)."""
    done, gift = request.query.get("done", ""), request.query.get("gift", "")
    if not gift.isdigit():
        return ""
    if done in GIFT_ACTIONS:
        return f"Gift #{gift} {GIFT_ACTIONS[done].done}."
    if done in DESK_ACTIONS:
        return f"Gift #{gift}: {DESK_ACTIONS[done]}."
    return ""


async def _desk_page(
    request: web.Request,
    state: GiftState | None,
    *,
    error: str = "",
    status: int = 200,
    claim_link: tuple[int, str] | None = None,
) -> web.Response:
    realm = marketing_realm(request.app[SETTINGS])
    service = request.app[SERVICE]
    now = service.clock.now()
    await fulfilment.delete_due_addresses(service.database, now)  # never show an address past its time
    gifts = await service.gift_queue(state)
    shipping = await fulfilment.shipping_of(service.database, [g.id for g in gifts if g.id is not None], now)
    context: dict[str, Any] = {
        "gifts": gifts,
        "shipping": shipping,
        "histories": await _histories(request, sorted({g.reporter for g in gifts})),
        "leaders": await _leaderboard(request, 5),
        "state": state,
        "states": list(GiftState),
        "store_label": service.rules.store_label,
        "actions_for": actions_for,
        "csrf": form_token(request, realm),
        "who": typed_who(request),
        "error": error,
        "done": "" if error or claim_link else _done_message(request),
        "claim_link": claim_link,
        "csv_path": "/gifts.csv" + (f"?state={state.value}" if state else ""),
        "keep_days": service.settings.gift_address_days,
        "realm": realm,
    }
    return render(request, "gifts.html", context, status=status)


@routes.get("/gifts.json")
async def gifts_json(request: web.Request) -> web.Response:
    allow(request, marketing_realm(request.app[SETTINGS]))
    return web.json_response(await gifts_document(request.app[SERVICE], gift_state(request.query.get("state"))))


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


@routes.get("/gifts/approved.csv")
async def approved_batch(request: web.Request) -> web.Response:
    """The approved gifts for the fulfilment house: the thank-you note and the shipping address of each."""
    allow(request, marketing_realm(request.app[SETTINGS]))
    service = request.app[SERVICE]
    now = service.clock.now()
    gifts = await service.gift_queue(GiftState.APPROVED)
    shipping = await fulfilment.shipping_of(service.database, [g.id for g in gifts if g.id is not None], now)
    rows = [(g, shipping[g.id or 0], service.rules.store_label(g.store_id)) for g in gifts]
    return web.Response(
        text=fulfilment.batch_csv(rows),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="approved-gifts-{now:%Y-%m-%d}.csv"'},
    )


@routes.get("/gifts")
async def desk_page(request: web.Request) -> web.Response:
    realm = marketing_realm(request.app[SETTINGS])
    how = allow(request, realm)
    state = gift_state(request.query.get("state"))
    if how is How.QUERY:  # keep the token out of the address bar and history
        response = see_other(_desk_path(state))
        await remember(response, request, realm)
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


async def _desk_work(request: web.Request, gift_id: int, action: str, fields: dict[str, str]) -> Gift | str:
    """The note and the claim link: work on a gift that changes no state (the claim link is returned)."""
    service = request.app[SERVICE]
    if action == "thank-you":
        note = text_field(fields, "thank_you", limit=NOTE_LIMIT)
        await fulfilment.write_note(service.database, gift_id, note)
        return ""
    token = await fulfilment.open_claim(service.database, gift_id, service.clock.now())
    return f"{request.app[SETTINGS].public_url.rstrip('/')}/claim/{token}"


@routes.post("/gifts/{gift_id}")
async def act(request: web.Request) -> web.Response:
    """A button on the desk: a decision, shipped, the thank-you note or a claim link; then back to the same
    filter (a claim link is shown once, on the page this post answers)."""
    realm = marketing_realm(request.app[SETTINGS])
    how = allow(request, realm)
    form = await request.post()
    check_form(request, realm, how, str(form.get("csrf", "")))
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    state: GiftState | None = None
    name = fields.get("action", "")
    try:
        state = gift_state(fields.get("state"))
        gift_id = gift_number(request.match_info["gift_id"])
        if name in DESK_ACTIONS:
            link = await _desk_work(request, gift_id, name, fields)
            if link:
                return await _desk_page(request, state, claim_link=(gift_id, str(link)))
        else:
            action = gift_action_named(name)
            await act_on_gift(request.app[SERVICE], gift_id, action, fields)
    except Exception as exc:
        status = status_of(exc)
        if status is None:
            raise
        return await _desk_page(request, state, error=str(exc), status=status)
    response = see_other(_desk_path(state, done=name, gift=str(gift_id)))
    if fields.get("who"):
        remember_who(response, request, fields["who"])
    return response


@routes.get("/reporters.json")
async def reporters_json(request: web.Request) -> web.Response:
    allow(request, marketing_realm(request.app[SETTINGS]))
    listed = await request.app[SERVICE].reporters()
    found = await _histories(request, [r.reporter for r in listed])
    document = reporters_document(listed, found)
    document["leaderboard"] = [r.reporter for r in await _leaderboard(request, 10)]
    return web.json_response(document)


@routes.get("/reporters")
async def reporters_page(request: web.Request) -> web.Response:
    realm = marketing_realm(request.app[SETTINGS])
    if allow(request, realm) is How.QUERY:
        response = see_other("/reporters")
        await remember(response, request, realm)
        return response
    listed = await request.app[SERVICE].reporters()
    return render(
        request,
        "reporters.html",
        {
            "reporters": listed,
            "histories": await _histories(request, [r.reporter for r in listed]),
            "leaders": await _leaderboard(request, 10),
            "realm": realm,
            "csrf": form_token(request, realm),
        },
    )

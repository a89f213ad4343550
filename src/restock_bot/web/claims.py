"""The reporter's side of a gift: a one-time claim link where they give the shipping address.

  GET  /claim/{token}   the gift it is for, and the address form
  POST /claim/{token}   ship_to, address, postcode, phone: accepted once

The link is the only credential (it is sent privately by marketing); unknown links get 404, used or
expired ones 410. The address is never shown back: only the gift desk sees it."""

from __future__ import annotations

from aiohttp import web

from restock_bot.restock import fulfilment
from restock_bot.web.errors import NotAllowed
from restock_bot.web.fields import text_field
from restock_bot.web.pages import render
from restock_bot.web.state import PRODUCT_NAMES, SERVICE, product_label

routes = web.RouteTableDef()

PRIVATE = {"Cache-Control": "no-store"}  # the page and its form hold personal data


async def _page(request: web.Request, claim: fulfilment.Claim, *, error: str = "", status: int = 200) -> web.Response:
    service = request.app[SERVICE]
    history = await service.ticket_history(claim.gift.ticket_id)
    context = {
        "gift": claim.gift,
        "store": history.store,
        "product": product_label(request.app[PRODUCT_NAMES], history.ticket.sku, history.ticket.brand),
        "expires_at": claim.expires_at,
        "keep_days": service.settings.gift_address_days,
        "path": request.path,
        "error": error,
        "done": False,
    }
    response = render(request, "claim.html", context, status=status)
    response.headers.update(PRIVATE)
    return response


@routes.get("/claim/{token}")
async def show(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    claim = await fulfilment.read_claim(service.database, request.match_info["token"], service.clock.now())
    return await _page(request, claim)


@routes.post("/claim/{token}")
async def give(request: web.Request) -> web.Response:
    """The address, once; the page then thanks the reporter without repeating it."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise NotAllowed(403, "csrf: forms cannot be posted from another site")
    service = request.app[SERVICE]
    token = request.match_info["token"]
    claim = await fulfilment.read_claim(service.database, token, service.clock.now())
    form = await request.post()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        ship_to = text_field(fields, "ship_to", required="say whom to send it to", limit=100)
        address = text_field(fields, "address", required="give the street address", limit=500)
        postcode = text_field(fields, "postcode", required="give the postcode", limit=20)
        phone = text_field(fields, "phone", limit=30)
    except ValueError as exc:
        return await _page(request, claim, error=str(exc), status=400)
    await fulfilment.give_address(
        service.database,
        token,
        ship_to=ship_to,
        address=address,
        postcode=postcode,
        phone=phone,
        now=service.clock.now(),
    )
    context = {"gift": claim.gift, "keep_days": service.settings.gift_address_days, "done": True}
    response = render(request, "claim.html", context)
    response.headers.update(PRIVATE)
    return response

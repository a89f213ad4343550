"""`restock-bot tickets`: list them, show one with its history, move one to another distributor."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from restock_bot.commands.service import ConfigOption, err, open_service, out, run, settings_from
from restock_bot.tickets.models import Ticket, TicketState

if TYPE_CHECKING:
    from restock_bot.restock.board import TicketHistory
    from restock_bot.storage.ticket_lists import ListedTicket

tickets_app = typer.Typer(no_args_is_help=True, help="Restock tickets: list, show, reassign.")

JsonOption = typer.Option("--json", help="JSON on stdout instead of a table")


def _when(at: Any) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else ""


def ticket_dict(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "state": ticket.state.value,
        "store_id": ticket.store_id,
        "distributor_id": ticket.distributor_id,
        "sku": ticket.sku,
        "brand": ticket.brand,
        "opened_at": ticket.opened_at.isoformat(),
        "deadline": ticket.deadline.isoformat(),
        "escalation_tier": ticket.escalation_tier,
        "priority": ticket.priority,
    }


@tickets_app.command("list")
def list_command(
    state: Annotated[list[TicketState] | None, typer.Option(help="only these states (repeat the option)")] = None,
    distributor: Annotated[str | None, typer.Option(help="only this distributor's tickets")] = None,
    store: Annotated[str | None, typer.Option(help="only this store's tickets (store_id)")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many, newest first")] = 50,
    as_json: Annotated[bool, JsonOption] = False,
    config: Annotated[Path | None, ConfigOption] = None,
) -> None:
    """Tickets, newest first: state, store, product, distributor, deadline and reports."""
    from restock_bot.storage.ticket_lists import list_tickets

    settings = settings_from(config)

    async def work() -> tuple[list[ListedTicket], dict[str, str]]:
        async with open_service(settings) as service, service.database.session() as session:
            found = await list_tickets(
                session, states=[s.value for s in state or []], distributor_id=distributor, store_id=store, limit=limit
            )
            return found, {t.ticket.store_id: service.rules.store_label(t.ticket.store_id) for t in found}

    found, labels = run(work(), settings.database_url)
    if as_json:
        for item in found:
            print(json.dumps({**ticket_dict(item.ticket), "reports": item.reports}, ensure_ascii=False))
        return
    table = Table("#", "state", "store", "product", "distributor", "deadline (UTC)", "reports")
    for item in found:
        t = item.ticket
        product = t.sku or f"{t.brand or ''} (brand)"
        label = labels[t.store_id]
        table.add_row(str(t.id), t.state.value, label, product, t.distributor_id, _when(t.deadline), str(item.reports))
    out.print(table)
    out.print(f"{len(found)} ticket(s)")


@tickets_app.command("show")
def show(
    ticket_id: Annotated[int, typer.Argument(help="the ticket number")],
    as_json: Annotated[bool, JsonOption] = False,
    config: Annotated[Path | None, ConfigOption] = None,
) -> None:
    """One ticket: its state, deadline, reports and every event (who, when, why)."""
    from restock_bot.restock.flows import TicketNotFound

    settings = settings_from(config)

    async def work() -> TicketHistory:
        async with open_service(settings) as service:
            return await service.ticket_history(ticket_id)

    try:
        history = run(work(), settings.database_url)
    except TicketNotFound as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    if as_json:
        print(json.dumps(_history_dict(history), ensure_ascii=False, indent=2))
        return
    t = history.ticket
    out.print(f"[bold]ticket #{t.id}[/] {t.state.value}: {t.sku or t.brand} at {history.store} ({t.distributor_id})")
    out.print(f"opened {_when(t.opened_at)} UTC, deadline {_when(t.deadline)} UTC, priority {t.priority}")
    reports = Table("reported (UTC)", "reporter", "channel")
    for r in history.reports:
        reports.add_row(_when(r.reported_at), f"{r.reporter_name or ''} ({r.reporter})", r.channel)
    out.print(reports)
    events = Table("at (UTC)", "event", "by", "why")
    for e in history.events:
        events.add_row(_when(e.at), e.kind.value, e.actor, e.reason)
    out.print(events)


def _history_dict(history: TicketHistory) -> dict[str, Any]:
    return {
        "ticket": ticket_dict(history.ticket),
        "store": history.store,
        "reports": [
            {"reporter": r.reporter, "name": r.reporter_name, "channel": r.channel, "at": r.reported_at.isoformat()}
            for r in history.reports
        ],
        "events": [
            {"event": e.kind.value, "at": e.at.isoformat(), "by": e.actor, "why": e.reason, "data": e.data}
            for e in history.events
        ],
    }


@tickets_app.command("reassign")
def reassign(
    ticket_id: Annotated[int, typer.Argument(help="the ticket number")],
    to: Annotated[str, typer.Option("--to", help="the distributor id that takes the ticket over")],
    why: Annotated[str, typer.Option(help="the reason, kept in the ticket's history")],
    who: Annotated[str | None, typer.Option(help="who is moving it (default: operator <login>)")] = None,
    config: Annotated[Path | None, ConfigOption] = None,
) -> None:
    """Move an active ticket to another distributor; it is told like of a new ticket, the deadline stays."""
    from restock_bot.restock.flows import TicketNotFound
    from restock_bot.tickets.lifecycle import IllegalTransition

    settings = settings_from(config)
    actor = who or f"operator {getpass.getuser()}"

    async def work() -> Ticket:
        async with open_service(settings) as service:
            return await service.reassign(ticket_id, to, actor, why)

    try:
        ticket = run(work(), settings.database_url)
    except (TicketNotFound, IllegalTransition, ValueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    out.print(f"ticket #{ticket.id} is now with {ticket.distributor_id} ({ticket.state.value})")

"""The demo: the bundled Nibbo posts replayed through the real bot on an accelerated clock.

Posts arrive at their `created_at` in simulated time, the inbox worker triages them, replies are printed,
the SLA sweep warns and escalates, and scripted distributors acknowledge or restock a few tickets, so a
person watches a week of Restock Bot in a few minutes (one wall second = `speed` simulated seconds).
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.app import RestockBot
from restock_bot.channels.replay import BadLine, RecordedReplies, replay_posts
from restock_bot.clock import AcceleratedClock, Clock
from restock_bot.config import DATA_DIR, Settings, XSettings
from restock_bot.gifts.queue import Gift
from restock_bot.post import Post
from restock_bot.restock.service import RestockService
from restock_bot.storage.tables import DecisionRow, ReportRow, TicketEventRow, TicketRow
from restock_bot.tickets.lifecycle import IllegalTransition
from restock_bot.tickets.models import CLOSED_STATES, EventKind, TicketState
from restock_bot.triage.catalog import load_products

DEMO_POSTS = DATA_DIR / "demo_posts.jsonl"
AFTER_LAST_POST = timedelta(hours=60)  # long enough past the last post for warnings and escalations
REFRESH_SECONDS = 0.25  # wall seconds between looks at the database for the live table
CHANNEL = "replay"


class DemoError(Exception):
    """The demo cannot run (no posts, unreadable file); the message says what to fix."""


@dataclass(frozen=True, slots=True)
class DistributorMove:
    """What a scripted distributor does to the first ticket for a store and product, `after` it opened."""

    store_id: str
    sku: str | None
    after: timedelta
    action: Literal["acknowledge", "restock"]
    why: str


DISTRIBUTOR_MOVES = (
    DistributorMove("SEL-0002", "NBO-MASALA-30", timedelta(hours=4), "acknowledge", "seen, truck booked"),
    DistributorMove("JAI-0007", "NBO-TOMATO-30", timedelta(hours=30), "restock", "refilled the shelf"),
    DistributorMove("MUM-0001", "NBO-PERI-30", timedelta(hours=40), "restock", "2 cartons delivered"),
    DistributorMove("DEL-0001", None, timedelta(hours=54), "restock", "late truck, shelf full now"),
)


@dataclass(frozen=True, slots=True)
class DemoOptions:
    speed: float = 3600.0
    port: int = 8080
    host: str = "127.0.0.1"
    db: Path | None = None
    web: bool = True
    posts: Path = DEMO_POSTS


@dataclass(frozen=True, slots=True)
class TicketLine:
    """One row of the live table."""

    id: int
    store_id: str
    distributor_id: str
    store: str
    sku: str | None
    brand: str | None
    state: TicketState
    reports: int
    opened_at: datetime
    deadline: datetime
    restocked_at: datetime | None
    tier: int


@dataclass(slots=True)
class DemoSummary:
    """What the demo did, counted from the database at the end."""

    posts: int = 0
    bad_lines: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    tickets: int = 0
    tickets_by_state: dict[str, int] = field(default_factory=dict)
    merges: int = 0
    acknowledgements: int = 0
    warnings: int = 0
    escalations: int = 0
    restocks: int = 0
    gifts: int = 0
    gifts_by_state: dict[str, int] = field(default_factory=dict)
    replies: int = 0
    notifications: int = 0
    median_hours_to_restock: float | None = None
    simulated_hours: float = 0.0
    wall_seconds: float = 0.0
    database_url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class DemoDistributors:
    """The demo's Notifier: every distributor answers at once; the events are kept for the summary."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    async def notify(self, distributor_id: str, event: dict[str, Any]) -> bool:
        self.events.append((distributor_id, event))
        return True


def sim_time(when: datetime) -> str:
    return f"{when:%a %d %b %H:%M}"


def hours_text(hours: float) -> str:
    return f"{hours:.0f} h" if abs(hours) >= 1 else f"{hours * 60:.0f} min"


async def ticket_lines(service: RestockService) -> list[TicketLine]:
    """Every ticket with its report count, oldest first."""
    async with service.database.session() as session:
        rows = (await session.exec(select(TicketRow).order_by(col(TicketRow.id)))).all()
        counted = select(ReportRow.ticket_id, func.count()).group_by(col(ReportRow.ticket_id))
        reports = {ticket_id: n for ticket_id, n in (await session.exec(counted)).all()}
    return [
        TicketLine(
            id=row.id or 0,
            store_id=row.store_id,
            distributor_id=row.distributor_id,
            store=service.rules.store_label(row.store_id),
            sku=row.sku,
            brand=row.brand,
            state=TicketState(row.state),
            reports=reports.get(row.id or 0, 0),
            opened_at=row.opened_at,
            deadline=row.deadline,
            restocked_at=row.restocked_at,
            tier=row.escalation_tier,
        )
        for row in rows
    ]


async def events_after(service: RestockService, last_id: int) -> list[TicketEventRow]:
    async with service.database.session() as session:
        statement = select(TicketEventRow).where(col(TicketEventRow.id) > last_id).order_by(col(TicketEventRow.id))
        return list((await session.exec(statement)).all())


class DistributorScript:
    """Plays DISTRIBUTOR_MOVES: each once, on the first ticket for its store and product, when it is due."""

    def __init__(self, moves: Sequence[DistributorMove], show: Callable[[str], None]) -> None:
        self._waiting = list(moves)
        self._show = show

    @staticmethod
    def _ticket_of(move: DistributorMove, lines: Sequence[TicketLine]) -> TicketLine | None:
        return next((t for t in lines if t.store_id == move.store_id and t.sku == move.sku), None)

    def upcoming(self, lines: Sequence[TicketLine]) -> list[datetime]:
        """When the moves whose ticket exists are due."""
        return [t.opened_at + m.after for m in self._waiting if (t := self._ticket_of(m, lines)) is not None]

    async def play_due(self, service: RestockService, lines: Sequence[TicketLine], now: datetime) -> None:
        """Make the moves due at `now` (each once)."""
        for move in list(self._waiting):
            line = self._ticket_of(move, lines)
            if line is not None and line.opened_at + move.after <= now:
                self._waiting.remove(move)
                await self._play(service, move, line)

    async def _play(self, service: RestockService, move: DistributorMove, line: TicketLine) -> None:
        who = f"{line.distributor_id} (demo)"
        change = service.acknowledge if move.action == "acknowledge" else service.mark_restocked
        try:
            await change(line.id, who, move.why, distributor_id=line.distributor_id)
        except IllegalTransition as exc:
            self._show(f"[dim]scripted {move.action} of ticket #{line.id} skipped: {exc}[/]")


class DemoView:
    """The live picture (tickets table over a progress bar of simulated time) and the feed of events."""

    def __init__(
        self, console: Console, clock: Clock, start: datetime, end: datetime, products: dict[str, str]
    ) -> None:
        self.console = console
        self.clock = clock
        self.start = start
        self.end = end
        self.products = products
        self.lines: list[TicketLine] = []
        self._last_event = 0
        self._gifts_seen: set[int] = set()

    def show(self, message: str, at: datetime | None = None) -> None:
        """One line of the feed, stamped with the simulated time (`at`, or now)."""
        self.console.print(f"[dim]{sim_time(at or self.clock.now())}[/]  {message}", highlight=False)

    def product(self, sku: str | None, brand: str | None) -> str:
        return self.products.get(sku or "") or " ".join(p for p in (brand, sku) if p) or "?"

    async def refresh(self, service: RestockService) -> list[TicketLine]:
        """Read the tickets again and print the events and gifts that are new since the last look."""
        self.lines = await ticket_lines(service)
        by_id = {t.id: t for t in self.lines}
        for event in await events_after(service, self._last_event):
            self._last_event = event.id or self._last_event
            line = by_id.get(event.ticket_id)
            if line is not None:
                self.show(self.event_text(event, line), event.at)
        for gift in await service.gift_queue():
            if gift.id is not None and gift.id not in self._gifts_seen:
                self._gifts_seen.add(gift.id)
                self.show(self.gift_text(gift), gift.created_at)
        return self.lines

    def event_text(self, event: TicketEventRow, line: TicketLine) -> str:
        ticket = f"[bold]#{line.id}[/]"
        match EventKind(event.kind):
            case EventKind.OPENED:
                what = f"{line.store} · {self.product(line.sku, line.brand)}"
                return f"🆕 {ticket} opened: {what} — deadline {sim_time(line.deadline)}"
            case EventKind.REPORT_MERGED:
                return f"➕ {ticket} repeat report merged ({event.actor})"
            case EventKind.ACKNOWLEDGED:
                return f"👀 {ticket} acknowledged by {event.actor}: {event.reason}"
            case EventKind.WARNED:
                left = (line.deadline - event.at).total_seconds() / 3600
                return f"[yellow]⏰ {ticket} deadline warning: {hours_text(left)} left at {line.store}[/]"
            case EventKind.ESCALATED:
                name = event.data.get("tier_name", "")
                return f"[red]🔺 {ticket} escalated to {name} (tier {event.tier}): deadline passed[/]"
            case EventKind.RESTOCKED:
                took = (event.at - line.opened_at).total_seconds() / 3600
                by = f"by {event.actor} after {hours_text(took)}"
                return f"[green]✅ {ticket} restocked {by}: {event.reason}[/]"
            case EventKind.NOT_A_STOCKOUT:
                return f"✖ {ticket} not a stock-out ({event.actor}): {event.reason}"
        return f"{ticket} {event.kind}"

    @staticmethod
    def gift_text(gift: Gift) -> str:
        who = f"@{gift.reporter_name}" if gift.reporter_name else gift.reporter
        return f"[magenta]🎁 gift {gift.state.value} for {who} (ticket #{gift.ticket_id}): {gift.reason}[/]"

    def tickets_table(self, rows: int | None = None) -> Table:
        """The tickets, one line each; with `rows`, only the newest that fit (the live view)."""
        now = self.clock.now()
        shown = self.lines if rows is None else self.lines[-rows:]
        hidden = len(self.lines) - len(shown)
        caption = f"… and {hidden} older ticket(s) above" if hidden else None
        table = Table(title="Restock tickets", caption=caption, title_justify="left", caption_justify="left")
        table.add_column("#", justify="right")
        table.add_column("store", no_wrap=True, max_width=30, overflow="ellipsis")
        table.add_column("product", no_wrap=True, max_width=22, overflow="ellipsis")
        table.add_column("state", no_wrap=True)
        table.add_column("reports", justify="right", min_width=7)
        table.add_column("deadline in", justify="right", no_wrap=True)
        table.add_column("tier", justify="right", min_width=4)
        for t in shown:
            table.add_row(
                str(t.id),
                t.store,
                self.product(t.sku, t.brand),
                Text(t.state.value, style=STATE_STYLES.get(t.state, "")),
                str(t.reports),
                self.deadline_text(t, now),
                str(t.tier) if t.tier else "",
            )
        return table

    @staticmethod
    def deadline_text(line: TicketLine, now: datetime) -> Text:
        if line.state in CLOSED_STATES:
            return Text("—", style="dim")
        left = (line.deadline - now).total_seconds() / 3600
        return Text(hours_text(left), style="red" if left < 0 else "yellow" if left < 12 else "")

    def progress(self) -> Table:
        total = (self.end - self.start).total_seconds()
        done = min(total, max(0.0, (self.clock.now() - self.start).total_seconds()))
        grid = Table.grid(padding=(0, 1))
        grid.add_row(
            Text("simulated time"),
            ProgressBar(total=total, completed=done, width=40),
            Text(f"{sim_time(self.clock.now())}  ({done / 3600:.0f} of {total / 3600:.0f} h)"),
        )
        return grid

    def __rich__(self) -> RenderableType:
        rows = max(3, self.console.height - 9)  # title, header, borders, caption and the progress bar
        return Group(self.tickets_table(rows), self.progress())


STATE_STYLES = {
    TicketState.OPEN: "cyan",
    TicketState.ACKNOWLEDGED: "blue",
    TicketState.ESCALATED: "bold red",
    TicketState.RESTOCKED: "green",
    TicketState.NOT_A_STOCKOUT: "dim",
}


async def read_demo_posts(path: Path) -> tuple[list[Post], list[BadLine]]:
    """The posts of the replay file, oldest first, and its unreadable lines."""
    posts: list[Post] = []
    bad: list[BadLine] = []
    try:
        async for item in replay_posts(path, CHANNEL):
            (bad if isinstance(item, BadLine) else posts).append(item)  # type: ignore[arg-type]
    except OSError as exc:
        raise DemoError(f"{path}: cannot read ({exc.strerror})") from exc
    if not posts:
        raise DemoError(f"{path}: no posts to replay")
    return sorted(posts, key=lambda p: p.created_at), bad


def demo_settings(database_url: str, options: DemoOptions) -> Settings:
    """Settings for the demo: bundled stores and products, X off, jobs often enough for the fast clock."""
    every = max(0.05, 900 / options.speed)  # every 15 simulated minutes, at most 20 times a wall second
    return Settings(
        database_url=database_url,
        stores_csv=DATA_DIR / "stores.csv",
        products_csv=DATA_DIR / "products.csv",
        host=options.host,
        port=options.port,
        public_url=f"http://{options.host}:{options.port}",
        sla_sweep_seconds=every,
        inbox_seconds=max(0.05, min(1.0, 300 / options.speed)),
        delivery_seconds=max(0.05, min(1.0, 300 / options.speed)),
        x=XSettings(),
    )


@contextmanager
def demo_database(db: Path | None) -> Iterator[str]:
    """The database URL: `db` (a new file, kept) when given, else a fresh SQLite file removed afterwards."""
    if db is not None:
        if db.exists() and db.stat().st_size > 0:
            raise DemoError(f"--db {db}: the file exists; the demo needs a fresh database (a new path)")
        db.parent.mkdir(parents=True, exist_ok=True)
        yield f"sqlite+aiosqlite:///{db}"
        return
    with tempfile.TemporaryDirectory(prefix="restock-demo-") as folder:
        yield f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}"


def port_or_free(host: str, port: int) -> int:
    """`port` when it can be bound, else 0 (the system picks a free one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return 0
    return port


async def _count_by(session: AsyncSession, column: Any) -> dict[str, int]:
    """Rows per value of `column` (e.g. tickets per state)."""
    return {value: n for value, n in (await session.exec(select(column, func.count()).group_by(column))).all()}


async def count_summary(service: RestockService, summary: DemoSummary) -> DemoSummary:
    """Fill the counts of `summary` from the database."""
    async with service.database.session() as session:
        events = Counter(await _count_by(session, TicketEventRow.kind))
        states = await _count_by(session, TicketRow.state)
        actions = await _count_by(session, DecisionRow.action)
    gifts = Counter(g.state.value for g in await service.gift_queue())
    restocked = [t for t in await ticket_lines(service) if t.restocked_at is not None]
    hours = [(t.restocked_at - t.opened_at).total_seconds() / 3600 for t in restocked if t.restocked_at]
    summary.decisions = actions
    summary.tickets = sum(states.values())
    summary.tickets_by_state = states
    summary.merges = events[EventKind.REPORT_MERGED.value]
    summary.acknowledgements = events[EventKind.ACKNOWLEDGED.value]
    summary.warnings = events[EventKind.WARNED.value]
    summary.escalations = events[EventKind.ESCALATED.value]
    summary.restocks = events[EventKind.RESTOCKED.value]
    summary.gifts = sum(gifts.values())
    summary.gifts_by_state = dict(gifts)
    summary.median_hours_to_restock = statistics.median(hours) if hours else None
    return summary


def summary_table(summary: DemoSummary) -> Table:
    """The end-of-demo summary for people."""
    table = Table(title="Demo summary", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    states = ", ".join(f"{n} {state}" for state, n in sorted(summary.tickets_by_state.items()))
    decided = ", ".join(f"{n} {action}" for action, n in sorted(summary.decisions.items()))
    median = summary.median_hours_to_restock
    gifts = ", ".join(f"{n} {state}" for state, n in sorted(summary.gifts_by_state.items())) or "none"
    rows = [
        (
            "posts",
            f"{summary.posts} ({decided})" + (f"; {bad} bad line(s)" if (bad := summary.bad_lines) else ""),
        ),
        ("tickets", f"{summary.tickets} ({states})"),
        ("repeat reports merged", str(summary.merges)),
        ("acknowledged", str(summary.acknowledgements)),
        ("deadline warnings", str(summary.warnings)),
        ("escalations", str(summary.escalations)),
        ("restocks", str(summary.restocks)),
        ("median time to restock", f"{median:.1f} h" if median is not None else "—"),
        ("gifts", f"{summary.gifts} ({gifts})"),
        ("replies sent", str(summary.replies)),
        ("distributor notifications", str(summary.notifications)),
        ("time", f"{summary.simulated_hours:.0f} simulated hours in {summary.wall_seconds:.0f} wall seconds"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


class DemoClock:
    """The accelerated clock, held at the next moment the demo acts on until the bot has handled it.

    Work takes wall time, which a fast clock turns into hours; holding the clock at each post, scripted move
    and SLA timer makes every one happen at its exact simulated time, whatever the speed."""

    def __init__(self, running: AcceleratedClock) -> None:
        self.running = running
        self._held_at: datetime | None = None

    def now(self) -> datetime:
        running = self.running.now()
        return running if self._held_at is None else min(running, self._held_at)

    def hold_at(self, when: datetime) -> None:
        self._held_at = when

    async def reach(self, when: datetime) -> None:
        """Hold at `when` and wait (in wall time) until the running clock gets there."""
        self.hold_at(max(when, self.now()))
        await asyncio.sleep(self.running.wall_seconds_until(when))


async def next_sla_timer(service: RestockService) -> datetime | None:
    """The earliest moment the SLA sweep has something to do (a warning or escalation)."""
    async with service.database.session() as session:
        return (await session.exec(select(func.min(TicketRow.sla_due_at)))).one()


async def replay(
    bot: RestockBot,
    clock: DemoClock,
    posts: Sequence[Post],
    script: DistributorScript,
    view: DemoView,
    end: datetime,
    speed: float,
) -> None:
    """Step from moment to moment until `end`: hand over the posts due, play the distributors' moves,
    run the inbox, SLA sweep and delivery, and refresh the view."""
    waiting = deque(posts)
    service = bot.service
    tick = timedelta(seconds=REFRESH_SECONDS * speed)
    while True:
        handled = clock.now()  # timers and moves up to here were dealt with at the last moment
        timer = await next_sla_timer(service)
        moments = [clock.running.now() + tick, *script.upcoming(view.lines)]
        moments += [timer] if timer is not None else []
        moments = [m for m in moments if m > handled]
        moments += [max(waiting[0].created_at, handled)] if waiting else []  # a post not yet handed over is due
        moment = min([end, *moments])
        await clock.reach(moment)
        while waiting and waiting[0].created_at <= moment:
            await bot.inbox.accept(waiting.popleft())
        await service.process_pending()
        await script.play_due(service, await view.refresh(service), moment)
        await service.sweep_sla()
        await service.deliver_outboxes()
        await view.refresh(service)
        if moment >= end:
            return


async def run_demo(options: DemoOptions, console: Console) -> DemoSummary:
    """Run the whole demo and return its summary (the live table and feed go to `console`)."""
    if options.speed <= 0:
        raise DemoError(f"--speed must be above 0, got {options.speed}")
    posts, bad = await read_demo_posts(options.posts)
    for line in bad:
        console.print(f"[yellow]{line}: skipped[/]")
    start, end = posts[0].created_at, posts[-1].created_at + AFTER_LAST_POST
    products = {p.sku: p.name for p in load_products(DATA_DIR / "products.csv")}
    clock = DemoClock(AcceleratedClock(start, options.speed))
    view = DemoView(console, clock, start, end, products)
    replies = RecordedReplies(CHANNEL, show=lambda text: view.show(f"[cyan]{text}[/]"))
    distributors = DemoDistributors()
    script = DistributorScript(DISTRIBUTOR_MOVES, view.show)
    port = port_or_free(options.host, options.port) if options.web else options.port
    if options.web and port != options.port:
        console.print(f"[yellow]port {options.port} is busy; serving the board on a free port instead[/]")
    wall_start = time.monotonic()
    with demo_database(options.db) as url:
        settings = demo_settings(url, replace(options, port=port))
        bot = RestockBot(
            settings, clock=clock, notifier=distributors, senders=[replies], serve_web=options.web, demo=True
        )
        try:
            await bot.initialize()
            # a claim counts as abandoned after a wall minute, not after minutes of the fast clock
            bot.service.stale_after = timedelta(seconds=60 * options.speed)
            # simulated time starts now, not when loading triage began
            clock.running.jump(start - clock.running.now())
            clock.hold_at(start)  # and waits there while the jobs start: the replay's first moment moves it on
            await bot.start()
            wall = (end - start).total_seconds() / options.speed
            console.print(
                f"Replaying {len(posts)} posts from {sim_time(start)} to {sim_time(end)} "
                f"at {options.speed:g}× (≈{wall:.0f} s); database {url}"
            )
            if bot.url:
                console.print(f"[bold]Board: {bot.url}/[/]  (gifts: {bot.url}/gifts)")
            summary = await _watch(bot, clock, posts, script, view, end, options.speed, console)
        finally:
            await bot.stop()
        summary.posts, summary.bad_lines = len(posts), len(bad)
        summary.replies, summary.notifications = len(replies.sent), len(distributors.events)
        summary.simulated_hours = (end - start).total_seconds() / 3600
        summary.wall_seconds = time.monotonic() - wall_start
        summary.database_url = url
    return summary


async def _watch(
    bot: RestockBot,
    clock: DemoClock,
    posts: Sequence[Post],
    script: DistributorScript,
    view: DemoView,
    end: datetime,
    speed: float,
    console: Console,
) -> DemoSummary:
    """The replay, under a live table when on a terminal (else the table once at the end), then the counts."""
    if console.is_terminal:
        with Live(view, console=console, refresh_per_second=4):
            await replay(bot, clock, posts, script, view, end, speed)
    else:
        await replay(bot, clock, posts, script, view, end, speed)
        console.print(view.tickets_table())
    return await count_summary(bot.service, DemoSummary())

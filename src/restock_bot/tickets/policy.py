"""A ticket's policy: its SLA, the escalation ladder with each rung's contacts, quiet hours, reopening.

Quiet hours hold notifications to people, never the clock: deadlines, warnings and escalations are
recorded on time and their notifications wait until the quiet hours end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from restock_bot.tickets.sla import SlaPolicy


@dataclass(frozen=True, slots=True)
class Tier:
    """One rung of the escalation ladder: its name, who is emailed when it is reached and the webhook (if any)
    told of it."""

    name: str
    emails: tuple[str, ...] = ()
    webhook_url: str | None = None


@dataclass(frozen=True, slots=True)
class QuietHours:
    """From `start` to `end` local time in `timezone` (may run past midnight) nobody is notified."""

    start: time
    end: time
    timezone: str = "UTC"

    def holds(self, at: datetime) -> bool:
        """Whether `at` falls in the quiet hours."""
        local = at.astimezone(ZoneInfo(self.timezone)).time().replace(tzinfo=None)
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def release_time(self, at: datetime) -> datetime:
        """`at` itself outside the quiet hours, else the moment they end (UTC)."""
        if not self.holds(at):
            return at
        zone = ZoneInfo(self.timezone)
        local = at.astimezone(zone)
        end = datetime.combine(local.date(), self.end, tzinfo=zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=zone)
        return end.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class TicketPolicy:
    """Everything that decides a ticket's timing and who hears of it, for one store."""

    sla: SlaPolicy = field(default_factory=SlaPolicy)
    ladder: tuple[Tier, ...] = (Tier("distributor"), Tier("area_manager"), Tier("regional_head"))
    quiet_hours: QuietHours | None = None
    reopen_days: float = 7.0

    @property
    def ladder_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.ladder)

    def rung(self, tier: int) -> Tier | None:
        """Rung `tier` (1-based) of the ladder, None past its top."""
        return self.ladder[tier - 1] if 1 <= tier <= len(self.ladder) else None

    def send_time(self, at: datetime) -> datetime:
        """When a notification decided at `at` may go out (after the quiet hours, if any)."""
        return self.quiet_hours.release_time(at) if self.quiet_hours else at

"""index only tickets with an SLA timer: the sweep reads the due tickets, not every open one

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CLOSED = ("restocked", "not_a_stockout")


def upgrade() -> None:
    # A closed ticket has nothing due; clear timers left over so the partial index holds only live ones.
    tickets = sa.table("tickets", sa.column("sla_due_at"), sa.column("state"))
    op.execute(tickets.update().where(tickets.c.state.in_(_CLOSED)).values(sla_due_at=None))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_sla_due_at"))
        batch_op.create_index(
            "ix_tickets_due",
            ["sla_due_at"],
            unique=False,
            postgresql_where=sa.text("sla_due_at IS NOT NULL"),
            sqlite_where=sa.text("sla_due_at IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_due")
        batch_op.create_index(batch_op.f("ix_tickets_sla_due_at"), ["sla_due_at"], unique=False)

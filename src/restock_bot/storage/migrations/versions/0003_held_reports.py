"""held reports: reports the rate caps kept from opening a ticket, with the reason

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 00:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "held_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_row_id", sa.Integer(), nullable=False),
        sa.Column("reporter", sa.String(), nullable=False),
        sa.Column("reporter_name", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("store_id", sa.String(), nullable=False),
        sa.Column("sku", sa.String(), nullable=True),
        sa.Column("brand", sa.String(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cap", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["post_row_id"], ["posts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_row_id"),
    )
    with op.batch_alter_table("held_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_held_reports_held_at"), ["held_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_held_reports_reporter"), ["reporter"], unique=False)
        batch_op.create_index(batch_op.f("ix_held_reports_store_id"), ["store_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("held_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_reports_store_id"))
        batch_op.drop_index(batch_op.f("ix_held_reports_reporter"))
        batch_op.drop_index(batch_op.f("ix_held_reports_held_at"))
    op.drop_table("held_reports")

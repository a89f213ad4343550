"""Signed action links that were used: a link's nonce acts once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from restock_bot.storage.database import insert_new
from restock_bot.storage.tables import ActionLinkUseRow


async def use_link(
    session: AsyncSession, *, nonce: str, ticket_id: int, action: str, used_by: str, at: datetime
) -> bool:
    """Record that the link with `nonce` acted; False when it had acted before."""
    values = {"nonce": nonce, "ticket_id": ticket_id, "action": action, "used_by": used_by, "used_at": at}
    return await insert_new(session, ActionLinkUseRow, values, ["nonce"]) is not None


async def link_use(session: AsyncSession, nonce: str) -> ActionLinkUseRow | None:
    """When and by whom the link with `nonce` was used, if it was."""
    return (await session.exec(select(ActionLinkUseRow).where(ActionLinkUseRow.nonce == nonce))).first()

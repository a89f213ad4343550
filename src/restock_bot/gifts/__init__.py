"""Thank-you gifts for reporters whose report led to a restock: eligibility, abuse guard, queue, CSV."""

from restock_bot.gifts.eligibility import GiftPolicy, ReporterRecord, Verdict, assess_gift
from restock_bot.gifts.export import gifts_csv
from restock_bot.gifts.queue import Gift, GiftState, IllegalGiftTransition, approve, hold, reject, ship

__all__ = [
    "Gift",
    "GiftPolicy",
    "GiftState",
    "IllegalGiftTransition",
    "ReporterRecord",
    "Verdict",
    "approve",
    "assess_gift",
    "gifts_csv",
    "hold",
    "reject",
    "ship",
]

"""Triage: is a post a stock-out report, of which product, at which known store?"""

from restock_bot.triage.decision import Action, Candidate, Decision

__all__ = ["Action", "Candidate", "Decision"]

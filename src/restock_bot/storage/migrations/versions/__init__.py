"""One module per schema change, oldest first (`restock-bot db revision MESSAGE` writes the next)."""

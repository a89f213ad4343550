"""The operators' commands beside `run`: db, tickets, outbox, reporters, replay and stores geocode."""

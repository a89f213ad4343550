"""Channels: where posts come in (X, inbound webhook, replay file) and replies go out."""

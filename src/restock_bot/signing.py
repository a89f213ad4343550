"""The HMAC-SHA256 signature on every webhook body Restock Bot sends or accepts."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Restock-Signature"
TIMESTAMP_HEADER = "X-Restock-Timestamp"  # Unix seconds; signed with the body, so an old delivery cannot be replayed


def sign_body(secret: str, body: bytes) -> str:
    """The `X-Restock-Signature` value for `body`: `sha256=<hex HMAC-SHA256 of the raw body>`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, body: bytes, signature: str | None) -> bool:
    """True when `signature` (the header value) is the HMAC of the raw `body` under `secret`."""
    if not signature:
        return False
    return hmac.compare_digest(sign_body(secret, body), signature.strip())


def timestamped(timestamp: str, body: bytes) -> bytes:
    """What a timestamped signature covers: `<timestamp>.<raw body>`."""
    return timestamp.encode("ascii") + b"." + body


def sign_timestamped(secret: str, timestamp: int | str, body: bytes) -> str:
    """The `X-Restock-Signature` value for a body sent with `X-Restock-Timestamp: <timestamp>`."""
    return sign_body(secret, timestamped(str(timestamp), body))

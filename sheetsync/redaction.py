"""Secrets never reach a log line: one registry of known secret values, one `redact`.

Known secrets (the webhook URL and its path, registered when loaded) and anything shaped
like a Slack webhook, a bearer token, a Google access token, a token or password field
or a private key become `<redacted>`. sheetsync's log formatters (`ops.logs`) pass every
line through `redact`; `RedactingFilter` does the same for a library logger whose lines
may reach someone else's handler (httpx logs each request's URL at INFO).

The registry is process-wide on purpose: logging is too.
"""

from __future__ import annotations

import logging
import re
import threading

REDACTED = "<redacted>"
MIN_SECRET = 8  # shorter strings would redact ordinary words
_PATTERNS = (
    re.compile(r"https?://hooks\.slack(?:-gov)?\.com/\S+", re.IGNORECASE),
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\bya29\.[A-Za-z0-9._-]+"),  # Google OAuth access tokens
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|id_token|private_key|password)[\"']?\s*[:=]\s*[\"']?)"
        r"[^\s\"',}]+"
    ),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Never print `value` (e.g. the webhook URL once loaded) in any log line."""
    value = value.strip()
    if len(value) >= MIN_SECRET:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)  # a longer secret may hold a shorter
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(_replacement, text)
    return text


def _replacement(found: re.Match[str]) -> str:
    # Keep the label ("Bearer ", "access_token=") so the line still says what was there.
    return (found.group(1) if found.lastindex else "") + REDACTED


class RedactingFilter(logging.Filter):
    """Redacts a record's message in place, whichever handler will format it."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        clean = redact(text)
        if clean != text:
            record.msg, record.args = clean, None
        return True


_FILTER = RedactingFilter()


def redact_logger(name: str) -> None:
    """Put the redacting filter on logger `name` (once, however often asked)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)

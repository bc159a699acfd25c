"""The one redaction path: the log formatters and the library-logger filter share it."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from sheetsync.notify.slack import SlackWebhookNotifier
from sheetsync.redaction import REDACTED, RedactingFilter, redact, redact_logger, register_secret

SECRET = "https://chat.example.test/hook/T0CANARY/B0CANARY/RedactionCanary42"


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("posting to https://hooks.slack.com/services/T1/B2/abcdef", "T1/B2/abcdef"),
        ("Authorization: Bearer ya29.a0AfH6SMBx", "a0AfH6SMBx"),
        ('{"access_token": "tok-123456", "expires_in": 3599}', "tok-123456"),
        ("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----", "MIIE"),
    ],
)
def test_secret_shapes_are_redacted_whatever_logs_them(text: str, leak: str) -> None:
    assert leak not in redact(text)
    assert REDACTED in redact(text)


def test_a_registered_secret_is_redacted_and_a_short_value_is_not_registered() -> None:
    register_secret(f"  {SECRET}  ")
    register_secret("abc")  # would blank out ordinary words
    assert redact(f"sent to {SECRET}.") == f"sent to {REDACTED}."
    assert redact("abc def") == "abc def"


@pytest.fixture
def foreign_handler() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger with a plain handler of someone else's (no sheetsync formatter)."""
    logger = logging.getLogger("sheetsync.test.redaction")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, out
    logger.removeHandler(handler)
    logger.filters.clear()
    logger.propagate = True


def test_the_filter_redacts_before_any_handler_formats_the_line(
    foreign_handler: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, out = foreign_handler
    register_secret(SECRET)
    redact_logger(logger.name)
    redact_logger(logger.name)  # asked twice, installed once
    assert sum(isinstance(f, RedactingFilter) for f in logger.filters) == 1
    logger.info('HTTP Request: POST %s "HTTP/1.1 200 OK"', SECRET)
    logger.info("nothing secret %d", 42)
    assert SECRET not in out.getvalue() and REDACTED in out.getvalue()
    assert "nothing secret 42" in out.getvalue()


def test_a_slack_notifier_redacts_its_url_in_httpx_lines_for_any_handler() -> None:
    url = "https://hooks.example.test/services/T9/B9/NotifierCanary77"
    SlackWebhookNotifier(SecretStr(url))
    httpx_logger = logging.getLogger("httpx")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    httpx_logger.addHandler(handler)
    level = httpx_logger.level
    httpx_logger.setLevel(logging.INFO)
    try:
        httpx_logger.info('HTTP Request: POST %s "HTTP/1.1 200 OK"', url)
    finally:
        httpx_logger.removeHandler(handler)
        httpx_logger.setLevel(level)
    assert "NotifierCanary77" not in out.getvalue() and REDACTED in out.getvalue()

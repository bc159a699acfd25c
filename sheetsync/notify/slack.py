"""Posts the summary to a Slack incoming webhook (httpx).

Retries 429, 5xx and network errors, bounded in attempts and total time, honouring
`Retry-After`. 404/410 mean the webhook was revoked or its channel archived: that
is permanent, logged once, and later messages are not attempted. The webhook URL
is a secret (it alone lets anyone post): it is never logged or put in an error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from sheetsync.errors import NotifierError
from sheetsync.notify.port import Message
from sheetsync.retry_after import retry_after_seconds

log = logging.getLogger(__name__)


class _RedactSecrets(logging.Filter):
    """httpx logs every request's URL at INFO; a webhook URL's path is its secret."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(secret in text for secret in self.secrets):
            for secret in sorted(self.secrets, key=len, reverse=True):
                text = text.replace(secret, "<redacted>")
            record.msg, record.args = text, None
        return True


_REDACT = _RedactSecrets()
logging.getLogger("httpx").addFilter(_REDACT)
Sleep = Callable[[float], None]
Monotonic = Callable[[], float]
REVOKED = (404, 410)


class SlackWebhookNotifier:
    def __init__(
        self,
        webhook_url: SecretStr,
        *,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        max_attempts: int = 4,
        max_total_seconds: float = 60.0,
        sleep: Sleep = time.sleep,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self._url = webhook_url
        path = urlsplit(webhook_url.get_secret_value()).path
        _REDACT.secrets.update(s for s in (webhook_url.get_secret_value(), path) if len(s) > 1)
        self._client = client or httpx.Client(timeout=timeout)
        self._max_attempts = max_attempts
        self._budget = max_total_seconds
        self._sleep = sleep
        self._monotonic = monotonic
        self._revoked: int | None = None  # the status that revoked the webhook

    def send(self, message: Message) -> None:
        if self._revoked is not None:
            raise NotifierError(f"Slack webhook unusable (HTTP {self._revoked})", permanent=True)
        started = self._monotonic()
        problem = "no attempt made"
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = self._client.post(self._url.get_secret_value(), json=message.payload())
            except httpx.TransportError as exc:
                problem, wait = f"network error ({type(exc).__name__})", 1.0 * attempt
            except (httpx.InvalidURL, ValueError):  # its text would quote the URL
                log.error("the Slack webhook URL is not a valid URL; check the configuration")
                raise NotifierError("Slack webhook URL is not valid", permanent=True) from None
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return
                body = response.text[:100]
                if status in REVOKED:
                    self._revoked = status
                    log.error(
                        "Slack webhook answered HTTP %s (%s): the webhook was revoked or its "
                        "channel archived. Create a new incoming webhook and update "
                        "SHEETSYNC_SLACK_WEBHOOK_URL; no more messages are sent until then.",
                        status,
                        body,
                    )
                    raise NotifierError(f"Slack webhook revoked (HTTP {status})", permanent=True)
                if status != 429 and status < 500:
                    log.error("Slack refused the message: HTTP %s (%s)", status, body)
                    refused = f"Slack refused the message (HTTP {status})"
                    raise NotifierError(refused, permanent=True)
                problem, wait = f"HTTP {status}", _wait(response, 2.0 * attempt)
            spent = self._monotonic() - started
            if attempt == self._max_attempts or spent + wait > self._budget:
                break
            log.info("Slack: %s; retrying in %.1f s", problem, wait)
            self._sleep(wait)
        log.warning("Slack message not delivered: %s (gave up after %d attempts)", problem, attempt)
        raise NotifierError(f"Slack message not delivered: {problem}")


def _wait(response: httpx.Response, default: float) -> float:
    seconds = retry_after_seconds(response.headers.get("Retry-After"))
    return default if seconds is None else seconds

"""Google API failures → retry or one actionable SheetAccessError line.

classify: which failures are worth another attempt (429, 5xx including HTML error
pages, 408, timeouts and connection errors, retryable token refreshes).
translate: everything else becomes a message saying what to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import requests
from google.auth.exceptions import RefreshError, TransportError
from gspread.exceptions import APIError

from sheetsync.errors import GaveUp, SheetAccessError, TransientSheetError
from sheetsync.retry import Transient, retry_after_seconds


@dataclass(frozen=True)
class Target:
    """What the messages talk about."""

    spreadsheet: str
    worksheet: str
    account: str | None


def status_of(exc: APIError) -> int:
    """The HTTP status; gspread's `code` is -1 when the body was not JSON (HTML pages)."""
    status = getattr(exc.response, "status_code", None)
    return status if isinstance(status, int) else int(exc.code)


def api_message(exc: APIError) -> str:
    status = status_of(exc)
    if exc.code == -1:
        return f"HTTP {status} (non-JSON error page)"
    text = " ".join(str(exc.error.get("message", "")).split())
    return text[:300] or f"HTTP {status}"


# The Transient reasons of `classify` that mean no network path to Google.
_NETWORK = ("timed out", "connection failed", "token endpoint unreachable")


def classify(exc: Exception) -> Transient | None:
    if isinstance(exc, APIError):
        status = status_of(exc)
        if status == 429 or status == 408 or status >= 500:
            headers = getattr(exc.response, "headers", None) or {}
            wait = retry_after_seconds(headers.get("Retry-After"))
            return Transient(f"HTTP {status}", wait)
        return None
    if isinstance(exc, requests.exceptions.Timeout):
        return Transient("timed out")
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return Transient("connection failed")
    if isinstance(exc, RefreshError):
        return Transient("token refresh failed") if getattr(exc, "retryable", False) else None
    if isinstance(exc, TransportError):
        return Transient("token endpoint unreachable")
    return None


def translate(exc: Exception, target: Target, action: str) -> SheetAccessError:
    """One actionable line for a failure of `action` ("read", "write", …)."""
    account = target.account or "the service account"
    where = f"spreadsheet {target.spreadsheet}"
    if isinstance(exc, GaveUp):
        network = exc.reason in _NETWORK
        return TransientSheetError(
            f"Google Sheets {action} of {where} failed: {exc}; nothing more was written, "
            "the next sync retries",
            cause="unreachable" if network else "unavailable",
        )
    if isinstance(exc, APIError):
        status, message = status_of(exc), api_message(exc)
        if status == 403 and _api_disabled(exc):
            return SheetAccessError(
                "the Google Sheets API is not enabled for the service account's project: "
                "enable it in Google Cloud console → APIs & Services → Library → "
                "Google Sheets API, then wait a few minutes",
                cause="api-disabled",
            )
        if status == 403:
            return SheetAccessError(
                f"{account} was refused the {action} of {where}: "
                f"share the sheet with {account} as Editor",
                cause="not-shared",
            )
        if status == 404:
            return SheetAccessError(
                f"{where} not found: check sheet.spreadsheet (the key between /d/ and /edit "
                "in the sheet's URL)",
                cause="not-found",
            )
        if status == 401:
            return SheetAccessError(
                f"Google did not accept the credentials of {account}: the key may be revoked; "
                "create a new JSON key",
                cause="bad-key",
            )
        return SheetAccessError(
            f"Google Sheets refused the {action} of {where} / {target.worksheet} "
            f"(HTTP {status}): {message}"
        )
    if isinstance(exc, RefreshError):
        return SheetAccessError(
            f"Google refused an access token for {account} ({_oauth_error(exc)}): the key may "
            "be deleted or disabled, or the clock of this machine wrong; create a new JSON key",
            cause="bad-key",
        )
    return SheetAccessError(f"Google Sheets {action} of {where} failed: {type(exc).__name__}")


def _api_disabled(exc: APIError) -> bool:
    text = str(exc.error.get("message", "")) + str(exc.error.get("details", ""))
    return "SERVICE_DISABLED" in text or "has not been used" in text or "is disabled" in text


def _oauth_error(exc: RefreshError) -> str:
    """Only the OAuth error code (e.g. invalid_grant): the rest may echo request data."""
    first = str(exc.args[0]) if exc.args else ""
    found = re.match(r"\s*([a-z_]+)\b", first)
    return found.group(1) if found else "refused"

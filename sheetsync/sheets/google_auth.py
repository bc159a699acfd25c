"""Google credentials for the Sheets backend: a service-account key file, else ADC.

Errors name the file and what is wrong with it, never its contents.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import google.auth
from google.auth.credentials import Credentials
from google.auth.exceptions import DefaultCredentialsError
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2 import service_account

from sheetsync.errors import SheetAccessError
from sheetsync.sheets.bounded_http import MAX_ANSWER_BYTES, bounded_session, mount

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
ENV_KEY_FILE = "GOOGLE_APPLICATION_CREDENTIALS"
_REQUIRED = ("client_email", "private_key", "token_uri")


@dataclass(frozen=True)
class GoogleCredentials:
    credentials: Credentials
    account: str | None  # the e-mail to share the sheet with, when known
    source: str  # where they came from, for `sheetsync doctor`


def load_credentials(
    key_file: Path | None, environ: Mapping[str, str] | None = None
) -> GoogleCredentials:
    """The configured key file, else $GOOGLE_APPLICATION_CREDENTIALS, else the
    application-default credentials of the machine (gcloud, GCE metadata)."""
    env = os.environ if environ is None else environ
    if key_file is not None:
        return service_account_key(Path(key_file), "sheet.credentials_file")
    if env.get(ENV_KEY_FILE):
        return service_account_key(Path(env[ENV_KEY_FILE]).expanduser(), ENV_KEY_FILE)
    try:
        credentials, _project = google.auth.default(scopes=list(SCOPES))
    except DefaultCredentialsError as exc:
        raise SheetAccessError(
            "no Google credentials: set sheet.credentials_file (or "
            f"{ENV_KEY_FILE}) to a service-account JSON key; see docs/google-sheets.md"
        ) from exc
    email = getattr(credentials, "service_account_email", None)
    account = email if isinstance(email, str) and "@" in email else None
    return GoogleCredentials(credentials, account, "application-default credentials")


def service_account_key(path: Path, setting: str) -> GoogleCredentials:
    where = f"the key file {path} ({setting})"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SheetAccessError(f"{where} does not exist") from exc
    except IsADirectoryError as exc:
        raise SheetAccessError(f"{where} is a folder, not a JSON key file") from exc
    except PermissionError as exc:
        raise SheetAccessError(f"{where} is not readable by this user") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SheetAccessError(f"{where} cannot be read ({type(exc).__name__})") from None
    try:
        info = json.loads(text)
    except json.JSONDecodeError as exc:
        # The decoder's message quotes no content, only the position.
        raise SheetAccessError(
            f"{where} is not valid JSON (line {exc.lineno}): download a new JSON key"
        ) from None
    if not isinstance(info, dict):
        raise SheetAccessError(f"{where} is not a JSON key object")
    kind = info.get("type")
    if kind != "service_account":
        what = (
            f"holds {kind!r} credentials"
            if isinstance(kind, str) and kind
            else 'has no "type" field, so it is not a Google credentials file'
        )
        raise SheetAccessError(
            f"{where} {what}, not a service-account key: create a JSON key for a service "
            "account (IAM → Service accounts → Keys → Add key → JSON; docs/google-sheets.md)"
        )
    missing = [field for field in _REQUIRED if not info.get(field)]
    if missing:
        raise SheetAccessError(f"{where} lacks {', '.join(missing)}: download a new JSON key")
    try:
        from_info = service_account.Credentials.from_service_account_info
        credentials = from_info(info, scopes=list(SCOPES))  # type: ignore[no-untyped-call]
    except (ValueError, TypeError, IndexError) as exc:
        # Library messages may quote the key; say only which kind of problem it was.
        raise SheetAccessError(
            f"{where}: its private_key cannot be loaded ({type(exc).__name__}); "
            "download a new JSON key"
        ) from None
    return GoogleCredentials(credentials, str(info["client_email"]), str(path))


def authorized_session(
    loaded: GoogleCredentials, deadline: float, max_bytes: int = MAX_ANSWER_BYTES
) -> AuthorizedSession:
    """Sheets calls and token refreshes alike get one deadline per exchange and a size
    cap (`bounded_http`)."""
    refreshing = Request(bounded_session(deadline, max_bytes))
    session = AuthorizedSession(  # type: ignore[no-untyped-call]
        loaded.credentials, auth_request=refreshing
    )
    mount(session, deadline, max_bytes)
    return session

"""`sheetsync doctor`: check config, credentials, sheet access and headers; say what to fix.

Reads only: it never writes to the sheet.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sheetsync.app.wiring import google_sheet, guide_planner, sheet_backend
from sheetsync.core.keys import loose_key
from sheetsync.core.layout import Layout, column_letter, locate
from sheetsync.core.values import CellValue
from sheetsync.errors import SheetAccessError, SheetLayoutError, StateError
from sheetsync.ops import versions
from sheetsync.paths import lookable
from sheetsync.settings import Settings
from sheetsync.sheets.google import GoogleSheet
from sheetsync.sheets.google_auth import GoogleCredentials, load_credentials
from sheetsync.sheets.google_guides import GoogleGuides
from sheetsync.sheets.port import SheetBackend, SheetGuides
from sheetsync.sheets.workbook import WorkbookSheet
from sheetsync.sheets.workbook_file import refusal, target
from sheetsync.sheets.xlsx_guides import WorkbookGuides
from sheetsync.state.files import examine
from sheetsync.state.sqlite import SqliteStateStore

Status = Literal["ok", "warn", "fail"]
MARKS: dict[Status, str] = {"ok": "✓", "warn": "!", "fail": "✗"}


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str | None = None


@dataclass(frozen=True)
class Diagnosis:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    def lines(self) -> list[str]:
        out = []
        for check in self.checks:
            out.append(f"{MARKS[check.status]} {check.name}: {check.detail}")
            if check.fix:
                out.append(f"    fix: {check.fix}")
        return out


def _configured_credentials(settings: Settings) -> GoogleCredentials:
    return load_credentials(settings.sheet.credentials_file)


def _configured_google(settings: Settings, credentials: GoogleCredentials) -> SheetBackend:
    # A person is waiting: two tries within ten seconds tell as much as five in two minutes.
    quick = settings.sheet.model_copy(update={"max_attempts": 2, "max_retry_seconds": 10})
    return google_sheet(quick, credentials)


def diagnose(
    settings: Settings,
    credentials: Callable[[Settings], GoogleCredentials] = _configured_credentials,
    open_google: Callable[[Settings, GoogleCredentials], SheetBackend] = _configured_google,
) -> Diagnosis:
    """Every check that can run; stops at the first failure the later ones depend on."""
    sheet = settings.sheet
    checks = [
        Check("versions", "ok", versions.summary()),  # for a bug report
        Check("config", "ok", f"loaded; backend {sheet.backend!r}"),
    ]
    if sheet.backend == "google":
        try:
            creds = credentials(settings)
        except SheetAccessError as exc:
            checks.append(Check("credentials", "fail", str(exc), _KEY_FIX))
            return Diagnosis(tuple(checks))
        who = creds.account or "unknown account (application-default credentials)"
        checks.append(Check("credentials", "ok", f"{who} (from {creds.source})"))
        backend = open_google(settings, creds)
        account = creds.account
    else:
        assert sheet.path is not None
        if not sheet.path.is_file():
            checks.append(
                Check("workbook", "fail", f"{sheet.path} does not exist", "check sheet.path")
            )
            return Diagnosis(tuple(checks))
        checks.extend(workbook_checks(sheet.path))
        backend, account = sheet_backend(settings), None
    share = f"share the sheet with {account} as Editor" if account else None
    try:
        snapshot = backend.read()
    except SheetAccessError as exc:
        checks.append(access_failure(exc, share))
        return Diagnosis(tuple(checks))
    checks.append(Check("access", "ok", f"read {len(snapshot.rows)} rows of {snapshot.title}"))
    checks.extend(header_checks(snapshot.rows, settings))
    guides = _guides(backend, settings)
    if guides is not None:
        checks.append(setup_check(guides, settings))
    if settings.state.path is not None:
        checks.extend(state_checks(settings.state.path))
    if share:
        checks.append(
            Check(
                "sharing",
                "ok",
                f"reading works; writing needs Editor access for {account}",
                f"if the first sync is refused: {share}",
            )
        )
    return Diagnosis(tuple(checks))


def _guides(backend: SheetBackend, settings: Settings) -> SheetGuides | None:
    if isinstance(backend, GoogleSheet):
        return GoogleGuides(backend, settings.sheet.header_row)
    if isinstance(backend, WorkbookSheet):
        return WorkbookGuides(backend)
    return None


def setup_check(guides: SheetGuides, settings: Settings) -> Check:
    """Whether `sheetsync setup` is applied and current (a dry run: changes nothing)."""
    run = "run `sheetsync setup`"
    try:
        outcome = guides.set_up(guide_planner(settings), dry_run=True)
    except SheetLayoutError as exc:
        return Check("setup", "warn", "not applied", str(exc).removesuffix("; nothing was changed"))
    except SheetAccessError as exc:
        return Check("setup", "warn", f"could not be checked: {exc}")
    if outcome.state == "current":
        return Check("setup", "ok", "applied, current (dropdowns, colours, guarded status columns)")
    if outcome.state == "not-applied":
        return Check("setup", "warn", f"not applied: {run}", f"{run} (dropdowns and colours)")
    return Check("setup", "warn", f"outdated: {run}", f"{run} ({len(outcome.changes)} change(s))")


def access_failure(exc: SheetAccessError, share: str | None) -> Check:
    """The failed read as the check it tells about, with the fix for its real cause."""
    name, fix = _CAUSES.get(exc.cause or "", ("access", None))
    return Check(name, "fail", str(exc), share if exc.cause == "not-shared" else fix)


_CAUSES: dict[str, tuple[str, str | None]] = {
    "unreachable": (
        "network",
        "this machine cannot reach Google (oauth2.googleapis.com, sheets.googleapis.com): "
        "check its internet access, DNS, firewall and proxy (HTTPS_PROXY); the sheet's "
        "sharing is not the problem",
    ),
    "unavailable": (
        "google",
        "Google answered with errors (429/5xx) every time: wait a few minutes and run "
        "`sheetsync doctor` again; see status.cloud.google.com",
    ),
    "api-disabled": (
        "api",
        "enable the Google Sheets API in the service account's Google Cloud project "
        "(console → APIs & Services → Library → Google Sheets API), then wait a few minutes",
    ),
    "bad-key": (
        "credentials",
        "Google refuses this key: it was deleted or disabled, or this machine's clock is "
        "wrong; check the clock, else create a new JSON key (docs/google-sheets.md)",
    ),
    "not-found": (
        "spreadsheet",
        "check sheet.spreadsheet: the key between /d/ and /edit in the sheet's URL",
    ),
    "not-shared": ("access", None),  # the share hint, filled in with the account
}


_KEY_FIX = (
    "create a JSON key for the service account and set sheet.credentials_file "
    "(or GOOGLE_APPLICATION_CREDENTIALS); see docs/google-sheets.md"
)


def workbook_checks(path: Path) -> list[Check]:
    """Can a sync replace the workbook: the file itself, and the folder that holds the
    new copy while it is written (a sync writes it beside the old one, then renames)."""
    real = target(path)
    why = refusal(real)
    checks = [
        Check("workbook writable", "warn" if why and "is open in" in why else "fail", why)
        if why
        else Check("workbook writable", "ok", f"{real} can be updated")
    ]
    checks.append(_folder_check("workbook folder", real.parent))
    return checks


def state_checks(path: Path) -> list[Check]:
    """What a sync needs of the state store: its folder, and — when they are there — the
    store, its fingerprint key and its lock file, readable and writable by this user.
    Nothing is created or changed."""
    checks = [state_folder_check(path)]
    try:
        path.stat()
    except FileNotFoundError:
        return checks  # the first sync creates it, in the folder checked above
    except OSError:
        pass  # examine says what is wrong, with the path
    try:
        examine(path)  # the file is there: examining creates and changes nothing
    except StateError as exc:
        return [*checks, Check("state store", "fail", str(exc))]
    checks.append(Check("state store", "ok", f"{path} can be read and written"))
    store = SqliteStateStore(path, read_only=True)
    for name, file in (("fingerprint key", store.key_path), ("lock file", store.lock_path)):
        try:
            info = file.stat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            checks.append(Check(name, "fail", f"cannot look at {file}: {exc.strerror}"))
            continue
        if not file.is_file() or not os.access(file, os.R_OK | os.W_OK):
            checks.append(
                Check(
                    name,
                    "fail",
                    f"{file} is not a file this user may read and write (owner uid "
                    f"{info.st_uid}, mode {info.st_mode & 0o777:o})",
                    "give the user running sheetsync read and write access to it",
                )
            )
    return checks


def state_folder_check(path: Path) -> Check:
    """The state store's folder (or the nearest one a sync would create it in, or the
    nearest this user may look at: one below a folder it may not enter cannot be)."""
    folder = path.parent
    while not lookable(folder) and folder != folder.parent:
        folder = folder.parent
    return _folder_check("state folder", folder, f"for {path}")


def _folder_check(name: str, folder: Path, purpose: str = "") -> Check:
    usable = folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)
    if usable:
        return Check(name, "ok", f"{folder} is writable {purpose}".rstrip())
    return Check(
        name,
        "fail",
        f"{folder} is not writable for this user {purpose}".rstrip(),
        f"give the user running sheetsync write access to {folder}",
    )


def header_checks(rows: Sequence[Sequence[CellValue]], settings: Settings) -> list[Check]:
    """Headers found vs expected, with close matches for the misspelt ones."""
    try:
        layout = locate(rows, settings.columns, settings.status_columns, settings.sheet.header_row)
    except SheetLayoutError as exc:
        return [Check("headers", "fail", str(exc), "fix the header row or the [columns] setting")]
    checks = [
        Check(
            "headers",
            "ok",
            f"header row {layout.header_row}; found {len(layout.columns)} of "
            f"{len(settings.columns.model_dump())} input columns",
        )
    ]
    unclaimed = _unclaimed(layout)
    absent = []
    for key, expected in settings.columns.model_dump().items():
        if key in layout.columns:
            continue
        guess = _closest(expected, unclaimed)
        if guess is None:
            absent.append(repr(expected))
            continue
        col, header = guess
        checks.append(
            Check(
                f"column {expected!r}",
                "warn",
                f"not found; column {column_letter(col)} is headed {header!r}",
                f"rename that header to {expected!r}, or set columns.{key} = {header!r}",
            )
        )
    if absent:
        checks.append(
            Check(
                "optional columns",
                "warn",
                f"not in the sheet (their data counts as missing): {', '.join(absent)}",
            )
        )
    if layout.appended:
        names = ", ".join(repr(layout.status_labels[k]) for k in layout.appended)
        checks.append(Check("status columns", "ok", f"the first sync appends {names}"))
    return checks


def _unclaimed(layout: Layout) -> list[tuple[int, str]]:
    used = set(layout.columns.values()) | {
        c for k, c in layout.status.items() if k not in layout.appended
    }
    return [(col, h) for col, h in enumerate(layout.headers) if h and col not in used]


def _closest(expected: str, headers: list[tuple[int, str]]) -> tuple[int, str] | None:
    keys = {loose_key(h): (col, h) for col, h in headers}
    found = difflib.get_close_matches(loose_key(expected), list(keys), n=1, cutoff=0.75)
    return keys[found[0]] if found else None

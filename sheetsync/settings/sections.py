"""The sections of the settings model: what each `[table]` of the TOML file holds.

Each section is a frozen model that rejects unknown keys, so a typo in the file is an
error naming the key rather than a setting silently ignored.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import idna
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

WHOIS_PORT = 43
_CLOCK_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SheetSettings(_Section):
    """The client sheet: a local workbook or a Google spreadsheet (docs/google-sheets.md)."""

    backend: Literal["workbook", "google"] = Field(
        "workbook", description="Where the sheet lives: a local .xlsx file or Google Sheets."
    )
    path: Path | None = Field(None, description="The .xlsx file (workbook backend).")
    worksheet: str | None = Field(None, description="Worksheet title; the first one if unset.")
    header_row: int = Field(0, ge=0, description="1-based; 0 finds it in the first 10 rows.")
    # Google Sheets backend (see docs/google-sheets.md)
    spreadsheet: str | None = Field(None, description="Spreadsheet key or its full URL.")
    gid: int | None = Field(None, ge=0, description="Worksheet id (the #gid= of its URL).")
    credentials_file: Path | None = Field(
        None, description="Service-account JSON key; else GOOGLE_APPLICATION_CREDENTIALS / ADC."
    )
    timeout_seconds: float = Field(
        30,
        gt=0,
        le=600,
        description="Deadline of each request to Google, the whole answer included.",
    )
    max_attempts: int = Field(5, ge=1, le=20, description="Tries per request (429/5xx/timeout).")
    max_retry_seconds: float = Field(
        120, gt=0, le=3600, description="Give up retrying a request after this long."
    )

    @model_validator(mode="after")
    def _backend_needs(self) -> SheetSettings:
        if self.backend == "workbook" and self.path is None:
            raise ValueError("sheet.path is required for the workbook backend")
        if self.backend == "google":
            if not self.spreadsheet:
                raise ValueError(
                    "sheet.spreadsheet (the spreadsheet's key or URL) is required "
                    "for the google backend"
                )
            if spreadsheet_key(self.spreadsheet) is None:
                raise ValueError(
                    f"sheet.spreadsheet {self.spreadsheet!r} is neither a spreadsheet key nor "
                    "a https://docs.google.com/spreadsheets/d/<key>/… URL"
                )
            if self.worksheet is not None and self.gid is not None:
                raise ValueError("set sheet.worksheet or sheet.gid, not both")
        return self

    @property
    def spreadsheet_key(self) -> str | None:
        return spreadsheet_key(self.spreadsheet) if self.spreadsheet else None

    @property
    def worksheet_gid(self) -> int | None:
        """The configured gid, else one in the pasted URL when no title was given."""
        if self.gid is not None or self.worksheet is not None or not self.spreadsheet:
            return self.gid
        found = re.search(r"[#&?]gid=(\d+)", self.spreadsheet)
        return int(found.group(1)) if found else None


_KEY = re.compile(r"[A-Za-z0-9_-]{20,}")
_URL_KEY = re.compile(r"^https://docs\.google\.com/spreadsheets/d/([A-Za-z0-9_-]+)")


def spreadsheet_key(text: str) -> str | None:
    """The spreadsheet key from a bare key or a docs.google.com URL; None if neither."""
    text = text.strip()
    found = _URL_KEY.match(text)
    if found:
        return found.group(1)
    return text if _KEY.fullmatch(text) else None


class DomainSettings(_Section):
    """How domain availability is decided: not at all (`offline`), from a file, or by
    asking the registries (`live`: RDAP where IANA lists a server, else WHOIS)."""

    checker: Literal["offline", "file", "live"] = Field(
        "live", description="live: ask the registries; file: verdicts_file; offline: unknown."
    )
    verdicts_file: Path | None = Field(
        None, description="TOML table of domain = 'available'|'registered' (checker = 'file')."
    )
    rdap_servers: dict[str, str] = Field(
        default_factory=dict, description="TLD → RDAP base URL; wins over IANA's bootstrap."
    )
    whois_servers: dict[str, str] = Field(
        default_factory=dict, description="TLD → WHOIS 'host:port'; wins over the built-in table."
    )
    timeout_seconds: float = Field(
        10,
        gt=0,
        le=600,
        description="Overall deadline per query: connect, headers and body together.",
    )
    pass_budget_seconds: float = Field(
        120,
        gt=0,
        le=86_400,
        description="All of a pass's queries: none runs past it; names not asked stay unknown.",
    )
    concurrency_per_server: int = Field(
        4, ge=1, le=32, description="Queries at once to one server."
    )
    requests_per_minute: int = Field(60, ge=1, description="Per server unless rate_limits says.")
    rate_limits: dict[str, int] = Field(
        default_factory=lambda: {"eu": 15, "hu": 30},
        description="TLD → queries per minute to its server (.eu allows 15).",
    )
    retry_after_max_seconds: float = Field(
        30, ge=0, le=3600, description="Wait and ask again when a server says retry within this."
    )
    max_attempts: int = Field(2, ge=1, le=5, description="Tries per name when asked to wait.")
    available_ttl_hours: float = Field(
        1, ge=0, le=8760, description="How long a 'free' verdict is reused (0: never cached)."
    )
    registered_ttl_hours: float = Field(
        24, ge=0, le=8760, description="How long a 'taken' verdict is reused (0: never cached)."
    )
    bootstrap_refresh: bool = Field(
        True, description="Fetch IANA's RDAP bootstrap (else only the shipped copy)."
    )
    bootstrap_url: str = Field(
        "https://data.iana.org/rdap/dns.json", description="Where IANA's bootstrap is fetched."
    )
    bootstrap_max_age_hours: float = Field(
        24, gt=0, le=8760, description="Refresh the bootstrap when older than this."
    )
    cache_dir: Path | None = Field(
        None, description="Where the refreshed RDAP bootstrap is kept (default: user cache)."
    )

    @model_validator(mode="after")
    def _file_needs_path(self) -> DomainSettings:
        if self.checker == "file" and self.verdicts_file is None:
            raise ValueError("domains.verdicts_file is required when domains.checker = 'file'")
        return self

    @field_validator("rdap_servers")
    @classmethod
    def _http_urls(cls, value: dict[str, str]) -> dict[str, str]:
        out = {}
        for tld, url in value.items():
            if not url.lower().startswith(("http://", "https://")):
                raise ValueError(f"{tld}: {url!r} is not an http(s) URL")
            out[_tld_key(tld)] = url
        return out

    @field_validator("whois_servers")
    @classmethod
    def _host_ports(cls, value: dict[str, str]) -> dict[str, str]:
        out = {}
        for tld, where in value.items():
            parse_host_port(where)
            out[_tld_key(tld)] = where
        return out

    @field_validator("rate_limits")
    @classmethod
    def _positive_rates(cls, value: dict[str, int]) -> dict[str, int]:
        if any(rate < 1 for rate in value.values()):
            raise ValueError("rates are queries per minute, at least 1")
        return {_tld_key(tld): rate for tld, rate in value.items()}


def _tld_key(tld: str) -> str:
    """'.HU' and 'hu' name the same TLD; IDN TLDs in their ASCII form."""
    key = tld.strip().strip(".").lower()
    try:
        return idna.encode(key, uts46=True).decode("ascii") if key else key
    except idna.IDNAError as exc:
        raise ValueError(f"{tld!r} is not a TLD") from exc


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_days(expr: str) -> frozenset[int]:
    """'mon-fri', 'mon,wed,fri', 'sat' → weekday numbers (Monday 0)."""
    days: set[int] = set()
    for part in expr.replace(" ", "").lower().split(","):
        first, _, last = part.partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            raise ValueError(f"not a list of days like 'mon-fri': {expr!r}")
        a, b = _DAYS.index(first), _DAYS.index(last or first)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(days)


def clock_window(value: str) -> str:
    """'08:00 - 18:00' → '08:00-18:00'; ValueError unless it is a window within one day."""
    start, sep, end = value.replace(" ", "").partition("-")
    if not sep or not re.match(_CLOCK_TIME, start) or not re.match(_CLOCK_TIME, end):
        raise ValueError("expected 'HH:MM-HH:MM', e.g. '08:00-18:00'")
    if start >= end:
        raise ValueError("the window must end after it starts")
    return f"{start}-{end}"


def known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


class StateSettings(_Section):
    """Where the worker remembers things between syncs (see docs/worker.md)."""

    path: Path | None = Field(
        None, description="SQLite file; unset: sync keeps no memory and sends no summary."
    )


class ScheduleSettings(_Section):
    """When `sheetsync serve` syncs."""

    interval_minutes: float = Field(
        1,
        gt=0,
        le=10_080,
        description="Sync every this many minutes (an unchanged sheet: 1 request).",
    )
    cron: str | None = Field(None, description="Crontab expression; overrides interval_minutes.")
    office_hours: str | None = Field(None, description="'HH:MM-HH:MM': sync only inside it.")
    office_days: str = Field("mon-fri", description="Days office_hours applies to (cron style).")
    timezone: str | None = Field(None, description="Default: the top-level timezone.")
    misfire_grace_seconds: int = Field(
        120, gt=0, description="A sync late by more than this (busy machine) is skipped."
    )
    stop_grace_seconds: float = Field(
        90,
        gt=0,
        le=3600,
        description="On SIGTERM the running sync may finish within this; after it `serve` "
        "exits 1 without it.",
    )

    @field_validator("office_hours")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        return None if value is None else clock_window(value)

    @field_validator("office_days")
    @classmethod
    def _days(cls, value: str) -> str:
        parse_days(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else known_zone(value)

    @field_validator("cron")
    @classmethod
    def _crontab(cls, value: str | None) -> str | None:
        from apscheduler.triggers.cron import CronTrigger

        if value is not None:
            try:
                CronTrigger.from_crontab(value)
            except ValueError as exc:
                raise ValueError(f"not a crontab expression: {exc}") from exc
        return value


class SlackSettings(_Section):
    """The Slack incoming webhook. The URL is a secret: prefer the environment or a file."""

    webhook_url: SecretStr | None = Field(
        None, description="Incoming-webhook URL (secret: prefer SHEETSYNC_SLACK_WEBHOOK_URL)."
    )
    webhook_url_file: Path | None = Field(
        None, description="A file holding the webhook URL (e.g. a container secret)."
    )
    digest_time: str | None = Field("08:30", description="Daily full digest, local 'HH:MM'.")
    summary_window_minutes: float = Field(
        15,
        ge=0,
        le=1440,
        description="Changes wait at most this long and go out as one summary, whatever "
        "the sync interval (0: at once). Alerts never wait.",
    )
    timeout_seconds: float = Field(
        10, gt=0, le=600, description="Deadline of each webhook attempt, the answer included."
    )

    @field_validator("digest_time")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not re.match(_CLOCK_TIME, value):
            raise ValueError("expected 'HH:MM', e.g. '08:30'")
        return value


class ServerSettings(_Section):
    """The health and metrics endpoint of `sheetsync serve` (see docs/operations.md)."""

    enabled: bool = Field(True, description="Serve /healthz and /metrics while `serve` runs.")
    host: str = Field("127.0.0.1", description="Address to listen on (0.0.0.0: every interface).")
    port: int = Field(8080, ge=0, le=65535, description="TCP port; 0 picks a free one.")
    report: bool = Field(
        False,
        description="Also serve the pipeline report at /report (client names: keep it private).",
    )


class HealthSettings(_Section):
    """When `/healthz` and `sheetsync status` call the worker unhealthy."""

    max_sync_age_minutes: float = Field(
        60,
        gt=0,
        le=525_600,
        description="Unhealthy when the last successful sync is older than this "
        "(judged only inside office hours, if set).",
    )
    max_failed_syncs: int = Field(
        3, ge=1, description="Unhealthy when this many syncs in a row have failed."
    )
    max_pass_minutes: float = Field(
        15,
        gt=0,
        le=10_080,
        description="Unhealthy while a sync pass has run longer than this (it is stuck); "
        "judged by `serve`'s /healthz.",
    )


def parse_host_port(value: str) -> tuple[str, int]:
    """`host`, `host:port` or `[v6]:port` → (host, port). Raises ValueError."""
    value = value.strip()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":") or str(WHOIS_PORT)
    elif value.count(":") == 1:
        host, port = value.split(":")
    elif ":" in value:  # only a bare IPv6 address may hold several colons
        ipaddress.IPv6Address(value)  # raises ValueError
        host, port = value, str(WHOIS_PORT)
    else:
        host, port = value, str(WHOIS_PORT)
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"not host:port: {value!r}")
    return host, int(port)

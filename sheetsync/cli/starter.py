"""`sheetsync init`: a commented starting config for one backend.

Rendering is pure (answers → text); `write_new` refuses to replace an existing file
unless told to. The CLI asks for what is missing on a terminal, or takes flags.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sheetsync.errors import ExistingFiles
from sheetsync.paths import missing

Backend = Literal["workbook", "google"]


@dataclass(frozen=True)
class Answers:
    backend: Backend
    workbook: str | None = None  # the .xlsx path (workbook)
    spreadsheet: str | None = None  # key or URL (google)
    credentials_file: str | None = None  # service-account key (google); None: ADC
    slack: bool = False
    locale: Literal["hu", "en"] = "hu"
    state_path: str = "state.sqlite"

    def missing(self) -> list[str]:
        """The flags still needed, as the CLI spells them."""
        if self.backend == "workbook" and not self.workbook:
            return ["--workbook PATH"]
        if self.backend == "google" and not self.spreadsheet:
            return ["--spreadsheet URL"]
        return []


def _toml(text: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes).
    return json.dumps(text, ensure_ascii=False)


def render_config(a: Answers) -> str:
    lines = [
        "# sheetsync configuration, written by `sheetsync init`.",
        "# Every setting: docs/configuration.md. Relative paths are relative to this file.",
        "# Any value can be overridden by SHEETSYNC_<SECTION>__<KEY>, e.g. SHEETSYNC_LOCALE=en.",
        "",
        '# Language of the status cells and the Slack summary: "hu" or "en".',
        f"locale = {_toml(a.locale)}",
        'timezone = "Europe/Budapest"',
        "",
        "[sheet]",
    ]
    if a.backend == "workbook":
        lines += [
            'backend = "workbook"                # a local .xlsx file',
            f"path = {_toml(a.workbook or '')}",
            '# worksheet = "Ügyfelek"            # default: the first worksheet',
        ]
    else:
        lines += [
            'backend = "google"                  # check the setup with `sheetsync doctor`',
            f"spreadsheet = {_toml(a.spreadsheet or '')}",
            '# worksheet = "Ügyfelek"            # or gid = 0; default: the gid in the URL, '
            "else the first tab",
        ]
        if a.credentials_file:
            lines.append(f"credentials_file = {_toml(a.credentials_file)}")
        else:
            lines.append(
                '# credentials_file = "/run/secrets/google-service-account"  '
                "# else GOOGLE_APPLICATION_CREDENTIALS"
            )
    lines += [
        "",
        "[domains]",
        '# "live": ask the registries (RDAP; WHOIS for .hu/.eu); "offline": no checks.',
        'checker = "live"',
        "",
        "# What the worker remembers between syncs; the fingerprint key is kept beside it.",
        "[state]",
        f"path = {_toml(a.state_path)}",
        "",
        "# When `sheetsync serve` syncs.",
        "[schedule]",
        "interval_minutes = 1                  # an unchanged sheet costs one request",
        '# office_hours = "08:00-18:00"      # sync only inside this window...',
        '# office_days = "mon-fri"           # ...on these days',
        "",
        "# /healthz and /metrics while `sheetsync serve` runs.",
        "# [server]",
        "# port = 8080",
        "# [health]",
        "# max_sync_age_minutes = 60         # unhealthy when no sync succeeded for this long",
        "# max_failed_syncs = 3              # ...or this many failed in a row",
        "# max_pass_minutes = 15             # ...or a sync has been running this long",
        "",
    ]
    if a.slack:
        lines += [
            "# The webhook URL is a secret: it comes from the environment",
            "# (SHEETSYNC_SLACK_WEBHOOK_URL) or from a file; never write it here.",
            "[slack]",
            '# webhook_url_file = "/run/secrets/slack-webhook-url"',
            'digest_time = "08:30"               # full daily digest',
        ]
    else:
        lines += [
            "# Slack: without a webhook `sheetsync sync` prints the summary instead.",
            "# [slack]",
            '# webhook_url_file = "/run/secrets/slack-webhook-url"  '
            "# or SHEETSYNC_SLACK_WEBHOOK_URL",
            '# digest_time = "08:30"',
        ]
    return "\n".join(lines) + "\n"


def write_new(files: dict[Path, str], *, force: bool = False) -> None:
    """Write every file, or none when one exists already (unless `force`)."""
    existing = [path for path in files if not missing(path)]
    if existing and not force:
        raise ExistingFiles(existing)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)

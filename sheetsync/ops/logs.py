"""Logging setup: JSON lines for log tools, readable text on a terminal, secrets redacted.

Every line passes through `sheetsync.redaction.redact` whatever its format (known
secret values and anything shaped like one become `<redacted>`). HTTP and auth
libraries are capped at WARNING whatever the level, because their debug output carries
URLs and headers.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from sheetsync.redaction import redact

LogFormat = Literal["json", "text", "auto"]
LEVELS = ("debug", "info", "warning", "error")
# Their DEBUG/INFO lines carry request URLs, headers or token exchanges.
QUIET_LIBRARIES = (
    "httpx",
    "httpcore",
    "urllib3",
    "requests",
    "requests_oauthlib",
    "oauthlib",
    "google",
    "google.auth",
    "google_auth_httplib2",
    "gspread",
    "hpack",
    "h11",
)
# Held at ERROR: urllib3 logs each connection retry of google-auth's token requests as
# a WARNING ("Retrying (Retry(total=2 …)) after connection broken by …"), many per
# failed sync; sheetsync's own retry helper says the same once, in its words.
NOISY_LIBRARIES = ("urllib3",)
# Attributes every LogRecord has; anything else was passed with `extra=` and is a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields a call passed with `extra=`."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update(fields_of(record))
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's class and where, never its text: a foreign message may quote a cell.
            data["error"] = error_summary(record.exc_info)
        return redact(json.dumps(data, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value …` for people."""

    def __init__(self) -> None:
        super().__init__(datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        # Built here rather than by logging.Formatter.format, which would append a
        # traceback text another handler may have cached on the record.
        line = (
            f"{self.formatTime(record, self.datefmt)} {record.levelname} {record.name}: "
            f"{record.getMessage()}"
        )
        extra = fields_of(record)
        if extra:
            line += " " + " ".join(f"{k}={_compact(v)}" for k, v in extra.items())
        if record.exc_info and record.exc_info[0] is not None:
            # No exception text (a foreign message may quote a cell): class and place.
            line += f" ({error_summary(record.exc_info)})"
        return redact(line)


def error_summary(exc_info: Any) -> str:
    """'ValueError at sheetsync/rows.py:42' — no message."""
    kind, _, tb = exc_info
    frames = traceback.extract_tb(tb) if tb is not None else []
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{kind.__name__}{where}"


def _compact(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._fixed = stream

    @property
    def stream(self) -> TextIO:
        return self._fixed or sys.stderr

    @stream.setter
    def stream(self, value: TextIO | None) -> None:
        self._fixed = value


def resolve_format(fmt: LogFormat, stream: TextIO | None = None) -> Literal["json", "text"]:
    """`auto`: text on a terminal, JSON lines otherwise (containers, CI, files)."""
    if fmt != "auto":
        return fmt
    target = stream or sys.stderr
    return "text" if getattr(target, "isatty", lambda: False)() else "json"


def configure(
    level: str | int = "warning",
    fmt: LogFormat = "auto",
    *,
    stream: TextIO | None = None,
    force: bool = False,
) -> logging.Handler | None:
    """Install sheetsync's handler on the root logger (replacing an earlier one of its own).

    When another handler is already there (an embedding program, pytest) and neither
    `force` nor `stream` is given, that configuration is respected and only the levels
    are set. Returns the handler installed, if any."""
    numeric = level if isinstance(level, int) else logging.getLevelNamesMapping()[level.upper()]
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "_sheetsync", False)]
    for handler in ours:
        root.removeHandler(handler)
    root.setLevel(numeric)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
    for name in NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(max(numeric, logging.ERROR))
    if root.handlers and not force and stream is None:
        return None
    handler = _StderrHandler(stream)
    handler._sheetsync = True  # type: ignore[attr-defined]
    handler.setFormatter(
        JsonFormatter() if resolve_format(fmt, stream) == "json" else TextFormatter()
    )
    root.addHandler(handler)
    return handler

"""The one settings model: a TOML file, overridden by `SHEETSYNC_…` environment variables.

Precedence, highest first: environment (`SHEETSYNC_SHEET__PATH`, nested keys joined
by `__`), then the TOML file. Relative paths in the file are relative to the file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from sheetsync.core.calendar import OfficeCalendar
from sheetsync.core.columns import (  # re-exported with the sections
    SECRET_COLUMNS,
    ColumnHeaders,
    StatusHeaders,
    Thresholds,
)
from sheetsync.core.keys import loose_key
from sheetsync.errors import ConfigError
from sheetsync.settings.office import OfficeSettings, office_calendar
from sheetsync.settings.sections import (  # re-exported: `settings` is where callers look
    DomainSettings,
    HealthSettings,
    ScheduleSettings,
    ServerSettings,
    SheetSettings,
    SlackSettings,
    StateSettings,
    known_zone,
    parse_days,
    spreadsheet_key,
)

LOCAL_CONFIG = Path("sheetsync.toml")  # where `sheetsync init` writes, looked for first
DEFAULT_CONFIG = Path("config/sheetsync.toml")  # the demo's, in the repository
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("sheetsync_environ", default=None)
CONFIG_ENV = "SHEETSYNC_CONFIG"
# Documented un-nested names, each read as the nested setting it stands for.
ENV_ALIASES = {"SHEETSYNC_SLACK_WEBHOOK_URL": "SHEETSYNC_SLACK__WEBHOOK_URL"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHEETSYNC_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    locale: Literal["hu", "en"] = Field(
        "hu", description="Language of status cells and the Slack summary."
    )
    timezone: str = Field(
        "Europe/Budapest", description="Zone of dates typed in the sheet and of the schedule."
    )
    sheet: SheetSettings = SheetSettings(path=Path("ugyfelek.xlsx"))
    columns: ColumnHeaders = ColumnHeaders()
    status_columns: StatusHeaders = StatusHeaders()
    thresholds: Thresholds = Thresholds()
    office: OfficeSettings = OfficeSettings()
    domains: DomainSettings = DomainSettings()
    state: StateSettings = StateSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    slack: SlackSettings = SlackSettings()
    server: ServerSettings = ServerSettings()
    health: HealthSettings = HealthSettings()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @model_validator(mode="after")
    def _headers_distinct(self) -> Settings:
        seen: dict[str, str] = {}
        for section, headers in (
            ("columns", self.columns),
            ("status_columns", self.status_columns),
        ):
            for key, header in headers.model_dump().items():
                folded = loose_key(header)
                if not folded:
                    raise ValueError(f"{section}.{key} is blank")
                if folded in seen:
                    raise ValueError(f"{section}.{key} repeats the header of {seen[folded]}")
                seen[folded] = f"{section}.{key}"
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def office_calendar(self, at: datetime) -> OfficeCalendar:
        """The office calendar office-time thresholds count in a pass at `at` (built once
        per year and cached)."""
        return office_calendar(self.office, self.timezone, at.astimezone(self.tz).year)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's contents arrive as init values; the environment overrides them.
        return (_MappingEnvSource(settings_cls), init_settings)


class _MappingEnvSource(EnvSettingsSource):
    """Environment source that reads the mapping given to load_settings (tests pass
    their own), falling back to os.environ."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        environ = _ENVIRON.get()
        source = _with_aliases(os.environ if environ is None else environ)
        if self.case_sensitive:
            return dict(source)
        return {key.lower(): value for key, value in source.items()}


def config_path(explicit: str | os.PathLike[str] | None, env: Mapping[str, str]) -> Path:
    """`--config`, else $SHEETSYNC_CONFIG, else ./sheetsync.toml when there is one (what
    `sheetsync init` wrote), else config/sheetsync.toml."""
    if explicit:
        return Path(explicit)
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    return LOCAL_CONFIG if LOCAL_CONFIG.is_file() else DEFAULT_CONFIG


def load_settings(path: Path, env: Mapping[str, str] | None = None) -> Settings:
    """Read `path` (TOML) under environment overrides; ConfigError lists every problem."""
    environ = dict(os.environ if env is None else env)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            [
                f"config file {path} not found (pass --config or set {CONFIG_ENV}; "
                "`sheetsync init` writes one)"
            ]
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise ConfigError([f"cannot read {path}: {exc}"]) from exc
    _resolve_paths(data, Settings, path.parent)
    return _build(data, environ, str(path))


def _build(data: dict[str, Any], environ: Mapping[str, str], source: str) -> Settings:
    token = _ENVIRON.set(environ)
    try:
        return Settings(**data)
    except ValidationError as exc:
        problems, variables = [], []
        for err in exc.errors():
            variable = _variable_for(err["loc"], environ)
            variables.append(variable)
            problems.append(_describe(err, variable))
        if all(variables):
            where = "the environment"
        elif any(variables):
            where = f"{source} and the environment"
        else:
            where = source
        raise ConfigError(problems, where) from None
    finally:
        _ENVIRON.reset(token)


def _variable_for(loc: tuple[int | str, ...], environ: Mapping[str, str]) -> str | None:
    """The environment variable that set the setting at `loc` (or a section holding
    it), as it is spelt in the environment; None when the file did."""
    names = {key.upper(): key for key in environ}
    for alias, name in ENV_ALIASES.items():
        if alias in names and name not in names:
            names[name] = names[alias]
    parts = [str(part).upper() for part in loc]
    for end in range(len(parts), 0, -1):
        found = names.get("SHEETSYNC_" + "__".join(parts[:end]))
        if found is not None:
            return found
    return None


def _with_aliases(environ: Mapping[str, str]) -> Mapping[str, str]:
    out = dict(environ)
    for alias, name in ENV_ALIASES.items():
        if environ.get(alias) and not environ.get(name):
            out[name] = environ[alias]
    return out


def _describe(error: Mapping[str, Any], variable: str | None = None) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "config"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown setting (misspelt?)"
    if variable is not None:  # named, never quoted: the value may be a secret
        where += f" (from the environment variable {variable})"
    return f"{where}: {message}"


def _resolve_paths(data: dict[str, Any], model: type[BaseModel], base: Path) -> None:
    """Make relative Path values in the file relative to the file's own folder."""
    for name, field in model.model_fields.items():
        value = data.get(name)
        annotation = field.annotation
        if isinstance(value, dict) and isinstance(annotation, type):
            if issubclass(annotation, BaseModel):
                _resolve_paths(value, annotation, base)
        elif isinstance(value, str) and value and _is_path(annotation):
            candidate = Path(value).expanduser()
            data[name] = str(candidate if candidate.is_absolute() else base / candidate)


def _is_path(annotation: Any) -> bool:
    return annotation is Path or Path in getattr(annotation, "__args__", ())


__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG",
    "ENV_ALIASES",
    "LOCAL_CONFIG",
    "SECRET_COLUMNS",
    "ColumnHeaders",
    "DomainSettings",
    "HealthSettings",
    "OfficeSettings",
    "ScheduleSettings",
    "ServerSettings",
    "Settings",
    "SheetSettings",
    "SlackSettings",
    "StateSettings",
    "StatusHeaders",
    "Thresholds",
    "config_path",
    "load_settings",
    "parse_days",
    "spreadsheet_key",
]

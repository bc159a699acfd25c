"""Values of the agency's world: stages, findings, parsed client rows and domain verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Stage(StrEnum):
    """A row's stage is its first onboarding step that is not done (public contract)."""

    EMAIL = "email"
    HOSTING_ACCOUNT = "hosting-account"
    MANAGING_ACCOUNT = "managing-account"
    PACKAGE_DOMAIN = "package-domain"
    PAYMENT = "payment"
    DOMAIN_APPLICATION = "domain-application"
    DONE = "done"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Code(StrEnum):
    """Finding codes (public contract: add, never rename)."""

    MISSING_CLIENT_NAME = "missing-client-name"
    DUPLICATE_CLIENT = "duplicate-client"
    INVALID_VALUE = "invalid-value"
    INVALID_EMAIL = "invalid-email"
    EMAIL_PATTERN_MISMATCH = "email-pattern-mismatch"
    MISSING_EMAIL_PASSWORD = "missing-email-password"
    MISSING_HOSTING_PASSWORD = "missing-hosting-password"
    MISSING_HOSTING_LOGIN = "missing-hosting-login"
    UNEXPECTED_MANAGING_ACCOUNT = "unexpected-managing-account"
    PACKAGE_NOT_START = "package-not-start"
    INVALID_DOMAIN = "invalid-domain"
    DUPLICATE_DOMAIN = "duplicate-domain"
    DOMAIN_TAKEN = "domain-taken"
    DOMAIN_UNVERIFIED = "domain-unverified"
    DOMAIN_NOT_REGISTERED = "domain-not-registered"
    DOMAIN_APPLICATION_FAILED = "domain-application-failed"
    OUT_OF_ORDER = "out-of-order"
    INVOICE_OVERDUE = "invoice-overdue"
    TRANSFER_BOOKING_OVERDUE = "transfer-booking-overdue"
    CARD_PAYMENT_PENDING = "card-payment-pending"
    CREDENTIAL_CHANGED = "credential-changed"


SEVERITY: Mapping[Code, Severity] = {
    Code.MISSING_CLIENT_NAME: Severity.ERROR,
    Code.DUPLICATE_CLIENT: Severity.WARNING,
    Code.INVALID_VALUE: Severity.ERROR,
    Code.INVALID_EMAIL: Severity.ERROR,
    Code.EMAIL_PATTERN_MISMATCH: Severity.WARNING,
    Code.MISSING_EMAIL_PASSWORD: Severity.ERROR,
    Code.MISSING_HOSTING_PASSWORD: Severity.ERROR,
    Code.MISSING_HOSTING_LOGIN: Severity.ERROR,
    Code.UNEXPECTED_MANAGING_ACCOUNT: Severity.WARNING,
    Code.PACKAGE_NOT_START: Severity.WARNING,
    Code.INVALID_DOMAIN: Severity.ERROR,
    Code.DUPLICATE_DOMAIN: Severity.WARNING,
    Code.DOMAIN_TAKEN: Severity.ERROR,
    Code.DOMAIN_UNVERIFIED: Severity.WARNING,
    Code.DOMAIN_NOT_REGISTERED: Severity.ERROR,
    Code.DOMAIN_APPLICATION_FAILED: Severity.ERROR,
    Code.OUT_OF_ORDER: Severity.WARNING,
    Code.INVOICE_OVERDUE: Severity.WARNING,
    Code.TRANSFER_BOOKING_OVERDUE: Severity.WARNING,
    Code.CARD_PAYMENT_PENDING: Severity.INFO,
    Code.CREDENTIAL_CHANGED: Severity.INFO,
}


@dataclass(frozen=True)
class Finding:
    """One problem on one row. `column` is a column key (see settings.ColumnHeaders);
    `params` fill the localized message and never hold a secret value."""

    code: Code
    column: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.code]


class EmailType(StrEnum):
    OWN = "own"
    CREATED = "created"


class PaymentMethod(StrEnum):
    CARD = "card"
    TRANSFER = "transfer"


class Application(StrEnum):
    """The domain application's answer as recorded in the sheet."""

    SUBMITTED = "submitted"
    SUCCESSFUL = "successful"
    FAILED = "failed"


class Verdict(StrEnum):
    AVAILABLE = "available"
    REGISTERED = "registered"
    UNKNOWN = "unknown"
    INVALID = "invalid"


class Doubt(StrEnum):
    """Why a verdict is `unknown` (public contract: the report's `doubt`; add, never
    rename). The last two are outages: no registry could be asked at all, so the row
    gets no `domain-unverified` and the pass one `domain-checks-unavailable` notice."""

    THROTTLED = "throttled"  # the registry asked us to slow down (429, "wait N seconds")
    REFUSED = "refused"  # it refused the query (403, blocked)
    SERVER_ERROR = "server-error"  # 5xx or another status that says nothing
    NO_ANSWER = "no-answer"  # connected, but no whole answer within the deadline
    INCOMPLETE = "incomplete"  # empty, broken off, or over the size cap (never read on)
    UNREADABLE = "unreadable"  # not the registry's format (HTML, not JSON, too deep)
    OTHER_NAME = "other-name"  # the answer is about another domain
    REDIRECTED = "redirected"  # the server sent us elsewhere (not followed)
    NO_SERVICE = "no-service"  # no RDAP or WHOIS service is known for the TLD
    NO_TIME = "no-time"  # the pass's budget ran out before the name could be asked
    NOT_LISTED = "not-listed"  # not in the verdicts file (checker = "file")
    CHECKER_FAILED = "checker-failed"  # a bug in sheetsync's own checking
    UNREACHABLE = "unreachable"  # outage: refused, DNS failure, connect timeout
    CHECKS_OFF = "checks-off"  # outage: domain checks are off (checker = "offline")


OUTAGES = frozenset({Doubt.UNREACHABLE, Doubt.CHECKS_OFF})


@dataclass(frozen=True)
class SheetDate:
    """A moment typed into the sheet. Without a time of day only the date is known."""

    at: datetime
    has_time: bool

    def latest(self) -> datetime:
        """The latest moment the event may have happened (end of day for a bare date):
        thresholds measured from it never fire early."""
        if self.has_time:
            return self.at
        return self.at.replace(hour=23, minute=59, second=59)


@dataclass(frozen=True)
class Flag:
    """A yes/no cell that may hold a date instead of 'yes' (e.g. `Fizetve`)."""

    done: bool
    on: SheetDate | None = None


@dataclass(frozen=True)
class DomainName:
    """A registrable domain: as typed, in Unicode (IDNA 2008) and in ASCII (punycode)."""

    input: str
    unicode: str
    ascii: str

    @property
    def tld(self) -> str:
        return self.ascii.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class DomainVerdict:
    """What a checker says of one domain. `reason` is a technical sentence (English, for
    the CLI, logs and report); `doubt` says in one stable word why a verdict is
    `unknown`, for the sheet's own words. `details["server"]` names the server asked."""

    verdict: Verdict
    source: str
    checked_at: datetime | None = None
    reason: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)
    doubt: Doubt | None = None

    @property
    def outage(self) -> bool:
        """No registry could be asked (unreachable, or checks are off): not the row's
        problem but the pass's, said once as a notice."""
        return self.doubt in OUTAGES


@dataclass(frozen=True)
class ManagingAccount:
    added: bool
    address: str | None = None  # the address typed, when one was typed


@dataclass(frozen=True)
class ClientRow:
    """One client's row after parsing: every value normalized or None when missing.

    Secret cells are reduced to presence plus a keyed fingerprint at parse time;
    the value itself never leaves `rows.parse_rows`."""

    row: int
    key: str | None  # history key: normalized client name (+ '#n' for repeats)
    client: str | None
    email_type: EmailType | None = None
    email_type_inferred: bool = False
    email: str | None = None
    has_email_password: bool = False
    hosting_login: str | None = None
    has_hosting_password: bool = False
    managing_account: ManagingAccount | None = None
    package: str | None = None
    domain: DomainName | None = None
    domain_typed: bool = False  # a domain cell was filled, valid or not
    payment_method: PaymentMethod | None = None
    invoice_sent: Flag | None = None
    paid: Flag | None = None
    order_live: Flag | None = None
    application: Application | None = None
    secret_fingerprints: Mapping[str, str] = field(default_factory=dict, repr=False)
    parse_findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class RowEvaluation:
    """What the rules decided for one row."""

    row: ClientRow
    stage: Stage
    development_can_start: bool
    next_step: str  # message key; see texts.next_step
    next_step_params: Mapping[str, str]
    findings: tuple[Finding, ...]
    domain_verdict: DomainVerdict | None
    observed_facts: frozenset[str]  # facts whose first-seen time the worker keeps
    # The first moment this evaluation no longer holds on time alone: a time threshold
    # it checked trips at it (office time: when the office is open). None when none can.
    valid_until: datetime | None = None


class NoticeCode(StrEnum):
    """Run-level notice codes (public contract: add, never rename)."""

    DOMAIN_CHECKS_UNAVAILABLE = "domain-checks-unavailable"


@dataclass(frozen=True)
class Notice:
    """One thing about the whole pass, said once rather than on every row it touches.

    `domain-checks-unavailable`: the registry `servers` could not be reached (their
    `tlds`), or, with `checks_off`, checks are off; `domains` names were left unknown."""

    code: NoticeCode
    servers: tuple[str, ...] = ()
    tlds: tuple[str, ...] = ()
    checks_off: bool = False
    domains: int = 0

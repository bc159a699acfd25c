"""The rules (pure): each row's stage, findings and next step, per domain/rules.md.

Inputs are values only: parsed rows, domain verdicts, the time now, and what the
worker remembers (when it first saw a state, which credentials changed).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeGuard

from sheetsync.core.calendar import OfficeCalendar, later
from sheetsync.core.columns import Thresholds, Unit
from sheetsync.core.keys import loose_key, name_key
from sheetsync.core.model import (
    Application,
    ClientRow,
    Code,
    DomainVerdict,
    EmailType,
    Finding,
    PaymentMethod,
    RowEvaluation,
    Stage,
    Verdict,
)
from sheetsync.core.pipeline import stage_fact
from sheetsync.core.values import MANAGING_ACCOUNT_ADDRESS, is_start_package

MAX_LISTED_ROWS = 10  # rows named in a duplicate finding
GMAIL_USERNAME_MAX = 30  # Gmail usernames are 6-30 characters
CREATED_SUFFIX = ".marketing"
_LEGAL_FORMS = {"kft", "bt", "zrt", "nyrt", "kkt", "ev", "rt", "kht", "nonprofit"}


CredentialChanges = Mapping[str, Sequence[tuple[str, datetime]]]  # row key -> (column, when)


@dataclass(frozen=True)
class Context:
    now: datetime
    thresholds: Thresholds = field(default_factory=Thresholds)
    verdicts: Mapping[str, DomainVerdict] = field(default_factory=dict)  # by ASCII domain
    first_seen: Mapping[tuple[str, str], datetime] = field(default_factory=dict)
    credential_changes: CredentialChanges = field(default_factory=dict)
    calendar: OfficeCalendar = field(default_factory=OfficeCalendar)


_TICK = timedelta(microseconds=1)  # a threshold is passed when strictly more has elapsed


def credential_changes(
    previous: Mapping[str, Mapping[str, str]],
    earlier: CredentialChanges,
    rows: Sequence[ClientRow],
    now: datetime,
    shown_for: timedelta,
) -> dict[str, tuple[tuple[str, datetime], ...]]:
    """Secret cells whose fingerprint differs from the previous sync's, by row key:
    (column, when detected). A change stays listed for `shown_for` after it was detected,
    so the status cell does not flap. A password recorded for the first time or emptied
    is not a change (the missing-… findings cover emptied cells)."""
    out: dict[str, tuple[tuple[str, datetime], ...]] = {}
    for row in rows:
        if row.key is None:
            continue
        shown = earlier.get(row.key)
        before = previous.get(row.key, {})
        if not shown and (not before or before == row.secret_fingerprints):
            continue  # the common case, first: nothing listed and nothing changed
        kept = {col: when for col, when in shown or () if now - when < shown_for}
        for column, fingerprint in row.secret_fingerprints.items():
            if column in before and before[column] != fingerprint:
                kept[column] = now
        if kept:
            out[row.key] = tuple(sorted(kept.items()))
    return out


def needs_domain_check(row: ClientRow) -> bool:
    """The verdict matters while the domain is not yet applied for, or to confirm success."""
    return row.domain is not None and row.application != Application.SUBMITTED


def suggested_address(client: str) -> str:
    """`Kovács Pékség Kft.` → `kovacspekseg.marketing@gmail.com` (Gmail's length limit kept)."""
    text = re.sub(r"\be\.\s*v\.", " ev ", loose_key(client))
    words = [w for w in re.split(r"[\s,]+", text) if w.strip(".") not in _LEGAL_FORMS]
    slug = re.sub(r"[^a-z0-9]", "", "".join(words))
    slug = slug[: GMAIL_USERNAME_MAX - len(CREATED_SUFFIX)] or "ugyfel"
    return f"{slug}{CREATED_SUFFIX}@gmail.com"


def is_created_pattern(address: str) -> bool:
    local, _, domain = address.rpartition("@")
    return domain == "gmail.com" and local.endswith(CREATED_SUFFIX) and local != CREATED_SUFFIX


def evaluate(rows: Sequence[ClientRow], ctx: Context) -> list[RowEvaluation]:
    """Evaluate every row; duplicate clients and domains are found across rows."""
    cross = duplicates(rows)
    return [evaluate_row(row, ctx, cross.get(row.row, [])) for row in rows]


def duplicates(rows: Sequence[ClientRow]) -> dict[int, list[Finding]]:
    """The cross-row findings (duplicate clients and domains), by sheet row."""
    by_client: dict[str, list[int]] = defaultdict(list)
    by_domain: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.client:
            by_client[name_key(row.client)].append(row.row)
        if row.domain:
            by_domain[row.domain.ascii].append(row.row)
    out: dict[int, list[Finding]] = defaultdict(list)
    for code, column, groups in (
        (Code.DUPLICATE_CLIENT, "client", by_client),
        (Code.DUPLICATE_DOMAIN, "domain", by_domain),
    ):
        for numbers in groups.values():
            for number in numbers if len(numbers) > 1 else ():
                out[number].append(Finding(code, column, {"rows": _other_rows(numbers, number)}))
    return out


def _other_rows(numbers: Sequence[int], number: int) -> str:
    """The other rows of a duplicate group, the first few only: a pasted block of
    thousands of copies would otherwise cost time and memory by the square of its size."""
    others = [n for n in numbers[: MAX_LISTED_ROWS + 1] if n != number][:MAX_LISTED_ROWS]
    text = ", ".join(str(n) for n in others)
    more = len(numbers) - 1 - len(others)
    return f"{text} (+{more})" if more else text


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


class _Row:
    """Evaluation of one row: collects findings and the facts it relied on."""

    def __init__(self, row: ClientRow, ctx: Context) -> None:
        self.row = row
        self.ctx = ctx
        self.findings: list[Finding] = list(row.parse_findings)
        self.facts: set[str] = set()
        self.valid_until: datetime | None = None

    def add(self, code: Code, column: str | None = None, **params: str) -> None:
        self.findings.append(Finding(code, column, params))

    def since(self, fact: str) -> datetime | None:
        """When the worker first saw `fact` on this row; None when this pass is the first
        (or the row has no history key): then no time has passed yet."""
        self.facts.add(fact)
        if self.row.key is None:
            return None
        return self.ctx.first_seen.get((self.row.key, fact))

    def waited(
        self, moment: datetime | None, amount: float, per: str, unit: Unit
    ) -> TypeGuard[datetime]:
        """Has strictly more than `amount` hours or days (`per`) of `unit` time passed
        since `moment`? If not yet, `valid_until` notes the first moment it will have."""
        if moment is None:
            return False
        calendar = self.ctx.calendar
        if per == "hours":
            span = timedelta(hours=amount)
        else:
            span = timedelta(days=amount) if unit == "calendar" else amount * calendar.day_length
        if unit == "calendar":
            # In UTC: wall-clock arithmetic in a local zone would be an hour off across DST.
            trips = later(moment, span + _TICK)
        else:
            trips = calendar.reached(moment, span + _TICK)
        if self.ctx.now >= trips:
            return True  # and stays so: time only moves on
        if self.valid_until is None or trips < self.valid_until:
            self.valid_until = trips
        return False


def _elapsed(amount: float, per: str, unit: Unit) -> dict[str, str]:
    """A finding's parameters saying how long has passed, in the unit it counts."""
    kind = {"hours": "office-hours", "days": "working-days"}[per] if unit == "office" else per
    return {"elapsed": f"{amount:g}", "unit": kind}


def evaluate_row(row: ClientRow, ctx: Context, cross: Sequence[Finding]) -> RowEvaluation:
    r = _Row(row, ctx)
    if row.client is None:
        r.add(Code.MISSING_CLIENT_NAME, "client")
    r.findings.extend(cross)
    t = ctx.thresholds

    # 1. e-mail
    created = row.email_type == EmailType.CREATED
    if created and row.email:
        if not is_created_pattern(row.email):
            r.add(
                Code.EMAIL_PATTERN_MISMATCH, "email", suggestion=suggested_address(row.client or "")
            )
        if not row.has_email_password:
            r.add(Code.MISSING_EMAIL_PASSWORD, "email_password")
    email_done = bool(row.email and row.email_type and (not created or row.has_email_password))

    # 2. tarhely.eu account
    login, password = row.hosting_login is not None, row.has_hosting_password
    if login and not password:
        r.add(Code.MISSING_HOSTING_PASSWORD, "hosting_password")
    if password and not login:
        r.add(Code.MISSING_HOSTING_LOGIN, "hosting_login")
    hosting_done = login and password

    # 3. managing account
    managing = row.managing_account
    managing_done = bool(managing and managing.added)
    if managing and managing.address and managing.address != MANAGING_ACCOUNT_ADDRESS:
        r.add(Code.UNEXPECTED_MANAGING_ACCOUNT, "managing_account", address=managing.address)

    # 4. package + domain
    if row.package and not is_start_package(row.package):
        r.add(Code.PACKAGE_NOT_START, "package", package=row.package)
    verdict = verdict_for(row, ctx)
    application = row.application
    undecided = application in (None, Application.FAILED)
    taken = verdict is not None and verdict.verdict == Verdict.REGISTERED and undecided
    if taken and row.domain:
        r.add(Code.DOMAIN_TAKEN, "domain", domain=row.domain.unicode)
    package_done = bool(row.package and row.domain and not taken)

    # 5. payment
    method = row.payment_method
    paid = bool(row.paid and row.paid.done)
    live = bool(row.order_live and row.order_live.done)
    payment_done = (method == PaymentMethod.CARD and paid) or (
        method == PaymentMethod.TRANSFER and paid and live
    )
    _payment_timing(r, method, paid, live, t)

    # 6. domain application
    past_grace = False
    if application == Application.SUCCESSFUL and row.domain:
        succeeded = r.since("application-successful")
        grace = (t.registration_grace_hours, "hours", t.registration_grace_unit)
        past_grace = r.waited(succeeded, *grace)
        if past_grace and verdict and verdict.verdict == Verdict.AVAILABLE:
            r.add(
                Code.DOMAIN_NOT_REGISTERED, "domain", domain=row.domain.unicode, **_elapsed(*grace)
            )
    if application == Application.FAILED:
        r.add(Code.DOMAIN_APPLICATION_FAILED, "domain_application")
    # An outage (registry unreachable, checks off) is the pass's notice, not each row's.
    if (
        verdict
        and verdict.verdict == Verdict.UNKNOWN
        and not verdict.outage
        and (undecided or past_grace)
        and row.domain
    ):
        doubt = verdict.doubt.value if verdict.doubt else ""
        tld = row.domain.unicode.rsplit(".", 1)[-1]
        r.add(Code.DOMAIN_UNVERIFIED, "domain", doubt=doubt, tld=tld)
    application_done = application == Application.SUCCESSFUL

    # out of order: exactly the two cases of rules.md
    if application is not None and not payment_done:
        r.add(Code.OUT_OF_ORDER, "domain_application", case="application-before-payment")
    if paid and not managing_done:
        r.add(Code.OUT_OF_ORDER, "paid", case="payment-before-managing-account")

    if row.key:
        for column, when in ctx.credential_changes.get(row.key, ()):
            r.add(Code.CREDENTIAL_CHANGED, column, changed_at=when.isoformat(timespec="minutes"))

    steps = (
        (Stage.EMAIL, email_done),
        (Stage.HOSTING_ACCOUNT, hosting_done),
        (Stage.MANAGING_ACCOUNT, managing_done),
        (Stage.PACKAGE_DOMAIN, package_done),
        (Stage.PAYMENT, payment_done),
        (Stage.DOMAIN_APPLICATION, application_done),
    )
    stage = next((s for s, done in steps if not done), Stage.DONE)
    step, params = _next_step(stage, row, r, taken, paid, live)
    return RowEvaluation(
        row=row,
        stage=stage,
        development_can_start=payment_done,
        next_step=step,
        next_step_params=params,
        findings=tuple(r.findings),
        domain_verdict=verdict,
        observed_facts=frozenset({*r.facts, stage_fact(stage)}),
        valid_until=r.valid_until,
    )


def verdict_for(row: ClientRow, ctx: Context) -> DomainVerdict | None:
    """The verdict a row's status depends on (None when it depends on none)."""
    if row.domain is None or not needs_domain_check(row):
        return None
    return ctx.verdicts.get(row.domain.ascii)


def _payment_timing(
    r: _Row, method: PaymentMethod | None, paid: bool, live: bool, t: Thresholds
) -> None:
    row = r.row
    if method == PaymentMethod.TRANSFER and row.invoice_sent and row.invoice_sent.done and not paid:
        sent = row.invoice_sent.on.latest() if row.invoice_sent.on else r.since("invoice-unpaid")
        limit = (t.invoice_overdue_days, "days", t.invoice_overdue_unit)
        if r.waited(sent, *limit):
            r.add(Code.INVOICE_OVERDUE, "invoice_sent", sent_date=_day(sent), **_elapsed(*limit))
    if method == PaymentMethod.TRANSFER and paid and not live:
        on = row.paid.on if row.paid else None
        since = on.latest() if on else r.since("transfer-paid-not-live")
        limit = (t.booking_overdue_hours, "hours", t.booking_overdue_unit)
        if r.waited(since, *limit):
            r.add(
                Code.TRANSFER_BOOKING_OVERDUE,
                "order_live",
                paid_date=_day(since),
                **_elapsed(*limit),
            )
    if method == PaymentMethod.CARD and not paid:
        since = r.since("card-unpaid")
        limit = (t.card_pending_days, "days", t.card_pending_unit)
        if r.waited(since, *limit):
            r.add(Code.CARD_PAYMENT_PENDING, "paid", since_date=_day(since), **_elapsed(*limit))


def _next_step(
    stage: Stage, row: ClientRow, r: _Row, taken: bool, paid: bool, live: bool
) -> tuple[str, dict[str, str]]:
    """The message key (see texts) and parameters of the one thing to do next."""
    codes = {f.code for f in r.findings}
    invalid = {f.column for f in r.findings if f.code == Code.INVALID_VALUE}
    if stage == Stage.EMAIL:
        if Code.INVALID_EMAIL in codes:
            return "fix-email", {}
        if row.email is None:
            return "choose-email", {"suggestion": suggested_address(row.client or "")}
        if row.email_type is None:
            return "set-email-type", {}
        return "record-email-password", {}
    if stage == Stage.HOSTING_ACCOUNT:
        if row.hosting_login is None and not row.has_hosting_password:
            return "create-hosting-account", {}
        return ("record-hosting-password" if row.hosting_login else "record-hosting-login"), {}
    if stage == Stage.MANAGING_ACCOUNT:
        return "add-managing-account", {"address": MANAGING_ACCOUNT_ADDRESS}
    if stage == Stage.PACKAGE_DOMAIN:
        if taken and row.domain:
            return "choose-other-domain", {"domain": row.domain.unicode}
        if Code.INVALID_DOMAIN in codes:
            return "fix-domain", {}
        if row.domain is None:
            return "choose-domain", {}
        return "choose-package", {}
    if stage == Stage.PAYMENT:
        if row.payment_method is None:
            return (
                "fix-payment-method" if "payment_method" in invalid else "set-payment-method"
            ), {}
        if row.payment_method == PaymentMethod.CARD:
            return "card-payment", {}
        if not paid:
            if row.invoice_sent and row.invoice_sent.done:
                return "await-transfer", {}
            return "send-invoice", {}
        if Code.TRANSFER_BOOKING_OVERDUE in codes:
            return "escalate-booking", {}
        return "await-booking", {}
    if stage == Stage.DOMAIN_APPLICATION:
        if row.application == Application.SUBMITTED:
            return "await-application", {}
        if row.application == Application.FAILED:
            return "resubmit-application", {}
        return "submit-application", {}
    if Code.DOMAIN_NOT_REGISTERED in codes:
        return "check-registration", {}
    return "done", {}

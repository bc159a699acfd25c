"""Turn the sheet's data rows into `ClientRow`s (pure).

Blank rows are skipped, ragged rows padded, every unparseable cell becomes an
`invalid-value` finding naming its column, and secret cells are reduced to
presence plus a keyed fingerprint here, so their values go no further.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import Any, TypeVar

from sheetsync.core.columns import SECRET_COLUMNS
from sheetsync.core.keys import name_key
from sheetsync.core.layout import Layout
from sheetsync.core.model import ClientRow, Code, EmailType, Finding
from sheetsync.core.names import normalize_domain
from sheetsync.core.plan import Identity, identity_columns, row_identity
from sheetsync.core.values import (
    CellValue,
    parse_application,
    parse_email,
    parse_email_type,
    parse_flag,
    parse_managing_account,
    parse_payment_method,
    text_of,
)
from sheetsync.errors import InvalidDomain, Unparseable

Fingerprinter = Callable[[str, str], str]
T = TypeVar("T")


def hmac_fingerprinter(key: bytes) -> Fingerprinter:
    """Keyed fingerprints of secret cells: equal values compare equal, values stay unknown."""

    def fingerprint(column: str, value: str) -> str:
        return hmac.new(key, f"{column}\0{value}".encode(), hashlib.sha256).hexdigest()

    return fingerprint


def ephemeral_fingerprinter() -> Fingerprinter:
    """For runs without a state store: fingerprints comparable within one process only."""
    return hmac_fingerprinter(secrets.token_bytes(32))


def is_blank(row: Sequence[CellValue], layout: Layout) -> bool:
    owned = set(layout.status.values())
    return all(text_of(v) is None for col, v in enumerate(row) if col not in owned)


def data_rows(
    rows: Sequence[Sequence[CellValue]], layout: Layout
) -> list[tuple[int, Sequence[CellValue]]]:
    """(1-based sheet row, cells) of every non-blank row below the header."""
    return [
        (number, cells)
        for number, cells in enumerate(rows[layout.header_row :], start=layout.header_row + 1)
        if not is_blank(cells, layout)
    ]


def parse_rows(
    rows: Sequence[Sequence[CellValue]],
    layout: Layout,
    tz: tzinfo,
    fingerprint: Fingerprinter,
) -> list[ClientRow]:
    found = data_rows(rows, layout)
    col = layout.columns["client"]
    clients = [text_of(c[col]) if col < len(c) else None for _, c in found]
    id_columns = identity_columns(layout)
    keys = history_keys(clients, lambda index: row_identity(found[index][1], id_columns))
    return [
        parse_row(n, cells, history_key, layout, tz, fingerprint)
        for (n, cells), history_key in zip(found, keys, strict=True)
    ]


def parse_row(
    number: int,
    cells: Sequence[CellValue],
    history_key: str | None,
    layout: Layout,
    tz: tzinfo,
    fingerprint: Fingerprinter,
) -> ClientRow:
    findings: list[Finding] = []

    def cell(key: str) -> CellValue:
        col = layout.columns.get(key)
        return cells[col] if col is not None and col < len(cells) else None

    def parse(
        key: str, parser: Callable[[CellValue], T], code: Code = Code.INVALID_VALUE
    ) -> T | None:
        try:
            return parser(cell(key))
        except Unparseable as exc:
            findings.append(Finding(code, key, {"expected": str(exc)}))
            return None

    client = text_of(cell("client"))
    email = parse("email", parse_email, Code.INVALID_EMAIL)
    # An unparseable type keeps its finding and, like an empty one, is inferred
    # (rules.md: an unparseable value counts as missing).
    email_type = parse("email_type", parse_email_type)
    inferred = False
    if email_type is None and email is not None:
        email_type = EmailType.CREATED if email.endswith(".marketing@gmail.com") else EmailType.OWN
        inferred = True

    domain = None
    domain_text = text_of(cell("domain"))
    if domain_text is not None:
        try:
            domain = normalize_domain(domain_text)
        except InvalidDomain as exc:
            params = {"reason": exc.reason, "input": domain_text}
            if exc.suggestion:
                params["suggestion"] = exc.suggestion
            findings.append(Finding(Code.INVALID_DOMAIN, "domain", params))

    secrets_seen: dict[str, str] = {}
    for key in SECRET_COLUMNS:
        value = text_of(cell(key))
        if value is not None:
            secrets_seen[key] = fingerprint(key, value)

    fields: dict[str, Any] = {
        "managing_account": parse("managing_account", parse_managing_account),
        "payment_method": parse("payment_method", parse_payment_method),
        "invoice_sent": parse("invoice_sent", lambda v: parse_flag(v, tz)),
        "paid": parse("paid", lambda v: parse_flag(v, tz)),
        "order_live": parse("order_live", lambda v: parse_flag(v, tz)),
        "application": parse("domain_application", parse_application),
    }
    return ClientRow(
        row=number,
        key=history_key,
        client=client,
        email_type=email_type,
        email_type_inferred=inferred,
        email=email,
        has_email_password="email_password" in secrets_seen,
        hosting_login=text_of(cell("hosting_login")),
        has_hosting_password="hosting_password" in secrets_seen,
        package=text_of(cell("package")),
        domain=domain,
        domain_typed=domain_text is not None,
        secret_fingerprints=secrets_seen,
        parse_findings=tuple(findings),
        **fields,
    )


def history_keys(
    clients: Sequence[str | None], identity: Callable[[int], Identity]
) -> list[str | None]:
    """Key each named row by its normalized name. Rows sharing a name are told apart by
    their e-mail and domain (`identity(index)`: the row's `row_identity`), not by their
    order, so a sort keeps each one's history and alerts: `name#<digest of e-mail and
    domain>` (the address itself is not kept), and `#2`, `#3` in sheet order only among
    rows identical in all three."""
    names = [None if client is None else name_key(client) for client in clients]
    count = Counter(name for name in names if name is not None)
    seen: Counter[str] = Counter()
    keys: list[str | None] = []
    for index, name in enumerate(names):
        if name is None or count[name] == 1:
            keys.append(name)
            continue
        told_apart = "\0".join(identity(index)[1:]).encode()
        base = f"{name}#{hashlib.blake2b(told_apart, digest_size=4).hexdigest()}"
        seen[base] += 1
        keys.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return keys

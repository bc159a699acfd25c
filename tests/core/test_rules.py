"""The rules of rules.md: stages, next steps and every finding, as tables."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from sheetsync.core.model import Stage, Verdict
from sheetsync.core.rules import is_created_pattern, suggested_address
from sheetsync.core.texts import Texts
from tests.support.builders import (
    CALENDAR_TIME,
    DONE,
    NOW,
    client,
    codes,
    evaluate_client,
    evaluate_clients,
)

REG = {"kovacspekseg.hu": Verdict.REGISTERED}


@pytest.mark.parametrize(
    ("fields", "stage"),
    [
        ({}, Stage.DONE),
        ({"email": None}, Stage.EMAIL),
        ({"email_type": "létrehozott", "email": "kp.marketing@gmail.com"}, Stage.EMAIL),
        ({"hosting_password": None, "hosting_login": None}, Stage.HOSTING_ACCOUNT),
        ({"managing_account": "nem"}, Stage.MANAGING_ACCOUNT),
        ({"managing_account": None}, Stage.MANAGING_ACCOUNT),
        ({"package": None}, Stage.PACKAGE_DOMAIN),
        ({"domain": None}, Stage.PACKAGE_DOMAIN),
        ({"domain": "nem domain"}, Stage.PACKAGE_DOMAIN),
        ({"paid": None, "domain_application": None}, Stage.PAYMENT),
        ({"payment_method": None}, Stage.PAYMENT),
        ({"payment_method": "utalás"}, Stage.PAYMENT),  # transfer: paid but not live
        ({"payment_method": "utalás", "order_live": "igen"}, Stage.DONE),
        ({"domain_application": None}, Stage.DOMAIN_APPLICATION),
        ({"domain_application": "beküldve"}, Stage.DOMAIN_APPLICATION),
        ({"domain_application": "Sikertelen"}, Stage.DOMAIN_APPLICATION),
    ],
)
def test_stage_is_the_first_step_not_done(fields: dict[str, object], stage: Stage) -> None:
    assert evaluate_client(**fields).stage == stage


def test_a_done_client_has_no_findings() -> None:
    evaluation = evaluate_client(verdicts=REG)
    assert evaluation.stage == Stage.DONE
    assert evaluation.findings == ()
    assert evaluation.next_step == "done"
    assert evaluation.development_can_start


@pytest.mark.parametrize(
    ("fields", "can_start"),
    [
        ({}, True),
        ({"paid": None}, False),
        ({"managing_account": None}, True),  # earlier steps lacking do not matter
        ({"payment_method": "utalás"}, False),
        ({"payment_method": "utalás", "order_live": "2026.11.11 09:00"}, True),
    ],
)
def test_development_can_start_once_payment_is_done(
    fields: dict[str, object], can_start: bool
) -> None:
    assert evaluate_client(**fields).development_can_start is can_start


# --- e-mail -------------------------------------------------------------------------


def test_missing_email_type_is_inferred_without_a_finding() -> None:
    created = evaluate_client(
        email_type=None, email="kovacspekseg.marketing@gmail.com", email_password="x"
    )
    assert created.row.email_type == "created" and created.row.email_type_inferred
    assert codes(created) == []
    own = evaluate_client(email_type=None)
    assert own.row.email_type == "own" and codes(own) == []


def test_an_unparseable_email_type_keeps_its_finding_and_is_inferred_like_an_empty_one() -> None:
    """rules.md: an unparseable value counts as missing, and a missing type is inferred."""
    created = evaluate_client(
        email_type="talán", email="kovacspekseg.marketing@gmail.com", email_password="x"
    )
    assert created.row.email_type == "created" and created.row.email_type_inferred
    assert codes(created) == ["invalid-value"]
    assert created.findings[0].column == "email_type"
    assert created.stage == Stage.DONE, "the inferred type completes the e-mail step"
    own = evaluate_client(email_type="???")
    assert own.row.email_type == "own" and own.row.email_type_inferred
    assert codes(own) == ["invalid-value"]


def test_created_address_needs_its_password() -> None:
    evaluation = evaluate_client(email_type="létrehozott", email="kovacspekseg.marketing@gmail.com")
    assert codes(evaluation) == ["missing-email-password"]
    assert evaluation.stage == Stage.EMAIL
    assert evaluation.next_step == "record-email-password"


def test_created_address_off_pattern_is_a_warning_with_a_suggestion() -> None:
    evaluation = evaluate_client(
        email_type="létrehozott", email="kovacs.pek@gmail.com", email_password="x"
    )
    assert codes(evaluation) == ["email-pattern-mismatch"]
    assert evaluation.findings[0].params["suggestion"] == "kovacspekseg.marketing@gmail.com"
    assert evaluation.stage == Stage.DONE  # a warning does not hold the step


def test_invalid_email_is_an_error_and_holds_the_first_step() -> None:
    evaluation = evaluate_client(email="kovacs@gmail")
    assert codes(evaluation) == ["invalid-email"]
    assert evaluation.stage == Stage.EMAIL
    assert evaluation.next_step == "fix-email"


def test_missing_email_suggests_an_address_from_the_client_name() -> None:
    evaluation = evaluate_client(email=None, email_type=None)
    assert evaluation.next_step == "choose-email"
    assert evaluation.next_step_params["suggestion"] == "kovacspekseg.marketing@gmail.com"


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("Kovács Pékség Kft.", "kovacspekseg.marketing@gmail.com"),
        ("Szabó és Társa Bt.", "szaboestarsa.marketing@gmail.com"),
        ("Nagy Anna e.v.", "nagyanna.marketing@gmail.com"),
        ("Nagy Anna e. v.", "nagyanna.marketing@gmail.com"),
        ("ÁRVÍZTŰRŐ Zrt.", "arvizturo.marketing@gmail.com"),
        ("Kiss-Tóth 2000 Kft", "kisstoth2000.marketing@gmail.com"),
        ("Nagyon Hosszú Nevű Ügyvédi Iroda Nyrt.", "nagyonhosszunevuugyv.marketing@gmail.com"),
    ],
)
def test_suggested_address(name: str, address: str) -> None:
    assert suggested_address(name) == address
    assert len(address.split("@")[0]) <= 30  # Gmail's username limit


@pytest.mark.parametrize(
    ("address", "ok"),
    [("a.marketing@gmail.com", True), ("a.marketing@freemail.hu", False),
     ("amarketing@gmail.com", False), (".marketing@gmail.com", False)],
)  # fmt: skip
def test_created_pattern(address: str, ok: bool) -> None:
    assert is_created_pattern(address) is ok


# --- hosting, managing, package -----------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected", "step"),
    [
        ({"hosting_login": None, "hosting_password": None}, [], "create-hosting-account"),
        ({"hosting_password": None}, ["missing-hosting-password"], "record-hosting-password"),
        ({"hosting_login": None}, ["missing-hosting-login"], "record-hosting-login"),
    ],
)
def test_hosting_account(fields: dict[str, object], expected: list[str], step: str) -> None:
    evaluation = evaluate_client(**fields, verdicts=REG)
    assert codes(evaluation) == expected
    assert evaluation.stage == Stage.HOSTING_ACCOUNT
    assert evaluation.next_step == step


@pytest.mark.parametrize(
    ("value", "done", "expected"),
    [
        ("igen", True, []), ("✓", True, []), ("penzugy@sparrow.hu", True, []),
        ("info@masik.hu", True, ["unexpected-managing-account"]),
        ("nem", False, []), (None, False, []), ("talán", False, ["invalid-value"]),
    ],
)  # fmt: skip
def test_managing_account(value: object, done: bool, expected: list[str]) -> None:
    evaluation = evaluate_client(managing_account=value, paid=None, domain_application=None)
    assert codes(evaluation) == expected
    assert (evaluation.stage != Stage.MANAGING_ACCOUNT) is done


def test_other_package_is_a_warning_not_a_stop() -> None:
    evaluation = evaluate_client(package="Prémium", verdicts=REG)
    assert codes(evaluation) == ["package-not-start"]
    assert evaluation.stage == Stage.DONE


# --- domain -------------------------------------------------------------------------


def test_taken_domain_before_purchase_blocks_the_package_step() -> None:
    evaluation = evaluate_client(paid=None, domain_application=None, verdicts=REG)
    assert codes(evaluation) == ["domain-taken"]
    assert evaluation.stage == Stage.PACKAGE_DOMAIN
    assert evaluation.next_step == "choose-other-domain"


def test_taken_domain_after_failed_application_is_still_taken() -> None:
    evaluation = evaluate_client(domain_application="Sikertelen", verdicts=REG)
    assert codes(evaluation) == ["domain-application-failed", "domain-taken"]
    assert evaluation.stage == Stage.PACKAGE_DOMAIN


def test_submitted_application_needs_no_check() -> None:
    evaluation = evaluate_client(domain_application="beküldve", verdicts=REG)
    assert evaluation.domain_verdict is None
    assert codes(evaluation) == []
    assert evaluation.next_step == "await-application"


def test_unknown_verdict_does_not_hold_the_package_step_but_is_flagged() -> None:
    evaluation = evaluate_client(domain_application=None, verdicts={})
    assert evaluation.stage == Stage.DOMAIN_APPLICATION
    assert codes(evaluation) == []  # no verdict at all: nothing to say
    unknown = evaluate_client(
        domain_application=None, verdicts={"kovacspekseg.hu": Verdict.UNKNOWN}
    )
    assert codes(unknown) == ["domain-unverified"]
    assert unknown.stage == Stage.DOMAIN_APPLICATION


def test_success_still_free_is_flagged_only_after_the_grace_period() -> None:
    free = {"kovacspekseg.hu": Verdict.AVAILABLE}
    key = ("kovács pékség kft.", "application-successful")
    fresh = evaluate_client(verdicts=free, first_seen={key: NOW - timedelta(hours=47)})
    assert codes(fresh) == []
    late = evaluate_client(verdicts=free, first_seen={key: NOW - timedelta(hours=49)})
    assert codes(late) == ["domain-not-registered"]
    assert late.stage == Stage.DONE and late.next_step == "check-registration"
    assert "application-successful" in late.observed_facts


def test_success_unverified_only_past_the_grace_period() -> None:
    unknown = {"kovacspekseg.hu": Verdict.UNKNOWN}
    key = ("kovács pékség kft.", "application-successful")
    assert codes(evaluate_client(verdicts=unknown)) == []
    late = evaluate_client(verdicts=unknown, first_seen={key: NOW - timedelta(hours=49)})
    assert codes(late) == ["domain-unverified"]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("nem domain", "not-a-domain"), ("a.hu", "hu-length"), ("www.sub.pelda.hu", "subdomain"),
     ("pelda.nincsilyen", "unknown-tld"), ("-pelda.hu", "hyphen"), ("pe_lda.hu", "idna")],
)  # fmt: skip
def test_invalid_domains_say_why(typed: str, reason: str) -> None:
    evaluation = evaluate_client(domain=typed)
    assert codes(evaluation) == ["invalid-domain"]
    assert evaluation.findings[0].params["reason"] == reason
    assert evaluation.stage == Stage.PACKAGE_DOMAIN


def test_a_domain_with_a_space_says_so_and_what_was_meant() -> None:
    evaluation = evaluate_client(domain="gal optika.hu")
    assert codes(evaluation) == ["invalid-domain"]
    assert evaluation.findings[0].params == {
        "reason": "space",
        "input": "gal optika.hu",
        "suggestion": "galoptika.hu",
    }
    message = Texts("hu").finding(evaluation.findings[0], {})
    assert message == (
        "Érvénytelen domain név: szóköz van benne, domain névben pedig nem lehet "
        "(javaslat: galoptika.hu)"
    )


def test_domain_typed_as_url_is_normalized() -> None:
    evaluation = evaluate_client(domain="https://www.Kovácspékség.HU/kapcsolat", verdicts={})
    assert evaluation.row.domain is not None
    assert evaluation.row.domain.unicode == "kovácspékség.hu"
    assert evaluation.row.domain.ascii == "xn--kovcspksg-21a5gc.hu"


# --- payment ------------------------------------------------------------------------

TRANSFER = client(DONE, payment_method="utalás", paid=None, domain_application=None)


def test_payment_method_missing_holds_payment_even_when_paid() -> None:
    evaluation = evaluate_client(payment_method=None, domain_application=None)
    assert evaluation.stage == Stage.PAYMENT
    assert evaluation.next_step == "set-payment-method"


def test_invoice_overdue_exactly_after_three_calendar_days_from_the_end_of_the_sent_day() -> None:
    sent = client(TRANSFER, invoice_sent="2026.11.21")
    end_of_day = NOW.replace(day=21, hour=23, minute=59, second=59)
    at_limit = evaluate_clients(sent, now=end_of_day + timedelta(days=3), thresholds=CALENDAR_TIME)[
        0
    ]
    assert "invoice-overdue" not in codes(at_limit)
    past = evaluate_clients(
        sent, now=end_of_day + timedelta(days=3, seconds=1), thresholds=CALENDAR_TIME
    )[0]
    assert "invoice-overdue" in codes(past)
    assert past.next_step == "await-transfer"


def test_invoice_marked_sent_without_date_counts_from_first_seen() -> None:
    sent = client(TRANSFER, invoice_sent="x")
    key = ("kovács pékség kft.", "invoice-unpaid")
    assert "invoice-overdue" not in codes(evaluate_clients(sent, thresholds=CALENDAR_TIME)[0])
    late = evaluate_clients(
        sent, first_seen={key: NOW - timedelta(days=3, minutes=1)}, thresholds=CALENDAR_TIME
    )[0]
    assert "invoice-overdue" in codes(late)


def test_transfer_paid_and_not_live_after_eight_calendar_hours_escalates() -> None:
    paid = client(TRANSFER, paid="2026.11.25 03:59")
    evaluation = evaluate_clients(paid, thresholds=CALENDAR_TIME)[0]
    assert "transfer-booking-overdue" in codes(evaluation)
    assert evaluation.next_step == "escalate-booking"
    recent = evaluate_clients(client(TRANSFER, paid="2026.11.25 04:00"), thresholds=CALENDAR_TIME)[
        0
    ]
    assert "transfer-booking-overdue" not in codes(recent)
    assert recent.next_step == "await-booking"


def test_card_payment_pending_after_a_calendar_day_since_first_seen() -> None:
    card = client(DONE, paid=None, domain_application=None)
    key = ("kovács pékség kft.", "card-unpaid")
    assert "card-payment-pending" not in codes(evaluate_clients(card, thresholds=CALENDAR_TIME)[0])
    late = evaluate_clients(
        card, first_seen={key: NOW - timedelta(days=1, seconds=1)}, thresholds=CALENDAR_TIME
    )[0]
    assert "card-payment-pending" in codes(late)
    assert late.findings[0].severity == "info"


def test_no_transfer_invoice_yet_asks_to_send_it() -> None:
    assert evaluate_clients(TRANSFER)[0].next_step == "send-invoice"


# --- out of order -------------------------------------------------------------------


def test_application_before_payment_is_out_of_order_and_stage_does_not_move_back() -> None:
    evaluation = evaluate_client(paid=None, domain_application="beküldve")
    assert codes(evaluation) == ["out-of-order"]
    assert evaluation.findings[0].params["case"] == "application-before-payment"
    assert evaluation.stage == Stage.PAYMENT


def test_payment_before_managing_account_is_out_of_order() -> None:
    evaluation = evaluate_client(managing_account=None, verdicts=REG)
    assert codes(evaluation) == ["out-of-order"]
    assert evaluation.findings[0].params["case"] == "payment-before-managing-account"


@pytest.mark.parametrize("paid", ["nem", "FALSE", "0", False, None])
def test_not_paid_values_are_not_out_of_order(paid: object) -> None:
    evaluation = evaluate_client(managing_account=None, paid=paid, domain_application=None)
    assert "out-of-order" not in codes(evaluation)


# --- rows ---------------------------------------------------------------------------


def test_row_with_data_but_no_client_name_still_gets_a_stage() -> None:
    evaluation = evaluate_client(client=None, verdicts=REG)
    assert codes(evaluation) == ["missing-client-name"]
    assert evaluation.stage == Stage.DONE


def test_duplicates_flag_every_row_of_the_pair() -> None:
    first = client(DONE)
    second = client(DONE, client="  kovács   PÉKSÉG kft. ", domain="Kovacspekseg.hu")
    third = client(DONE, client="Kovacs Pekseg Kft.", domain="masik.hu")  # accents count
    evaluations = evaluate_clients(first, second, third, verdicts=REG)
    assert [codes(e) for e in evaluations] == [
        ["duplicate-client", "duplicate-domain"],
        ["duplicate-client", "duplicate-domain"],
        [],
    ]
    assert evaluations[0].findings[0].params["rows"] == "3"
    first_key, second_key, third_key = (e.row.key or "" for e in evaluations)
    assert third_key == "kovacs pekseg kft.", "a name on one row keeps its plain key"
    assert re.fullmatch(r"kovács pékség kft\.#[0-9a-f]{8}", first_key)
    assert second_key == f"{first_key}#2", "same name, e-mail and domain: told apart by order"
    assert "kovacspekseg" not in first_key, "the e-mail and domain are not kept in the key"


def test_rows_sharing_a_name_keep_their_keys_when_sorted() -> None:
    # Keyed by e-mail and domain, not by order (H3): a sort keeps each one's history.
    gamma = client(DONE, client="Gamma", email="a@gamma.hu", domain="gamma.hu")
    other = client(DONE, client="GAMMA ", email="b@gamma.hu", domain="gamma2.hu")
    copy = dict(gamma)
    before = {e.row.row: e.row.key for e in evaluate_clients(gamma, other, copy)}
    after = {e.row.row: e.row.key for e in evaluate_clients(other, copy, gamma)}
    assert before[3] == after[2] != before[2], "the other Gamma's key moved with it"
    # Rows identical in all three are told apart by order only among themselves.
    assert before[4] == f"{before[2]}#2" and (after[3], after[4]) == (before[2], before[4])


def test_unparseable_cells_are_findings_naming_the_column_and_count_as_missing() -> None:
    evaluation = evaluate_client(paid="tegnap", payment_method="csekk", domain_application="?")
    assert [(f.code.value, f.column) for f in evaluation.findings] == [
        ("invalid-value", "payment_method"),
        ("invalid-value", "paid"),
        ("invalid-value", "domain_application"),
    ]
    assert evaluation.stage == Stage.PAYMENT
    assert evaluation.next_step == "fix-payment-method"


def test_whitespace_only_cells_are_empty_not_invalid() -> None:
    evaluation = evaluate_client(paid="   ", payment_method=" ", domain_application="\t")
    assert codes(evaluation) == []
    assert evaluation.stage == Stage.PAYMENT

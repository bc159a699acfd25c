"""Faults of the Google backend: what is retried and how long, and the one-line message
an operator gets for what cannot be retried (never with credential material)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from sheetsync.errors import SheetAccessError, TransientSheetError
from sheetsync.retry import RetryPolicy
from sheetsync.sheets.google_auth import load_credentials
from tests.support.google_fake import (
    ACCOUNT,
    BATCH_GET,
    GET_META,
    PRIVATE_KEY_CANARY,
    VALUES_UPDATE,
    FakeSheetsApi,
    api,
    google_sheet,
    key_info,
    write_key_file,
)
from tests.support.pacing import FakeTime
from tests.support.sheet_contract import ROWS, plan_for

pytestmark = pytest.mark.slow  # a property or fault suite: `make quick` leaves it out

__all__ = ["api"]


@pytest.fixture
def sheet_api(api: FakeSheetsApi) -> FakeSheetsApi:
    api.add_worksheet("Ügyfelek", ROWS)
    return api


def test_two_429s_then_success_reads_after_two_backoffs(sheet_api: FakeSheetsApi) -> None:
    time = FakeTime()
    sheet_api.fail(
        BATCH_GET, 429, times=2, message="Quota exceeded for quota metric 'Read requests'"
    )
    rows = google_sheet(sheet_api, time).read().rows
    assert rows[1][0] == "Alfa Kft."
    assert sheet_api.calls == [GET_META, BATCH_GET, BATCH_GET, BATCH_GET]
    assert time.sleeps == [0.5, 1.0]  # full jitter (unit 0.5) of ceilings 1s and 2s


def test_retry_after_is_honoured(sheet_api: FakeSheetsApi) -> None:
    time = FakeTime()
    sheet_api.fail(BATCH_GET, 429, headers={"Retry-After": "7"})
    google_sheet(sheet_api, time).read()
    assert time.sleeps == [7.0]


def test_a_502_html_page_then_success_is_retried(sheet_api: FakeSheetsApi) -> None:
    time = FakeTime()
    sheet_api.fail(BATCH_GET, 502, html=True)
    assert google_sheet(sheet_api, time).read().rows[2][0] == "Béta Bt."
    assert sheet_api.count(BATCH_GET) == 2 and len(time.sleeps) == 1


def test_timeouts_and_connection_errors_are_retried_and_every_request_has_a_timeout(
    sheet_api: FakeSheetsApi,
) -> None:
    sheet_api.fail(BATCH_GET, raise_=requests.exceptions.ReadTimeout("read timed out"))
    sheet_api.fail(BATCH_GET, raise_=requests.exceptions.ConnectionError("connection reset"))
    google_sheet(sheet_api, timeout=12.5).read()
    assert sheet_api.count(BATCH_GET) == 3
    assert all(r.req_kwargs["timeout"] == 12.5 for r in sheet_api.requests)  # type: ignore[attr-defined]


def test_retries_stop_at_the_attempt_bound(sheet_api: FakeSheetsApi) -> None:
    time = FakeTime()
    sheet_api.fail(BATCH_GET, 503, times=100)
    with pytest.raises(TransientSheetError, match=r"HTTP 503 \(after 4 attempt"):
        google_sheet(sheet_api, time, RetryPolicy(max_attempts=4)).read()
    assert sheet_api.count(BATCH_GET) == 4
    assert len(time.sleeps) == 3


def test_retries_stop_at_the_time_bound(sheet_api: FakeSheetsApi) -> None:
    time = FakeTime()
    sheet_api.fail(BATCH_GET, 429, times=100, headers={"Retry-After": "40"})
    with pytest.raises(TransientSheetError, match="next sync retries"):
        google_sheet(sheet_api, time, RetryPolicy(max_attempts=10, max_total=60)).read()
    assert sheet_api.count(BATCH_GET) == 2  # a second 40 s wait would pass the 60 s budget
    assert time.sleeps == [40.0]


def test_a_failed_write_writes_nothing_and_the_next_sync_does_the_whole_job(
    sheet_api: FakeSheetsApi,
) -> None:
    before = [list(r) for r in sheet_api.sheet.cells]
    sheet = google_sheet(sheet_api)
    plan = plan_for(sheet.read().rows, {2: [(4, "a")], 3: [(4, "b")]})
    sheet_api.fail(VALUES_UPDATE, 500, times=100)
    with pytest.raises(TransientSheetError):
        sheet.write(plan)
    assert sheet_api.sheet.cells == before

    sheet_api.failures.clear()
    outcome = google_sheet(sheet_api).write(plan)
    assert outcome.cells_written == 2
    assert (sheet_api.sheet.get(2, 4), sheet_api.sheet.get(3, 4)) == ("a", "b")


def test_no_access_says_whom_to_share_the_sheet_with_without_retrying(
    sheet_api: FakeSheetsApi,
) -> None:
    sheet_api.shared = False
    with pytest.raises(SheetAccessError) as caught:
        google_sheet(sheet_api).read()
    assert not isinstance(caught.value, TransientSheetError)
    assert f"share the sheet with {ACCOUNT} as Editor" in str(caught.value)
    assert sheet_api.count() == 1


def test_a_disabled_sheets_api_says_to_enable_it(sheet_api: FakeSheetsApi) -> None:
    sheet_api.sheets_api_enabled = False
    with pytest.raises(SheetAccessError, match=r"enable it .* Google Sheets API"):
        google_sheet(sheet_api).read()


def test_a_wrong_spreadsheet_key_says_which_setting_to_check(sheet_api: FakeSheetsApi) -> None:
    wrong = "1SomeOtherSpreadsheetKey_abcdefghij"
    with pytest.raises(SheetAccessError, match=rf"{wrong} not found: check sheet\.spreadsheet"):
        google_sheet(sheet_api, key=wrong).read()
    assert sheet_api.count() == 1


def test_a_wrong_worksheet_lists_the_ones_there_are(sheet_api: FakeSheetsApi) -> None:
    with pytest.raises(SheetAccessError, match=r"no worksheet 'Ügyfél' .*'Ügyfelek'"):
        google_sheet(sheet_api, worksheet="Ügyfél").read()
    with pytest.raises(SheetAccessError, match="no worksheet with gid 9"):
        google_sheet(sheet_api, gid=9).read()


def test_a_refused_token_names_the_oauth_error_only(sheet_api: FakeSheetsApi) -> None:
    sheet_api.token_error = "invalid_grant"
    with pytest.raises(SheetAccessError) as caught:
        google_sheet(sheet_api).read()
    message = str(caught.value)
    assert "invalid_grant" in message and "new JSON key" in message
    assert "JWT" not in message and PRIVATE_KEY_CANARY not in message


# -- key files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "does not exist"),
        ("{not json", "is not valid JSON"),
        (
            json.dumps({"type": "authorized_user", "refresh_token": "r"}),
            "not a service-account key",
        ),
        (
            json.dumps({"client_email": "x@y.hu", "data": 1}),  # e.g. an OAuth client file
            'has no "type" field, so it is not a Google credentials file',
        ),
        (json.dumps({**key_info(), "private_key": ""}), "lacks private_key"),
        (
            json.dumps({**key_info(), "private_key": PRIVATE_KEY_CANARY + "\nAAAA\n-----END"}),
            "private_key cannot be loaded",
        ),
    ],
)
def test_a_bad_key_file_says_which_file_and_why_never_its_contents(
    tmp_path: Path, content: str | None, why: str
) -> None:
    path = tmp_path / "sheetsync-key.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SheetAccessError) as caught:
        load_credentials(path, environ={})
    message = str(caught.value)
    assert str(path) in message and why in message and "None" not in message
    assert PRIVATE_KEY_CANARY not in message and "AAAA" not in message
    assert caught.value.__cause__ is None or "AAAA" not in str(caught.value.__cause__)


def test_the_key_file_comes_from_the_setting_else_the_environment(tmp_path: Path) -> None:
    key = write_key_file(tmp_path / "key.json")
    assert load_credentials(key, environ={}).account == ACCOUNT
    from_env = load_credentials(None, environ={"GOOGLE_APPLICATION_CREDENTIALS": str(key)})
    assert from_env.account == ACCOUNT and from_env.source == str(key)
    with pytest.raises(SheetAccessError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        load_credentials(None, environ={"GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "x")})


def test_a_write_refused_with_503_once_is_sent_again_unchanged(sheet_api: FakeSheetsApi) -> None:
    sheet = google_sheet(sheet_api)
    plan = plan_for(sheet.read().rows, {2: [(4, "a")]})
    sheet_api.fail(VALUES_UPDATE, 503)
    assert sheet.write(plan).cells_written == 1
    bodies = [r.body for r in sheet_api.requests if r.url and "values:batchUpdate" in r.url]
    assert len(bodies) == 2 and bodies[0] == bodies[1]
    assert sheet_api.sheet.get(2, 4) == "a"

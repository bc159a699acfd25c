"""The one retry helper: backoff, Retry-After and its ceilings, giving up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetsync.errors import GaveUp
from sheetsync.retry import (
    RETRY_AFTER_CEILING,
    RetryPolicy,
    Transient,
    call_with_retry,
    retry_after_seconds,
)
from tests.support.pacing import FakeTime

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def failing(*answers: BaseException | str) -> tuple[list[int], Callable[[], str]]:
    """An operation raising or returning `answers` in turn, and the list of its calls."""
    calls: list[int] = []
    queue = list(answers)

    def operation() -> str:
        calls.append(1)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    return calls, operation


def flaky(retry_after: float | None = None) -> Callable[[Exception], Transient | None]:
    return lambda exc: Transient("flaky", retry_after) if isinstance(exc, OSError) else None


def test_backoff_is_full_jitter_under_a_doubling_capped_ceiling() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=8)
    assert [policy.wait(n, 1.0, None) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]
    assert policy.wait(3, 0.0, None) == 0
    assert policy.wait(1, 0.5, 30) == 30  # never sooner than the server asked


def test_a_transient_failure_then_success_returns_the_result_after_one_wait() -> None:
    time = FakeTime()
    calls, operation = failing(OSError("flaky"), "ok")
    assert call_with_retry(operation, flaky(), RetryPolicy(), time.pacer()) == "ok"
    assert len(calls) == 2 and time.sleeps == [0.5]


def test_permanent_failures_propagate_unchanged_without_a_wait() -> None:
    time = FakeTime()
    calls, operation = failing(ValueError("permanent"))
    with pytest.raises(ValueError, match="permanent"):
        call_with_retry(operation, flaky(), RetryPolicy(), time.pacer())
    assert len(calls) == 1 and time.sleeps == []


def test_it_gives_up_at_the_attempt_bound_chained_to_the_last_failure() -> None:
    time = FakeTime()
    retried: list[int] = []
    calls, operation = failing(OSError("down"))
    with pytest.raises(GaveUp, match=r"flaky \(after 3 attempt") as caught:
        call_with_retry(
            operation,
            flaky(),
            RetryPolicy(max_attempts=3),
            time.pacer(),
            on_retry=lambda: retried.append(1),
        )
    assert len(calls) == 3 and len(time.sleeps) == 2 and len(retried) == 2
    assert isinstance(caught.value.__cause__, OSError) and caught.value.attempts == 3


def test_a_wait_past_the_total_budget_is_not_started() -> None:
    time = FakeTime()
    calls, operation = failing(OSError("throttled"))
    with pytest.raises(GaveUp):
        policy = RetryPolicy(max_attempts=10, max_total=60)
        call_with_retry(operation, flaky(40), policy, time.pacer())
    assert len(calls) == 2 and time.sleeps == [40]  # a second 40 s would end at 80 s


@pytest.mark.parametrize("asked", [RETRY_AFTER_CEILING, float("inf")])
def test_a_huge_server_wait_gives_up_at_once_instead_of_sleeping(asked: float) -> None:
    time = FakeTime()
    calls, operation = failing(OSError("throttled"))
    with pytest.raises(GaveUp):
        call_with_retry(operation, flaky(asked), RetryPolicy(), time.pacer())
    assert len(calls) == 1 and time.sleeps == []


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds("30") == 30
    assert retry_after_seconds(" 7 ") == 7
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:10 GMT", NOW) == 10
    assert retry_after_seconds("Thu, 01 Jan 2026 11:00:00 GMT", NOW) == 0  # already past


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "²", "Thu, 99 Foo 2026"])
def test_retry_after_is_none_when_absent_or_unreadable(value: str | None) -> None:
    assert retry_after_seconds(value, NOW) is None


@pytest.mark.parametrize(
    "value", ["9" * 400, "86401", "Fri, 31 Dec 9999 23:59:59 GMT", "Sat, 01 Jan 2028 00:00:00 GMT"]
)
def test_a_huge_or_far_off_retry_after_is_held_to_the_ceiling(value: str) -> None:
    assert retry_after_seconds(value, NOW) == RETRY_AFTER_CEILING


@given(st.text(max_size=60))
def test_any_retry_after_text_reads_as_none_or_a_wait_within_the_ceiling(value: str) -> None:
    seconds = retry_after_seconds(value, NOW)
    assert seconds is None or 0.0 <= seconds <= RETRY_AFTER_CEILING

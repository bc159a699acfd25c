"""The Slack webhook notifier: a loopback receiver, and respx for retries and refusals."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx
from pydantic import SecretStr

from sheetsync.core.model import Verdict
from sheetsync.core.snapshot import snapshot_of
from sheetsync.errors import NotifierError
from sheetsync.notify.port import BLOCK_LIMIT, TEXT_LIMIT, Message
from sheetsync.notify.slack import SLACK_POLICY, SlackWebhookNotifier
from sheetsync.notify.summary import summary
from sheetsync.run.sync import run_sync
from sheetsync.testing import FakeClock
from tests.support.pacing import FakeTime
from tests.support.worker_fixtures import CANARY, MONDAY_9, client, domains, settings, sheet

URL = "https://hooks.slack.test/services/T000/B000/SECRETTOKEN"
MESSAGE = Message(
    text="hello", blocks=({"type": "section", "text": {"type": "mrkdwn", "text": "x"}},)
)


def notifier(time: FakeTime, **policy: Any) -> SlackWebhookNotifier:
    return SlackWebhookNotifier(
        SecretStr(URL),
        retry=replace(SLACK_POLICY, **policy),
        pacer=time.pacer(),
    )


class Receiver(BaseHTTPRequestHandler):
    bodies: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Receiver.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/services/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_a_200_client_summary_arrives_as_valid_block_kit_json(receiver: str) -> None:
    rows = [client(f"Ügyfél {i}", domain="foglalt.hu", email_password=CANARY) for i in range(200)]
    result = run_sync(sheet(*rows), domains({"foglalt.hu": Verdict.REGISTERED}), settings(),
                      FakeClock(MONDAY_9), dry_run=True)  # fmt: skip
    message = summary(snapshot_of(result), None, tz=ZoneInfo("Europe/Budapest"), digest=True)
    SlackWebhookNotifier(SecretStr(receiver)).send(message)
    [body] = Receiver.bodies
    assert set(body) == {"text", "blocks"}
    assert 0 < len(body["blocks"]) <= BLOCK_LIMIT
    assert body["blocks"][0]["type"] == "header"
    for block in body["blocks"]:
        assert block["type"] in {"header", "section", "context"}
        if block["type"] == "section":
            assert block["text"]["type"] == "mrkdwn"
            assert len(block["text"]["text"]) <= TEXT_LIMIT
    assert CANARY not in json.dumps(body, ensure_ascii=False)


@respx.mock
def test_429_is_retried_after_the_time_slack_asks_for() -> None:
    route = respx.post(URL).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)]
    )
    time = FakeTime()
    notifier(time).send(MESSAGE)
    assert route.call_count == 2 and time.sleeps == [7.0]
    assert json.loads(route.calls[0].request.content) == MESSAGE.payload()


@respx.mock
def test_server_errors_are_retried_a_bounded_number_of_times() -> None:
    route = respx.post(URL).mock(return_value=httpx.Response(503))
    time = FakeTime()
    with pytest.raises(NotifierError) as caught:
        notifier(time, max_attempts=3).send(MESSAGE)
    assert route.call_count == 3 and len(time.sleeps) == 2
    assert not caught.value.permanent


@respx.mock
def test_a_retry_after_beyond_the_time_budget_gives_up_without_waiting() -> None:
    route = respx.post(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "600"}))
    time = FakeTime()
    with pytest.raises(NotifierError):
        notifier(time, max_total=60).send(MESSAGE)
    assert route.call_count == 1 and time.sleeps == []


@respx.mock
def test_an_absurd_retry_after_gives_up_without_waiting_or_overflowing() -> None:
    route = respx.post(URL).mock(
        return_value=httpx.Response(503, headers={"Retry-After": "9" * 400})
    )
    time = FakeTime()
    with pytest.raises(NotifierError, match="HTTP 503") as caught:
        notifier(time).send(MESSAGE)
    assert route.call_count == 1 and time.sleeps == []
    assert not caught.value.permanent


@respx.mock
def test_network_errors_are_retried() -> None:
    route = respx.post(URL).mock(side_effect=[httpx.ConnectError("refused"), httpx.Response(200)])
    notifier(FakeTime()).send(MESSAGE)
    assert route.call_count == 2


@pytest.mark.parametrize("status", [404, 410])
@respx.mock
def test_a_revoked_webhook_is_permanent_and_logged_once(
    status: int, caplog: pytest.LogCaptureFixture
) -> None:
    route = respx.post(URL).mock(return_value=httpx.Response(status, text="no_service"))
    slack = notifier(FakeTime())
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):
            with pytest.raises(NotifierError) as caught:
                slack.send(MESSAGE)
            assert caught.value.permanent
    assert route.call_count == 1
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
    assert "SECRETTOKEN" not in caplog.text


@respx.mock
def test_the_webhook_url_never_appears_in_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    respx.post(URL).mock(side_effect=httpx.ConnectTimeout(f"timed out talking to {URL}"))
    with caplog.at_level(logging.DEBUG), pytest.raises(NotifierError) as caught:
        notifier(FakeTime(), max_attempts=2).send(MESSAGE)
    assert "SECRETTOKEN" not in str(caught.value)
    assert "SECRETTOKEN" not in caplog.text
    assert "SECRETTOKEN" not in repr(SecretStr(URL))


class _Endless(httpx.SyncByteStream):
    """A body that never ends; `pause` seconds between chunks (a trickle)."""

    def __init__(self, pause: float = 0.0, size: int = 512) -> None:
        self.pause = pause
        self.size = size
        self.chunks = 0

    def __iter__(self) -> Iterator[bytes]:
        import time as real_time

        while True:
            self.chunks += 1
            if self.pause:
                real_time.sleep(self.pause)
            yield b"x" * self.size


@pytest.mark.parametrize("status", [200, 400, 500])
def test_an_endless_answer_is_read_only_up_to_its_head(status: int) -> None:
    body = _Endless()
    transport = httpx.MockTransport(lambda request: httpx.Response(status, stream=body))
    time = FakeTime()
    hook = SlackWebhookNotifier(
        SecretStr(URL),
        client=httpx.Client(transport=transport),
        retry=replace(SLACK_POLICY, max_attempts=2),
        pacer=time.pacer(),
    )
    if status == 200:
        hook.send(MESSAGE)
    else:
        with pytest.raises(NotifierError):
            hook.send(MESSAGE)
    assert body.chunks <= 2 * 2  # at most the 1 KiB head, per attempt


def test_a_trickling_refusal_is_cut_at_the_answer_deadline() -> None:
    body = _Endless(pause=0.02, size=1)  # the 1 KiB head alone would take 20 s
    transport = httpx.MockTransport(lambda request: httpx.Response(400, stream=body))
    hook = SlackWebhookNotifier(
        SecretStr(URL), client=httpx.Client(transport=transport), timeout=0.1
    )
    with pytest.raises(NotifierError, match="refused"):
        hook.send(MESSAGE)
    assert body.chunks <= 10  # a deadline of 0.1 s at a byte per 0.02 s


@respx.mock
def test_a_request_that_may_have_arrived_is_not_sent_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A read timeout: the post went out, no answer came; Slack may have posted it.
    route = respx.post(URL).mock(side_effect=httpx.ReadTimeout("no answer"))
    time = FakeTime()
    with caplog.at_level(logging.WARNING):
        notifier(time).send(MESSAGE)  # counted as delivered: no NotifierError
    assert route.call_count == 1 and time.sleeps == []
    assert "did not answer within 10 s; the message may have arrived" in caplog.text
    assert "not sent again, to avoid a duplicate" in caplog.text


@pytest.mark.parametrize(
    "dropped", [httpx.RemoteProtocolError("disconnected"), httpx.ReadError("reset")]
)
@respx.mock
def test_a_connection_dropped_before_the_answer_is_not_sent_again(
    dropped: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    route = respx.post(URL).mock(side_effect=[dropped, httpx.Response(200)])
    with caplog.at_level(logging.WARNING):
        notifier(FakeTime()).send(MESSAGE)
    assert route.call_count == 1
    assert "closed the connection without an answer" in caplog.text


@pytest.mark.parametrize(
    "unsent",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("no connection"),
        httpx.PoolTimeout("no connection free"),
        httpx.WriteTimeout("request not written"),
        httpx.Response(408),
    ],
)
@respx.mock
def test_what_never_reached_slack_or_slack_did_not_take_is_sent_again(
    unsent: Exception | httpx.Response,
) -> None:
    route = respx.post(URL).mock(side_effect=[unsent, httpx.Response(200)])
    notifier(FakeTime()).send(MESSAGE)
    assert route.call_count == 2


def test_a_server_trickling_its_status_line_and_headers_is_cut_at_the_deadline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """httpx times each read: a byte every 0.1 s kept one attempt alive for as long as
    the server liked. One deadline now covers the whole attempt, headers included, and
    what may have arrived is not sent again."""
    listening = socket.create_server(("127.0.0.1", 0))
    posts: list[int] = []

    def serve() -> None:
        listening.settimeout(5)
        with contextlib.suppress(OSError):
            conn, _ = listening.accept()
            with conn:
                conn.recv(65536)
                posts.append(1)
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 200:
                    conn.sendall(bytes([byte]))
                    time.sleep(0.1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = SecretStr(f"http://127.0.0.1:{listening.getsockname()[1]}/services/T/B/x")
    notifier = SlackWebhookNotifier(url, timeout=0.5)
    began = time.monotonic()
    with caplog.at_level(logging.WARNING):
        notifier.send(Message("x", ()))  # counted as delivered, said so
    took = time.monotonic() - began
    listening.close()
    assert took < 2, f"{took:.1f} s: held by a trickling server"
    assert posts == [1], "not sent again"
    assert "did not answer within" in caplog.text or "may have arrived" in caplog.text

"""The ntfy client: JSON publish, priorities, token, configurable server and topic."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from api_clients.notifications import NtfyClient, send_notification

from .conftest import frozen, loopback, replay

CLIENT = "notifications"
#: What the committed cassettes were recorded with (see their provenance).
TOPIC = "cassette-contracts-alerts"
EMAIL = "alice@example.com"
MESSAGE = "Your weekly report is ready"
URGENT_MESSAGE = "Disk usage on db-1 is above 95%"

#: Match the JSON body too: the request the client sends must equal the recorded one.
BODY_MATCH = ["method", "scheme", "host", "port", "path", "query", "body"]


def _recorded_body(vcr: Any) -> dict[str, Any]:
    (request,) = vcr.requests
    body: dict[str, Any] = json.loads(request.body)
    return body


@frozen
@replay("publish", match_on=BODY_MATCH)
def test_send_notification_returns_published_message() -> None:
    """The message JSON ntfy answers with comes back as a dict."""
    message = send_notification(EMAIL, MESSAGE, client=NtfyClient(topic=TOPIC))
    assert message["event"] == "message"
    assert message["topic"] == TOPIC
    assert message["message"] == MESSAGE


@frozen
@replay("publish", match_on=BODY_MATCH)
def test_normal_notification_publishes_priority_3(vcr: Any) -> None:
    """A non-urgent notification sends topic, message, email and priority 3, body for body."""
    send_notification(EMAIL, MESSAGE, client=NtfyClient(topic=TOPIC))
    assert vcr.play_count == 1
    assert _recorded_body(vcr) == {
        "topic": TOPIC,
        "message": MESSAGE,
        "email": EMAIL,
        "priority": 3,
    }


@frozen
@replay("publish_urgent", match_on=BODY_MATCH)
def test_urgent_notification_publishes_priority_4(vcr: Any) -> None:
    """An urgent notification sends priority 4, body for body."""
    send_notification(EMAIL, URGENT_MESSAGE, urgent=True, client=NtfyClient(topic=TOPIC))
    assert vcr.play_count == 1
    assert _recorded_body(vcr)["priority"] == 4


@loopback
def test_token_topic_and_url_from_environment(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NTFY_TOKEN is sent as 'Authorization: Bearer'; NTFY_URL and NTFY_TOPIC apply."""
    monkeypatch.setenv("NTFY_TOKEN", "tk_local")
    monkeypatch.setenv("NTFY_URL", httpserver.url_for(""))
    monkeypatch.setenv("NTFY_TOPIC", "self-hosted")
    httpserver.expect_request(
        "/", method="POST", headers={"Authorization": "Bearer tk_local"}
    ).respond_with_json({"event": "message", "topic": "self-hosted"})
    assert send_notification("a@b.c", "hi")["topic"] == "self-hosted"
    (request, _response) = httpserver.log[0]
    assert request.get_json()["topic"] == "self-hosted"


@loopback
def test_publish_uses_five_second_timeout(stalling_server: str) -> None:
    """The client's timeout is 5 s by default and names the request when hit."""
    from api_clients import ApiTimeoutError

    assert NtfyClient().http.timeout == 5.0
    with pytest.raises(ApiTimeoutError, match=r"POST http://127\.0\.0\.1:\d+/ timed out"):
        NtfyClient(stalling_server, topic="t", timeout=0.2).send_notification("a@b.c", "hi")

"""Notifications through ntfy (https://ntfy.sh or a self-hosted server).

Publishes with ntfy's JSON form (``POST /`` with ``topic``, ``message``, ``email``,
``priority``) and returns the message JSON ntfy answers with. Base URL from the argument or
``$NTFY_URL``; topic from the argument or ``$NTFY_TOPIC``; access token from ``$NTFY_TOKEN``.
"""

from __future__ import annotations

import os
from typing import Any

from ._http import HttpClient, env_or, timeout_or_env

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TOPIC", "NtfyClient", "send_notification"]

DEFAULT_BASE_URL = "https://ntfy.sh"
DEFAULT_TOPIC = "cassette-contracts-alerts"
TIMEOUT = 5.0
URGENT_PRIORITY = 4
DEFAULT_PRIORITY = 3


class NtfyClient:
    """A client for one ntfy server and topic."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        topic: str | None = None,
        token: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.topic = env_or(topic, "NTFY_TOPIC", DEFAULT_TOPIC)
        self.http = HttpClient(
            env_or(base_url, "NTFY_URL", DEFAULT_BASE_URL),
            timeout=timeout_or_env(timeout, TIMEOUT),
            token=token or os.environ.get("NTFY_TOKEN") or None,
        )

    def send_notification(
        self, user_email: str, message: str, urgent: bool = False
    ) -> dict[str, Any]:
        """Publish ``message`` (also e-mailed to ``user_email``); priority 4 if urgent, else 3."""
        payload = {
            "topic": self.topic,
            "message": message,
            "email": user_email,
            "priority": URGENT_PRIORITY if urgent else DEFAULT_PRIORITY,
        }
        published: dict[str, Any] = self.http.request("POST", "/", json=payload).json()
        return published


def send_notification(
    user_email: str, message: str, urgent: bool = False, *, client: NtfyClient | None = None
) -> dict[str, Any]:
    """Publish a notification through the default ntfy client."""
    return (client or NtfyClient()).send_notification(user_email, message, urgent)

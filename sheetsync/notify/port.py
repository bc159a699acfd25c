"""The notifier boundary: a message (Block Kit + plain text) and who delivers it.

A notifier that cannot deliver raises `NotifierError` (sheetsync.errors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

TEXT_LIMIT = 3000  # Slack: characters in a section's text, and what we keep of `text`
BLOCK_LIMIT = 50  # Slack: blocks in one message


@dataclass(frozen=True)
class Message:
    """`text` is the plain-text version (notification fallback, console output);
    `blocks` the Block Kit layout. Neither ever holds a secret value."""

    text: str
    blocks: tuple[Mapping[str, Any], ...]
    fallback: str = ""  # Slack's top-level text (mrkdwn-escaped); `text` when empty

    def payload(self) -> dict[str, Any]:
        return {"text": (self.fallback or self.text)[:TEXT_LIMIT], "blocks": list(self.blocks)}


class Notifier(Protocol):
    def send(self, message: Message) -> None:
        """Deliver or raise NotifierError."""
        ...

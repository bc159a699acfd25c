"""The notifier of last resort: the summary printed, when no webhook is configured."""

from __future__ import annotations

from typing import TextIO

from sheetsync.notify.port import Message


class ConsoleNotifier:
    """Prints the plain-text summary: the channel when no webhook is configured."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def send(self, message: Message) -> None:
        self._stream.write(message.text.rstrip("\n") + "\n")
        self._stream.flush()

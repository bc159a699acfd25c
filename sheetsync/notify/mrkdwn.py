"""Sheet text made safe for a Slack message (pure): one line, nothing invisible, no mention.

Whatever staff type into a cell — a newline, a right-to-left override, `<!channel>`,
`@here` — reaches the team only as visible text on the line it belongs to:

- `clean`: control characters, line and paragraph separators and other spaces become
  a plain space; invisible format characters (bidi controls, zero-width characters,
  tag characters) are dropped; a lone surrogate, which no JSON encoder can send,
  becomes U+FFFD.
- `escape`: Slack's three control characters as entities, and `@channel`, `@here`,
  `@everyone` with a full-width at sign, so no text can notify anyone.
- `fit`: cut *before* escaping, so an entity is never split and the escaped text
  keeps Slack's limit.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"
# `@here` alone, not inside an address like `info@here.hu` (a letter or digit before it).
_BROADCAST = re.compile(r"(?<![^\W_])@(?=(?:channel|here|everyone)(?![^\W_]))", re.IGNORECASE)
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def clean(text: str) -> str:
    """`text` as one line of visible characters (see the module docstring)."""
    if text.isprintable():  # the common case, decided in C
        return text
    return "".join(_visible(ch) for ch in text)


def _visible(ch: str) -> str:
    if ch.isprintable():
        return ch
    kind = unicodedata.category(ch)
    if kind == "Cf":  # bidi controls, zero-width characters, tags: invisible, dropped
        return ""
    if kind == "Cs":
        return "\ufffd"
    if kind in ("Co", "Cn"):  # private use and unassigned code points are shown as they are
        return ch
    return " "  # Cc, Zl, Zp and the spaces other than ' '


def escape(text: str) -> str:
    """Slack mrkdwn for already clean text: entities for `&`, `<`, `>`; no broadcast."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("＠", text)


def fit(text: str, limit: int) -> str:
    """`escape(text)` within `limit` characters, cut before escaping ("…" marks a cut)."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    kept, size = [], len(ELLIPSIS)
    for ch in text:
        size += len(_ENTITIES.get(ch, ch))
        if size > limit:
            break
        kept.append(ch)
    return escape("".join(kept)) + ELLIPSIS


def cut(text: str, limit: int) -> str:
    """At most `limit` characters of plain text, "…" marking a cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS

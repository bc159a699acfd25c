"""Hard limits on what a registry may send: a size cap per answer, a depth cap per JSON
parse. (The deadline per query is the checker's: `asyncio.timeout` around the whole
exchange, connect, headers and body together.)"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

# An RDAP domain object is a few KiB (the largest registries' stay under 100 KiB);
# IANA's bootstrap file is about 40 KiB. A WHOIS answer is a page of text.
RDAP_MAX_BYTES = 1024 * 1024
WHOIS_MAX_BYTES = 64 * 1024
# RDAP nests entities in entities and jCard arrays in them: about ten levels deep.
JSON_MAX_DEPTH = 64


async def read_capped(chunks: AsyncIterator[bytes], limit: int) -> bytes | None:
    """The whole stream, or None as soon as it passes `limit` bytes: the rest is never
    read, so a 100 MB or endless answer costs at most `limit` plus one chunk."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


def load_json(raw: bytes, max_depth: int = JSON_MAX_DEPTH) -> tuple[Any, str | None]:
    """(value, None), or (None, why not): not JSON, or nested deeper than `max_depth`
    (the parser's own recursion limit included: a RecursionError is this name's
    problem only, never the pass's)."""
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None, "not JSON"
    except RecursionError:
        return None, f"JSON nested deeper than {max_depth} levels"
    if _deeper_than(value, max_depth):
        return None, f"JSON nested deeper than {max_depth} levels"
    return value, None


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels (iterative: a deep
    value must not exhaust the stack it is being measured with)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False

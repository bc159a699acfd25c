"""How text typed by people is compared: two comparisons, one function each (pure).

| function    | ignores                                   | used for                           |
|-------------|-------------------------------------------|------------------------------------|
| `loose_key` | case, accents, surrounding and repeated   | column headers (configured and in  |
|             | spaces, a trailing ':', compatibility     | the sheet), worksheet titles, the  |
|             | forms (NFKD)                              | words of a cell (yes/no, months,   |
|             |                                           | methods, types, packages), e-mail  |
|             |                                           | suggestions                        |
| `name_key`  | case, surrounding and repeated spaces,    | client names (duplicates, history  |
|             | canonical forms (NFC); accents COUNT      | keys), row identities (name,       |
|             |                                           | e-mail, domain)                    |

Why two (the shared rules.md): a header or a word means the same however it is typed —
`Fizetve:`, `fizetve` and `FIZETVE ` are one column, `kész` and `kesz` one word. A
client name is an identity: `Kovács` and `Kovacs` may be two clients, so accents
count; but the same letters typed precomposed (`á`) or decomposed (`a` + U+0301), in
another case or with other spacing, are the same client.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=65536)  # called for every word cell of every row; few distinct values
def loose_key(text: str) -> str:
    """Case, accents, spacing and a trailing ':' ignored: headers, titles and words."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().rstrip().rstrip(":").split())


def name_key(text: str) -> str:
    """Case and spacing ignored, accents kept: client names and row identities."""
    # NFC again after folding: casefold can decompose what NFC composed.
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    return " ".join(folded.split())

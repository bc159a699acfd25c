"""Synthetic onboarding sheets for the benchmarks: realistic, varied, deterministic."""

from __future__ import annotations

import random
from typing import Any

from sheetsync.settings import ColumnHeaders, StatusHeaders

HEADERS = [*ColumnHeaders().model_dump().values()]
STATUS_HEADERS = [*StatusHeaders().model_dump().values()]
FIRST = ["Kovács", "Nagy", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh"]
TRADE = ["Pékség", "Autószerviz", "Fodrászat", "Virágbolt", "Kávézó", "Ügyvédi Iroda", "Könyvelés"]
FORMS = ["Kft.", "Bt.", "e.v.", "Zrt.", ""]
CANARY = "Bench-Pw-0000!"


def slug(text: str) -> str:
    table = str.maketrans("áéíóöőúüű", "aeiooouuu")
    return "".join(c for c in text.lower().translate(table) if c.isalnum())


def client_row(i: int, rnd: random.Random) -> list[Any]:
    """One client somewhere in the process; unique name and domain per `i`."""
    name = f"{rnd.choice(FIRST)} {rnd.choice(TRADE)} {i} {rnd.choice(FORMS)}".strip()
    base = slug(name)
    stage = rnd.randrange(7)
    created = rnd.random() < 0.3
    email = f"{base}.marketing@gmail.com" if created else f"info@{base}.hu"
    row: dict[str, Any] = {
        "Ügyfél neve": name,
        "Kapcsolattartó": f"{rnd.choice(FIRST)} {rnd.choice(['Anna', 'Béla', 'Csilla'])}",
        "E-mail típusa": "létrehozott" if created else rnd.choice(["saját", "", "Saját"]),
        "E-mail cím": email,
        "E-mail jelszó": CANARY if created else None,
    }
    if stage >= 1:
        row["Tárhely.eu felhasználó"] = email
        row["Tárhely.eu jelszó"] = CANARY
    if stage >= 2:
        row["Kezelő fiók"] = rnd.choice(["igen", "x", True, "penzugy@sparrow.hu"])
    if stage >= 3:
        row["Csomag"] = rnd.choice(["Start", "start csomag", "Start"])
        row["Domain"] = rnd.choice([f"{base}.hu", f"https://www.{base}.hu/", f"{base}.com"])
    if stage >= 4:
        transfer = rnd.random() < 0.4
        row["Fizetési mód"] = "utalás" if transfer else "bankkártya"
        if transfer:
            row["Számla elküldve"] = "2026. 11. 20."
        row["Fizetve"] = rnd.choice(["2026.11.21 14:30", 46347.5, "igen"])
        if transfer:
            row["Rendelés élő"] = "igen"
    if stage >= 5:
        row["Domain igénylés"] = rnd.choice(["beküldve", "Sikeres"])
    return [row.get(h) for h in HEADERS]


def sheet(rows: int, seed: int = 7) -> list[list[Any]]:
    """Header row plus `rows` clients (no status columns yet)."""
    rnd = random.Random(seed)
    return [list(HEADERS), *(client_row(i, rnd) for i in range(rows))]


def edit(cells: list[list[Any]], fraction: float, seed: int = 11) -> int:
    """Edit `fraction` of the data rows in place the way staff do, so that each edited
    row's status changes: a date typed as words (an `invalid-value` finding appears)
    and a note. Returns how many rows were edited."""
    rnd = random.Random(seed)
    data = range(2, len(cells) + 1)
    count = round(len(data) * fraction)
    if fraction > 0 and count == 0:
        count = 1
    invoice = HEADERS.index("Számla elküldve")
    notes = HEADERS.index("Megjegyzés")
    for row in rnd.sample(list(data), count):
        cells[row - 1][invoice] = "jövő héten"
        cells[row - 1][notes] = f"edited {row}"
    return count

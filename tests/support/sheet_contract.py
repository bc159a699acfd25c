"""The contract every SheetBackend honours. Each backend's test module subclasses
`SheetBackendContract` and supplies `make` (a backend holding `rows`) and `cells`
(what the backend's storage holds now, read independently of the backend)."""

from __future__ import annotations

from collections.abc import Sequence

from sheetsync.core.plan import RowWrite, WritePlan, row_identity
from sheetsync.core.values import CellValue
from sheetsync.sheets.port import SheetBackend

HEADER = ["Ügyfél neve", "E-mail cím", "Domain", "Telefon", "Állapot"]
ROWS: list[list[CellValue]] = [
    HEADER,
    ["Alfa Kft.", "a@alfa.hu", "alfa.hu", "0036301234567", None],
    ["Béta Bt.", "b@beta.hu", "beta.hu", None, "régi"],
    [],
    ["Gamma", None, None, "=1+1", None],
]
IDENTITY_COLUMNS = (0, 1, 2)


def plan_for(
    rows: Sequence[Sequence[CellValue]],
    writes: dict[int, list[tuple[int, str]]],
    new_headers: tuple[tuple[int, str], ...] = (),
) -> WritePlan:
    identities = tuple(
        (n, row_identity(r, IDENTITY_COLUMNS)) for n, r in enumerate(rows[1:], start=2)
    )
    by_row = dict(identities)
    return WritePlan(
        header_row=1,
        expected_headers=tuple((c, HEADER[c]) for c in range(len(HEADER))),
        new_headers=new_headers,
        identity_columns=IDENTITY_COLUMNS,
        identities=identities,
        rows=tuple(RowWrite(n, by_row[n], tuple(cells)) for n, cells in writes.items()),
    )


def padded(rows: Sequence[Sequence[CellValue]]) -> list[list[CellValue]]:
    """Rows without trailing empty cells and without trailing empty rows."""
    out = [list(r) for r in rows]
    for r in out:
        while r and r[-1] in (None, ""):
            r.pop()
    while out and not out[-1]:
        out.pop()
    return out


class SheetBackendContract:
    def make(self, rows: list[list[CellValue]]) -> SheetBackend:
        raise NotImplementedError

    def cells(self, backend: SheetBackend) -> list[list[CellValue]]:
        raise NotImplementedError

    def test_read_returns_every_row_as_staff_typed_it(self) -> None:
        backend = self.make(ROWS)
        rows = padded(backend.read().rows)
        assert rows[0] == HEADER[:5]
        assert rows[1][:4] == ["Alfa Kft.", "a@alfa.hu", "alfa.hu", "0036301234567"]
        assert rows[2][4] == "régi"
        assert rows[3] == []
        assert rows[4][0] == "Gamma"

    def test_write_sets_exactly_the_planned_cells_as_text(self) -> None:
        backend = self.make(ROWS)
        plan = plan_for(ROWS, {2: [(4, "=SUM(1)")], 5: [(4, "Kész")]})
        outcome = backend.write(plan)
        assert outcome.cells_written == 2
        after = padded(self.cells(backend))
        expected = padded(ROWS)
        expected[1] = [*expected[1], "=SUM(1)"]
        expected[4] = ["Gamma", None, None, "=1+1", "Kész"]
        assert after == expected

    def test_write_appends_new_status_headers(self) -> None:
        backend = self.make(ROWS)
        plan = plan_for(ROWS, {3: [(5, "új")]}, new_headers=((5, "Következő lépés"),))
        backend.write(plan)
        after = padded(self.cells(backend))
        assert after[0] == [*HEADER, "Következő lépés"]
        assert after[2][5] == "új"

    def test_row_inserted_above_before_write_moves_the_status_with_its_row(self) -> None:
        backend = self.make(ROWS)
        plan = plan_for(ROWS, {5: [(4, "Gamma státusz")]})
        self.insert_row(backend, 2, ["Új ügyfél", "u@uj.hu", "uj.hu"])
        outcome = backend.write(plan)
        after = padded(self.cells(backend))
        assert after[5][0] == "Gamma" and after[5][4] == "Gamma státusz"
        assert outcome.rows_written == (6,)
        assert all(len(r) < 5 or r[4] != "Gamma státusz" for i, r in enumerate(after) if i != 5)

    def test_empty_plan_writes_nothing(self) -> None:
        backend = self.make(ROWS)
        outcome = backend.write(plan_for(ROWS, {}))
        assert outcome.cells_written == 0
        assert padded(self.cells(backend)) == padded(ROWS)

    def insert_row(self, backend: SheetBackend, at: int, values: list[CellValue]) -> None:
        """Play a colleague inserting a row at 1-based `at` after the read."""
        raise NotImplementedError

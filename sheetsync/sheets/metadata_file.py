"""Spreadsheet metadata kept in a small JSON file beside the state store, so a fresh
`sheetsync sync` process (run from cron) skips the metadata request too.

It holds only titles, gids and grid sizes. A stale entry costs one request at most: a
read whose grid size does not match it (rows added or deleted, the tab re-created
under its title), a renamed or deleted worksheet, or a column append to a sheet id
that is gone makes the backend fetch the metadata again.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from sheetsync.sheets.google_metadata import Book, Grid, MetadataCache

log = logging.getLogger(__name__)


class FileMetadataCache(MetadataCache):
    """`writable` False (a dry run): read the file, never write it."""

    def __init__(self, path: Path, *, writable: bool = True) -> None:
        super().__init__()
        self.path = Path(path)
        self.writable = writable
        for key, book in _load(self.path).items():
            super().put(key, book)

    def put(self, key: str, book: Book) -> None:
        super().put(key, book)
        self._save()

    def forget(self, key: str) -> None:
        super().forget(key)
        self._save()

    def update_grid(self, key: str, grid: Grid) -> None:
        before = self.get(key)
        super().update_grid(key, grid)
        if self.get(key) != before:
            self._save()

    def _save(self) -> None:
        if not self.writable:
            return
        data = {key: asdict(book) for key, book in self._books.items()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=".metadata-", dir=self.path.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False)
            os.replace(temp, self.path)
        except OSError as exc:  # only a cache: the next process fetches the metadata again
            log.warning("could not save sheet metadata to %s: %s", self.path, exc.strerror)


def _load(path: Path) -> dict[str, Book]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {
            key: Book(raw["title"], tuple(Grid(**grid) for grid in raw["grids"]))
            for key, raw in data.items()
        }
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable sheet metadata %s (%s)", path, type(exc).__name__)
        return {}

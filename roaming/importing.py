"""Reading import files (JSON or CSV) and collecting row-level errors.

An import either succeeds whole or writes nothing: importers validate every row inside one
transaction, collect every error with where it happened, and roll back if there is any.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import ValidationError

from roaming.db import session


class ImportRejected(Exception):
    """Raised with every problem found; nothing was imported."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


@dataclass
class Problems:
    items: list[str] = field(default_factory=list)

    def add(self, where: str, error: ValidationError | str) -> None:
        if isinstance(error, str):
            self.items.append(f"{where}: {error}")
            return
        for name, messages in _flatten(error.normalized_messages()):
            self.items.append(f"{where}: {name}: {messages}")

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportRejected(self.items)


@contextmanager
def all_or_nothing() -> Iterator[Problems]:
    """Collect problems while adding rows; commit only if there are none, else roll back and
    raise ``ImportRejected`` with all of them."""
    problems = Problems()
    try:
        yield problems
        problems.raise_if_any()
    except BaseException:
        session.rollback()
        raise
    session.commit()


def _flatten(messages, prefix: str = ""):
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        yield prefix or "record", " ".join(messages)
    else:
        yield prefix or "record", str(messages)


def read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ImportRejected([f"{path.name}: not valid JSON: {error}"]) from None


def read_csv(path: Path, *, list_fields=(), json_fields=()) -> list[tuple[str, dict]]:
    """``(where, record)`` per data row. Empty cells are left out; list cells split on ``;``;
    JSON cells are parsed. ``where`` names the file line, counting the header as line 1."""
    rows = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            record, where = {}, f"line {line}"
            for key, value in row.items():
                if key is None:
                    raise ImportRejected([f"{where}: more cells than header columns"])
                value = (value or "").strip()
                if not value:
                    continue
                if key in list_fields:
                    record[key] = [part.strip() for part in value.split(";") if part.strip()]
                elif key in json_fields:
                    try:
                        record[key] = json.loads(value)
                    except json.JSONDecodeError:
                        raise ImportRejected([f"{where}: {key}: not valid JSON"]) from None
                else:
                    record[key] = value
            rows.append((where, record))
    return rows

"""Reading import files (JSON or CSV), collecting every problem, and telling what an import did.

An import either succeeds whole or writes nothing: importers check every record of the file
inside one transaction, collect every problem with where it is in the file (``line 4`` of a CSV
file, counting the header as line 1; ``locations[0].desks[1]`` of a JSON document) under the
file's own names for the fields (its column headers, its keys), and roll back if there is any.
A dry run rolls back in any case and reports what the import would do.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import ValidationError

from roaming.db import session

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}


class ImportRejected(Exception):
    """Raised with every problem found; nothing was imported."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


@dataclass
class Problems:
    items: list[str] = field(default_factory=list)

    def add(self, where: str, error: ValidationError | str, names: Mapping[str, str] | None = None) -> None:
        """Record a problem at ``where``; a ``ValidationError``'s field names are shown as the
        file names them (``names``: field -> the file's column or key)."""
        if isinstance(error, str):
            self.items.append(f"{where}: {error}")
            return
        renamed = {name: shown for name, shown in (names or {}).items() if name != shown}
        for name, messages in _flatten(error.normalized_messages()):
            head, dot, rest = name.partition(".")
            for internal, shown in renamed.items():  # "Give a location_id or..." names an id field too
                if internal.endswith("_id"):
                    messages = messages.replace(internal, shown)
            self.items.append(f"{where}: {renamed.get(head, head)}{dot}{rest}: {messages}")

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportRejected(self.items)


@dataclass
class Outcome:
    """What an import did (or, in a dry run, would do): ``(kind, label)`` per item added, changed
    or removed; ``missing`` are the items the import manages that the file no longer has (removed
    when ``removed_missing``, else only reported); ``unchanged`` counts per kind."""

    dry_run: bool = False
    removed_missing: bool = False
    added: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    unchanged: dict[str, int] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)  # in the order they were met

    def add(self, kind: str, label: str) -> None:
        self._met(kind)
        self.added.append((kind, label))

    def change(self, kind: str, label: str) -> None:
        self._met(kind)
        self.changed.append((kind, label))

    def miss(self, kind: str, label: str) -> None:
        self._met(kind)
        self.missing.append((kind, label))

    def keep(self, kind: str) -> None:
        self._met(kind)
        self.unchanged[kind] = self.unchanged.get(kind, 0) + 1

    def _met(self, kind: str) -> None:
        if kind not in self.kinds:
            self.kinds.append(kind)

    def counts(self) -> dict[str, dict[str, int]]:
        """``{kind: {"added": n, "changed": n, "unchanged": n, "missing": n}}``, kinds in the
        order they were met, zero counts left out."""
        table: dict[str, dict[str, int]] = {kind: {} for kind in self.kinds}
        for status, entries in (("added", self.added), ("changed", self.changed), ("missing", self.missing)):
            for kind, _label in entries:
                table[kind][status] = table[kind].get(status, 0) + 1
        for kind, count in self.unchanged.items():
            table[kind]["unchanged"] = count
        return table


@contextmanager
def all_or_nothing(outcome: Outcome) -> Iterator[Problems]:
    """Collect problems while importing; commit only if there are none (and this is no dry
    run), else roll back; raise ``ImportRejected`` with every problem."""
    problems = Problems()
    try:
        yield problems
        problems.raise_if_any()
    except BaseException:
        session.rollback()
        raise
    if outcome.dry_run:
        session.rollback()
    else:
        session.commit()


def _flatten(messages, prefix: str = ""):
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        yield prefix or "record", " ".join(messages)
    else:
        yield prefix or "record", str(messages)


def unknown_keys(record: Mapping, known: Iterable[str]) -> list[str]:
    """The record's keys that are not in ``known``, in the record's order."""
    known = set(known)
    return [key for key in record if key not in known]


def read_json(path: Path):
    try:
        return json.loads(_text(path))
    except json.JSONDecodeError as error:
        raise ImportRejected([f"line {error.lineno}: not valid JSON: {error.msg}"]) from None


@dataclass
class Row:
    """One data row of a CSV file: ``record`` maps field names to cell values (empty cells left
    out), ``names`` maps field names to the file's own column headers."""

    where: str
    record: dict
    names: dict[str, str]


def read_csv(
    path: Path,
    columns: Mapping[str, str],
    problems: Problems,
    *,
    required: Iterable[str] = (),
    list_fields: Iterable[str] = (),
    json_fields: Iterable[str] = (),
    integer_fields: Iterable[str] = (),
) -> list[Row]:
    """The rows of a CSV file as a spreadsheet writes it: UTF-8 with or without a byte-order
    mark, any line ends, cells separated by commas, semicolons or tabs (found from the header).

    ``columns`` maps each accepted header (compared without case and surrounding spaces) to its
    field name; an unknown or repeated header, a missing ``required`` field, a row with more
    cells than headers and a JSON cell that does not parse are problems. List cells split on
    ``;``; integer cells are turned into numbers when they are whole numbers. The problems are
    added to ``problems`` (the rows are read on past them, unknown columns left out), except
    that a file without a header or without a required column raises ``ImportRejected`` at once
    (every row would miss it)."""
    text = _text(path)
    header_line = text.splitlines()[0] if text.strip() else ""
    if not header_line.strip():
        raise ImportRejected([f"line 1: the file is empty; expected a header with the columns {_listed(columns)}"])
    delimiter = max(DELIMITERS, key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers = next(_readable(reader, problems), None)
    if headers is None:  # the header itself could not be read
        problems.raise_if_any()
        return []
    fields_by_position, names = _header_fields(headers, columns, delimiter, problems)
    missing = [name for name in dict.fromkeys(required) if name not in names]
    for absent in missing:
        problems.add("line 1", f"the column '{_column_for(absent, columns)}' is missing")
    if missing:
        problems.raise_if_any()
    list_fields, json_fields, integer_fields = set(list_fields), set(json_fields), set(integer_fields)
    rows, line = [], reader.line_num
    for cells in _readable(reader, problems):
        where, line = f"line {line + 1}", reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(headers):
            problems.add(where, f"{len(cells)} cells but the header has {len(headers)} columns")
            continue
        record: dict[str, object] = {}
        for name, value in zip(fields_by_position, cells, strict=False):
            value = value.strip()
            if name is None or not value:
                continue
            if name in list_fields:
                record[name] = [part.strip() for part in value.split(";") if part.strip()]
            elif name in json_fields:
                try:
                    record[name] = json.loads(value)
                except json.JSONDecodeError as error:
                    problems.add(where, f"{names[name]}: not valid JSON ({error.msg})")
                    continue
            elif name in integer_fields and value.lstrip("-").isdigit():
                record[name] = int(value)
            else:
                record[name] = value
        rows.append(Row(where, record, names))
    return rows


def _readable(reader, problems):
    """The reader's rows up to the first it cannot read (a cell longer than the ``csv`` module's
    limit, 128 KiB), which is a problem of its line; the rest of the file is not read."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.add(f"line {reader.line_num}", f"cannot be read ({error}); nothing after it was read")
            return


def _header_fields(headers, columns, delimiter, problems) -> tuple[list[str | None], dict[str, str]]:
    """The field of each header position, and the file's header of each field."""
    accepted = {header.strip().lower(): name for header, name in columns.items()}
    fields_by_position: list[str | None] = []
    names: dict[str, str] = {}
    unknown = []
    for header in headers:
        name = accepted.get(header.strip().lower())
        if name is None:
            unknown.append(header.strip())
        elif name in names:
            problems.add("line 1", f"the columns '{names[name]}' and '{header.strip()}' say the same")
            name = None
        else:
            names[name] = header.strip()
        fields_by_position.append(name)
    if unknown:
        found = ", ".join(f"'{header}'" for header in unknown)
        problems.add(
            "line 1",
            f"unknown column(s) {found} (cells separated by {DELIMITER_NAMES[delimiter]}); "
            f"expected columns: {_listed(columns)}",
        )
    return fields_by_position, names


def _listed(columns: Mapping[str, str]) -> str:
    """Each field's first (preferred) header."""
    return ", ".join(dict.fromkeys(_column_for(name, columns) for name in columns.values()))


def _column_for(name: str, columns: Mapping[str, str]) -> str:
    return next(header for header, field_name in columns.items() if field_name == name)


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise ImportRejected(
            [f"line {line}: not UTF-8 text; save the file as 'CSV UTF-8' (or JSON in UTF-8) and import it again"]
        ) from None

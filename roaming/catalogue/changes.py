"""Change numbers and tombstones for the catalogue.

Every insert or update of a ``CatalogueItem`` takes the next number of the ``catalogue`` counter;
every delete leaves a ``Tombstone`` with its own number. This happens in ``before_flush``, so no
code path can change the catalogue without numbering the change.

The counter is one row bumped with ``UPDATE ... RETURNING``. The row lock that update takes is
held until commit, so concurrent catalogue writers are serialised and numbers become visible in
commit order, on PostgreSQL as on SQLite: a reader that has seen change N has seen every change
below N. A plain sequence would not give that guarantee, and a mirror syncing from a cursor
would silently skip a change committed late with a lower number.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from roaming.catalogue.models import CATALOGUE_KINDS, CatalogueItem, ChangeCounter, Tombstone

COUNTER = "catalogue"


@event.listens_for(Session, "before_flush")
def _number_catalogue_changes(session: Session, _flush_context, _instances) -> None:
    changed = [obj for obj in session.new if isinstance(obj, CatalogueItem)]
    changed += [
        obj
        for obj in session.dirty
        if isinstance(obj, CatalogueItem) and session.is_modified(obj, include_collections=False)
    ]
    deleted = [obj for obj in session.deleted if isinstance(obj, CatalogueItem)]
    count = len(changed) + len(deleted)
    if not count:
        return
    seq = _reserve(session, count) - count
    for obj in changed:
        seq += 1
        obj.change_seq = seq
    for obj in deleted:
        seq += 1
        session.add(Tombstone(kind=obj.KIND, uid=obj.uid, change_seq=seq))


def hold_catalogue(session: Session) -> None:
    """Take the change counter's row lock now, until commit: a writer that must read the catalogue
    and then change it (an import matching its keys) is serialised with every other writer."""
    _reserve(session, 0)


def _reserve(session: Session, count: int) -> int:
    """Advance the counter by ``count`` and return its new value."""
    statement = (
        update(ChangeCounter)
        .where(ChangeCounter.name == COUNTER)
        .values(value=ChangeCounter.value + count)
        .returning(ChangeCounter.value)
    )
    return session.connection().execute(statement).scalar_one()


def last_change_number(session: Session) -> int:
    return session.scalar(select(ChangeCounter.value).where(ChangeCounter.name == COUNTER)) or 0


@dataclass(frozen=True)
class Change:
    seq: int
    kind: str
    uid: str
    item: CatalogueItem | None  # None: deleted


def changes_since(session: Session, since: int, limit: int) -> list[Change]:
    """The first ``limit`` changes numbered above ``since``, oldest first.

    Each kind is read through its ``change_seq`` index, so the cost grows with the number of
    changes asked for, not with the size of the catalogue.
    """
    found: list[Change] = []
    for kind, model in CATALOGUE_KINDS.items():
        rows = session.scalars(select(model).where(model.change_seq > since).order_by(model.change_seq).limit(limit))
        found += [Change(row.change_seq, kind, row.uid, row) for row in rows]
    tombstones = session.scalars(
        select(Tombstone).where(Tombstone.change_seq > since).order_by(Tombstone.change_seq).limit(limit)
    )
    found += [Change(t.change_seq, t.kind, t.uid, None) for t in tombstones]
    found.sort(key=lambda change: change.seq)
    return found[:limit]

"""Row locks for read-then-write steps (counting an entry's files, numbering an
edition's entries, checking a quota) so that two requests doing the same step at the
same instant run one after the other instead of both passing the check.

PostgreSQL: ``SELECT … FOR NO KEY UPDATE`` on the row, held until the transaction ends
(it excludes other lockers but not the ``FOR KEY SHARE`` that inserts referencing the row
take, so saving other rows of the edition or entry is not held up).

SQLite allows one writer at a time: a no-op ``UPDATE`` of the row takes the database's
write lock (waiting up to ``busy_timeout`` for another writer to commit). pysqlite opens
the transaction at the first write, so reads after this point see every commit made
before it; if this transaction had already written, it holds the write lock anyway.
"""

from __future__ import annotations

from sqlalchemy import select, text

from contest.extensions import db


def lock_row(model, row_id: int) -> None:
    """Hold the row of ``model`` with id ``row_id`` until the transaction ends."""
    if db.session.get_bind().dialect.name == "sqlite":
        table = model.__table__.name  # a mapped table name, never user input
        db.session.execute(text(f"UPDATE {table} SET id = id WHERE id = :id"), {"id": row_id})  # nosec B608
    else:
        db.session.execute(select(model.id).where(model.id == row_id).with_for_update(key_share=True))

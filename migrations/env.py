"""Alembic environment: always run by ``roaming.migrate`` with a live connection."""

from alembic import context

import roaming.models  # noqa: F401 - registers every table on Base.metadata
from roaming.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite can only alter tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

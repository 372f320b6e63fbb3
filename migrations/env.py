"""Alembic environment: always run by ``roaming.migrate`` with a live connection, for the core's
history or a plugin's (each has its own version table)."""

from alembic import context

import roaming.models  # noqa: F401 - registers every table on Base.metadata
from roaming.db import Base
from roaming.migrate import CORE, owned_by

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=context.config.attributes.get("version_table", "alembic_version"),
    include_object=owned_by(context.config.attributes.get("history", CORE)),
    render_as_batch=True,  # SQLite can only alter tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

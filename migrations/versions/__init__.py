"""The core's Alembic revisions; Alembic reads them as files (it skips this one), oldest first."""

"""Alembic migrations of the core schema (``roaming db upgrade`` runs them)."""

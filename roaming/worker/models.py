"""The state of the worker's named jobs, shared by every worker process of the node."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from roaming.db import Base, UTCDateTime, utcnow


class JobClaim(Base):
    """One named job ("registry", "deliver:3", "plugin:makerspace:release"): when it may run
    next, and how its last runs went. A worker runs the job while it holds this row locked."""

    __tablename__ = "job_claim"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive
    last_error: Mapped[str | None] = mapped_column(Text)

"""A node of the Business Roaming Agreement federation.

``roaming.create_app`` is imported on first use, not with the package: the command line and the
light modules (``roaming.config``, ``roaming.settings``) start without the whole app.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["create_app", "__version__"]


def __getattr__(name: str):
    if name == "create_app":
        from roaming.app import create_app

        return create_app
    raise AttributeError(f"module 'roaming' has no attribute {name!r}")

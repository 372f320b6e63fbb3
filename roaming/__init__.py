"""A node of the Business Roaming Agreement federation."""

__version__ = "0.1.0"

from roaming.app import create_app  # noqa: E402

__all__ = ["create_app", "__version__"]

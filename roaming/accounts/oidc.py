"""Optional single sign-on against the cluster's own OpenID Connect provider (authlib).

Enabled by ``OIDC_ENABLED`` with ``OIDC_ISSUER``, ``OIDC_CLIENT_ID`` and ``OIDC_CLIENT_SECRET``.
The provider proves who someone is; the node decides what they may do: a login succeeds only for
an existing, active account whose e-mail the provider asserts as verified. Accounts are never
created from a provider's say-so.
"""

from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from roaming.accounts.models import User
from roaming.accounts.operations import find_user_by_email
from roaming.config import ConfigurationError
from roaming.errors import Forbidden

CLIENT_NAME = "cluster_idp"


def init_app(app: Flask) -> None:
    if not app.config["OIDC_ENABLED"]:
        return
    missing = [key for key in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET") if not app.config.get(key)]
    if missing:
        raise ConfigurationError(f"OIDC_ENABLED is set but {', '.join(missing)} is not.")
    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=app.config["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPE"]},
    )
    app.extensions["roaming.oidc"] = oauth


def client():
    return current_app.extensions["roaming.oidc"].create_client(CLIENT_NAME)


def enabled() -> bool:
    return "roaming.oidc" in current_app.extensions


def redirect_uri() -> str:
    return current_app.config["BASE_URL"].rstrip("/") + "/auth/oidc/callback"


def user_from_callback() -> User:
    """Finish the authorisation-code flow and return the matching active account."""
    token = client().authorize_access_token()
    claims = token.get("userinfo") or {}
    address = claims.get("email")
    if not address or claims.get("email_verified") is not True:
        raise Forbidden("Your identity provider did not confirm an e-mail address for you.")
    user = find_user_by_email(address)
    if user is None or not user.active:
        raise Forbidden(f"No active account on this node for {address}; ask the cluster's administrator.")
    return user

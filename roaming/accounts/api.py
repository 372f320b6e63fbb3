"""Log in and out, one's own account and API tokens, and (for admins) all accounts."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from roaming.accounts import operations as ops
from roaming.accounts.models import Role
from roaming.accounts.schemas import (
    LoginSchema,
    MeUpdateSchema,
    NewTokenSchema,
    SessionSchema,
    TokenSchema,
    UserSchema,
    UserUpdateSchema,
)
from roaming.accounts.security import (
    csrf_token,
    current_token,
    current_user,
    login_browser_session,
    logout_browser_session,
    renew_browser_session,
    secured,
)
from roaming.schemas import ErrorSchema

blp = Blueprint("accounts", __name__, url_prefix="/api", description="Logins, accounts and API tokens")


@blp.post("/auth/login")
@blp.arguments(LoginSchema)
@blp.response(200, SessionSchema)
def login(credentials):
    """Log in with e-mail and password; starts a browser session"""
    user = ops.authenticate(credentials["email"], credentials["password"])
    login_browser_session(user, credentials["password"])
    return {"user": user, "csrf_token": csrf_token()}


@blp.post("/auth/logout")
@blp.response(204)
def logout():
    """End the browser session"""
    logout_browser_session()


@blp.route("/me")
class Me(MethodView):
    @secured(blp)
    @blp.response(200, UserSchema)
    def get(self):
        """The account making this request"""
        return current_user()

    @secured(blp)
    @blp.arguments(MeUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, changes):
        """Change one's own name or password (the current password is needed for a new one); a new
        password ends the account's browser sessions, except the one making the change"""
        user = ops.change_own_account(current_user(), changes)
        if changes.get("new_password"):
            renew_browser_session(user)
        return user


@blp.route("/users")
class Users(MethodView):
    @secured(blp, Role.ADMIN)
    @blp.response(200, UserSchema(many=True))
    def get(self):
        """List all accounts of this node"""
        return ops.list_users()

    @secured(blp, Role.ADMIN)
    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Create an account"""
        return ops.create_user(**data)


@blp.route("/users/<int:user_id>")
class UserItem(MethodView):
    @secured(blp, Role.ADMIN)
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """Read an account"""
        return ops.get_user(user_id)

    @secured(blp, Role.ADMIN)
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, changes, user_id):
        """Change an account's name, role, password or active flag"""
        return ops.update_user(ops.get_user(user_id), changes)

    @secured(blp, Role.ADMIN)
    @blp.response(204)
    def delete(self, user_id):
        """Delete an account and its tokens"""
        ops.delete_user(ops.get_user(user_id))


@blp.route("/tokens")
class Tokens(MethodView):
    @secured(blp)
    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """List one's own API tokens"""
        return ops.list_tokens(current_user())

    @secured(blp)
    @blp.arguments(TokenSchema)
    @blp.response(201, NewTokenSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="The token making it was revoked meanwhile")
    def post(self, data):
        """Create an API token; the response is the only time the token is shown. Made with an API
        token, it cannot outlive that token nor keep past a password change it does not, and ends
        when that token is revoked; a read token cannot make one"""
        token, plaintext = ops.issue_token(current_user(), made_with=current_token(), **data)
        token.token = plaintext  # not a column: exists only in this response
        return token


@blp.route("/tokens/<int:token_id>")
class TokenItem(MethodView):
    @secured(blp)
    @blp.response(204)
    def delete(self, token_id):
        """Revoke one of one's own API tokens"""
        ops.revoke_token(ops.get_token(token_id, owner=current_user()))

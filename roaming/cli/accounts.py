"""``roaming users`` and ``roaming tokens``."""

from __future__ import annotations

import secrets

import click
from marshmallow import ValidationError

from roaming.accounts import operations as ops
from roaming.accounts.models import Role, TokenScope
from roaming.cli import instance_option, with_appcontext
from roaming.errors import DomainError
from roaming.members import onboarding
from roaming.members.operations import find_person_by_email


def _user(email: str):
    user = ops.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    return user


def _fail(error: ValidationError | DomainError):
    if isinstance(error, DomainError):
        raise click.ClickException(error.message)
    parts = [f"{field}: {' '.join(texts)}" for field, texts in error.normalized_messages().items()]
    raise click.ClickException("; ".join(parts))


@click.group("users", help="Staff and member accounts.")
def users_group():
    pass


@users_group.command("create")
@instance_option
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option(
    "--person-email",
    help="For role member: the person (already a member) this login is for. To let a person set "
    "their own password, use 'roaming users invite EMAIL' instead.",
)
@click.option("--password", help="Default: a generated one, printed once. Prefer the prompt or generation.")
@with_appcontext
def create_user_command(email, name, role, person_email, password):
    """Create an account; prints a generated password once."""
    person_id = None
    if person_email:
        person = find_person_by_email(person_email)
        if person is None:
            raise click.ClickException(f"No person with e-mail {person_email}; import or add them first.")
        person_id = person.id
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = ops.create_user(email=email, name=name, role=Role(role), password=password, person_id=person_id)
    except (ValidationError, DomainError) as error:
        _fail(error)
    click.echo(f"Created {user.role.value} account {user.email}.")
    if generated:
        click.echo(f"Password: {password}   (shown once)")


@users_group.command("invite")
@instance_option
@click.argument("email")
@with_appcontext
def invite_command(email):
    """E-mail a person (a member's, or an account's address) a one-time link to set their password.

    A member's person without an account gets a member account first. The e-mail is in the
    person's language and goes out with the node's mail (the worker sends it); the link works
    for the setting invitation_days and once only, and a new invitation ends the older link.
    """
    person, user = find_person_by_email(email), ops.find_user_by_email(email)
    if person is None and user is None:
        raise click.ClickException(
            f"Nobody has the address {email}: add the person to a member company first (the Members page, or "
            f"roaming import members), or make a staff account with roaming users create."
        )
    try:
        expires_at = onboarding.invite(person) if person is not None else onboarding.invite_account(user)
    except (ValidationError, DomainError) as error:
        _fail(error)
    click.echo(f"Invited {email}: the link works once, until {expires_at:%Y-%m-%d %H:%M} UTC.")


@users_group.command("list")
@instance_option
@with_appcontext
def list_users_command():
    """List accounts."""
    for user in ops.list_users():
        state = "active" if user.active else "inactive"
        click.echo(f"{user.id:>4}  {user.email:<40} {user.role.value:<11} {state}")


@users_group.command("set-password")
@instance_option
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def set_password_command(email, password):
    """Set an account's password (ends its browser sessions and its API tokens not made to keep)."""
    if len(password) < 10:
        raise click.ClickException("Use at least 10 characters.")
    ops.update_user(_user(email), {"password": password})
    click.echo(f"Password changed for {email}.")


@users_group.command("deactivate")
@instance_option
@click.argument("email")
@with_appcontext
def deactivate_command(email):
    """Block an account from logging in (its tokens stop working too)."""
    ops.update_user(_user(email), {"active": False})
    click.echo(f"Deactivated {email}.")


@users_group.command("activate")
@instance_option
@click.argument("email")
@with_appcontext
def activate_command(email):
    """Allow a deactivated account to log in again."""
    ops.update_user(_user(email), {"active": True})
    click.echo(f"Activated {email}.")


@click.group("tokens", help="API bearer tokens.")
def tokens_group():
    pass


@tokens_group.command("create")
@instance_option
@click.option("--email", required=True, help="The account the token acts as.")
@click.option("--name", required=True, help="What the token is for, e.g. 'CRM sync'.")
@click.option("--days", type=click.IntRange(1, 3650), help="Lifetime (default: the node's setting).")
@click.option(
    "--scope",
    type=click.Choice([scope.value for scope in TokenScope]),
    default=TokenScope.WRITE.value,
    show_default=True,
    help="read: GET requests only; write: all the account may do.",
)
@click.option("--keep-on-password-change", is_flag=True, help="Keep working when the password changes.")
@with_appcontext
def create_token_command(email, name, days, scope, keep_on_password_change):
    """Create a token; it is printed once and only its hash is kept. It ends when the account's
    password changes, unless --keep-on-password-change."""
    token, plaintext = ops.issue_token(
        _user(email), name, days, scope=TokenScope(scope), keep_on_password_change=keep_on_password_change
    )
    click.echo(f"Token {token.id} ({token.scope.value}) for {email}, valid until {token.expires_at:%Y-%m-%d}:")
    click.echo(plaintext)


@tokens_group.command("list")
@instance_option
@click.option("--email", required=True)
@with_appcontext
def list_tokens_command(email):
    """List an account's tokens (never the tokens themselves)."""
    for token in ops.list_tokens(_user(email)):
        state = "revoked" if token.revoked_at else f"expires {token.expires_at:%Y-%m-%d}"
        click.echo(f"{token.id:>4}  {token.prefix}…  {token.name:<30} {token.scope.value:<5}  {state}")


@tokens_group.command("revoke")
@instance_option
@click.argument("token_id", type=int)
@with_appcontext
def revoke_token_command(token_id):
    """Revoke a token by its id."""
    try:
        ops.revoke_token(ops.get_token(token_id))
    except DomainError as error:
        _fail(error)
    click.echo(f"Revoked token {token_id}.")

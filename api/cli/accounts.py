"""``flask --app api create-user | deactivate-demo-users``."""
from __future__ import annotations

import click
from sqlalchemy import select

from ..extensions import db
from ..models import User


@click.command("create-user")
@click.argument("username")
@click.option("--display-name", required=True)
@click.option("--role", "roles", multiple=True, required=True, help="repeat for several roles")
@click.option("--org", default=None, help="organisation code (default: the default bureau)")
@click.password_option()
def create_user_command(username: str, display_name: str, roles: tuple[str, ...], org: str | None,
                        password: str) -> None:
    """Create a user (e.g. the first admin); recorded on the users stream with actor 'cli'."""
    from marshmallow import ValidationError

    from engine.errors import SanxiangError

    from ..users import service as users
    from ..users.schemas import UserCreateSchema

    body = {"username": username, "display_name": display_name, "password": password, "roles": list(roles),
            "org": org or "-"}
    try:
        values = UserCreateSchema().load(body)
        if org is None:
            values.pop("org")
        user = users.create_user(None, values)
        db.session.commit()
    except (ValidationError, SanxiangError) as exc:
        db.session.rollback()
        raise click.ClickException(str(getattr(exc, "messages", None) or getattr(exc, "errors", None) or exc)) from exc
    click.echo(f"created user {user.username} ({', '.join(user.roles)})")


@click.command("deactivate-demo-users")
def deactivate_demo_users_command() -> None:
    """Deactivate every demo user (password 'demo'); recorded on the users stream with actor 'cli'."""
    from engine.errors import SanxiangError

    from ..users import service as users

    names = list(db.session.scalars(select(User.username).where(User.demo.is_(True), User.active.is_(True))))
    try:
        for name in names:
            users.change_user(None, name, {"active": False, "reason": "demo users off before production"})
        db.session.commit()
    except SanxiangError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    click.echo(f"deactivated {len(names)} demo user(s)")

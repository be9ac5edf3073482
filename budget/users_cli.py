"""``budget users``: manage the dashboard accounts (add, list, disable, enable, set-password,
access).

Passwords are never given as an argument (they would land in the shell history): they are
asked with a hidden prompt, or read from the first line of stdin with ``--password-stdin``.
The group uses ``ctx.obj`` (``budget.cli.Context``) for the database, like every command.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from budget.services.users import ROLES


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise click.UsageError("--password-stdin: no password on standard input")
        return password
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@click.group("users")
def users() -> None:
    """Dashboard accounts: roles viewer, officer (imports, undo), admin (users)."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="viewer",
              show_default=True, help="What the user may do.")
@click.option("--directorates", metavar="CODES",
              help="Comma-separated directorate codes the user may see (default: all).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def users_add(obj: Any, username: str, role: str, directorates: str | None,
              password_stdin: bool) -> None:
    """Create a dashboard account (the password is asked for, hidden)."""
    from budget.services.users import add_user

    password = _read_password(password_stdin)
    with obj.uow() as uow:
        info = add_user(uow, username, password, role, directorates)
        uow.commit()
    scope = ",".join(info.directorates) if info.directorates else "all directorates"
    click.echo(f"user {info.username} added ({info.role}, {scope})")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def users_list(obj: Any, as_json: bool) -> None:
    """List the dashboard accounts (with their last log-in, UTC)."""
    from budget.services.users import list_users

    with obj.uow(write=False) as uow:
        rows = list_users(uow)
    if as_json:
        click.echo(json.dumps([u.to_json() for u in rows], indent=2))
        return
    if not rows:
        click.echo("no dashboard user yet: add one with `budget users add NAME --role officer`")
        return
    headers = ["user", "role", "directorates", "active", "failed log-ins", "last log-in"]
    table = [[u.username, u.role, ",".join(u.directorates) if u.directorates else "all",
              "yes" if u.active else "no", str(u.failed_logins),
              u.last_login_at.isoformat(sep=" ", timespec="minutes") if u.last_login_at else "never"]
             for u in rows]
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    click.echo("  ".join("-" * w for w in widths))
    for r in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


@users.command("disable")
@click.argument("username")
@click.pass_obj
def users_disable(obj: Any, username: str) -> None:
    """Disable an account (it stays in the audit trail; never the last active admin)."""
    from budget.services.users import disable_user

    with obj.uow() as uow:
        info = disable_user(uow, username)
        uow.commit()
    click.echo(f"user {info.username} disabled")


@users.command("enable")
@click.argument("username")
@click.pass_obj
def users_enable(obj: Any, username: str) -> None:
    """Enable a disabled account again."""
    from budget.services.users import enable_user

    with obj.uow() as uow:
        info = enable_user(uow, username)
        uow.commit()
    click.echo(f"user {info.username} enabled")


@users.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def users_set_password(obj: Any, username: str, password_stdin: bool) -> None:
    """Replace a user's password (also lifts a log-in slow-down)."""
    from budget.services.users import set_password

    password = _read_password(password_stdin)
    with obj.uow() as uow:
        info = set_password(uow, username, password)
        uow.commit()
    click.echo(f"password of {info.username} changed")


@users.command("set-access")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES))
@click.option("--directorates", metavar="CODES", help="Comma-separated directorate codes.")
@click.option("--all-directorates", is_flag=True, help="Lift the directorate limit.")
@click.pass_obj
def users_set_access(obj: Any, username: str, role: str | None, directorates: str | None,
                     all_directorates: bool) -> None:
    """Change a user's role or the directorates they may see."""
    from budget.services.users import set_access

    if role is None and directorates is None and not all_directorates:
        raise click.UsageError("give --role, --directorates or --all-directorates")
    with obj.uow() as uow:
        info = set_access(uow, username, role=role, directorates=directorates,
                          all_directorates=all_directorates)
        uow.commit()
    scope = ",".join(info.directorates) if info.directorates else "all directorates"
    click.echo(f"user {info.username}: {info.role}, {scope}")

"""Flask CLI commands. They call the same services the web routes call."""

from __future__ import annotations

import sys
import time

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from contest.extensions import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from registration.cli import register as register_registration_cli

    register_registration_cli(app)
    from contest.certificates.cli import register as register_certificates_cli

    register_certificates_cli(app)
    from contest.results.cli import register as register_results_cli

    register_results_cli(app)
    from contest.results.stats_cli import register as register_stats_cli

    register_stats_cli(app)


@click.command("create-admin")
@with_appcontext
@click.option("--username", prompt="Tên đăng nhập", help="Login name of the new organiser.")
@click.option("--full-name", prompt="Họ và tên", help="Full name shown in the app.")
@click.option("--password", prompt="Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
def create_admin(username: str, full_name: str, password: str) -> None:
    """Create a province organiser account (the only way to get one outside the demo)."""
    from contest.auth.services import AccountError, create_user, grant_role

    try:
        user = create_user(username, full_name, password)
        grant_role(user, "organiser")
    except AccountError as exc:
        db.session.rollback()
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Đã tạo tài khoản Ban Tổ chức tỉnh: {user.username}")


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no contests yet.")
def seed_demo(if_empty: bool) -> None:
    """Load the demo province, institutions, contests, editions and accounts (idempotent)."""
    from contest.demo.seed import seed
    from contest.models import Contest

    if if_empty and (db.session.scalar(select(func.count()).select_from(Contest)) or 0) > 0:
        click.echo("Cơ sở dữ liệu đã có dữ liệu, bỏ qua dữ liệu trình diễn.")
        return
    started = time.perf_counter()
    summary = seed()
    db.session.commit()
    elapsed = time.perf_counter() - started
    parts = ", ".join(f"{k}: {v}" for k, v in summary.items())
    click.echo(f"Đã nạp dữ liệu trình diễn ({parts}) trong {elapsed:.1f} giây.")


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(out: str) -> None:
    """Back up the database and uploaded files into OUT (.tar.gz)."""
    from flask import current_app

    from contest.backup import BackupError, backup

    try:
        manifest = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], current_app.config.get("UPLOAD_FOLDER"), out)
    except BackupError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Đã sao lưu ({manifest['backend']}) vào {out}.")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(archive: str, yes: bool) -> None:
    """Replace the database and uploaded files with a backup made by `backup`."""
    from flask import current_app

    from contest.backup import BackupError, restore

    if not yes and not click.confirm("Khôi phục sẽ thay toàn bộ dữ liệu hiện có. Tiếp tục?"):
        click.echo("Đã hủy.")
        sys.exit(1)
    db.session.remove()
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], current_app.config.get("UPLOAD_FOLDER"), archive)
    except BackupError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Đã khôi phục dữ liệu từ {archive}.")

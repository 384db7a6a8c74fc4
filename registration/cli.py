"""CLI commands for Excel import and export of entries (the same services as the web).

    flask --app wsgi import-entries SLUG danh-sach.xlsx [--dry-run] [--institution CODE] [--status accepted]
    flask --app wsgi export-entries SLUG ra.xlsx [--level CODE] [--area UNIT_CODE] [--category CODE]

Exit codes of import-entries: 0 imported (or a clean dry run), 1 the file has problems
(the row-by-row report is written next to it as FILE-loi.xlsx), 2 unknown edition,
unknown institution or a file that cannot be opened as .xlsx.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from contest.extensions import db
from contest.models import Edition, Institution


def register(app: Flask) -> None:
    app.cli.add_command(import_entries_command)
    app.cli.add_command(export_entries_command)


def _edition(slug: str) -> Edition:
    edition = db.session.scalar(select(Edition).where(Edition.slug == slug))
    if edition is None:
        click.echo(f"Lỗi: không có kỳ thi '{slug}'.", err=True)
        sys.exit(2)
    return edition


def report_path_for(source: Path) -> Path:
    return source.with_name(f"{source.stem}-loi.xlsx")


@click.command("import-entries")
@click.argument("edition_slug")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the whole file and write nothing.")
@click.option("--institution", "institution_code", default=None,
              help="Code of the institution all entries belong to (the school column is then ignored).")
@click.option("--status", type=click.Choice(["draft", "submitted", "accepted"]), default="accepted",
              show_default=True, help="Status of the imported entries.")
@with_appcontext
def import_entries_command(edition_slug: str, file: Path, dry_run: bool, institution_code: str | None,
                           status: str) -> None:
    """Import entries from an .xlsx list: all rows or none (deadlines are not checked)."""
    from registration.importing import import_entries

    edition = _edition(edition_slug)
    institution = None
    if institution_code:
        institution = db.session.scalar(select(Institution).where(Institution.code == institution_code))
        if institution is None:
            click.echo(f"Lỗi: không có đơn vị mã '{institution_code}'.", err=True)
            sys.exit(2)
    if not file.is_file():
        click.echo(f"Lỗi: không mở được tệp {file}.", err=True)
        sys.exit(2)
    started = time.perf_counter()
    result = import_entries(edition, file, institution=institution, status=status, dry_run=dry_run,
                            check_deadline=False, filename=file.name)
    elapsed = time.perf_counter() - started
    if result.unreadable:
        db.session.rollback()
        for problem in result.errors:
            click.echo(f"Lỗi: {problem}", err=True)
        sys.exit(2)
    if result.imported:
        db.session.commit()
    else:
        db.session.rollback()
    click.echo(f"{result.summary()} ({elapsed:.1f} giây)")
    if result.legacy_encoding:
        click.echo(f"Tệp dùng bảng mã cũ ({result.legacy_encoding.upper()}); chữ đã được chuyển sang Unicode.")
    if result.warnings:
        click.echo(f"Có {len(result.warnings)} cảnh báo về khả năng trùng lặp.")
    if result.errors or result.warnings:
        report = report_path_for(file)
        report.write_bytes(result.report_xlsx(f"Kết quả kiểm tra tệp {file.name} – {edition.name}"))
        click.echo(f"Báo cáo từng dòng: {report}")
    if result.errors:
        for problem in result.errors[:10]:
            click.echo(f"  {problem}", err=True)
        if len(result.errors) > 10:
            click.echo(f"  … và {len(result.errors) - 10} lỗi khác (xem báo cáo).", err=True)
        sys.exit(1)


@click.command("export-entries")
@click.argument("edition_slug")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--level", default=None, help="Level code, e.g. truong, huyen, tinh.")
@click.option("--area", default=None, help="Code of an administrative unit (district, commune, cluster).")
@click.option("--category", default=None, help="Category code.")
@with_appcontext
def export_entries_command(edition_slug: str, out: Path, level: str | None, area: str | None,
                           category: str | None) -> None:
    """Export the entry list of an edition to .xlsx (one row per author)."""
    from registration.exporting import ExportError, export_entries, resolve_filters

    edition = _edition(edition_slug)
    try:
        filters = resolve_filters(edition, level=level, area=area, category=category)
    except ExportError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(2)
    started = time.perf_counter()
    exported = export_entries(edition, filters=filters)
    try:
        out.write_bytes(exported.content)
    except OSError as exc:
        click.echo(f"Lỗi: không ghi được tệp {out} ({exc.strerror}).", err=True)
        sys.exit(2)
    elapsed = time.perf_counter() - started
    click.echo(f"Đã xuất {exported.entries} bài dự thi ({exported.rows} dòng) vào {out} trong {elapsed:.1f} giây.")

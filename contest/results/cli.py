"""CLI for official result outputs (the same services as the web pages).

    flask --app wsgi export-results EDITION_SLUG OUT.xlsx [--level CODE]

Writes the annex of the award decision and the prize-money list (one sheet each) of the
published results of a level (default: the last level of the chain with published
results). Exit codes: 0 written, 2 unknown edition or level, 1 nothing published.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from contest.extensions import db
from contest.models import Edition


def register(app: Flask) -> None:
    app.cli.add_command(export_results_command)


@click.command("export-results")
@click.argument("edition_slug")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--level", "level_code", default=None, help="Level code (default: the last level with published results).")
@with_appcontext
def export_results_command(edition_slug: str, out: Path, level_code: str | None) -> None:
    """Write the annex (danh sách công nhận giải) and the prize-money list to OUT.xlsx."""
    from contest.results import exports, publication, service

    edition = db.session.scalar(select(Edition).where(Edition.slug == edition_slug))
    if edition is None:
        click.echo(f"Lỗi: không có kỳ thi '{edition_slug}'.", err=True)
        sys.exit(2)
    if level_code is not None:
        if edition.level(level_code) is None:
            codes = ", ".join(lv.code for lv in edition.levels)
            click.echo(f"Lỗi: kỳ thi không có cấp '{level_code}' (các cấp: {codes}).", err=True)
            sys.exit(2)
        version = service.published_version(edition, level_code)
    else:
        levels = publication.published_levels(edition)
        version = levels[-1][1] if levels else None
    if version is None:
        click.echo(f"Lỗi: {edition.name} chưa công bố kết quả{' cấp ' + level_code if level_code else ''}.", err=True)
        sys.exit(1)
    data = exports.results_workbook(version)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    counts = service.counts_of(version)
    try:
        money = service.money_summary(version)
        total = f"tổng tiền thưởng {money.total:,} đ".replace(",", ".")
    except service.ResultsError as exc:
        total = f"chưa tính được tiền thưởng: {exc}"
    click.echo(
        f"Đã ghi {out}: {sum(counts.values())} giải của {version.level.name} "
        f"(bản số {version.number}, Quyết định số {version.decision_number}); {total}."
    )

"""``flask stats EDITION_SLUG [--json]``: an edition's statistics on the command line.

With ``--json`` it prints exactly the body of ``GET /api/v1/editions/<slug>/statistics``
(the same dict through the same serialiser); without it, a short Vietnamese summary.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from contest.extensions import db
from contest.formatting import number_vn


@click.command("stats")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON as the statistics API.")
@with_appcontext
def stats_command(slug: str, as_json: bool) -> None:
    """Print the statistics of one edition (entries per level, prizes, prize money)."""
    from contest.models import Edition
    from contest.results import statistics

    edition = db.session.scalar(select(Edition).where(Edition.slug == slug))
    if edition is None:
        click.echo(f"Lỗi: không tìm thấy kỳ thi có mã “{slug}”.", err=True)
        sys.exit(1)
    data = statistics.edition_statistics(edition)
    if as_json:
        click.echo(statistics.to_json(data))
        return
    names = {lv["code"]: lv["name"] for lv in data["levels"]}
    labels = {r["code"]: r["label"] for r in data["ranks"]}
    click.echo(data["name"])
    for code, n in data["entries_by_level"].items():
        if code == statistics.NATIONAL_CODE:
            continue
        click.echo(f"  {names.get(code, code)}: {number_vn(n)}")
    click.echo(f"  Giới thiệu dự thi toàn quốc: {number_vn(data['national_nominations'])}")
    prizes = ", ".join(f"{labels.get(c, c)}: {number_vn(n)}" for c, n in data["prizes_by_rank"].items())
    click.echo(f"  Giải: {prizes} (tổng {number_vn(data['prizes_total'])})")
    click.echo(f"  Tổng tiền thưởng: {number_vn(data['prize_money_total_vnd'])} đồng")
    sentence = statistics.report_sentence(data)
    if sentence:
        click.echo("")
        click.echo(sentence)


def register(app: Flask) -> None:
    app.cli.add_command(stats_command)

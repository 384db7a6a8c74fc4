"""Pages of advancement between levels, national results, the annual-report statistics,
multi-year trends, and the public statistics API.

Thin routes: forms are validated here, the work is done by
:mod:`contest.results.advancing` and :mod:`contest.results.statistics`.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, HiddenField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from contest.auth.access import PUBLIC, access
from contest.extensions import db
from contest.fields import VNIntegerField, VNSelectField
from contest.models import (
    AREA_ORGANISER,
    ORGANISER,
    AdminUnit,
    Contest,
    Edition,
    Entry,
    EntryLevel,
    Level,
    Quota,
)
from contest.results import advancing, statistics
from contest.results.ranks import rank_label
from judging.forms import DecimalCommaField
from registration import charts
from registration.access import area_unit_ids

stats_bp = Blueprint("stats", __name__)

NO_RANK = "none"


# ----------------------------------------------------------------------------- forms


class ChoiceList(SelectMultipleField):
    """Checkboxes of entry ids; anything that is not a number gets a Vietnamese error."""

    def process_formdata(self, valuelist):
        try:
            self.data = [self.coerce(v) for v in valuelist]
        except (TypeError, ValueError):
            self.data = []
            raise ValueError("Danh sách bài được chọn không hợp lệ; vui lòng chọn lại.") from None


class AdvancementForm(FlaskForm):
    kind = VNSelectField("Quy tắc xét chọn", choices=list(advancing.RULE_KINDS.items()))
    include_ties = BooleanField("Lấy tất cả các bài đồng điểm ở vị trí cuối (số bài đi tiếp có thể vượt hạn ngạch)")
    min_score = DecimalCommaField("Điểm sàn (áp dụng cho quy tắc điểm sàn)", validators=[Optional()])
    top_n = VNIntegerField("Số bài cần chọn (áp dụng cho quy tắc chọn toàn tỉnh)",
                           validators=[Optional(), NumberRange(min=1, max=10000, message="Số bài phải từ 1 đến 10.000.")])
    reason = StringField("Lý do chọn (khi địa bàn tự chọn; ghi cho mọi bài được chọn)",
                         validators=[Optional(), Length(max=1000, message="Lý do dài tối đa 1.000 ký tự.")])
    chosen = ChoiceList("Bài được chọn", coerce=int, choices=[], validate_choice=False,
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    fingerprint = HiddenField()
    preview = SubmitField("Xem trước")
    confirm = SubmitField("Áp dụng quyết định")


class NationalForm(FlaskForm):
    entry_id = HiddenField()
    rank_code = VNSelectField("Kết quả toàn quốc", choices=[])
    note = StringField("Ghi chú", validators=[Optional(), Length(max=1000, message="Ghi chú dài tối đa 1.000 ký tự.")])
    save = SubmitField("Lưu")


# ----------------------------------------------------------------------------- helpers


def _edition(slug: str) -> Edition:
    edition = db.session.scalar(select(Edition).where(Edition.slug == slug))
    if edition is None:
        abort(404)
    return edition


def _scope() -> set[int] | None:
    """Areas the user may decide for (None: all, for province organisers)."""
    if current_user.has_role(ORGANISER):
        return None
    return area_unit_ids(current_user)


def _level_summary(edition: Edition) -> list[dict]:
    """Per level: entries there, decisions taken, quotas set (one GROUP BY each)."""
    decisions = {
        (level_id, decision): n
        for level_id, decision, n in db.session.execute(
            select(EntryLevel.level_id, EntryLevel.decision, func.count())
            .join(Entry, Entry.id == EntryLevel.entry_id)
            .where(Entry.edition_id == edition.id, Entry.status == "accepted")
            .group_by(EntryLevel.level_id, EntryLevel.decision)
        ).all()
    }
    quotas = dict(
        db.session.execute(
            select(Quota.level_id, func.sum(Quota.max_entries))
            .where(Quota.edition_id == edition.id, Quota.unit_id.is_not(None))
            .group_by(Quota.level_id)
        ).all()
    )
    out = []
    for level in edition.levels:
        target = advancing.next_level(edition, level)
        counts = {d: decisions.get((level.id, d), 0) for d in ("pending", "advanced", "not_advanced")}
        out.append({
            "level": level,
            "target": target,
            "total": sum(counts.values()),
            "counts": counts,
            "quota_total": quotas.get(level.id),
        })
    return out


def _spec(form: AdvancementForm, plan_areas: dict[int, int | None] | None = None) -> advancing.RuleSpec:
    chosen: dict[int | None, list[int]] = {}
    if form.kind.data == "manual" and plan_areas is not None:
        for entry_id in form.chosen.data or []:
            if entry_id in plan_areas:
                chosen.setdefault(plan_areas[entry_id], []).append(entry_id)
    return advancing.RuleSpec(
        kind=form.kind.data or "quota",
        include_ties=bool(form.include_ties.data),
        min_score=form.min_score.data if isinstance(form.min_score.data, Decimal) else None,
        top_n=form.top_n.data,
        chosen=chosen,
        reason=form.reason.data or None,
    )


def _areas_of_entries(edition: Edition, level: Level, scope: set[int] | None) -> dict[int, int | None]:
    stmt = (
        select(Entry.id, Entry.area_unit_id)
        .join(EntryLevel, (EntryLevel.entry_id == Entry.id) & (EntryLevel.level_id == level.id))
        .where(Entry.edition_id == edition.id, Entry.status == "accepted")
    )
    if scope is not None:
        stmt = stmt.where(Entry.area_unit_id.in_(scope))
    return dict(db.session.execute(stmt).all())


# ----------------------------------------------------------------------------- advancement


@stats_bp.route("/e/<slug>/advancement")
@access(ORGANISER, AREA_ORGANISER)
def advancement_index(slug: str):
    edition = _edition(slug)
    scope = _scope()
    scope_names = []
    if scope is not None:
        scope_names = sorted(db.session.scalars(select(AdminUnit.name).where(AdminUnit.id.in_(scope))).all()) if scope else []
    return render_template(
        "stats/advancement_index.html",
        edition=edition,
        levels=_level_summary(edition),
        is_organiser=scope is None,
        scope_names=scope_names,
        has_national=advancing.national_level(edition) is not None,
    )


@stats_bp.route("/e/<slug>/advancement/<level_code>", methods=["GET", "POST"])
@access(ORGANISER, AREA_ORGANISER)
def advancement_level(slug: str, level_code: str):
    edition = _edition(slug)
    level = edition.level(level_code)
    if level is None:
        abort(404)
    target = advancing.next_level(edition, level)
    scope = _scope()
    form = AdvancementForm()
    if scope is not None:
        form.kind.choices = [(k, v) for k, v in advancing.RULE_KINDS.items() if k in advancing.AREA_RULES]
    if request.method == "GET" and form.kind.data is None:
        form.kind.data = "top" if target is not None and target.code == statistics.NATIONAL_CODE else "quota"
        if target is not None and target.code == statistics.NATIONAL_CODE:
            form.top_n.data = 12
    entry_areas = _areas_of_entries(edition, level, scope)
    form.chosen.choices = [(eid, str(eid)) for eid in entry_areas]
    plan = None
    error = None
    if target is None:
        error = "Đây là cấp cao nhất của kỳ thi; không còn cấp trên để chọn lên."
    elif scope is not None and not scope:
        error = "Tài khoản của bạn chưa được gắn với địa bàn nào."
    elif request.method == "POST" and form.validate_on_submit():
        spec = _spec(form, entry_areas)
        try:
            if form.confirm.data and not form.fingerprint.data:
                raise advancing.AdvancingError("Hãy bấm “Xem trước” và kiểm tra các quyết định trước khi áp dụng.")
            if form.confirm.data:
                plan = advancing.apply(edition, level, spec, actor=current_user, area_ids=scope,
                                       expected=form.fingerprint.data)
                db.session.commit()
                counts = plan.counts
                flash(
                    f"Đã áp dụng: {counts.get('advanced', 0)} bài được chọn lên {plan.target.name.lower()}, "
                    f"{counts.get('not_advanced', 0)} bài không được chọn, {counts.get('pending', 0)} bài đang chờ quyết định.",
                    "success",
                )
                return redirect(url_for("stats.advancement_level", slug=slug, level_code=level_code))
            plan = advancing.preview(edition, level, spec, area_ids=scope)
            form.fingerprint.data = plan.fingerprint
        except advancing.AdvancingError as exc:
            db.session.rollback()
            error = str(exc)
    elif request.method == "GET":
        # Show the entries and their current decisions (a preview of the default rule
        # when it can be computed, else nothing).
        try:
            plan = advancing.preview(edition, level, _spec(form, entry_areas), area_ids=scope)
            form.fingerprint.data = plan.fingerprint
        except advancing.AdvancingError as exc:
            error = str(exc)
    checkboxes = {int(sub.data): sub for sub in form.chosen} if plan is not None else {}
    chosen_now = set(form.chosen.data or [])
    return render_template(
        "stats/advancement_level.html",
        edition=edition,
        level=level,
        target=target,
        form=form,
        plan=plan,
        error=error,
        checkboxes=checkboxes,
        chosen_now=chosen_now,
        is_organiser=scope is None,
        decision_labels={"advanced": "Được chọn", "not_advanced": "Không được chọn", "pending": "Đang chờ"},
    )


# ----------------------------------------------------------------------------- national results


@stats_bp.route("/e/<slug>/national", methods=["GET", "POST"])
@access(ORGANISER)
def national(slug: str):
    edition = _edition(slug)
    if advancing.national_level(edition) is None:
        abort(404)
    choices = [(NO_RANK, "Tham dự, không đạt giải")] + advancing.NATIONAL_RANKS
    form = NationalForm()
    form.rank_code.choices = choices
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                entry_id = int(form.entry_id.data or 0)
            except ValueError:
                entry_id = 0
            entry = db.session.get(Entry, entry_id)
            if entry is None or entry.edition_id != edition.id:
                flash("Không tìm thấy bài dự thi này trong kỳ thi.", "error")
            else:
                code = None if form.rank_code.data == NO_RANK else form.rank_code.data
                try:
                    advancing.record_national_result(edition, entry, code, note=form.note.data, actor=current_user)
                    db.session.commit()
                    flash(f"Đã ghi kết quả toàn quốc của bài {entry.code}: {rank_label(code) if code else 'tham dự, không đạt giải'}.",
                          "success")
                    return redirect(url_for("stats.national", slug=slug))
                except advancing.AdvancingError as exc:
                    db.session.rollback()
                    flash(str(exc), "error")
        else:
            flash("Kết quả gửi lên không hợp lệ; vui lòng chọn lại.", "error")
    rows = advancing.national_rows(edition)
    forms = {}
    for row in rows:
        f = NationalForm(formdata=None, prefix="")
        f.rank_code.choices = choices
        f.entry_id.data = str(row.entry_id)
        f.rank_code.data = row.rank_code or NO_RANK
        f.note.data = row.note or ""
        forms[row.entry_id] = f
    return render_template("stats/national.html", edition=edition, rows=rows, forms=forms)


# ----------------------------------------------------------------------------- statistics


@stats_bp.route("/api/v1/editions/<slug>/statistics")
@access(PUBLIC)
def api_statistics(slug: str):
    edition = db.session.scalar(select(Edition).where(Edition.slug == slug))
    if edition is None:
        return Response(statistics.to_json({"error": "Không tìm thấy kỳ thi."}), status=404,
                        mimetype="application/json")
    return Response(statistics.to_json(statistics.edition_statistics(edition)), mimetype="application/json")


def _chart(title: str, items, chart_id: str, unit: str = "bài"):
    return charts.bar_chart(title, items, chart_id=chart_id, unit=unit)


@stats_bp.route("/e/<slug>/statistics")
@access(ORGANISER)
def report(slug: str):
    edition = _edition(slug)
    data = statistics.edition_statistics(edition)
    level_names = {lv["code"]: lv["name"] for lv in data["levels"]}
    rank_names = {r["code"]: r["label"] for r in data["ranks"]}
    unit = "đội" if edition.contest.kind == "robocon" else "bài"
    level_items = [(level_names[code], n) for code, n in data["entries_by_level"].items()]
    prize_items = [(rank_names.get(code, code), n) for code, n in data["prizes_by_rank"].items()]
    chart_svgs = {
        "levels": _chart(f"Số {unit} dự thi ở từng cấp", level_items, "chart-levels", unit),
        "prizes": _chart(f"Số giải {level_names.get(data['prize_level'], '').lower()}", prize_items,
                         "chart-prizes", "giải"),
    }
    return render_template(
        "stats/report.html",
        edition=edition,
        data=data,
        level_names=level_names,
        rank_names=rank_names,
        unit=unit,
        charts=chart_svgs,
        sentence=statistics.report_sentence(data),
        api_url=url_for("stats.api_statistics", slug=slug),
        trends_url=url_for("stats.trends", slug=edition.contest.slug),
    )


@stats_bp.route("/contests/<slug>/trends")
@access(PUBLIC)
def trends(slug: str):
    contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
    if contest is None:
        abort(404)
    data = statistics.contest_trends(contest)
    main = data.main_level
    main_name = data.level_names.get(main, main)
    entry_items = [(str(r.year), r.entries[main].value) for r in data.rows if main in r.entries]
    report_years = [str(r.year) for r in data.rows if main in r.entries and r.entries[main].source == statistics.REPORT]
    prize_items = [(str(r.year), r.prizes_total) for r in data.rows if r.prizes_total is not None]
    national_items = [(str(r.year), r.national_total) for r in data.rows if r.national_total is not None]
    unit = "đội" if contest.kind == "robocon" else "bài"
    chart_svgs = {
        "entries": charts.bar_chart(f"Số {unit} dự thi {main_name.lower()} theo năm", entry_items,
                                    chart_id="chart-trend-entries", unit=unit, highlight=report_years),
        "prizes": charts.bar_chart("Số giải được trao theo năm", prize_items, chart_id="chart-trend-prizes",
                                   unit="giải"),
        "national": charts.bar_chart("Số giải toàn quốc theo năm", national_items, chart_id="chart-trend-national",
                                     unit="giải"),
    }
    # Each report sentence once, with the years it gives figures for.
    grouped: dict[str, list[int]] = {}
    for r in data.rows:
        for text in r.sources:
            for line in filter(None, (part.strip() for part in text.split("\n"))):
                grouped.setdefault(line, []).append(r.year)
    sources = [(", ".join(str(y) for y in sorted(set(years))), text) for text, years in grouped.items()]
    return render_template(
        "stats/trends.html",
        contest=contest,
        data=data,
        main_name=main_name,
        charts=chart_svgs,
        sources=sources,
        source_labels=statistics.SOURCE_LABELS,
        has_report_years=bool(report_years),
        unit=unit,
    )

"""Robocon pages: settings, schedules, check-in and inspection, referee tablets, the head
referee's review, rankings and brackets, the CSV import, and the public audience and
queue displays with their JSON endpoints.

Thin routes over ``contest.robocon.services``; one commit per request. Referees and head
referees act only for the editions they are granted, organisers everywhere
(``services.can_act``); the display pages are public and show only team names, schools
and scores.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contest.auth.access import PUBLIC, access
from contest.extensions import db
from contest.models import Entry
from contest.models.robocon import RoboconFixture, RoboconResult, RoboconStage
from contest.robocon import forms, services
from contest.robocon import results as final_results
from contest.robocon.scoring import SheetSpec, format_number_vn, format_seconds_vn
from contest.robocon.services import RoboconError

bp = Blueprint("robocon", __name__)

STAFF = ("organiser", "referee", "head_referee")
CHECKIN_PAGE = 100
SCORERS = ("organiser", "referee", "head_referee")


# ----- helpers ------------------------------------------------------------------------


def _edition(slug: str, *roles: str):
    edition = services.get_edition(slug)
    if edition is None:
        abort(404)
    if roles and not services.can_act(current_user, edition, *roles):
        abort(403)
    return edition


def _level(edition, code: str):
    level = services.level_of(edition, code)
    if level is None:
        abort(404)
    return level


def _division(edition, code: str):
    division = services.division_of(edition, code)
    if division is None:
        abort(404)
    return division


def _fixture(edition, fixture_id: int) -> RoboconFixture:
    fixture = db.session.get(RoboconFixture, fixture_id)
    if fixture is None or fixture.stage.edition_id != edition.id:
        abort(404)
    return fixture


def _flash_errors(exc: RoboconError) -> None:
    for message in exc.messages:
        flash(message, "error")


def _fail(exc: RoboconError) -> None:
    db.session.rollback()
    _flash_errors(exc)


def _can(edition, *roles: str) -> bool:
    return services.can_act(current_user, edition, *roles)


@bp.errorhandler(IntegrityError)
def _conflict(exc):
    """Two people saved the same thing at the same moment (a double tap, two tablets):
    nothing is lost, the later request is refused with a message."""
    db.session.rollback()
    flash("Dữ liệu vừa được người khác thay đổi cùng lúc nên thao tác của bạn chưa được lưu. "
          "Vui lòng xem lại rồi thử lại.", "error")
    target = request.referrer if request.method != "GET" else None
    return redirect(target or url_for("robocon.index"))


@bp.app_template_filter("pts")
def _pts(value) -> str:
    return format_number_vn(value) if value is not None else "—"


@bp.app_template_filter("secs")
def _secs(value) -> str:
    return format_seconds_vn(value) if value is not None else "—"


@bp.app_template_filter("hm")
def _hm(value) -> str:
    return value.strftime("%H:%M") if value is not None else "—"


@bp.app_template_filter("dmy")
def _dmy(value) -> str:
    return value.strftime("%d/%m/%Y") if value is not None else ""


@bp.app_context_processor
def _helpers():
    return {"fixture_title": services.fixture_title, "robocon_can": _can}


# ----- edition index and hub ----------------------------------------------------------


@bp.route("/robocon")
@access(*STAFF)
def index():
    editions = services.editions_for(current_user)
    return render_template("robocon/index.html", editions=editions)


@bp.route("/robocon/<slug>")
@access(*STAFF)
def edition(slug: str):
    edition = _edition(slug, *STAFF)
    counts = {}
    rows = db.session.execute(
        select(RoboconStage.level_id, RoboconStage.division_id, RoboconFixture.state, func.count(RoboconFixture.id))
        .join(RoboconFixture).where(RoboconStage.edition_id == edition.id)
        .group_by(RoboconStage.level_id, RoboconStage.division_id, RoboconFixture.state)).all()
    for level_id, division_id, state, n in rows:
        counts.setdefault((level_id, division_id), {})[state] = n
    entrants = dict(db.session.execute(
        select(Entry.division_id, func.count(Entry.id)).where(Entry.edition_id == edition.id,
                                                              Entry.status == "accepted")
        .group_by(Entry.division_id)).all())
    table = []
    for level in services.playable_levels(edition):
        for division in edition.divisions:
            c = counts.get((level.id, division.id), {})
            table.append({"level": level, "division": division,
                          "fmt": services.stage_format(edition, level, division),
                          "total": sum(c.values()), "committed": c.get("committed", 0),
                          "pending": c.get("pending", 0)})
    pending = sum(r["pending"] for r in table)
    return render_template("robocon/edition.html", edition=edition, table=table, entrants=entrants,
                           pending=pending, levels=services.playable_levels(edition))


# ----- settings -----------------------------------------------------------------------


@bp.route("/robocon/<slug>/settings", methods=["GET", "POST"])
@access("organiser")
def settings(slug: str):
    edition = _edition(slug, "organiser")
    form = forms.InspectionItemsForm()
    if request.method == "GET":
        form.items.data = "\n".join(i["label"] for i in services.inspection_items(edition))
    if form.validate_on_submit():
        try:
            services.save_inspection_items(edition, form.items.data, user=current_user)
        except RoboconError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash("Đã lưu danh mục kiểm tra kỹ thuật.", "success")
            return redirect(url_for("robocon.settings", slug=slug))
    formats = [(lv, d, services.stage_format(edition, lv, d))
               for lv in services.playable_levels(edition) for d in edition.divisions]
    sheets = [(d, services.sheet_spec(edition, d)) for d in edition.divisions]
    return render_template("robocon/settings.html", edition=edition, form=form, formats=formats, sheets=sheets)


@bp.route("/robocon/<slug>/settings/<level>/<division>", methods=["GET", "POST"])
@access("organiser")
def format_edit(slug: str, level: str, division: str):
    edition = _edition(slug, "organiser")
    lv, div = _level(edition, level), _division(edition, division)
    form = forms.FormatForm()
    if request.method == "GET":
        form.fill(services.stage_format(edition, lv, div))
    if form.validate_on_submit():
        try:
            services.save_format(edition, lv, div, form.to_format(), user=current_user)
        except RoboconError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(f"Đã lưu thể thức {lv.name.lower()} – {div.name}.", "success")
            return redirect(url_for("robocon.settings", slug=slug))
    return render_template("robocon/format.html", edition=edition, level=lv, division=div, form=form)


@bp.route("/robocon/<slug>/settings/sheet/<division>", methods=["GET", "POST"])
@access("organiser")
def sheet_edit(slug: str, division: str):
    edition = _edition(slug, "organiser")
    div = _division(edition, division)
    form = forms.SheetForm()
    spec = services.sheet_spec(edition, div)
    if request.method == "GET":
        form.items.data = services.sheet_lines(spec.items)
        form.penalties.data = services.sheet_lines(spec.penalties)
        form.time_limit.data = format_number_vn(spec.time_limit_s) if spec.time_limit_s else ""
    if form.validate_on_submit():
        used: set[str] = set()
        items, errors = services.parse_sheet_lines(form.items.data, "Mục chấm", used)
        penalties, more = services.parse_sheet_lines(form.penalties.data or "", "Lỗi phạt", used)
        errors += more
        try:
            if errors:
                raise RoboconError(errors)
            limit = services.parse_number_vn(form.time_limit.data)
            services.save_sheet(edition, div, SheetSpec(items, penalties, limit), user=current_user)
        except RoboconError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(f"Đã lưu phiếu chấm {div.name}.", "success")
            return redirect(url_for("robocon.settings", slug=slug))
    return render_template("robocon/sheet.html", edition=edition, division=div, form=form, spec=spec)


# ----- schedules ----------------------------------------------------------------------


def _schedule_defaults(edition, level, form) -> None:
    stored = None
    for d in edition.divisions:
        stage = services.get_stage(edition, level, d, create=False)
        if stage is not None and stage.schedule:
            stored = stage.schedule
            break
    form.divisions.data = [d.code for d in edition.divisions]
    form.separate_schools.data = True
    if stored:
        form.venues.data = "\n".join(f"{v['name']}: {', '.join(v['fields'])}" for v in stored["venues"])
        form.days.data = "\n".join(
            f"{d['date'][8:10]}/{d['date'][5:7]}/{d['date'][:4]} {d['start']}-{d['end']}" for d in stored["days"])
        form.slot_minutes.data = stored["slot_minutes"]
        form.min_gap_slots.data = stored["min_gap_slots"]
        form.seed.data = stored["seed"]
        form.separate_schools.data = stored.get("separate_schools", True)
        return
    day = edition.starts_on
    text_day = day.strftime("%d/%m/%Y") if day else "01/06/2026"
    form.venues.data = "Điểm thi chính: Sân 1, Sân 2, Sân 3"
    form.days.data = f"{text_day} 07:30-11:30\n{text_day} 13:30-17:00"
    form.slot_minutes.data, form.min_gap_slots.data, form.seed.data = 6, 3, 1


@bp.route("/robocon/<slug>/<level>/schedule", methods=["GET", "POST"])
@access("organiser")
def schedule(slug: str, level: str):
    edition = _edition(slug, "organiser")
    lv = _level(edition, level)
    form = forms.ScheduleForm()
    form.divisions.choices = [(d.code, d.name) for d in edition.divisions]
    if request.method == "GET":
        _schedule_defaults(edition, lv, form)
    summary = None
    if form.validate_on_submit():
        divisions = [d for d in edition.divisions if d.code in form.divisions.data]
        try:
            params = services.ScheduleParams(
                services.parse_venues(form.venues.data), services.parse_days(form.days.data),
                form.slot_minutes.data, form.min_gap_slots.data, form.seed.data,
                bool(form.separate_schools.data))
            summary = services.generate_schedule(edition, lv, divisions, params, user=current_user)
        except RoboconError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(f"Đã xếp lịch {summary.fixtures} lượt/trận cho {summary.teams} đội "
                  f"({', '.join(summary.divisions)}).", "success")
    overview = db.session.execute(
        select(RoboconStage.division_id, func.count(RoboconFixture.id), func.min(RoboconFixture.starts_at),
               func.max(RoboconFixture.starts_at))
        .join(RoboconFixture).where(RoboconStage.edition_id == edition.id, RoboconStage.level_id == lv.id)
        .group_by(RoboconStage.division_id)).all()
    names = {d.id: d for d in edition.divisions}
    overview = [(names[d], n, first, last) for d, n, first, last in overview if d in names]
    return render_template("robocon/schedule.html", edition=edition, level=lv, form=form, summary=summary,
                           overview=overview)


def _print_filters(edition, lv):
    division = services.division_of(edition, request.args.get("bang", ""))
    venue = request.args.get("venue") or None
    fixtures = services.level_fixtures(edition, lv, division, venue=venue)
    return division, venue, fixtures


@bp.route("/robocon/<slug>/<level>/schedule/teams")
@access(*STAFF)
def print_teams(slug: str, level: str):
    edition = _edition(slug, *STAFF)
    lv = _level(edition, level)
    division, venue, fixtures = _print_filters(edition, lv)
    return render_template("robocon/print_teams.html", edition=edition, level=lv, division=division,
                           venue=venue, teams=services.schedule_by_team(fixtures))


@bp.route("/robocon/<slug>/<level>/schedule/fields")
@access(*STAFF)
def print_fields(slug: str, level: str):
    edition = _edition(slug, *STAFF)
    lv = _level(edition, level)
    division, venue, fixtures = _print_filters(edition, lv)
    return render_template("robocon/print_fields.html", edition=edition, level=lv, division=division,
                           venue=venue, fields=services.schedule_by_field(fixtures))


# ----- check-in and inspection --------------------------------------------------------


@bp.route("/robocon/<slug>/<level>/checkin")
@access(*STAFF)
def checkin(slug: str, level: str):
    edition = _edition(slug, *STAFF)
    lv = _level(edition, level)
    division = services.division_of(edition, request.args.get("bang", ""))
    q = (request.args.get("q") or "").strip().lower()
    entries = []
    for d in ([division] if division else edition.divisions):
        entries += services.stage_entries(edition, lv, d)
    if q:
        entries = [e for e in entries if q in e.code.lower() or q in e.title.lower()
                   or (e.institution is not None and q in e.institution.name.lower())]
    statuses = services.team_statuses(lv, [e.id for e in entries])
    done = sum(1 for s in statuses.values() if s.checked_in)
    passed = sum(1 for s in statuses.values() if s.passed)
    # a tablet on hall Wi-Fi: without a search, show the first teams only
    limit = None if (q or division) else CHECKIN_PAGE
    return render_template("robocon/checkin.html", edition=edition, level=lv, division=division, q=q,
                           entries=entries[:limit] if limit else entries, total=len(entries),
                           statuses=statuses, form=forms.CheckinForm(), done=done, passed=passed)


@bp.route("/robocon/<slug>/<level>/checkin/<int:entry_id>", methods=["POST"])
@access(*STAFF)
def checkin_post(slug: str, level: str, entry_id: int):
    edition = _edition(slug, *STAFF)
    lv = _level(edition, level)
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.edition_id != edition.id:
        abort(404)
    form = forms.CheckinForm()
    if form.validate_on_submit():
        try:
            if form.action.data == "undo":
                services.undo_check_in(edition, lv, entry, user=current_user)
                message = f"Đã huỷ điểm danh đội {entry.title}."
            else:
                services.check_in(edition, lv, entry, user=current_user)
                message = f"Đã điểm danh đội {entry.title}."
        except RoboconError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(message, "success")
    args = {k: v for k, v in (("q", request.args.get("q")), ("bang", request.args.get("bang"))) if v}
    return redirect(url_for("robocon.checkin", slug=slug, level=level, **args) + f"#doi-{entry.id}")


@bp.route("/robocon/<slug>/<level>/inspect/<int:entry_id>", methods=["GET", "POST"])
@access(*STAFF)
def inspect(slug: str, level: str, entry_id: int):
    edition = _edition(slug, *STAFF)
    lv = _level(edition, level)
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.edition_id != edition.id or entry.status != "accepted" \
            or not services.plays_at(edition, lv, entry):
        abort(404)
    items = services.inspection_items(edition)
    form = forms.inspection_form(items)
    if form.validate_on_submit():
        answers = {i["code"]: (form[f"ok_{i['code']}"].data == "1", form[f"note_{i['code']}"].data or "")
                   for i in items}
        try:
            row = services.inspect_robot(edition, lv, entry, answers, notes=form.notes.data, user=current_user)
        except RoboconError as exc:
            _fail(exc)
        else:
            db.session.commit()
            if row.passed:
                flash(f"Robot của đội {entry.title} đạt kiểm tra kỹ thuật.", "success")
            else:
                flash(f"Robot của đội {entry.title} chưa đạt kiểm tra kỹ thuật; đội cần sửa và kiểm tra lại.",
                      "error")
            return redirect(url_for("robocon.checkin", slug=slug, level=level, q=entry.code))
    status = services.team_statuses(lv, [entry.id])[entry.id]
    return render_template("robocon/inspect.html", edition=edition, level=lv, entry=entry, form=form,
                           items=items, status=status, history=services.inspections_of(lv, entry))


# ----- referee tablets ----------------------------------------------------------------


@bp.route("/robocon/<slug>/<level>/referee")
@access(*SCORERS)
def referee(slug: str, level: str):
    edition = _edition(slug, *SCORERS)
    lv = _level(edition, level)
    venue = request.args.get("venue")
    field_name = request.args.get("field")
    q = (request.args.get("q") or "").strip()
    fields = services.level_fields(edition, lv)
    found = []
    if q:
        found = [fx for fx in services.level_fixtures(edition, lv)
                 if any(e is not None and (q.lower() in e.code.lower() or q.lower() in e.title.lower())
                        for e in (fx.entry_a, fx.entry_b))][:30]
    if field_name is None:
        return render_template("robocon/referee_fields.html", edition=edition, level=lv, fields=fields,
                               q=q, found=found)
    fixtures = services.level_fixtures(edition, lv, venue=venue if venue else None, field_name=field_name)
    waiting = [f for f in fixtures if f.state == "scheduled"]
    pending = [f for f in fixtures if f.state == "pending"]
    done = [f for f in fixtures if f.state == "committed"]
    statuses = services.team_statuses(lv, [e.id for f in waiting[:6] for e in (f.entry_a, f.entry_b)
                                           if e is not None])
    return render_template("robocon/referee.html", edition=edition, level=lv, venue=venue or "",
                           field_name=field_name, current=waiting[0] if waiting else None,
                           upcoming=waiting[1:6], pending=pending, done=done[-5:][::-1], statuses=statuses,
                           remaining=len(waiting))


def _sides(fixture: RoboconFixture) -> list[tuple[str, str]]:
    sides = [("a", services.team_label(fixture.entry_a))]
    if fixture.kind == "match":
        sides.append(("b", services.team_label(fixture.entry_b)))
    return sides


def _prefill(result: RoboconResult | None, spec: SheetSpec, sides) -> dict:
    if result is None:
        return {}
    data = {}
    for side, _ in sides:
        sheet = (result.sheet or {}).get(side) or {}
        for it in spec.items:
            data[f"{side}_i_{it.code}"] = (sheet.get("counts") or {}).get(it.code, 0)
        for it in spec.penalties:
            data[f"{side}_p_{it.code}"] = (sheet.get("penalties") or {}).get(it.code, 0)
        time_s = result.time_a if side == "a" else result.time_b
        data[f"{side}_time"] = format_number_vn(time_s) if time_s is not None else ""
        data[f"{side}_dq"] = result.dq_a if side == "a" else result.dq_b
        data[f"{side}_dq_reason"] = (result.dq_reason_a if side == "a" else result.dq_reason_b) or ""
    if len(sides) == 2:
        data["winner"] = (result.sheet or {}).get("winner_choice") or ""
    return data


def _sheet_input(form, spec: SheetSpec, sides) -> services.SheetInput:
    def side(s: str) -> services.SideInput:
        return services.SideInput(
            counts={it.code: form[f"{s}_i_{it.code}"].data or 0 for it in spec.items},
            penalties={it.code: form[f"{s}_p_{it.code}"].data or 0 for it in spec.penalties},
            time_s=form[f"{s}_time"].seconds,
            dq=bool(form[f"{s}_dq"].data),
            dq_reason=form[f"{s}_dq_reason"].data,
        )

    return services.SheetInput(a=side("a"), b=side("b") if len(sides) == 2 else None,
                               winner=(form["winner"].data or None) if len(sides) == 2 else None,
                               note=form.note.data)


@bp.route("/robocon/<slug>/fixture/<int:fixture_id>", methods=["GET", "POST"])
@access(*SCORERS)
def fixture(slug: str, fixture_id: int):
    edition = _edition(slug, *SCORERS)
    fx = _fixture(edition, fixture_id)
    ctx = services.fixture_context(fx)
    sides = _sides(fx)
    form = forms.sheet_form(ctx.spec, sides, data=_prefill(fx.latest, ctx.spec, sides))
    if form.validate_on_submit():
        try:
            result = services.save_result(fx, _sheet_input(form, ctx.spec, sides), user=current_user)
        except RoboconError as exc:
            _fail(exc)
            fx = _fixture(edition, fixture_id)
        else:
            db.session.commit()
            flash(f"Đã lưu phiếu chấm (phiên bản {result.version}): {result.status_label.lower()}.", "success")
            return redirect(url_for("robocon.fixture", slug=slug, fixture_id=fx.id))
    elif request.method == "POST":
        flash("Phiếu chấm còn lỗi, vui lòng xem các ô được đánh dấu. Những gì bạn đã nhập vẫn được giữ nguyên.",
              "error")
    teams = [e for e in (fx.entry_a, fx.entry_b) if e is not None]
    statuses = services.team_statuses(ctx.level, [e.id for e in teams])
    next_fx = None
    if fx.field and fx.state != "scheduled":
        next_fx = db.session.scalar(
            select(RoboconFixture).join(RoboconStage)
            .where(RoboconStage.edition_id == edition.id, RoboconStage.level_id == ctx.level.id,
                   RoboconFixture.venue == fx.venue, RoboconFixture.field == fx.field,
                   RoboconFixture.state == "scheduled")
            .order_by(RoboconFixture.starts_at, RoboconFixture.id).limit(1))
    return render_template(
        "robocon/fixture.html", edition=edition, fixture=fx, ctx=ctx, form=form, sides=sides,
        statuses=statuses, commit_form=forms.CommitForm(), next_fx=next_fx, results=list(reversed(fx.results)),
        can_commit=_can(edition, "head_referee"),
        back=url_for("robocon.referee", slug=slug, level=ctx.level.code, venue=fx.venue or "",
                     field=fx.field) if fx.field else url_for("robocon.referee", slug=slug, level=ctx.level.code),
    )


@bp.route("/robocon/<slug>/fixture/<int:fixture_id>/commit", methods=["POST"])
@access("head_referee")
def commit(slug: str, fixture_id: int):
    edition = _edition(slug, "head_referee")
    fx = _fixture(edition, fixture_id)
    form = forms.CommitForm()
    if form.validate_on_submit():
        result = db.session.get(RoboconResult, form.result_id.data)
        if result is None or result.fixture_id != fx.id:
            abort(404)
        try:
            services.commit_result(result, user=current_user)
        except RoboconError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(f"Đã duyệt phiên bản {result.version}: kết quả được tính vào bảng xếp hạng.", "success")
    else:
        flash("Yêu cầu duyệt không hợp lệ.", "error")
    target = request.form.get("next")
    if target == "review":
        return redirect(url_for("robocon.review", slug=slug))
    return redirect(url_for("robocon.fixture", slug=slug, fixture_id=fx.id))


@bp.route("/robocon/<slug>/review")
@access("head_referee", "organiser")
def review(slug: str):
    edition = _edition(slug, "head_referee", "organiser")
    fixtures = services.pending_results(edition)
    return render_template("robocon/review.html", edition=edition, fixtures=fixtures,
                           commit_form=forms.CommitForm(),
                           can_commit=_can(edition, "head_referee"))


# ----- stage: ranking, groups, bracket, cut -------------------------------------------


@bp.route("/robocon/<slug>/<level>/<division>")
@access(*STAFF)
def stage(slug: str, level: str, division: str):
    edition = _edition(slug, *STAFF)
    lv, div = _level(edition, level), _division(edition, division)
    ctx = services.stage_context(edition, lv, div)
    rows, cut = services.cut_preview(ctx) if services.next_level(edition, lv) else (
        services.stage_standings(ctx), None)
    tables = services.group_tables(ctx) if ctx.fmt.has_groups else []
    bracket = services.bracket_json(ctx)
    qualified = {r.team for r in cut.qualified} if cut else set()
    final = final_results.final_level(edition)
    transfer = None
    if final is not None and final.id == lv.id and _can(edition, "organiser"):
        transfer = {"problem": final_results.transfer_problem(edition, div),
                    "done": final_results.transferred_count(edition, div), "teams": len(ctx.entries)}
    return render_template(
        "robocon/stage.html", edition=edition, level=lv, division=div, ctx=ctx, rows=rows, cut=cut,
        qualified=qualified, tables=tables, bracket=bracket, action=forms.ActionForm(),
        draw_form=forms.DrawForm(seed=ctx.stage.draw["seed"] if ctx.stage.draw else 1),
        target=services.next_level(edition, lv), has_results=services.stage_has_results(ctx.stage),
        transfer=transfer)


def _stage_action(slug: str, level: str, division: str, action):
    edition = _edition(slug, "organiser")
    lv, div = _level(edition, level), _division(edition, division)
    form = forms.DrawForm() if action == "draw" else forms.ActionForm()
    if form.validate_on_submit():
        try:
            if action == "draw":
                draw = services.draw_groups(edition, lv, div, seed=form.seed.data, user=current_user)
                message = f"Đã bốc thăm {len(draw['groups'])} bảng."
                if draw["conflicts"]:
                    message += f" Có {len(draw['conflicts'])} bảng buộc phải có đội cùng trường."
            elif action == "results":
                final = final_results.final_level(edition)
                if final is None or final.id != lv.id:
                    raise RoboconError("Chỉ chuyển kết quả của vòng chung kết sang xét giải.")
                message = final_results.transfer_final_results(edition, div, user=current_user).message
            elif action == "bracket":
                bracket = services.build_stage_bracket(edition, lv, div, user=current_user)
                message = f"Đã lập sơ đồ loại trực tiếp {bracket['teams']} đội."
            else:
                cut = services.close_cut(edition, lv, div, user=current_user)
                message = f"Đã chốt {len(cut.qualified)} đội vào vòng sau. {cut.note}".strip()
        except RoboconError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(message, "success")
    else:
        for errors in form.errors.values():
            for e in errors:
                flash(e, "error")
    return redirect(url_for("robocon.stage", slug=slug, level=level, division=division))


@bp.route("/robocon/<slug>/<level>/<division>/draw", methods=["POST"])
@access("organiser")
def draw(slug: str, level: str, division: str):
    return _stage_action(slug, level, division, "draw")


@bp.route("/robocon/<slug>/<level>/<division>/bracket", methods=["POST"])
@access("organiser")
def bracket(slug: str, level: str, division: str):
    return _stage_action(slug, level, division, "bracket")


@bp.route("/robocon/<slug>/<level>/<division>/cut", methods=["POST"])
@access("organiser")
def cut(slug: str, level: str, division: str):
    return _stage_action(slug, level, division, "cut")


@bp.route("/robocon/<slug>/<level>/<division>/results", methods=["POST"])
@access("organiser")
def transfer_results(slug: str, level: str, division: str):
    """The finished final's ranking becomes the official result the prizes are allocated from."""
    return _stage_action(slug, level, division, "results")


# ----- CSV import ---------------------------------------------------------------------


@bp.route("/robocon/<slug>/<level>/import", methods=["GET", "POST"])
@access("organiser", "head_referee")
def import_csv(slug: str, level: str):
    edition = _edition(slug, "organiser", "head_referee")
    lv = _level(edition, level)
    form = forms.ImportForm()
    report = None
    if form.validate_on_submit():
        content = form.file.data.read(forms.MAX_CSV_BYTES + 1)
        report = services.import_runs(edition, lv, content, user=current_user)
        if report.errors:
            db.session.rollback()
            flash(f"Tệp có {len(report.errors)} lỗi; chưa nhập lượt thi nào. Hãy sửa tệp rồi nhập lại.", "error")
        else:
            db.session.commit()
            flash(f"Đã nhập {report.imported} lượt thi của {report.teams} đội"
                  + (f" ({report.unchanged} lượt không đổi)" if report.unchanged else "") + ".", "success")
    return render_template("robocon/import.html", edition=edition, level=lv, form=form, report=report)


# ----- public displays ----------------------------------------------------------------


def _display_target(edition):
    levels = services.playable_levels(edition)
    level = services.level_of(edition, request.args.get("cap", "")) if request.args.get("cap") else \
        services.default_level(edition)
    division = services.division_of(edition, request.args.get("bang", "")) if request.args.get("bang") else \
        (edition.divisions[0] if edition.divisions else None)
    if level is None or division is None:
        abort(404)
    return levels, level, division


def _limit() -> int | None:
    """``?top=N``: how many ranking rows the screen cycles through (4–200)."""
    try:
        return max(4, min(200, int(request.args["top"])))
    except (KeyError, ValueError):
        return None


@bp.route("/robocon/<slug>/display")
@access(PUBLIC)
def display(slug: str):
    edition = _edition(slug)
    levels, level, division = _display_target(edition)
    venue = request.args.get("venue") or None
    payload = services.display_payload(edition, level, division, venue=venue, limit=_limit())
    args = {"cap": level.code, "bang": division.code}
    if _limit():
        args["top"] = _limit()
    if venue:
        args["venue"] = venue
    return render_template("robocon/display.html", edition=edition, level=level, division=division,
                           levels=levels, data=payload, venue=venue,
                           api=url_for("robocon.api_display", slug=slug) + "?" + urlencode(args))


@bp.route("/api/v1/robocon/<slug>/display")
@access(PUBLIC)
def api_display(slug: str):
    edition = _edition(slug)
    _, level, division = _display_target(edition)
    payload = services.display_payload(edition, level, division, venue=request.args.get("venue") or None,
                                       limit=_limit())
    response = jsonify(payload)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/robocon/<slug>/<level>/queue")
@access(PUBLIC)
def queue(slug: str, level: str):
    edition = _edition(slug)
    lv = _level(edition, level)
    field_name = request.args.get("field")
    venue = request.args.get("venue", "")
    if not field_name:
        return render_template("robocon/queue_index.html", edition=edition, level=lv,
                               fields=services.level_fields(edition, lv))
    payload = services.queue_payload(edition, lv, venue, field_name)
    if not payload["total"]:
        abort(404)
    return render_template("robocon/queue.html", edition=edition, level=lv, data=payload,
                           api=url_for("robocon.api_queue", slug=slug, level=level) + "?"
                           + urlencode({"venue": venue, "field": field_name}))


@bp.route("/api/v1/robocon/<slug>/<level>/queue")
@access(PUBLIC)
def api_queue(slug: str, level: str):
    edition = _edition(slug)
    lv = _level(edition, level)
    field_name = request.args.get("field")
    if not field_name:
        abort(404)
    payload = services.queue_payload(edition, lv, request.args.get("venue", ""), field_name)
    if not payload["total"]:
        abort(404)
    response = jsonify(payload)
    response.headers["Cache-Control"] = "no-store"
    return response


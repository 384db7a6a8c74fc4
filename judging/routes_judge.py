"""The judge's side: the list of assigned entries, the tablet scoring page (works
offline: judge.js keeps every change in an IndexedDB outbox and sends it when the
network is back; judge-sw.js caches the pages) and the JSON API the page talks to.

Thin routes over ``judging.scoring``. A judge only ever reaches their own assignments:
anything else is a 404, so ids reveal nothing; users without the judge role get 403.
"""

from __future__ import annotations

from functools import wraps

from flask import current_app, jsonify, make_response, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from contest.auth.access import PUBLIC, access
from contest.extensions import db
from contest.models import JUDGE, Assignment
from judging import bp, scoring

API = "/api/v1/judge"
SW_SCOPE = "/judge"
MSG_BAD_JSON = "Dữ liệu gửi lên không phải JSON hợp lệ."
MSG_BAD_ID = "Mã phiếu chấm không hợp lệ."
MSG_LOGIN = "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại; điểm chưa gửi vẫn được giữ trên máy."
MSG_CSRF = "Mã bảo mật của trang đã hết hạn. Vui lòng tải lại trang; điểm chưa gửi vẫn được giữ trên máy."
MSG_BUSY = "Máy chủ đang bận. Điểm vẫn được giữ trên máy và sẽ tự gửi lại."

try:  # let assigned judges see the photos of their entries (registration/uploads.py)
    from registration.uploads import register_view_check
except ImportError:  # pragma: no cover - the uploads module is part of registration
    register_view_check = None
if register_view_check is not None:
    register_view_check(scoring.judge_can_see_entry_files)


# ----- helpers ------------------------------------------------------------------------

def _error(message: str, status: int, code: str = "invalid"):
    return jsonify(error=message, code=code, status=status), status


def _api_login(view):
    """Anonymous API callers get a JSON 401 (not a redirect to the login page, which a
    fetch would follow and mistake for a success). Applied outside ``access``."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _error(MSG_LOGIN, 401, "login")
        return view(*args, **kwargs)

    return wrapped


@bp.errorhandler(CSRFError)
def _csrf_error(exc):
    """CSRF failures of the judge API answer in JSON, so the page can fetch a new token
    and keep the queued scores; other pages of the blueprint keep the usual page."""
    if request.path.startswith(API + "/"):
        return _error(MSG_CSRF, 400, "csrf")
    title = "Phiên làm việc đã hết hạn"
    message = "Biểu mẫu đã quá hạn hoặc thiếu mã bảo mật. Vui lòng tải lại trang và gửi lại."
    return render_template("errors/error.html", code=400, title=title, message=message), 400


def _own_assignment(assignment_id) -> Assignment | None:
    if isinstance(assignment_id, bool):
        return None
    try:
        aid = int(assignment_id)
    except (TypeError, ValueError):
        return None
    assignment = db.session.get(Assignment, aid)
    if assignment is None or assignment.judge_id != current_user.id:
        return None
    return assignment


def _json_body() -> dict | None:
    data = request.get_json(silent=True, cache=True)
    return data if isinstance(data, dict) else None


def _device() -> str:
    agent = request.user_agent.string or ""
    return agent[:200]


def _api_call(action):
    """Parse the JSON body, find the caller's assignment, run ``action(assignment, data)``
    in a transaction and answer in JSON."""
    data = _json_body()
    if data is None:
        return _error(MSG_BAD_JSON, 400, "bad_json")
    if "assignment_id" not in data or isinstance(data["assignment_id"], bool) or not isinstance(
        data["assignment_id"], int | str
    ):
        return _error(MSG_BAD_ID, 422, "bad_id")
    try:
        int(data["assignment_id"])
    except ValueError:
        return _error(MSG_BAD_ID, 422, "bad_id")
    assignment = _own_assignment(data["assignment_id"])
    if assignment is None:
        return _error(scoring.MSG_NOT_FOUND, 404, "not_found")
    assignment_id = assignment.id

    def run():
        # After a rollback the objects are expired; load again on each attempt.
        own = db.session.get(Assignment, assignment_id)
        return action(own, data)

    try:
        result = scoring.commit_with_retry(run)
    except scoring.ScoringError as exc:
        return _error(exc.message, exc.status, exc.code)
    except (StaleDataError, OperationalError, IntegrityError):
        current_app.logger.warning("score save gave up after retries", exc_info=True)
        return _error(MSG_BUSY, 503, "busy")
    return jsonify(result.as_json())


def _device_of(data: dict) -> str:
    device = data.get("device")
    return device if isinstance(device, str) and device.strip() else _device()


# ----- pages --------------------------------------------------------------------------

@bp.route("/judge")
@access(JUDGE)
def judge_home():
    groups = scoring.judge_overview(current_user)
    urls = [url_for("judging.judge_sheet", assignment_id=r.assignment.id) for g in groups for r in g.rows]
    response = make_response(render_template("judging/judge/home.html", groups=groups, warm_urls=urls,
                                             sw_url=url_for("judging.judge_service_worker"), sw_scope=SW_SCOPE))
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/judge/a/<int:assignment_id>")
@access(JUDGE)
def judge_sheet(assignment_id: int):
    assignment = _own_assignment(assignment_id)
    if assignment is None:
        return render_template("errors/error.html", code=404, title="Không tìm thấy phiếu chấm",
                               message=scoring.MSG_NOT_FOUND), 404
    entry = assignment.entry
    sheet = assignment.sheet
    rubric = scoring.rubric_for_assignment(assignment)
    items = {i.criterion_id: i for i in sheet.items} if sheet is not None else {}
    photos = []
    if "registration.file_thumb" in current_app.view_functions:
        photos = [
            {"thumb": url_for("registration.file_thumb", file_id=f.id),
             "full": url_for("registration.file_view", file_id=f.id), "name": f.original_name}
            for f in entry.photos if f.thumb_name
        ]
    response = make_response(render_template(
        "judging/judge/sheet.html",
        assignment=assignment, entry=entry, panel=assignment.panel, sheet=sheet, rubric=rubric, items=items,
        blind=bool(entry.edition.blind_judging), photos=photos,
        state=scoring.sheet_state(assignment), fmt=scoring.format_points, iso=scoring.iso,
        sw_url=url_for("judging.judge_service_worker"), sw_scope=SW_SCOPE,
        rendered_at=scoring.iso(scoring.utcnow()),
    ))
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/judge/sw.js")
@access(PUBLIC)
def judge_service_worker():
    """The service worker, served from under /judge so that it may control the judge's
    pages (scope /judge: the list at /judge and every /judge/a/<id>)."""
    path = current_app.static_folder + "/js/judge-sw.js"
    response = send_file(path, mimetype="application/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = SW_SCOPE
    response.headers["Cache-Control"] = "no-cache"
    return response


# ----- JSON API -----------------------------------------------------------------------

@bp.route(API + "/scores", methods=["POST"])
@_api_login
@access(JUDGE)
def api_score():
    def action(assignment, data):
        if "criterion_id" not in data:
            raise scoring.ScoringError(scoring.MSG_CRITERION, 422, "bad_criterion")
        if "points" not in data:
            raise scoring.ScoringError(scoring.MSG_NOT_NUMBER, 422, "bad_points")
        return scoring.record_score(
            assignment, data["criterion_id"], data["points"], user=current_user,
            idempotency_key=data.get("idempotency_key"), device=_device_of(data),
            client_time=data.get("client_time"),
        )

    return _api_call(action)


@bp.route(API + "/comment", methods=["POST"])
@_api_login
@access(JUDGE)
def api_comment():
    def action(assignment, data):
        return scoring.record_comment(
            assignment, data.get("comment"), user=current_user, idempotency_key=data.get("idempotency_key"),
            device=_device_of(data), client_time=data.get("client_time"),
        )

    return _api_call(action)


@bp.route(API + "/submit", methods=["POST"])
@_api_login
@access(JUDGE)
def api_submit():
    def action(assignment, data):
        return scoring.submit_sheet(
            assignment, current_user, idempotency_key=data.get("idempotency_key"),
            device=_device_of(data), client_time=data.get("client_time"),
        )

    return _api_call(action)


@bp.route(API + "/assignments/<int:assignment_id>/state")
@_api_login
@access(JUDGE)
def api_state(assignment_id: int):
    assignment = _own_assignment(assignment_id)
    if assignment is None:
        return _error(scoring.MSG_NOT_FOUND, 404, "not_found")
    state = scoring.sheet_state(assignment)
    state["csrf_token"] = generate_csrf()
    response = jsonify(state)
    response.headers["Cache-Control"] = "no-store"
    return response

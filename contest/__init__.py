"""Contest management platform: the application factory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine

from contest.config import build_config
from contest.extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
}

ERROR_MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Yêu cầu gửi lên không hợp lệ. Vui lòng tải lại trang và thử lại."),
    403: ("Không có quyền truy cập", "Tài khoản của bạn không có quyền xem hoặc thực hiện thao tác này."),
    404: ("Không tìm thấy trang", "Trang bạn tìm không tồn tại hoặc đã được chuyển đi."),
    405: ("Thao tác không được hỗ trợ", "Trang này không hỗ trợ thao tác bạn vừa thực hiện."),
    409: ("Dữ liệu vừa thay đổi", "Dữ liệu này vừa được người khác thay đổi. Vui lòng tải lại trang để xem bản mới nhất rồi thao tác lại; thay đổi của bạn chưa được lưu."),
    413: ("Tệp quá lớn", "Tệp gửi lên vượt quá dung lượng cho phép."),
    429: ("Quá nhiều yêu cầu", "Bạn đã thử quá nhiều lần. Vui lòng đợi một lát rồi thử lại."),
    500: ("Lỗi hệ thống", "Đã có lỗi xảy ra phía máy chủ. Dữ liệu bạn đã lưu trước đó không bị mất; vui lòng thử lại sau."),
}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL and a busy timeout so concurrent score saves wait instead of failing."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError:
            pass  # in-memory databases have no WAL
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(build_config(Path(app.instance_path), config))

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    # "basic": a changed IP or browser marks the session non-fresh instead of logging
    # the user out, so judges on hall Wi-Fi that hops between access points keep working.
    login_manager.session_protection = "basic"

    from contest import formatting

    app.json.ensure_ascii = False  # Vietnamese stays readable in JSON and the audit view
    formatting.register(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_hooks(app)

    from contest.cli import register_cli

    register_cli(app)

    from contest.auth.access import undeclared_views

    missing = undeclared_views(app.view_functions)
    if missing:
        raise RuntimeError(f"Views without an access declaration: {', '.join(missing)}")
    return app


def _register_blueprints(app: Flask) -> None:
    from contest.admin import bp as admin_bp
    from contest.auth import bp as auth_bp
    from contest.certificates.routes import bp as certificates_bp
    from contest.dashboard import bp as dashboard_bp
    from contest.public import bp as public_bp
    from contest.results.routes import bp as results_bp
    from contest.robocon.routes import bp as robocon_bp
    from judging import bp as judging_bp
    from registration import bp as registration_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(registration_bp)
    app.register_blueprint(judging_bp)
    app.register_blueprint(robocon_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(results_bp)
    from contest.results.stats_routes import stats_bp

    app.register_blueprint(stats_bp)


def _render_error(code: int):
    title, message = ERROR_MESSAGES.get(code, ERROR_MESSAGES[500])
    if request.path.startswith("/api/"):
        return {"error": title, "message": message, "status": code}, code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _register_errors(app: Flask) -> None:
    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, lambda exc, code=code: _render_error(code))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        title = "Phiên làm việc đã hết hạn"
        message = "Biểu mẫu đã quá hạn hoặc thiếu mã bảo mật. Vui lòng tải lại trang và gửi lại."
        return render_template("errors/error.html", code=400, title=title, message=message), 400

    from sqlalchemy.orm.exc import StaleDataError

    @app.errorhandler(StaleDataError)
    def stale_data(exc):
        # Optimistic locking (version columns): someone saved the same record first.
        db.session.rollback()
        return _render_error(409)

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return _render_error(500)


def _register_hooks(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.teardown_request
    def rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

    @app.context_processor
    def inject_globals():
        from contest.models import ROLES

        return {"ROLE_LABELS": ROLES, "demo_mode": app.config.get("DEMO_MODE", False)}

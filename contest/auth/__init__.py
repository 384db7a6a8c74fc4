"""Login, logout, password change."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from contest.auth.access import AUTHENTICATED, PUBLIC, access
from contest.auth.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from contest.auth.forms import ChangePasswordForm, LoginForm
from contest.auth.services import AccountError, authenticate, change_password
from contest.extensions import db, limiter, login_manager
from contest.models import User

bp = Blueprint("auth", __name__)



@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    raw_id, _, fingerprint = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active or user.password_hash[-12:] != fingerprint:
        return None
    return user


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _username_key() -> str:
    return "login-user:" + (request.form.get("username") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_username_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is None:
            flash("Tên đăng nhập hoặc mật khẩu không đúng.", "error")
        else:
            login_user(user, remember=form.remember.data)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("dashboard.index"))
    demo = DEMO_ACCOUNTS if current_app.config.get("DEMO_MODE") else []
    return render_template("auth/login.html", form=form, demo_accounts=demo, demo_password=DEMO_PASSWORD)


@bp.route("/logout", methods=["POST"])
@access(AUTHENTICATED)
def logout():
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("public.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@access(AUTHENTICATED)
@login_required
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.new.data)
        except AccountError as exc:
            form.current.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # new fingerprint keeps this session valid
            flash("Đã đổi mật khẩu.", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/password.html", form=form)

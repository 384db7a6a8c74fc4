"""Login, logout, CSRF, throttling, passwords, sessions and production settings."""

from __future__ import annotations

import pytest

from contest import create_app
from contest.config import ConfigError, build_config
from tests.helpers import PASSWORD, csrf_token, login, post_form


def test_login_with_right_password_goes_to_dashboard(client, world):
    response = login(client, "btc")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")


def test_login_is_case_insensitive_on_username(client, world):
    assert login(client, "  BTC ").headers["Location"].endswith("/dashboard")


def test_wrong_password_keeps_username_and_explains(client, world):
    response = login(client, "btc", "sai-mat-khau", follow=True)
    html = response.get_data(as_text=True)
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in html
    assert 'value="btc"' in html


def test_empty_form_gives_vietnamese_errors(client, world):
    token = csrf_token(client)
    html = client.post("/login", data={"csrf_token": token}).get_data(as_text=True)
    assert "Vui lòng nhập tên đăng nhập." in html
    assert "Vui lòng nhập mật khẩu." in html


def test_post_without_csrf_token_is_refused(client, world):
    response = client.post("/login", data={"username": "btc", "password": PASSWORD})
    assert response.status_code == 400
    assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)


def test_next_parameter_cannot_redirect_off_site(client, world):
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/x",
        data={"username": "btc", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/dashboard")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    token = csrf_token(client)
    response = client.post(
        "/login?next=/admin/users", data={"username": "btc", "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"].endswith("/admin/users")


def test_inactive_user_cannot_log_in(app, client, world):
    from contest.extensions import db
    from contest.models import User

    with app.app_context():
        user = db.session.get(User, world["users"]["judge"])
        user.active = False
        db.session.commit()
    response = login(client, "giamkhao", follow=True)
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_logout_requires_post_and_ends_session(client, world):
    login(client, "btc")
    assert client.get("/logout").status_code == 405
    token = csrf_token(client, "/dashboard")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_change_password_enforces_length_and_keeps_session(client, world):
    login(client, "truong")
    html = post_form(
        client, "/account/password", {"current": PASSWORD, "new": "ngan", "confirm": "ngan"}
    ).get_data(as_text=True)
    assert "Mật khẩu phải có ít nhất 8 ký tự." in html
    html = post_form(
        client, "/account/password", {"current": "sai", "new": "mot cau dai de nho", "confirm": "mot cau dai de nho"}
    ).get_data(as_text=True)
    assert "Mật khẩu hiện tại không đúng." in html
    response = post_form(
        client, "/account/password",
        {"current": PASSWORD, "new": "mot cau dai de nho", "confirm": "mot cau dai de nho"},
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this session survives
    other = client.application.test_client()
    assert login(other, "truong", PASSWORD).status_code == 200  # old password refused (form shown again)
    assert login(other, "truong", "mot cau dai de nho").status_code == 302


def test_password_reset_by_organiser_logs_out_other_sessions(app, world):
    victim = app.test_client()
    login(victim, "giamkhao")
    assert victim.get("/dashboard").status_code == 200
    admin = app.test_client()
    login(admin, "btc")
    url = f"/admin/users/{world['users']['judge']}"
    response = post_form(admin, url, {"action": "password", "p-password": "mat khau moi 2026"}, prefix="p")
    assert response.status_code == 302
    assert victim.get("/dashboard").status_code == 302


def test_passwords_are_hashed_with_scrypt(app, world):
    from contest.extensions import db
    from contest.models import User

    with app.app_context():
        user = db.session.get(User, world["users"]["organiser"])
        assert user.password_hash.startswith("scrypt:")
        assert PASSWORD not in user.password_hash


def test_login_is_throttled(database_url, world):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
         "LOGIN_RATE_LIMIT": "3 per minute"}
    )
    client = app.test_client()
    codes = [login(client, "btc", "sai-mat-khau").status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429
    assert "Quá nhiều yêu cầu" in login(client, "btc", "sai-mat-khau").get_data(as_text=True)


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        build_config(tmp_path, {"APP_ENV": "production"})


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    monkeypatch.delenv("COOKIE_SECURE", raising=False)
    config = build_config(tmp_path, {"APP_ENV": "production", "SECRET_KEY": "x" * 40})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_SECURE"] is True


def test_session_cookie_flags_sent(database_url, world):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False,
         "SESSION_COOKIE_SECURE": True}
    )
    client = app.test_client()
    response = client.get("/login")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_database_url_forms_are_normalised():
    from contest.config import normalise_database_url

    assert normalise_database_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_database_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"

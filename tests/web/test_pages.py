"""Public pages, health check, error pages and security headers."""

from __future__ import annotations

from tests.helpers import login


def test_healthz_is_tiny_and_plain(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.data == b"ok"
    assert response.mimetype == "text/plain"


def test_home_lists_contests_and_editions(client, world):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng tỉnh" in html
    assert "Cuộc thi Sáng tạo TTNNĐ lần thứ 22" in html
    assert "Đang nhận đăng ký" in html


def test_edition_page_shows_levels_and_deadline_in_vietnamese_format(client, world):
    html = client.get("/editions/sang-tao-tttn-2026").get_data(as_text=True)
    assert "Cấp trường" in html and "Cấp tỉnh" in html
    assert "31/12/2026" in html


def test_404_is_vietnamese(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_unknown_edition_and_contest_give_404(client, world):
    assert client.get("/editions/khong-co").status_code == 404
    assert client.get("/contests/khong-co").status_code == 404


def test_405_is_vietnamese(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert "Thao tác không được hỗ trợ" in response.get_data(as_text=True)


def test_security_headers_on_every_page(client, world):
    for url in ["/", "/login", "/healthz", "/khong-co"]:
        response = client.get(url)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_500_page_is_vietnamese(database_url):
    from contest import create_app
    from contest.auth.access import PUBLIC, access

    app = create_app(
        {"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "SQLALCHEMY_DATABASE_URI": database_url}
    )

    @access(PUBLIC)
    def boom():
        raise RuntimeError("boom")

    app.add_url_rule("/__boom", endpoint="boom", view_func=boom)
    response = app.test_client().get("/__boom")
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.get_data(as_text=True)


def test_demo_accounts_listed_on_login_only_in_demo_mode(app, client, world):
    assert "Tài khoản trình diễn" in client.get("/login").get_data(as_text=True)
    app.config["DEMO_MODE"] = False
    try:
        assert "Tài khoản trình diễn" not in client.get("/login").get_data(as_text=True)
    finally:
        app.config["DEMO_MODE"] = True


def test_logged_in_header_shows_name(client, world):
    login(client, "btc")
    html = client.get("/").get_data(as_text=True)
    assert "Người dùng btc" in html
    assert "Đăng xuất" in html

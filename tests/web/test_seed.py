"""The demo seed: a realistic province, the three contests' editions, one account per role."""

from __future__ import annotations

from sqlalchemy import func, select

from contest.demo.seed import seed
from contest.extensions import db
from contest.models import AdminUnit, Edition, Institution, User
from tests.helpers import login


def _counts():
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (AdminUnit, Institution, Edition, User)
    }


def test_seed_is_idempotent_and_realistic(app, client):
    with app.app_context():
        seed()
        db.session.commit()
        first = _counts()
        seed()
        db.session.commit()
        assert _counts() == first
        assert first["Institution"] >= 300
        communes = db.session.scalar(
            select(func.count()).select_from(AdminUnit).where(AdminUnit.kind.in_(("ward", "commune")))
        )
        assert communes == 99
        editions = {e.slug: e for e in db.session.scalars(select(Edition)).all()}
        for slug in ("sang-tao-tttn-2023", "hoi-thi-sang-tao-ky-thuat-10", "robocon-2024"):
            assert slug in editions
        assert [lv.code for lv in editions["sang-tao-tttn-2023"].levels] == ["truong", "huyen", "tinh", "toan_quoc"]
        assert editions["sang-tao-tttn-2023"].province_name == "Bắc Giang"
        assert [lv.code for lv in editions["sang-tao-tttn-2026"].levels][1] == "cum"
        assert len(editions["robocon-2024"].divisions) == 3
    for username in ("btc", "btc-xa", "truong", "giamkhao", "trongtai", "tongtrongtai"):
        fresh = app.test_client()
        assert login(fresh, username, "demo-2026").status_code == 302, username
    login(client, "btc-xa", "demo-2026")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Phường Bắc Giang" in html and "Thành phố Bắc Giang" in html


def test_seed_cli_if_empty(app, runner, monkeypatch):
    import contest.demo.seed as demo_seed

    real_seed_contests = demo_seed.seed_contests

    def light_seed():  # the CLI flag is under test here, not the (slow) full demo
        real_seed_contests()
        return {"kỳ thi mới": 6}

    monkeypatch.setattr(demo_seed, "seed", light_seed)
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Đã nạp dữ liệu trình diễn" in result.output
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "bỏ qua" in result.output


def test_create_admin_cli(app, runner):
    result = runner.invoke(
        args=["create-admin", "--username", "quantri", "--full-name", "Quản trị viên", "--password", "mat khau rat dai"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "quantri"))
        assert user.roles == {"organiser"}
    result = runner.invoke(args=["create-admin", "--username", "x", "--full-name", "X", "--password", "ngan"])
    assert result.exit_code == 1
    assert "ít nhất 8 ký tự" in result.output

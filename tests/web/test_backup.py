"""`flask backup` and `flask restore` round-trip the data exactly (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from contest.extensions import db
from contest.models import Base, Edition, Entry, Institution, User
from registration import services


def _dump() -> dict:
    out = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
    return out


def test_backup_and_restore_round_trip(app, runner, world, tmp_path):
    upload_dir = tmp_path / "uploads"
    (upload_dir / "1").mkdir(parents=True)
    (upload_dir / "1" / "anh.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    original = app.config.get("UPLOAD_FOLDER")
    app.config["UPLOAD_FOLDER"] = str(upload_dir)
    try:
        with app.app_context():
            edition = db.session.get(Edition, world["edition"])
            inst = db.session.get(Institution, world["school"])
            services.create_entry(
                edition, inst,
                services.EntryData(title="Robot phân loại rác", people=[
                    services.PersonData("author", "Đặng Thị Thuỷ", date(2012, 3, 4))]),
                check_deadline=False,
            )
            db.session.commit()
            before = _dump()
        archive = tmp_path / "sao-luu.tar.gz"
        result = runner.invoke(args=["backup", str(archive)])
        assert result.exit_code == 0, result.output
        assert "Đã sao lưu" in result.output
        with app.app_context():
            db.session.delete(db.session.scalar(select(Entry)))
            db.session.get(User, world["users"]["judge"]).full_name = "Đã đổi"
            db.session.commit()
            db.session.remove()
        (upload_dir / "1" / "anh.jpg").unlink()
        result = runner.invoke(args=["restore", str(archive), "--yes"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            db.session.remove()
            assert _dump() == before
        assert (upload_dir / "1" / "anh.jpg").read_bytes() == b"\xff\xd8 not really a jpeg"
    finally:
        app.config["UPLOAD_FOLDER"] = original


def test_restore_refuses_a_broken_archive(app, runner, tmp_path):
    bad = tmp_path / "hong.tar.gz"
    bad.write_bytes(b"not a tarball")
    result = runner.invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code == 1
    assert "hỏng hoặc không đúng định dạng" in result.output
    result = runner.invoke(args=["restore", str(tmp_path / "khong-co.tar.gz"), "--yes"])
    assert result.exit_code == 1
    assert "Không tìm thấy" in result.output

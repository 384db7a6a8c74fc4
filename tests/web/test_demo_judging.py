"""The demo judging data: rubrics, 15 judges, panels by field, k = 3 assignment with
links, every sheet submitted, and flags on the results page for the planted harsh and
erratic judges. Seeding is the expensive part, so all checks live in one test."""

from __future__ import annotations

import unicodedata
from collections import Counter

from sqlalchemy import func, select

from contest.demo.judging import JUDGES, seed_judging
from contest.demo.seed import seed
from contest.extensions import db
from contest.models import (
    Assignment,
    ConflictDeclaration,
    Edition,
    Entry,
    Panel,
    PanelMember,
    Rubric,
    ScoreItem,
    ScoreSheet,
    User,
)
from judging import panels
from tests.helpers import login


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_judging(app, client, monkeypatch):
    # Judging as seeded, before the results pipeline closes panels and moves entries on.
    for stage in ("seed_robocon", "run_pipeline", "seed_open_judging"):
        monkeypatch.setattr(f"contest.demo.seed.{stage}", lambda: {})
    with app.app_context():
        seed()
        db.session.commit()
        editions = {e.slug: e for e in db.session.scalars(select(Edition))}
        tech, youth = editions["hoi-thi-sang-tao-ky-thuat-10"], editions["sang-tao-tttn-2023"]
        tinh = tech.level("tinh")

        # Rubrics: the technical final round; the 2023 district and province levels.
        scopes = {
            (r.edition_id, r.level.code, r.category.code if r.category else None)
            for r in db.session.scalars(select(Rubric))
        }
        assert (tech.id, "tinh", None) in scopes
        assert {(youth.id, "huyen", None), (youth.id, "tinh", None), (youth.id, "tinh", "th")} <= scopes
        assert all(r.max_total == 100 for r in db.session.scalars(select(Rubric)))

        # 15 judges with real-looking names, the demo account among them.
        users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_([j.username for j in JUDGES])))}
        assert len(users) == 15 and "giamkhao" in users
        assert all(unicodedata.normalize("NFC", u.full_name) == u.full_name for u in users.values())
        assert all(u.has_role("judge") for u in users.values())

        # Panels per field; giamkhao chairs one and scores in it.
        tech_panels = panels.panels_of(tech, tinh)
        assert len(tech_panels) == 6 and sum(1 for p in tech_panels if p.category_id is None) == 1
        chairs = [m for p in tech_panels for m in p.members if m.role == "chair"]
        assert len(chairs) == 6 and "giamkhao" in {m.user.username for m in chairs}
        assert db.session.scalar(
            select(func.count()).select_from(Assignment).where(Assignment.judge_id == users["giamkhao"].id)
        ) >= 10

        # Assignment: every one of the 154 solutions has 3 panel judges; links join the panels.
        entries = db.session.scalars(select(Entry).where(Entry.edition_id == tech.id, Entry.level_id == tinh.id)).all()
        assert len(entries) == 154
        rows = db.session.scalars(select(Assignment).where(Assignment.panel_id.in_([p.id for p in tech_panels]))).all()
        own = Counter(a.entry_id for a in rows if not a.is_link)
        assert set(own.values()) == {3} and set(own) == {e.id for e in entries}
        assert 5 <= sum(1 for a in rows if a.is_link) <= 10
        institution = {(m.panel_id, m.user_id): m.institution_id for p in tech_panels for m in p.members}
        entry_inst = {e.id: e.institution_id for e in entries}
        member_inst = {}
        for (_, uid), inst in institution.items():
            member_inst.setdefault(uid, inst)
        assert all(member_inst[a.judge_id] != entry_inst[a.entry_id] for a in rows)
        conflict = db.session.scalars(select(ConflictDeclaration)).one()
        assert not any(a.judge_id == conflict.user_id and a.entry_id == conflict.entry_id for a in rows)
        assert panels.current_problems(tech, tinh) == []

        # Every sheet scored on every criterion and submitted.
        sheets = db.session.scalars(select(ScoreSheet)).all()
        assert len(sheets) == len(rows) and {s.status for s in sheets} == {"submitted"}
        assert _count(ScoreItem) == 4 * len(sheets)
        assert all(s.total == sum(i.points for i in s.items) for s in sheets)
        assert all(r.locked for r in db.session.scalars(select(Rubric).where(Rubric.edition_id == tech.id)))
        assert all(not p.closed for p in tech_panels)

        # The 2023 entries are not advanced here.
        levels = dict(db.session.execute(
            select(Entry.level_id, func.count()).where(Entry.edition_id == youth.id).group_by(Entry.level_id)
        ).all())
        assert levels == {youth.level("truong").id: 1552}

        # Idempotent.
        before = {m.__name__: _count(m) for m in (Rubric, Panel, PanelMember, Assignment, ScoreSheet, User)}
        assert seed_judging() == {"bảng tiêu chí mới": 0}
        db.session.commit()
        assert {m.__name__: _count(m) for m in (Rubric, Panel, PanelMember, Assignment, ScoreSheet, User)} == before
        level_id, n_sheets = tinh.id, len(sheets)

    login(client, "btc", "demo-2026")
    html = client.get(f"/judging/e/hoi-thi-sang-tao-ky-thuat-10/levels/{level_id}/results").get_data(as_text=True)
    assert f"{n_sheets} / {n_sheets} phiếu đã nộp (100%)" in html
    harsh = html.split("ThS.DS. Lê Thị Mai Anh</th>", 1)[1].split("</tr>", 1)[0]
    assert "Chặt tay" in harsh
    erratic = html.split("ThS. Nguyễn Hải Nam</th>", 1)[1].split("</tr>", 1)[0]
    assert "Thiếu nhất quán" in erratic
    assert "Cần chấm lại: Chênh lệch giữa các giám khảo" in html
    judge = app.test_client()
    login(judge, "giamkhao", "demo-2026")
    assert judge.get("/judge").status_code == 200

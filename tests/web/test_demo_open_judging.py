"""The demo judging in progress: the 11th technical contest has ~40 accepted solutions,
the province rubric and one open panel in which ``giamkhao`` has scored some sheets and
can go on scoring at /judge. The other demo stages are switched off: this one needs
only the province, institutions, editions and accounts."""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import func, select

from contest.demo.open_judging import PANEL_NAME, SLUG, seed_open_judging
from contest.demo.registrations import TECHNICAL_KINDS
from contest.demo.seed import seed
from contest.extensions import db
from contest.models import (
    Assignment,
    Edition,
    Entry,
    Panel,
    PanelMember,
    Rubric,
    ScoreChange,
    ScoreSheet,
    User,
)
from judging import panels
from tests.helpers import csrf_token, login

COUNTED = (Entry, Panel, PanelMember, Assignment, ScoreSheet, ScoreChange, Rubric, User)


def _counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED}


def test_demo_open_judging(app, client, monkeypatch):
    for stage in ("seed_registrations", "seed_judging", "seed_robocon", "run_pipeline", "seed_open_judging"):
        monkeypatch.setattr(f"contest.demo.seed.{stage}", lambda: {})
    with app.app_context():
        seed()
        summary = seed_open_judging()
        db.session.commit()
        assert summary[f"bài dự thi mới {SLUG}"] == 40
        assert summary[f"hội đồng đang chấm ({SLUG})"] == 1

        edition = db.session.scalar(select(Edition).where(Edition.slug == SLUG))
        tinh = edition.level("tinh")
        assert edition.status == "judging"

        # ~40 accepted solutions at the province level from every kind of institution.
        entries = db.session.scalars(select(Entry).where(Entry.edition_id == edition.id)).all()
        assert len(entries) == 40
        assert {e.status for e in entries} == {"accepted"} and {e.level_id for e in entries} == {tinh.id}
        assert {e.institution.kind for e in entries} == set(TECHNICAL_KINDS)
        assert {e.category.code for e in entries} == {"ck-tdh", "dt-cntt"}
        authors = [p for e in entries for p in e.people]
        assert authors and all(
            p.role == "author" and p.birth_year and p.organisation and p.job_title and p.trade_union_member is not None
            for p in authors
        )

        # The province rubric, locked by the first scores; one open panel, k = 3.
        [rubric] = db.session.scalars(select(Rubric).where(Rubric.edition_id == edition.id)).all()
        assert rubric.level_id == tinh.id and rubric.max_total == 100 and rubric.locked
        [panel] = panels.panels_of(edition, tinh)
        assert panel.name == PANEL_NAME and not panel.closed and panel.closed_at is None
        rows = db.session.scalars(select(Assignment).where(Assignment.panel_id == panel.id)).all()
        assert set(Counter(a.entry_id for a in rows).values()) == {3} and len(rows) == 120
        assert panels.current_problems(edition, tinh) == []

        # giamkhao: two sheets submitted, two started, the rest still to score.
        judge = db.session.scalar(select(User).where(User.username == "giamkhao"))
        assert judge.id in {m.user_id for m in panel.members}
        own = [a for a in rows if a.judge_id == judge.id]
        status = Counter(a.sheet.status if a.sheet is not None else "todo" for a in own)
        assert status["submitted"] == 2 and status["draft"] == 2 and status["todo"] == len(own) - 4 > 0
        unscored = next(a for a in sorted(own, key=lambda a: a.entry.code) if a.sheet is None)
        unscored_id, title, n_own = unscored.id, unscored.entry.title, len(own)
        criterion_id = rubric.criteria[0].id
        # Other judges are part way through, one has not started.
        sheets = [a.sheet for a in rows if a.sheet is not None]
        assert 0 < sum(s.status == "submitted" for s in sheets) < len(rows)
        assert all(s.total == sum(i.points for i in s.items) for s in sheets)

        # Idempotent: a second run adds nothing.
        before = _counts()
        assert seed_open_judging() == {f"bài dự thi mới {SLUG}": 0}
        db.session.commit()
        assert _counts() == before

    login(client, "giamkhao", "demo-2026")
    response = client.get("/judge")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    section = html.split(PANEL_NAME, 1)[1].split("</section>", 1)[0]
    assert f"đã chấm 2/{n_own}" in section
    assert "Hội đồng đã kết thúc chấm" not in section
    assert "Chưa chấm" in section and "Đang chấm" in section and "Đã nộp" in section

    page = client.get(f"/judge/a/{unscored_id}")
    assert page.status_code == 200 and title in page.get_data(as_text=True)
    state = client.get(f"/api/v1/judge/assignments/{unscored_id}/state").get_json()
    assert state["panel_closed"] is False and state["started"] is False

    # And the judge can go on scoring it.
    token = csrf_token(client, f"/judge/a/{unscored_id}")
    body = {"assignment_id": unscored_id, "criterion_id": criterion_id, "points": 20,
            "idempotency_key": "test-open-judging-0001"}
    saved = client.post("/api/v1/judge/scores", data=json.dumps(body), content_type="application/json",
                        headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.get_json()["saved"] is True

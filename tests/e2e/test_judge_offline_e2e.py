"""A judge scores on a tablet while the hall's Wi-Fi comes and goes: every score entered
reaches the server exactly once, and the page always says which values are still waiting."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from contest.extensions import db
from contest.models import Assignment, ScoreChange
from tests.helpers import ARTIFACTS, PASSWORD
from tests.web.test_judge_scoring import build_judging

SAVED = "Đã lưu trên máy chủ"
BANNER = "Mất kết nối – điểm vẫn được lưu trên máy, sẽ tự gửi khi có mạng"
SLOW = 30_000  # the sender retries with backoff; the `online` event makes it go at once


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(base + "/dashboard")


def _wait_until_cached(page) -> None:
    """The service worker controls the page and holds it and its script in its cache."""
    page.wait_for_function(
        """async () => {
             if (!navigator.serviceWorker.controller) { return false; }
             const pages = await caches.open("judge-v1-pages");
             const assets = await caches.open("judge-v1-assets");
             return !!(await pages.match(location.pathname)) &&
                    !!(await assets.match(new URL("/static/js/judge.js", location.origin).href));
           }""",
        timeout=SLOW,
    )


def test_scores_entered_offline_are_sent_once_when_the_network_returns(live_server, app, world, page, context):
    jw = build_judging(app, world)
    c_new, c_use, c_show = jw["criteria"]
    script_errors = []
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    _login(page, live_server, "gk-a")

    page.goto(live_server + "/judge")
    expect(page.get_by_text("đã chấm 0/2")).to_be_visible()
    page.get_by_role("link", name="Máy tưới cây tự động").click()
    expect(page.get_by_role("heading", name="Máy tưới cây tự động")).to_be_visible()
    status = {cid: page.locator(f"#status-{cid}") for cid in jw["criteria"]}

    # 1. Online, but the answer to the first save is lost on the way back: the server
    #    stored it, the tablet retries with the same key, the server does not store it twice.
    lost = {"n": 0}

    def lose_first_answer(route):
        if lost["n"] == 0:
            lost["n"] += 1
            route.fetch()  # reaches the server
            route.abort("connectionreset")  # ... but the tablet never hears back
        else:
            route.continue_()

    context.route("**/api/v1/judge/scores", lose_first_answer)
    points = page.get_by_role("textbox", name="Điểm: Tính mới, sáng tạo", exact=True)
    points.fill("12,5")
    points.press("Enter")
    expect(status[c_new]).to_have_text(SAVED, timeout=SLOW)
    context.unroute("**/api/v1/judge/scores")
    assert lost["n"] == 1
    expect(page.locator("#judge-total")).to_have_text("12,5")
    _wait_until_cached(page)

    # 2. The network drops: two more scores are kept on the tablet and shown as waiting.
    context.set_offline(True)
    expect(page.locator("#net-banner")).to_have_text(BANNER)
    expect(page.locator("#net-banner")).to_be_visible()
    use = page.get_by_role("textbox", name="Điểm: Khả năng ứng dụng", exact=True)
    use.fill("20")
    use.press("Tab")
    expect(status[c_use]).to_have_text("Đang chờ gửi (1)")
    page.get_by_role("button", name="Tăng 2 điểm: Trình bày").tap()  # from empty: 2 (step 2)
    expect(page.get_by_role("textbox", name="Điểm: Trình bày", exact=True)).to_have_value("2")
    expect(status[c_show]).to_have_text("Đang chờ gửi (1)")
    expect(status[c_new]).to_have_text(SAVED)
    expect(page.locator("#judge-total")).to_have_text("34,5")
    expect(page.locator("#outbox-summary")).to_contain_text("Còn 2 thay đổi đang chờ gửi")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "judge-offline.png"), full_page=True)

    # 3. A reload while offline still shows the page with the values held on the tablet.
    page.reload()
    expect(page.get_by_role("heading", name="Máy tưới cây tự động")).to_be_visible()
    expect(page.get_by_role("textbox", name="Điểm: Khả năng ứng dụng", exact=True)).to_have_value("20")
    expect(page.get_by_role("textbox", name="Điểm: Trình bày", exact=True)).to_have_value("2")
    expect(page.get_by_role("textbox", name="Điểm: Tính mới, sáng tạo", exact=True)).to_have_value("12,5")
    expect(page.locator(f"#status-{c_use}")).to_have_text("Đang chờ gửi (1)")
    expect(page.locator("#net-banner")).to_be_visible()
    with app.app_context():
        assert len(db.session.scalars(select(ScoreChange)).all()) == 1  # nothing else reached the server

    # 4. The network returns: everything is sent, the page says so.
    context.set_offline(False)
    for cid in jw["criteria"]:
        expect(page.locator(f"#status-{cid}")).to_have_text(SAVED, timeout=SLOW)
    expect(page.locator("#net-banner")).to_be_hidden()
    expect(page.locator("#outbox-summary")).to_have_text("Mọi thay đổi đã được lưu trên máy chủ.")

    with app.app_context():
        changes = db.session.scalars(select(ScoreChange).order_by(ScoreChange.id)).all()
        assert [(c.criterion_id, c.old, c.new) for c in changes] == [
            (c_new, None, "12.50"), (c_use, None, "20.00"), (c_show, None, "2.00")]
        assert len({c.idempotency_key for c in changes}) == 3
        sheet = db.session.get(Assignment, jw["a1"]).sheet
        assert {i.criterion_id: i.points for i in sheet.items} == {
            c_new: Decimal("12.50"), c_use: Decimal("20.00"), c_show: Decimal("2.00")}
        assert sheet.total == Decimal("34.50") and sheet.status == "draft"
    assert script_errors == []


def test_judge_submits_the_sheet_after_confirming(live_server, app, world, page):
    jw = build_judging(app, world)
    script_errors = []
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    _login(page, live_server, "gk-a")
    page.goto(live_server + f"/judge/a/{jw['a2']}")
    page.get_by_role("button", name="Nộp phiếu chấm").click()
    expect(page.locator("#submit-message")).to_contain_text("Chưa chấm đủ các tiêu chí")
    for label, value in [("Tính mới, sáng tạo", "25"), ("Khả năng ứng dụng", "18"), ("Trình bày", "31")]:
        box = page.get_by_role("textbox", name=f"Điểm: {label}", exact=True)
        box.fill(value)
        box.press("Enter")
    expect(page.locator(f"#status-{jw['criteria'][2]}")).to_have_text("Điểm phải từ 0 đến 25.")
    box = page.get_by_role("textbox", name="Điểm: Trình bày", exact=True)
    box.fill("20")
    box.press("Enter")
    for cid in jw["criteria"]:
        expect(page.locator(f"#status-{cid}")).to_have_text(SAVED, timeout=SLOW)
    page.get_by_role("button", name="Nộp phiếu chấm").click()
    dialog = page.get_by_role("dialog", name="Nộp phiếu chấm?")
    expect(dialog).to_contain_text("63")
    dialog.get_by_role("button", name="Xác nhận nộp").click()
    expect(page.locator("#sheet-status")).to_have_text("Phiếu đã nộp: không sửa được điểm nữa.", timeout=SLOW)
    expect(page.get_by_role("textbox", name="Điểm: Trình bày", exact=True)).to_be_disabled()
    page.goto(live_server + "/judge")
    expect(page.get_by_text("đã chấm 1/2")).to_be_visible()
    with app.app_context():
        sheet = db.session.get(Assignment, jw["a2"]).sheet
        assert sheet.status == "submitted" and sheet.total == Decimal("63.00")
    assert script_errors == []


def test_a_score_entered_after_the_session_expired_is_kept_and_sent_after_login(live_server, app, world, page,
                                                                                 context):
    jw = build_judging(app, world)
    cid = jw["criteria"][1]
    _login(page, live_server, "gk-a")
    page.goto(live_server + f"/judge/a/{jw['a1']}")
    expect(page.locator(f"#status-{cid}")).to_have_text("Chưa chấm")
    context.clear_cookies()  # the session is gone (expired, or the server restarted with a new key)

    box = page.get_by_role("textbox", name="Điểm: Khả năng ứng dụng", exact=True)
    box.fill("17")
    box.press("Enter")
    expect(page.locator("#auth-banner")).to_contain_text("Phiên đăng nhập đã hết hạn", timeout=SLOW)
    expect(page.locator(f"#status-{cid}")).to_have_text("Đang chờ gửi (1)")
    with app.app_context():
        assert db.session.scalars(select(ScoreChange)).all() == []

    other = context.new_page()  # the judge signs in again in another tab
    _login(other, live_server, "gk-a")
    other.close()
    expect(page.locator(f"#status-{cid}")).to_have_text(SAVED, timeout=SLOW)
    expect(page.locator("#auth-banner")).to_be_hidden()
    with app.app_context():
        changes = db.session.scalars(select(ScoreChange)).all()
        assert [(c.criterion_id, c.new) for c in changes] == [(cid, "17.00")]


def test_a_refused_score_is_shown_to_the_judge(live_server, app, world, page):
    from contest.models import Panel, utcnow

    jw = build_judging(app, world)
    cid = jw["criteria"][0]
    _login(page, live_server, "gk-a")
    page.goto(live_server + f"/judge/a/{jw['a1']}")
    expect(page.locator(f"#status-{cid}")).to_have_text("Chưa chấm")
    # Let the page finish starting (it asks the server for the sheet's state) before the
    # panel closes, so the refusal comes from the server and not from that first answer.
    page.wait_for_load_state("networkidle")
    with app.app_context():  # the organiser closes the panel while the page is open
        db.session.get(Panel, jw["panel"]).closed_at = utcnow()
        db.session.commit()
    box = page.get_by_role("textbox", name="Điểm: Tính mới, sáng tạo", exact=True)
    box.fill("10")
    box.press("Enter")
    expect(page.locator(f"#status-{cid}")).to_have_text(
        "Không lưu được: Hội đồng chấm đã kết thúc, không thể thay đổi điểm nữa.", timeout=SLOW)
    expect(page.locator("#outbox-summary")).to_contain_text("đã bị máy chủ từ chối")
    with app.app_context():
        assert db.session.scalars(select(ScoreChange)).all() == []


# Playwright cannot route a request that a service worker lets through to the network, and
# this test needs no offline reload: without the worker, both requests can be held.
@pytest.mark.browser_context_args(service_workers="block")
def test_a_state_answer_older_than_a_save_does_not_undo_it_on_screen(live_server, app, world, page, context):
    """The race behind the once-flaky reconnect test: on `online` the page both sends what
    waits and asks the server for the sheet. The server read the sheet before the score was
    stored but stamped its answer after; that stale "no points" must not wipe the score the
    server has just confirmed."""
    jw = build_judging(app, world)
    cid = jw["criteria"][1]
    script_errors = []
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    _login(page, live_server, "gk-a")
    page.goto(live_server + f"/judge/a/{jw['a1']}")
    status = page.locator(f"#status-{cid}")
    expect(status).to_have_text("Chưa chấm")
    expect(page.locator("#judge-app")).to_have_attribute("data-state-synced", "1", timeout=SLOW)

    context.set_offline(True)
    expect(page.locator("#net-banner")).to_be_visible()  # the page knows: nothing slips out
    box = page.get_by_role("textbox", name="Điểm: Khả năng ứng dụng", exact=True)
    box.fill("17")
    box.press("Enter")
    expect(status).to_have_text("Đang chờ gửi (1)")
    with app.app_context():
        assert db.session.scalars(select(ScoreChange)).all() == []

    held = {"state": [], "score": []}
    context.route("**/assignments/*/state", lambda route: held["state"].append(route))
    context.route("**/api/v1/judge/scores", lambda route: held["score"].append(route))
    context.set_offline(False)
    for _ in range(600):
        if held["state"] and held["score"]:
            break
        page.wait_for_timeout(50)
    assert held["state"] and held["score"], held

    stale = held["state"][0].fetch()  # the server reads the sheet: no points yet
    held["score"][0].continue_()  # then the score is stored and confirmed
    expect(status).to_have_text(SAVED, timeout=SLOW)
    # ... and the state answer, stamped after the save, arrives last.
    answer = json.loads(stale.text())
    assert str(cid) not in answer["points"]
    answer["server_time"] = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    held["state"][0].fulfill(response=stale, json=answer)
    expect(page.locator("#judge-app")).to_have_attribute("data-state-synced", "2", timeout=SLOW)
    expect(status).to_have_text(SAVED)
    expect(box).to_have_value("17")
    expect(page.locator("#judge-total")).to_have_text("17")
    context.unroute("**/assignments/*/state")
    context.unroute("**/api/v1/judge/scores")

    page.reload()  # a later, fresh answer shows the stored score as well
    expect(page.locator(f"#status-{cid}")).to_have_text(SAVED, timeout=SLOW)
    with app.app_context():
        changes = db.session.scalars(select(ScoreChange)).all()
        assert [(c.criterion_id, c.new) for c in changes] == [(cid, "17.00")]
    assert script_errors == []


SLOW_OUTBOX_READS = """
(() => {
  const getAll = IDBIndex.prototype.getAll;
  IDBIndex.prototype.getAll = function (...args) {
    const request = getAll.apply(this, args);
    if (window.__slowReads && this.objectStore.name === "outbox") {
      // Keep this read's transaction busy for a while: IndexedDB makes a write to the
      // outbox wait until it is over, as it does for any read that started first.
      const store = this.objectStore, until = Date.now() + 600;
      const spin = () => { if (Date.now() < until) { store.count().onsuccess = spin; } };
      spin();
    }
    return request;
  };
})();
"""


def test_a_value_typed_while_the_outbox_is_being_read_stays_shown_as_waiting(live_server, app, world, page, context):
    """An outbox read that started before the value's write finishes without it: the
    page must keep showing the value as waiting, not flick back to the old state."""
    jw = build_judging(app, world)
    cid = jw["criteria"][0]
    page.add_init_script(SLOW_OUTBOX_READS)
    _login(page, live_server, "gk-a")
    page.goto(live_server + f"/judge/a/{jw['a1']}")
    status = page.locator(f"#status-{cid}")
    expect(status).to_have_text("Chưa chấm")
    context.set_offline(True)
    expect(page.locator("#net-banner")).to_be_visible()
    page.evaluate("""(id) => {
        window.__seen = [];
        const el = document.getElementById(id);
        new MutationObserver(() => window.__seen.push(el.textContent)).observe(el, {childList: true, characterData: true, subtree: true});
        window.__slowReads = true;
        window.dispatchEvent(new Event("online"));  // the sender starts and reads the outbox
    }""", f"status-{cid}")
    box = page.get_by_role("textbox", name="Điểm: Tính mới, sáng tạo", exact=True)
    box.fill("20")
    box.press("Tab")
    page.wait_for_timeout(1500)
    expect(status).to_have_text("Đang chờ gửi (1)")
    seen = page.evaluate("window.__seen")
    assert seen and seen[0] == "Đang chờ gửi (1)"
    assert set(seen) == {"Đang chờ gửi (1)"}, seen
    expect(box).to_have_value("20")

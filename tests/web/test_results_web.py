"""Organiser results pages: prize rules form, proposal, adjustment with a reason,
approval, publication, correction, follow-on lists, downloads, access and the CLI."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from contest.extensions import db
from contest.models import AuditLog, Edition, ResultVersion
from contest.results import cache, service
from tests.helpers import login, post_form
from tests.unit.test_results_service import SCORES, build

SLUG = "sang-tao-tttn-2026"


@pytest.fixture(autouse=True)
def _own_cache(app):
    cache.bump(app)  # pages cached by earlier tests belong to other data


@pytest.fixture
def organiser(client, world):
    login(client, "btc")
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _version_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(ResultVersion.id).order_by(ResultVersion.id.desc()))


# --------------------------------------------------------------------- access


@pytest.mark.parametrize("url", [f"/e/{SLUG}/results", f"/e/{SLUG}/results/tinh/rules"])
def test_only_organisers(app, client, world, url):
    assert client.get(url).status_code == 302  # to the login page
    login(client, "truong")
    assert client.get(url).status_code == 403


def test_unknown_edition_level_or_version_is_404(organiser):
    assert organiser.get("/e/khong-co/results").status_code == 404
    assert organiser.get(f"/e/{SLUG}/results/huyen/rules").status_code == 404
    assert organiser.get(f"/e/{SLUG}/results/v/9999").status_code == 404


# --------------------------------------------------------------------- prize rules


def test_rules_form_saves_quotas_thresholds_money(app, organiser, world):
    build(app, world, SCORES)
    url = f"/e/{SLUG}/results/tinh/rules"
    page = _text(organiser.get(url))
    assert "Cơ cấu giải: Cấp tỉnh" in page and "Tiền thưởng Giải Nhất (đồng)" in page
    response = post_form(organiser, url, {
        "quota_nhat": "2", "quota_nhi": "4", "quota_ba": "6", "quota_khuyen_khich": "18",
        "min_nhat": "85,5", "amount_nhat": "7.000.000", "amount_nhi": "5.000.000", "amount_ba": "3000000",
        "amount_khuyen_khich": "1.000.000", "tie_policy": "cascade", "share_overflow": "reduce_lower",
        "per_group": "", "group_split": "proportional", "nominations": "12",
    }, follow=True)
    html = _text(response)
    assert "Đã lưu cơ cấu giải của Cấp tỉnh." in html
    assert "7.000.000 đ" in html and "Điểm sàn: Giải Nhất 85,5" in html
    with app.app_context():
        stored = db.session.scalar(select(Edition).where(Edition.slug == SLUG)).settings["prizes"]["tinh"]
        assert stored["quotas"] == {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18}
        assert stored["amounts"]["nhat"] == 7_000_000 and stored["min_scores"] == {"nhat": "85.5"}
        assert stored["tie_policy"] == "cascade"
    again = _text(organiser.get(url))
    assert 'value="85,5"' in again and 'value="7.000.000"' in again


@pytest.mark.parametrize("data,message", [
    ({"quota_nhat": "hai"}, "Vui lòng nhập một số nguyên."),
    ({"quota_nhat": "-1"}, "Số lượng giải phải là số nguyên từ 0."),
    ({"min_nhat": "chín mươi"}, "Vui lòng nhập một số, ví dụ 85 hoặc 85,5."),
    ({"amount_nhi": "-5"}, "Tiền thưởng phải là số đồng không âm."),
    ({"tie_policy": "tung-dong-xu"}, "Lựa chọn không hợp lệ"),
    ({"quota_nhat": "0"}, "Cần ít nhất một giải"),
])
def test_rules_form_rejects_bad_input_in_vietnamese_and_keeps_it(app, organiser, world, data, message):
    build(app, world, SCORES)
    url = f"/e/{SLUG}/results/tinh/rules"
    form = {"quota_nhat": "1", "quota_nhi": "", "quota_ba": "", "quota_khuyen_khich": "", "tie_policy": "share", "share_overflow": "reduce_lower", "per_group": "",
            "group_split": "proportional", "nominations": "12", **data}
    response = post_form(organiser, url, form)
    html = _text(response)
    assert response.status_code == 400 and message in html
    for name, value in data.items():
        if name != "tie_policy":  # a select cannot show a value that is not a choice
            assert f'value="{value}"' in html  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(Edition).where(Edition.slug == SLUG)).settings["prizes"]["tinh"]["quotas"]["nhat"] == 1


def test_fixed_group_quotas_from_the_form(app, organiser, world):
    build(app, world, [90, 80, 70, 60], categories={0: "C1", 1: "C1", 2: "C2", 3: "C2"})
    url = f"/e/{SLUG}/results/tinh/rules"
    response = post_form(organiser, url, {
        "tie_policy": "share", "share_overflow": "reduce_lower", "per_group": "category", "group_split": "fixed",
        "nominations": "12", "g_category_0_nhat": "1", "g_category_1_nhat": "1", "g_category_1_nhi": "1",
    }, follow=True)
    assert "Đã lưu cơ cấu giải" in _text(response)
    with app.app_context():
        stored = db.session.scalar(select(Edition).where(Edition.slug == SLUG)).settings["prizes"]["tinh"]
        assert stored["group_quotas"]["C2"] == {"nhat": 1, "nhi": 1, "ba": 0, "khuyen_khich": 0}
        assert stored["quotas"]["nhat"] == 2


# --------------------------------------------------------------------- the flow


def test_propose_adjust_approve_publish_correct(app, organiser, world):
    ids = build(app, world, SCORES)
    index = _text(organiser.get(f"/e/{SLUG}/results"))
    assert "12 bài có điểm chính thức" in index and "Đề xuất phân bổ giải" in index
    response = post_form(organiser, f"/e/{SLUG}/results/tinh/propose", {}, token_from=f"/e/{SLUG}/results",
                         follow=True)
    html = _text(response)
    assert "Đã đề xuất phân bổ giải (bản số 1, dự thảo)." in html
    assert 'id="total-awards">10<' in html and 'id="total-money">21.000.000 đ<' in html
    version_id = _version_id(app)
    url = f"/e/{SLUG}/results/v/{version_id}"

    # adjust: the reason is required, then the change is applied and logged
    response = post_form(organiser, f"{url}/adjust", {"adjust-entry_id": str(ids["entries"][10]),
                                                      "adjust-rank": "khuyen_khich", "adjust-reason": ""},
                         token_from=url)
    assert response.status_code == 400 and "Cần ghi rõ lý do điều chỉnh." in _text(response)
    response = post_form(organiser, f"{url}/adjust", {"adjust-entry_id": str(ids["entries"][10]),
                                                      "adjust-rank": "khuyen_khich",
                                                      "adjust-reason": "Bổ sung theo kết luận phúc khảo"},
                         token_from=url, follow=True)
    html = _text(response)
    assert "Đã điều chỉnh giải" in html and 'id="total-awards">11<' in html
    assert "Bổ sung theo kết luận phúc khảo" in html and "Đã điều chỉnh" in html
    assert "Giải Khuyến khích có 5 giải, nhiều hơn số lượng 4 của cơ cấu giải." in html

    # approve: bad date, then a good one
    response = post_form(organiser, f"{url}/approve", {"approve-decision_number": "125/QĐ-LHH",
                                                       "approve-decision_date": "31/02/2026"}, token_from=url)
    assert response.status_code == 400 and "125/QĐ-LHH" in _text(response)
    assert "Ngày không hợp lệ: &#39;31/02/2026&#39; (định dạng dd/mm/yyyy)" in _text(response)
    response = post_form(organiser, f"{url}/approve", {"approve-decision_number": "125/QĐ-LHH",
                                                       "approve-decision_date": "20/11/2026"},
                         token_from=url, follow=True)
    html = _text(response)
    assert "Đã phê duyệt bản số 1 (Quyết định số 125/QĐ-LHH)." in html and "20/11/2026" in html
    assert "Lưu điều chỉnh" not in html  # no more adjustments

    response = post_form(organiser, f"{url}/publish", {}, token_from=url, follow=True)
    html = _text(response)
    assert "Đã công bố kết quả Cấp tỉnh (bản số 1)." in html and 'id="version-status">Đã công bố<' in html

    index = _text(organiser.get(f"/e/{SLUG}/results"))
    assert "Đính chính kết quả đã công bố" in index and "Đề xuất phân bổ giải" not in index

    # a published version refuses adjustments through the route too
    response = post_form(organiser, f"{url}/adjust", {"adjust-entry_id": str(ids["entries"][0]),
                                                      "adjust-rank": "none", "adjust-reason": "Thử sửa"},
                         token_from=url, follow=True)
    assert "Chỉ điều chỉnh được bản dự thảo" in _text(response)
    with app.app_context():
        assert len(db.session.get(ResultVersion, version_id).awards) == 11

    # correction
    response = post_form(organiser, f"{url}/correct", {"correct-change_note": ""}, token_from=url)
    assert response.status_code == 400 and "Cần ghi rõ nội dung đính chính." in _text(response)
    response = post_form(organiser, f"{url}/correct",
                         {"correct-change_note": "Bổ sung giải Khuyến khích cho bài E12 do sót điểm"},
                         token_from=url, follow=True)
    html = _text(response)
    assert "Đã lập bản đính chính số 2 (dự thảo)." in html and "Bổ sung giải Khuyến khích cho bài E12" in html

    audit = _text(organiser.get(url))
    for action in ("Đề xuất phân bổ giải", "Điều chỉnh giải", "Phê duyệt", "Công bố"):
        assert action in audit
    assert ("Bài E11: Không đạt giải → Giải Khuyến khích. Lý do: Bổ sung theo kết luận phúc khảo"
            in audit) and "Quyết định số 125/QĐ-LHH" in audit
    with app.app_context():
        actions = set(db.session.scalars(select(AuditLog.action)).all())
        assert {"results.propose", "results.adjust", "results.approve", "results.publish", "results.correct"} <= actions


def test_propose_without_rules_or_scores_explains(app, organiser, world):
    build(app, world, [None, None])
    response = post_form(organiser, f"/e/{SLUG}/results/tinh/propose", {}, token_from=f"/e/{SLUG}/results",
                         follow=True)
    assert "Chưa có bài dự thi nào có điểm chính thức ở Cấp tỉnh" in _text(response)


def test_downloads_and_honours(app, organiser, world):
    ids = build(app, world, SCORES)
    with app.app_context():
        version = service.propose_allocation(db.session.get(Edition, ids["edition"]), "tinh")
        service.approve(version, decision_number="125/QĐ-LHH", decision_date=date(2026, 11, 20), actor=None)
        db.session.commit()
        version_id = version.id
    base = f"/e/{SLUG}/results/v/{version_id}"
    response = organiser.get(f"{base}/danh-sach-cong-nhan-giai.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    rows = list(wb.active.iter_rows(values_only=True))
    assert ("STT", "Họ và tên", "Đơn vị", "Tên sản phẩm/giải pháp", "Giải") in rows
    response = organiser.get(f"{base}/chi-tra-tien-thuong.pdf")
    assert response.mimetype == "application/pdf"
    assert "21.000.000 đ" in PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert organiser.get(f"{base}/khong-co.xlsx").status_code == 404
    html = _text(organiser.get(f"{base}/honours"))
    assert "Bằng khen của Chủ tịch UBND tỉnh" in html and "Nguyễn Văn An" in html
    assert "Đề cử dự thi toàn quốc (12 bài điểm cao nhất)" in html
    wb = openpyxl.load_workbook(io.BytesIO(organiser.get(f"{base}/de-nghi-khen-thuong.xlsx").data))
    assert "Bằng khen" in wb.sheetnames


# --------------------------------------------------------------------- CLI


def test_cli_export_results(app, runner, world, tmp_path):
    ids = build(app, world, SCORES)
    out = tmp_path / "ket-qua.xlsx"
    result = runner.invoke(args=["export-results", SLUG, str(out)])
    assert result.exit_code == 1 and "chưa công bố kết quả" in result.output
    assert runner.invoke(args=["export-results", "khong-co", str(out)]).exit_code == 2
    with app.app_context():
        version = service.propose_allocation(db.session.get(Edition, ids["edition"]), "tinh")
        service.approve(version, decision_number="125/QĐ-LHH", decision_date=date(2026, 11, 20), actor=None)
        service.publish(version, actor=None)
        db.session.commit()
    result = runner.invoke(args=["export-results", SLUG, str(out)])
    assert result.exit_code == 0, result.output
    assert "10 giải của Cấp tỉnh" in result.output and "21.000.000 đ" in result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Danh sách công nhận giải", "Chi trả tiền thưởng"]
    money = [r for r in wb["Chi trả tiền thưởng"].iter_rows(values_only=True)]
    assert any(r[1] == "Tổng cộng" and r[4] == 21_000_000 for r in money)
    assert runner.invoke(args=["export-results", SLUG, str(out), "--level", "huyen"]).exit_code == 2

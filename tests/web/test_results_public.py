"""Public results pages: what the public sees (and never sees), filters, the gallery
and its photos, search, corrections, and the page cache."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select

from contest.extensions import db
from contest.models import Edition, Entry, EntryFile, Institution
from contest.results import cache, service
from registration import uploads
from tests.helpers import inline_scripts, login
from tests.unit.test_results_service import SCORES, build

SLUG = "sang-tao-tttn-2026"
URL = f"/editions/{SLUG}/results"

PRIVATE_PERSON = {
    "role": "author", "full_name": "Nguyễn Văn An", "birth_date": date(2012, 5, 6), "birth_year": 2012,
    "gender": "male", "class_name": "8A3", "phone": "0912345678", "email": "an.nguyen@example.vn",
    "organisation": "Lớp chuyên Toán", "job_title": "Học sinh", "trade_union_member": False,
    "person_key": "nguyen van an|2012-05-06",
}
MENTOR = {"role": "mentor", "full_name": "Lê Văn Thầy", "phone": "0987654321", "email": "thay@example.vn",
          "birth_date": date(1980, 2, 3)}
PRIVATE_TEXTS = ("06/05/2012", "2012-05-06", "6/5/2012", "0912345678", "an.nguyen@example.vn", "8A3",
                 "Lớp chuyên Toán", "0987654321", "thay@example.vn", "03/02/1980", "1980-02-03",
                 "Số 12 đường Nguyễn Du", "02043999888", "nguyen van an|")


@pytest.fixture(autouse=True)
def _own_cache_and_uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    cache.bump(app)  # pages cached by earlier tests belong to other data


def _text(response) -> str:
    return response.get_data(as_text=True)


def _publish(app, ids, *, adjust=None, number="125/QĐ-LHH"):
    with app.app_context():
        edition = db.session.get(Edition, ids["edition"])
        version = service.propose_allocation(edition, "tinh")
        for entry_id, rank, reason in adjust or ():
            service.adjust_award(version, entry_id, rank, reason, actor=None)
        service.approve(version, decision_number=number, decision_date=date(2026, 11, 20), actor=None)
        service.publish(version, actor=None)
        db.session.commit()
        return version.id


@pytest.fixture
def published(app, world):
    cats = {i: ("C1" if i < 6 else "C2") for i in range(12)}
    ids = build(app, world, SCORES, categories=cats, people={0: [PRIVATE_PERSON, MENTOR]})
    with app.app_context():
        school = db.session.get(Institution, world["school"])
        school.address, school.phone = "Số 12 đường Nguyễn Du", "02043999888"
        db.session.commit()
    ids["version"] = _publish(app, ids)
    return ids


def _photo(app, entry_id: int) -> int:
    """Store a real re-encoded photo with its thumbnail for an entry; returns its id."""
    image = Image.new("RGB", (640, 480), (30, 120, 200))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    processed = uploads.process_photo(buffer.getvalue())
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        item = EntryFile(kind="photo", stored_name=f"{entry_id:032x}.jpg", thumb_name=f"{entry_id:032x}_t.jpg",
                         original_name="mo-hinh.jpg", content_type="image/jpeg", size=len(processed.data),
                         width=processed.width, height=processed.height)
        entry.files.append(item)
        db.session.flush()
        uploads.write_atomic(uploads.file_path(item), processed.data)
        uploads.write_atomic(uploads.file_path(item, thumb=True), processed.thumb)
        db.session.commit()
        return item.id


# --------------------------------------------------------------------- the results page


def test_public_page_shows_the_winners_by_prize(client, published):
    response = client.get(URL)
    html = _text(response)
    assert response.status_code == 200
    assert "Kết quả: Cấp tỉnh" in html
    assert "Quyết định công nhận giải số <strong>125/QĐ-LHH</strong> ngày <strong>20/11/2026</strong>" in html
    for heading in ("Giải Nhất <span class=\"muted\">(1)</span>", "Giải Nhì <span class=\"muted\">(2)</span>",
                    "Giải Ba <span class=\"muted\">(3)</span>", "Giải Khuyến khích <span class=\"muted\">(4)</span>"):
        assert heading in html
    assert html.index("Nguyễn Văn An") < html.index("Trần Thị Bình")  # first prize listed first
    for shown in ("Trường THCS Tân Yên", "Sản phẩm số 1", "Lĩnh vực C1", "Xã Tân Yên", "Phường Kinh Bắc"):
        assert shown in html
    assert "Sản phẩm số 11" not in html  # no prize, not listed
    assert "Đang hiển thị 10 / 10 giải." in html
    assert inline_scripts(html) == [] and "style=" not in html


def test_public_pages_never_show_private_fields(client, published, app):
    _photo(app, published["entries"][0])
    pages = [URL, f"{URL}?prize=nhat", f"{URL}/gallery", "/results/search?q=nguyen+van+an"]
    for url in pages:
        html = _text(client.get(url))
        assert "Nguyễn Văn An" in html, url
        for private in PRIVATE_TEXTS:
            assert private not in html, (url, private)
        assert "Lê Văn Thầy" not in html  # mentors are not on the public list
        assert "95,00" not in html and ">95<" not in html  # scores stay with the organisers


def test_filters_by_category_area_and_prize(client, published, world):
    html = _text(client.get(f"{URL}?category=C2"))
    assert "Đang hiển thị 4 / 10 giải." in html and "Sản phẩm số 7" in html and "Sản phẩm số 1<" not in html
    html = _text(client.get(f"{URL}?prize=ba"))
    assert "Đang hiển thị 3 / 10 giải." in html and "Giải Nhất <span" not in html
    html = _text(client.get(f"{URL}?area=phuong-kinh-bac&prize=khuyen_khich"))
    assert "Đang hiển thị 2 / 10 giải." in html  # E08 and E10
    assert '<option selected value="phuong-kinh-bac">Phường Kinh Bắc</option>' in html


def test_unknown_filter_values_are_explained_not_500(client, published):
    response = client.get(f"{URL}?category=khong-co&prize=%3Cscript%3E&level=huyen")
    html = _text(response)
    assert response.status_code == 200
    assert "Lĩnh vực “khong-co” không có trong kết quả; bộ lọc này được bỏ qua." in html
    assert "Giải “&lt;script&gt;” không có trong kết quả" in html
    assert "Không có kết quả đã công bố cho cấp thi “huyen”; đang hiển thị Cấp tỉnh." in html
    assert "Đang hiển thị 10 / 10 giải." in html and inline_scripts(html) == []


def test_unknown_edition_is_404(client, world):
    assert client.get("/editions/khong-co/results").status_code == 404
    assert client.get("/editions/khong-co/results/gallery").status_code == 404


def test_drafts_and_approved_versions_are_not_public(client, app, world):
    ids = build(app, world, SCORES)
    with app.app_context():
        version = service.propose_allocation(db.session.get(Edition, ids["edition"]), "tinh")
        service.approve(version, decision_number="1/QĐ", decision_date=date(2026, 11, 1), actor=None)
        db.session.commit()
    html = _text(client.get(URL))
    assert "Kỳ thi chưa công bố kết quả." in html and "Nguyễn Văn An" not in html
    assert "Nguyễn Văn An" not in _text(client.get("/results/search?q=Nguyen"))


# --------------------------------------------------------------------- corrections and cache


def test_correction_is_shown_and_replaces_the_cached_page(client, app, published):
    first = client.get(URL)
    assert "Sản phẩm số 11" not in _text(first)
    assert client.get(URL).headers["Cache-Control"] == cache.CACHE_CONTROL
    with app.app_context():
        hits = cache.page_cache(app).hits
        v1 = db.session.get(service.ResultVersion, published["version"])
        v2 = service.correct(v1, change_note="Bổ sung Giải Khuyến khích cho bài Sản phẩm số 11 do sót điểm phúc khảo",
                             actor=None)
        service.adjust_award(v2, published["entries"][10], "khuyen_khich", "Sót điểm phúc khảo", actor=None)
        db.session.commit()
    assert cache.page_cache(app).hits == hits
    assert "Sản phẩm số 11" not in _text(client.get(URL))  # a draft correction changes nothing public
    with app.app_context():
        v2 = db.session.scalar(select(service.ResultVersion).where(service.ResultVersion.number == 2))
        service.approve(v2, decision_number="130/QĐ-LHH", decision_date=date(2026, 11, 25), actor=None)
        service.publish(v2, actor=None)
        db.session.commit()
    html = _text(client.get(URL))
    assert "Sản phẩm số 11" in html and "Đang hiển thị 11 / 11 giải." in html
    assert "<strong>Đính chính</strong>" in html
    assert "Bổ sung Giải Khuyến khích cho bài Sản phẩm số 11 do sót điểm phúc khảo" in html
    assert "Quyết định công nhận giải số <strong>130/QĐ-LHH</strong>" in html


def test_published_page_is_served_from_the_cache(client, app, published):
    client.get(URL)
    page_cache = cache.page_cache(app)
    hits = page_cache.hits
    with app.app_context():  # not a publication: the published page stays as published
        entry = db.session.get(Entry, published["entries"][0])
        entry.edition.name = "Cuộc thi đổi tên"
        entry.institution.name = "Tên đổi"
        db.session.commit()
    second = client.get(URL)
    assert page_cache.hits == hits + 1 and "Cuộc thi đổi tên" not in _text(second)
    etag = second.headers["ETag"]
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
    cache.bump(app)  # as after a publication: the page is rendered again
    third = _text(client.get(URL))
    assert "Cuộc thi đổi tên" in third
    # ... but the awards still name what the decision named when it was approved.
    assert "Tên đổi" not in third


def test_the_generation_changes_with_every_publication(app, published, monkeypatch):
    """Other workers notice a publication through the generation token they re-read."""
    with app.app_context():
        monkeypatch.setitem(app.config, "RESULTS_CACHE_CHECK_SECONDS", 0)
        before = cache.generation(app)
        assert cache.generation(app) == before  # stable while nothing is published
        v1 = db.session.get(service.ResultVersion, published["version"])
        v2 = service.correct(v1, change_note="Sửa tên sản phẩm", actor=None)
        db.session.commit()
        assert cache.generation(app) == before  # a draft is not a publication
        service.approve(v2, decision_number="2/QĐ", decision_date=date(2026, 12, 1), actor=None)
        service.publish(v2, actor=None)
        db.session.commit()
        assert cache.generation(app) != before


def test_signed_in_users_get_a_fresh_page_with_their_name(client, app, published):
    client.get(URL)  # an anonymous page in the cache
    login(client, "btc")
    html = _text(client.get(URL))
    assert "Người dùng btc" in html and "Đăng xuất" in html
    assert html != _text(app.test_client().get(URL))  # the anonymous page has no name in it
    assert "Người dùng btc" not in _text(app.test_client().get(URL))


# --------------------------------------------------------------------- gallery and photos


def test_gallery_shows_awarded_entries_with_photos(client, app, published):
    photo_id = _photo(app, published["entries"][0])
    cache.bump(app)
    html = _text(client.get(f"{URL}/gallery"))
    assert f'src="/results/photos/{photo_id}.jpg"' in html
    assert "Ảnh sản phẩm “Sản phẩm số 1”" in html and "Chưa có ảnh" in html
    response = client.get(f"/results/photos/{photo_id}.jpg")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(response.data)).size == (400, 300)  # the thumbnail
    assert "public" in response.headers["Cache-Control"]


def test_photos_of_entries_without_a_published_prize_are_not_public(client, app, published, world):
    not_awarded = _photo(app, published["entries"][11])
    assert client.get(f"/results/photos/{not_awarded}.jpg").status_code == 404
    assert client.get("/results/photos/987654.jpg").status_code == 404
    other = build_second_draft(app, world)
    assert client.get(f"/results/photos/{_photo(app, other)}.jpg").status_code == 404


def build_second_draft(app, world) -> int:
    """An entry of another edition holding a prize in a draft only."""
    with app.app_context():
        first = db.session.get(Edition, world["edition"])
        edition = Edition(contest_id=first.contest_id, number=23, slug="sang-tao-tttn-2027", name="Lần thứ 23",
                          year_start=2027, year_end=2027, settings={"prizes": {"tinh": {"quotas": {"nhat": 1}}}})
        from contest.models import EntryLevel, EntryPerson, Level

        edition.levels = [Level(position=1, code="tinh", name="Cấp tỉnh")]
        entry = Entry(edition=edition, institution_id=world["school"], code="X1", title="Bài nháp", status="accepted")
        entry.people = [EntryPerson(role="author", full_name="Đào Thị Nháp", position=0)]
        db.session.add_all([edition, entry])
        db.session.flush()
        db.session.add(EntryLevel(entry_id=entry.id, level_id=edition.levels[0].id, score=90))
        service.propose_allocation(edition, "tinh")
        db.session.commit()
        return entry.id


# --------------------------------------------------------------------- search


@pytest.mark.parametrize("query,expected", [
    ("nguyen van an", "Nguyễn Văn An"),
    ("NGUYỄN văn", "Nguyễn Văn An"),
    ("kinh bac", "Trần Thị Bình"),
    ("san pham so 7", "Sản phẩm số 7"),
])
def test_search_ignores_accents_and_case(client, published, query, expected):
    html = _text(client.get("/results/search", query_string={"q": query}))
    assert expected in html and "Tìm thấy" in html


def test_search_input_problems_are_explained(client, published):
    assert "Từ khoá cần từ 2 đến 100 ký tự." in _text(client.get("/results/search?q=a"))
    assert "Không tìm thấy kết quả nào." in _text(client.get("/results/search?q=khong+ai+ca"))
    html = _text(client.get("/results/search?q=nguyen&edition=khong-co"))
    assert "Kỳ thi này chưa công bố kết quả hoặc không tồn tại." in html
    html = _text(client.get(f"/results/search?q=nguyen&edition={SLUG}"))
    assert "Nguyễn Văn An" in html
    assert client.get("/results/search").status_code == 200
    html = _text(client.get(f"/results/search?edition={SLUG}"))  # from the results page's link
    assert "Vui lòng nhập từ khoá" not in html and f'<option selected value="{SLUG}">' in html
    assert "Vui lòng nhập từ khoá tìm kiếm." in _text(client.get("/results/search?q="))

"""Photos and attachments of entries through the web: who may upload, see and delete,
what is refused and why, and what ends up on disk."""

from __future__ import annotations

import io
import os
from datetime import date

import pytest
from flask import render_template
from flask_login import login_user
from PIL import ExifTags, Image
from sqlalchemy import select

from contest.extensions import db as _db
from contest.models import AuditLog, Edition, Entry, EntryFile, User
from registration import uploads
from tests.helpers import PASSWORD, csrf_token, inline_scripts, login
from tests.unit.test_uploads import jpeg, jpeg_declaring, png, png_declaring

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


# ----- fixtures -----------------------------------------------------------------------

@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    path = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(path))
    return path


@pytest.fixture
def entry_id(app, world, folder) -> int:
    with app.app_context():
        entry = Entry(edition_id=world["edition"], institution_id=world["school"], area_unit_id=world["commune"],
                      code="00001", title="Máy tưới cây tự động", status="draft", extra={})
        _db.session.add(entry)
        _db.session.commit()
        return entry.id


@pytest.fixture
def other_school_user(app, world) -> str:
    from contest.auth.services import create_user, grant_role

    with app.app_context():
        user = create_user("truong-kb", "Trường Kinh Bắc", PASSWORD)
        grant_role(user, "institution", institution_id=world["other_school"])
        _db.session.commit()
    return "truong-kb"


def upload(client, entry_id, *files, follow=True):
    """POST files as (bytes, name) pairs through the upload form."""
    token = csrf_token(client, "/dashboard")
    data = {"up-csrf_token": token, "up-files": [(io.BytesIO(content), name) for content, name in files]}
    return client.post(f"/entries/{entry_id}/files", data=data, content_type="multipart/form-data",
                       follow_redirects=follow)


def delete(client, file_id, follow=True):
    token = csrf_token(client, "/dashboard")
    return client.post(f"/files/{file_id}/delete", data={"csrf_token": token}, follow_redirects=follow)


def stored(app, entry_id) -> list[dict]:
    with app.app_context():
        rows = _db.session.scalars(select(EntryFile).where(EntryFile.entry_id == entry_id).order_by(EntryFile.id))
        return [
            {"id": f.id, "kind": f.kind, "name": f.original_name, "type": f.content_type, "size": f.size,
             "width": f.width, "height": f.height, "path": uploads.file_path(f),
             "thumb": uploads.file_path(f, thumb=True)}
            for f in rows
        ]


def set_edition(app, world, **values):
    with app.app_context():
        edition = _db.session.get(Edition, world["edition"])
        for key, value in values.items():
            setattr(edition, key, value)
        _db.session.commit()


def text(response) -> str:
    return response.get_data(as_text=True)


# ----- uploads ------------------------------------------------------------------------

def test_school_uploads_a_photo_stored_clean_with_a_thumbnail(app, client, world, entry_id, folder):
    login(client, "truong")
    source = jpeg((3000, 2000), gps=True)
    response = upload(client, entry_id, (source, "Ảnh mô hình.jpg"))
    assert response.status_code == 200
    assert "Đã tải lên 1 tệp." in text(response)

    [photo] = stored(app, entry_id)
    assert photo["kind"] == "photo" and photo["name"] == "Ảnh mô hình.jpg" and photo["type"] == "image/jpeg"
    assert (photo["width"], photo["height"]) == (2000, 1333)
    assert photo["path"].parent == folder / str(world["edition"])
    assert photo["path"].stem != "Ảnh mô hình" and len(photo["path"].stem) == 32  # random name
    on_disk = Image.open(photo["path"])
    assert on_disk.size == (2000, 1333)
    assert len(on_disk.getexif()) == 0
    assert not on_disk.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert photo["path"].stat().st_size == photo["size"]
    thumb = Image.open(photo["thumb"])
    assert max(thumb.size) == 400
    assert photo["thumb"].stat().st_size < 60_000

    response = client.get(f"/files/{photo['id']}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"] == "inline; filename=Anh_mo_hinh.jpg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]
    assert response.data == photo["path"].read_bytes()
    response = client.get(f"/files/{photo['id']}/thumb")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(response.data)).size) == 400


def test_type_comes_from_content_not_name(app, client, world, entry_id):
    login(client, "truong")
    response = upload(client, entry_id, (png(alpha=True), "anh.jpg"), (b"Day la mot tep van ban.\n", "photo.jpg"))
    html = text(response)
    assert "Đã tải lên 1 tệp." in html
    assert "Không nhận tệp “photo.jpg”: Tệp không phải ảnh JPEG/PNG hợp lệ." in html
    [photo] = stored(app, entry_id)
    assert photo["type"] == "image/png" and photo["path"].suffix == ".png"
    assert photo["path"].read_bytes().startswith(uploads.PNG_MAGIC)
    assert client.get(f"/files/{photo['id']}").mimetype == "image/png"


def test_oversized_photo_is_refused(app, client, world, entry_id):
    login(client, "truong")
    noise = Image.frombytes("RGB", (2600, 2000), os.urandom(2600 * 2000 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=95)
    assert buffer.tell() > 5 * 1024 * 1024
    response = upload(client, entry_id, (buffer.getvalue(), "to.jpg"))
    assert "Không nhận tệp “to.jpg”: Ảnh vượt quá 5 MB." in text(response)
    assert stored(app, entry_id) == []


def test_photo_count_is_limited(app, client, world, entry_id):
    login(client, "truong")
    response = upload(client, entry_id, *[(jpeg(), f"anh-{i}.jpg") for i in range(1, 8)])
    html = text(response)
    assert "Đã tải lên 6 tệp." in html
    assert "Không nhận tệp “anh-7.jpg”: Mỗi bài dự thi tối đa 6 ảnh." in html
    assert len(stored(app, entry_id)) == 6
    response = upload(client, entry_id, (jpeg(), "them.jpg"))
    assert "Mỗi bài dự thi tối đa 6 ảnh." in text(response)
    assert len(stored(app, entry_id)) == 6


@pytest.mark.parametrize("bomb", [png_declaring(100_000, 100_000), jpeg_declaring(65_000, 65_000)])
def test_decompression_bomb_is_refused(app, client, world, entry_id, bomb):
    login(client, "truong")
    response = upload(client, entry_id, (bomb, "bom.png"))
    assert response.status_code == 200
    assert "Không nhận tệp “bom.png”: Ảnh có kích thước quá lớn" in text(response)
    assert stored(app, entry_id) == []


def test_pdf_attachments(app, client, world, entry_id):
    login(client, "truong")
    response = upload(client, entry_id, (PDF, "Thuyết minh giải pháp.pdf"), (b"%PDF-1.4\nno trailer", "hong.pdf"),
                      (b"PK\x03\x04 not a pdf", "tai-lieu.pdf"))
    html = text(response)
    assert "Đã tải lên 1 tệp." in html
    assert "Không nhận tệp “hong.pdf”: Tệp không phải tài liệu PDF hợp lệ." in html
    assert "Không nhận tệp “tai-lieu.pdf”: Tệp không phải tài liệu PDF hợp lệ." in html
    [pdf] = stored(app, entry_id)
    assert pdf["kind"] == "attachment" and pdf["thumb"] is None
    assert pdf["path"].read_bytes() == PDF
    response = client.get(f"/files/{pdf['id']}")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=Thuyet_minh_giai_phap.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == PDF
    assert client.get(f"/files/{pdf['id']}/thumb").status_code == 404


def test_pdf_size_and_count_come_from_the_rules(app, client, world, entry_id):
    set_edition(app, world, settings={"registration": {"attachment_max_mb": 1, "max_attachments": 1}})
    login(client, "truong")
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024) + b"\n%%EOF\n"
    html = text(upload(client, entry_id, (big, "lon.pdf"), (PDF, "a.pdf"), (PDF, "b.pdf")))
    assert "Không nhận tệp “lon.pdf”: Tệp PDF vượt quá 1 MB." in html
    assert "Không nhận tệp “b.pdf”: Mỗi bài dự thi tối đa 1 tệp đính kèm." in html
    assert [f["name"] for f in stored(app, entry_id)] == ["a.pdf"]


def test_nothing_chosen(app, client, world, entry_id):
    login(client, "truong")
    response = upload(client, entry_id, (b"", ""))
    assert "Chưa chọn tệp nào để tải lên." in text(response)


def test_upload_needs_csrf(app, client, world, entry_id):
    login(client, "truong")
    response = client.post(f"/entries/{entry_id}/files", data={"up-files": [(io.BytesIO(jpeg()), "a.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert stored(app, entry_id) == []


def test_too_large_request_gets_a_vietnamese_page(app, client, world, entry_id, monkeypatch):
    login(client, "truong")
    token = csrf_token(client, "/dashboard")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    data = {"up-csrf_token": token, "up-files": [(io.BytesIO(b"\xff\xd8\xff" + b"0" * 100_000), "a.jpg")]}
    response = client.post(f"/entries/{entry_id}/files", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Tệp quá lớn" in text(response)


def test_every_upload_and_delete_is_audited(app, client, world, entry_id):
    login(client, "truong")
    source = png((300, 200))
    upload(client, entry_id, (source, "so-do.png"))
    [photo] = stored(app, entry_id)
    delete(client, photo["id"])
    with app.app_context():
        logs = _db.session.scalars(select(AuditLog).where(AuditLog.object_type == "entry").order_by(AuditLog.id)).all()
        assert [(log.action, log.object_id, log.user_id) for log in logs] == [
            ("file.upload", str(entry_id), world["users"]["institution"]),
            ("file.delete", str(entry_id), world["users"]["institution"]),
        ]
        assert logs[0].new == {"file_id": photo["id"], "kind": "photo", "original_name": "so-do.png",
                               "size": len(source), "stored_size": photo["size"]}
        assert logs[1].old == {"file_id": photo["id"], "kind": "photo", "original_name": "so-do.png",
                               "size": photo["size"]}


# ----- who may do what ----------------------------------------------------------------

def _one_photo(app, client, entry_id) -> dict:
    login(client, "truong")
    upload(client, entry_id, (jpeg(), "anh.jpg"))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    [photo] = stored(app, entry_id)
    return photo


def test_another_school_gets_404_everywhere(app, client, world, entry_id, other_school_user):
    photo = _one_photo(app, client, entry_id)
    login(client, other_school_user)
    assert client.get(f"/files/{photo['id']}").status_code == 404
    assert client.get(f"/files/{photo['id']}/thumb").status_code == 404
    assert upload(client, entry_id, (jpeg(), "x.jpg"), follow=False).status_code == 404
    assert delete(client, photo["id"], follow=False).status_code == 404
    assert photo["path"].exists() and len(stored(app, entry_id)) == 1


@pytest.mark.parametrize("username", ["giamkhao", "trongtai"])
def test_other_roles_get_404_on_files(app, client, world, entry_id, username):
    photo = _one_photo(app, client, entry_id)
    login(client, username)
    assert client.get(f"/files/{photo['id']}").status_code == 404
    assert client.get(f"/files/{photo['id']}/thumb").status_code == 404


def test_anonymous_is_sent_to_login(app, client, world, entry_id):
    photo = _one_photo(app, client, entry_id)
    response = client.get(f"/files/{photo['id']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_area_organiser_sees_but_does_not_change(app, client, world, entry_id):
    photo = _one_photo(app, client, entry_id)
    login(client, "btc-xa")
    assert client.get(f"/files/{photo['id']}").status_code == 200
    assert client.get(f"/files/{photo['id']}/thumb").status_code == 200
    assert upload(client, entry_id, (jpeg(), "x.jpg"), follow=False).status_code == 403
    assert delete(client, photo["id"], follow=False).status_code == 403
    assert len(stored(app, entry_id)) == 1


def test_after_the_deadline_only_the_organiser_uploads(app, client, world, entry_id):
    set_edition(app, world, registration_deadline=date(2020, 1, 1))
    login(client, "truong")
    response = upload(client, entry_id, (jpeg(), "muon.jpg"))
    assert "Kỳ thi không còn nhận đăng ký (hạn 01/01/2020)" in text(response)
    assert stored(app, entry_id) == []

    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login(client, "btc")
    response = upload(client, entry_id, (jpeg(), "btc.jpg"))
    assert "Đã tải lên 1 tệp." in text(response)
    [photo] = stored(app, entry_id)

    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login(client, "truong")
    response = delete(client, photo["id"])
    assert "Kỳ thi không còn nhận đăng ký" in text(response)
    assert photo["path"].exists()
    assert client.get(f"/files/{photo['id']}").status_code == 200  # the school still sees it


def test_submitted_entry_is_locked_for_the_school(app, client, world, entry_id):
    with app.app_context():
        _db.session.get(Entry, entry_id).status = "submitted"
        _db.session.commit()
    login(client, "truong")
    response = upload(client, entry_id, (jpeg(), "a.jpg"))
    assert "Bài dự thi ở trạng thái “Đã gửi” nên không thay đổi được ảnh và tệp đính kèm." in text(response)
    assert stored(app, entry_id) == []


# ----- deleting and keeping disk and database in step ---------------------------------

def test_delete_removes_the_files_from_disk(app, client, world, entry_id):
    login(client, "truong")
    upload(client, entry_id, (jpeg(), "a.jpg"), (jpeg(), "b.jpg"))
    first, second = stored(app, entry_id)
    response = delete(client, first["id"])
    assert "Đã xoá tệp “a.jpg”." in text(response)
    assert not first["path"].exists() and not first["thumb"].exists()
    assert second["path"].exists() and second["thumb"].exists()
    assert [f["id"] for f in stored(app, entry_id)] == [second["id"]]
    assert client.get(f"/files/{first['id']}").status_code == 404


def test_missing_file_on_disk_is_404(app, client, world, entry_id):
    login(client, "truong")
    upload(client, entry_id, (jpeg(), "a.jpg"))
    [photo] = stored(app, entry_id)
    photo["path"].unlink()
    assert client.get(f"/files/{photo['id']}").status_code == 404


def _actor(user_id):
    return _db.session.get(User, user_id)


def test_rolled_back_upload_leaves_nothing_on_disk(app, world, entry_id, folder):
    with app.test_request_context():
        entry = _db.session.get(Entry, entry_id)
        result = uploads.add_files(entry, [uploads.Upload("a.jpg", io.BytesIO(jpeg()))],
                                   actor=_actor(world["users"]["organiser"]))
        [item] = result.saved
        path, thumb = uploads.file_path(item), uploads.file_path(item, thumb=True)
        assert path.exists() and thumb.exists()
        _db.session.rollback()
        assert not path.exists() and not thumb.exists()
    assert stored(app, entry_id) == []


def test_a_concurrent_upload_cannot_push_an_entry_past_its_photo_limit(app, world, entry_id, folder, monkeypatch):
    """Another upload commits the entry's last allowed photo while this one is being
    processed: counted again under the entry's lock, this one is refused, not stored."""
    from sqlalchemy.orm import Session

    with app.test_request_context():
        entry = _db.session.get(Entry, entry_id)
        actor = _actor(world["users"]["organiser"])
        limit = uploads.rules_for(entry.edition).max_photos
        uploads.add_files(entry, [uploads.Upload(f"{i}.jpg", io.BytesIO(jpeg())) for i in range(limit - 1)],
                          actor=actor)
        _db.session.commit()
        real = uploads.process_photo

        def racing(data):
            monkeypatch.setattr(uploads, "process_photo", real)
            with Session(_db.engine) as other:
                other.add(EntryFile(entry_id=entry_id, kind="photo", stored_name="khac.jpg", thumb_name="khac_t.jpg",
                                    original_name="khac.jpg", content_type="image/jpeg", size=10))
                other.commit()
            return real(data)

        monkeypatch.setattr(uploads, "process_photo", racing)
        result = uploads.add_files(entry, [uploads.Upload("cuoi.jpg", io.BytesIO(jpeg()))], actor=actor)
        assert result.saved == []
        assert result.rejected == [("cuoi.jpg", f"Mỗi bài dự thi tối đa {limit} ảnh.")]
        _db.session.commit()
    files = stored(app, entry_id)
    assert len(files) == limit and "cuoi.jpg" not in {f["name"] for f in files}
    assert len(list(folder.rglob("*.jpg"))) == 2 * (limit - 1)  # nothing of the refused photo on disk


def test_rolled_back_delete_keeps_the_files(app, world, entry_id, folder):
    with app.test_request_context():
        entry = _db.session.get(Entry, entry_id)
        actor = _actor(world["users"]["organiser"])
        [item] = uploads.add_files(entry, [uploads.Upload("a.jpg", io.BytesIO(jpeg()))], actor=actor).saved
        _db.session.commit()
        path = uploads.file_path(item)
        uploads.delete_file(item, actor=actor)
        _db.session.rollback()
        assert path.exists()
        item = _db.session.get(EntryFile, item.id)
        uploads.delete_file(item, actor=actor)
        _db.session.commit()
        assert not path.exists()


def test_deleting_an_entry_removes_its_files(app, world, entry_id, folder):
    with app.test_request_context():
        entry = _db.session.get(Entry, entry_id)
        actor = _actor(world["users"]["organiser"])
        [item] = uploads.add_files(entry, [uploads.Upload("a.pdf", io.BytesIO(PDF))], actor=actor).saved
        _db.session.commit()
        path = uploads.file_path(item)
        _db.session.delete(_db.session.get(Entry, entry_id))
        _db.session.commit()
        assert not path.exists()


def test_can_see_files_accepts_extra_checks(app, world, entry_id, monkeypatch):
    with app.app_context():
        entry = _db.session.get(Entry, entry_id)
        judge = _actor(world["users"]["judge"])
        assert not uploads.can_see_files(judge, entry)
        monkeypatch.setattr(uploads, "_VIEW_CHECKS", [])
        uploads.register_view_check(lambda user, e: user.has_role("judge") and e.id == entry_id)
        assert uploads.can_see_files(judge, entry)


# ----- the panel ----------------------------------------------------------------------

def render_panel(app, world, entry_id, username, can_edit):
    with app.test_request_context():
        user = _db.session.scalar(select(User).where(User.username == username))
        login_user(user)
        entry = _db.session.get(Entry, entry_id)
        return render_template("registration/files/_panel.html", entry=entry, can_edit=can_edit)


def test_panel_shows_gallery_attachments_and_upload_form(app, client, world, entry_id):
    login(client, "truong")
    upload(client, entry_id, (jpeg((800, 600)), "Mô hình.jpg"), (b"%PDF-1.4\n" + b"%" * (1536 * 1024) + b"\n%%EOF\n", "Thuyết minh.pdf"))
    photo, pdf = stored(app, entry_id)
    html = render_panel(app, world, entry_id, "truong", True)
    assert f'src="/files/{photo["id"]}/thumb"' in html
    assert f'href="/files/{photo["id"]}"' in html
    assert 'alt="Ảnh 1: Mô hình.jpg"' in html
    assert 'width="240" height="180"' in html
    assert "800 × 600 điểm ảnh" in html
    assert f'href="/files/{pdf["id"]}">Thuyết minh.pdf</a>' in html
    assert "1,5 MB" in html
    assert html.count(">Xoá ảnh</button>") == 1 and html.count(">Xoá tệp</button>") == 1
    assert 'enctype="multipart/form-data"' in html
    assert 'accept="image/jpeg,image/png,application/pdf"' in html and "multiple" in html
    assert "tối đa 6 ảnh cho mỗi bài dự thi, mỗi ảnh không quá 5 MB" in html
    assert "tối đa 5 tệp, mỗi tệp không quá 20 MB" in html
    assert 'name="up-csrf_token"' in html and 'name="csrf_token"' in html
    assert "/static/js/uploads.js" in html
    assert inline_scripts(html) == []  # no inline scripts (CSP)


def test_panel_read_only_without_edit_rights(app, client, world, entry_id):
    photo = _one_photo(app, client, entry_id)
    html = render_panel(app, world, entry_id, "btc-xa", False)
    assert f'src="/files/{photo["id"]}/thumb"' in html
    assert ">Xoá ảnh</button>" not in html and "multipart/form-data" not in html


def test_panel_explains_why_the_school_cannot_change_files(app, client, world, entry_id):
    set_edition(app, world, registration_deadline=date(2020, 1, 1))
    html = render_panel(app, world, entry_id, "truong", True)
    assert "multipart/form-data" not in html
    assert "Kỳ thi không còn nhận đăng ký (hạn 01/01/2020)" in html
    assert "Chưa có ảnh nào." in html


def test_entry_page_includes_the_panel(app, client, world, entry_id):
    if "registration.entry_view" not in app.view_functions:
        pytest.skip("the entry page is not there yet")
    login(client, "truong")
    upload(client, entry_id, (jpeg(), "a.jpg"))
    [photo] = stored(app, entry_id)
    response = client.get(f"/entries/{entry_id}")
    assert response.status_code == 200
    html = text(response)
    assert 'id="anh-tep"' in html and f'src="/files/{photo["id"]}/thumb"' in html


def test_fallback_page_shows_the_panel(app, world, entry_id):
    with app.test_request_context():
        login_user(_db.session.scalar(select(User).where(User.username == "truong")))
        html = render_template("registration/files/done.html", entry=_db.session.get(Entry, entry_id), can_edit=True)
    assert "<h1>Máy tưới cây tự động</h1>" in html
    assert 'id="anh-tep"' in html and "multipart/form-data" in html

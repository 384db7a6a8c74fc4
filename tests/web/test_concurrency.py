"""Concurrent edits of the same record never lose an update (version columns)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from contest.extensions import db
from contest.models import Edition, Entry, Institution
from registration import services
from tests.helpers import login, post_form, race


def _entry(app, world) -> int:
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        inst = db.session.get(Institution, world["school"])
        entry = services.create_entry(
            edition, inst,
            services.EntryData(title="Máy lọc nước", people=[services.PersonData("author", "Vũ Văn Hải", date(2012, 1, 1))]),
            check_deadline=False,
        )
        db.session.commit()
        return entry.id


def test_second_writer_of_a_stale_version_is_refused(app, world):
    entry_id = _entry(app, world)
    with app.app_context():
        first, second = Session(db.engine), Session(db.engine)
        try:
            a = first.get(Entry, entry_id)
            b = second.get(Entry, entry_id)
            a.title = "Bản của người thứ nhất"
            first.commit()
            b.title = "Bản của người thứ hai"
            with pytest.raises(StaleDataError):
                second.commit()
            second.rollback()
        finally:
            first.close()
            second.close()
        db.session.remove()
        assert db.session.get(Entry, entry_id).title == "Bản của người thứ nhất"


def test_a_stale_write_through_the_web_gets_a_vietnamese_409(app, client, world, monkeypatch):
    entry_id = _entry(app, world)
    login(client, "btc")
    real_update = services.update_entry

    def racing_update(entry, data, **kwargs):
        # Another user saves the same entry between our read and our write.
        with Session(db.engine) as other:
            other.get(Entry, entry.id).title = "Người khác đã sửa"
            other.commit()
        return real_update(entry, data, **kwargs)

    monkeypatch.setattr(services, "update_entry", racing_update)
    data = {"title": "Bản của tôi", "people-0-full_name": "Vũ Văn Hải", "people-0-birth_date": "01/01/2012"}
    response = post_form(client, f"/entries/{entry_id}/edit", data)
    assert response.status_code == 409
    assert "vừa được người khác thay đổi" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Entry, entry_id).title == "Người khác đã sửa"


def test_two_entries_saved_at_the_same_instant_get_different_codes(app, world, monkeypatch):
    """Two schools save a new entry at once: the second waits for the first (the
    edition's row lock) and is numbered after it, instead of failing on a duplicate code."""
    real = services.next_entry_code
    holds = {}

    def slow_code(edition):
        code = real(edition)
        holds[threading.current_thread().name]()  # the other school saves meanwhile
        return code

    monkeypatch.setattr(services, "next_entry_code", slow_code)

    def create(name: str, hold) -> str:
        holds[name] = hold
        with app.app_context():
            edition = db.session.get(Edition, world["edition"])
            inst = db.session.get(Institution, world["school"])
            author = {"first": "Vũ Văn Hải", "second": "Lê Thị Hoa"}[name]
            data = services.EntryData(title=f"Bài của {author}",
                                      people=[services.PersonData("author", author, date(2012, 1, 1))])
            entry = services.create_entry(edition, inst, data, check_deadline=False)
            db.session.commit()
            return entry.code

    assert race(create) == {"first": "00001", "second": "00002"}


def test_an_import_is_numbered_after_the_highest_code_in_use(app, world):
    with app.app_context():
        edition = db.session.get(Edition, world["edition"])
        inst = db.session.get(Institution, world["school"])
        person = [services.PersonData("author", "Vũ Văn Hải", date(2012, 1, 1))]
        first = services.create_entry(edition, inst, services.EntryData(title="Bài một", people=person),
                                      check_deadline=False)
        first.code = "00007"  # e.g. codes carried over from an earlier list
        db.session.commit()
        rows = [(inst, services.EntryData(title=f"Bài nhập {i}",
                                          people=[services.PersonData("author", f"Người số {i}", date(2012, 1, 1))]))
                for i in range(2)]
        made = services.bulk_create_entries(edition, rows, check_deadline=False)
        db.session.commit()
        assert [e.code for e in made] == ["00008", "00009"]

"""Pure functions of registration statistics: roll-ups, labels, levels reached, chart data."""

from __future__ import annotations

from registration.stats import (
    AreaRow,
    Count,
    LevelCount,
    Overview,
    PeopleCounts,
    chart_items,
    labelled,
    level_chart_items,
    level_counts,
    quota_text,
    rollup,
    share,
)

# (area, category, division, level, status, n) as the overview query returns them
CUBE = [
    (1, 10, 100, 7, "accepted", 4),
    (1, 11, 100, 8, "accepted", 1),
    (2, 10, None, 7, "draft", 2),
    (None, None, 101, 7, "submitted", 3),
]


def test_rollup_sums_the_count_per_column():
    assert rollup(CUBE, 0) == {1: 5, 2: 2, None: 3}
    assert rollup(CUBE, 1) == {10: 6, 11: 1, None: 3}
    assert rollup(CUBE, 4) == {"accepted": 5, "draft": 2, "submitted": 3}
    assert rollup([], 0) == {}


def test_labelled_keeps_edition_order_zero_rows_and_one_missing_row():
    counts = rollup(CUBE, 2)  # {100: 5, None: 2, 101: 3}
    rows = labelled(counts, [(101, "Bảng B"), (100, "Bảng A"), (102, "Bảng C")], missing_label="Chưa chọn bảng")
    assert rows == [Count(101, "Bảng B", 3), Count(100, "Bảng A", 5), Count(102, "Bảng C", 0),
                    Count(None, "Chưa chọn bảng", 2)]
    assert labelled({}, [], missing_label="x") == []
    assert [c.label for c in labelled({5: 1}, [(5, "A"), (6, "B")], missing_label="x", keep_zero=False)] == ["A"]


def test_levels_reached_count_entries_at_or_above_each_level():
    levels = [(7, 1, "Cấp trường"), (8, 2, "Cấp huyện"), (9, 3, "Cấp tỉnh")]
    current = {7: 9, 8: 1}
    # highest position each entry reached, from Entry.level_id and EntryLevel history:
    # nine entries stayed at school, one reached the district, none the province
    result = level_counts(levels, current, {1: 9, 2: 1})
    assert result == [
        LevelCount(7, "Cấp trường", 9, 10),
        LevelCount(8, "Cấp huyện", 1, 1),
        LevelCount(9, "Cấp tỉnh", 0, 0),
    ]
    assert level_chart_items(result) == [("Cấp trường", 10), ("Cấp huyện", 1), ("Cấp tỉnh", 0)]


def test_levels_with_an_unknown_level_id_are_reported_apart():
    result = level_counts([(7, 1, "Cấp trường")], {7: 2, None: 1}, {1: 2})
    assert result[-1].label == "Chưa xác định cấp" and result[-1].current == 1


def test_chart_items_sort_by_value_and_fold_the_tail():
    counts = [Count(i, f"Xã {name}", n) for i, (name, n) in enumerate([("A", 1), ("B", 9), ("C", 4), ("D", 2), ("E", 2)])]
    assert chart_items(counts) == [("Xã A", 1), ("Xã B", 9), ("Xã C", 4), ("Xã D", 2), ("Xã E", 2)]
    assert chart_items(counts, by_value=True) == [("Xã B", 9), ("Xã C", 4), ("Xã D", 2), ("Xã E", 2), ("Xã A", 1)]
    assert chart_items(counts, by_value=True, limit=3, other_label="Các địa bàn khác") == [
        ("Xã B", 9), ("Xã C", 4), ("Các địa bàn khác (3)", 5)
    ]


def test_texts_for_quota_and_share():
    assert quota_text(3, 5) == "3/5"
    assert quota_text(3, None) == "3 (không giới hạn)"
    assert share(1, 8) == "12,5%"
    assert share(0, 0) == "–"


def test_overview_totals_nominations_per_level():
    rows = [AreaRow(1, "Xã A", 1, 4, {5: (2, 3)}), AreaRow(2, "Xã B", 1, 1, {5: (1, None)})]
    ov = Overview(5, 2, PeopleCounts(6, 6, 2, 1), [], [], [], [], [], rows)
    assert ov.nominated_total(5) == 3
    assert ov.nominated_total(99) == 0
    assert ov.people.total == 8

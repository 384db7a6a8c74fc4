"""Prize ranks as data.

A contest edition passes its list of ranks to the allocation functions; nothing in the
allocation code knows the codes below. The youth creativity contest, the technical
innovation contest and Robocon use ``PRIZE_RANKS``; the provincial Science & Technology
Award uses A/B/C prizes (``SCIENCE_AWARD_RANKS``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PrizeRank:
    """One prize rank: a stable code, the label printed on certificates, its order.

    ``order`` is 1 for the highest prize; a smaller order is a better prize.
    """

    code: str
    label: str
    order: int


PRIZE_RANKS: tuple[PrizeRank, ...] = (
    PrizeRank("nhat", "Giải Nhất", 1),
    PrizeRank("nhi", "Giải Nhì", 2),
    PrizeRank("ba", "Giải Ba", 3),
    PrizeRank("khuyen_khich", "Giải Khuyến khích", 4),
)

SCIENCE_AWARD_RANKS: tuple[PrizeRank, ...] = (
    PrizeRank("A", "Giải A", 1),
    PrizeRank("B", "Giải B", 2),
    PrizeRank("C", "Giải C", 3),
    PrizeRank("khuyen_khich", "Giải Khuyến khích", 4),
)

NO_PRIZE_LABEL = "Không đạt giải"


def validate_ranks(ranks: Iterable[PrizeRank]) -> tuple[PrizeRank, ...]:
    """Return the ranks sorted best first; reject duplicate codes or orders."""
    result = tuple(sorted(ranks, key=lambda rank: rank.order))
    if not result:
        raise ValueError("Danh sách hạng giải đang trống.")
    codes = [rank.code for rank in result]
    orders = [rank.order for rank in result]
    if len(set(codes)) != len(codes):
        raise ValueError("Mã hạng giải bị trùng trong danh sách hạng giải.")
    if len(set(orders)) != len(orders):
        raise ValueError("Thứ tự hạng giải bị trùng trong danh sách hạng giải.")
    for rank in result:
        if not rank.code or not rank.label.strip():
            raise ValueError("Mỗi hạng giải cần có mã và tên.")
    return result


def rank_codes(ranks: Sequence[PrizeRank] = PRIZE_RANKS) -> tuple[str, ...]:
    """Codes best first."""
    return tuple(rank.code for rank in validate_ranks(ranks))


def rank_index(ranks: Sequence[PrizeRank] = PRIZE_RANKS) -> dict[str, int]:
    """Map code -> 0-based position, 0 being the best prize."""
    return {code: i for i, code in enumerate(rank_codes(ranks))}


def rank_label(code: str | None, ranks: Sequence[PrizeRank] = PRIZE_RANKS) -> str:
    """Vietnamese label of a rank code; ``None`` means no prize."""
    if code is None:
        return NO_PRIZE_LABEL
    for rank in ranks:
        if rank.code == code:
            return rank.label
    raise ValueError(f"Hạng giải không xác định: {code!r}.")

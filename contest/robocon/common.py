"""Shared by the Robocon service modules: ``RoboconError`` (Vietnamese messages, an HTTP
status) and the audit-log labels of every Robocon action."""

from __future__ import annotations

from collections.abc import Sequence

from contest import audit

audit.ACTION_LABELS.update(
    {
        "robocon.settings": "Sửa thể thức Robocon",
        "robocon.sheet": "Sửa phiếu chấm Robocon",
        "robocon.inspection_items": "Sửa danh mục kiểm tra kỹ thuật",
        "robocon.schedule": "Xếp lịch thi Robocon",
        "robocon.checkin": "Điểm danh đội thi",
        "robocon.checkin_undo": "Huỷ điểm danh đội thi",
        "robocon.inspect": "Kiểm tra kỹ thuật robot",
        "robocon.result": "Lưu phiếu chấm lượt/trận",
        "robocon.commit": "Duyệt kết quả lượt/trận",
        "robocon.import": "Nhập kết quả vòng loại từ CSV",
        "robocon.cut": "Chốt danh sách vào vòng sau",
        "robocon.draw": "Bốc thăm chia bảng",
        "robocon.bracket": "Lập sơ đồ loại trực tiếp",
    }
)


class RoboconError(ValueError):
    """A request the Robocon services refuse; ``messages`` are Vietnamese."""

    def __init__(self, messages: str | Sequence[str], status: int = 422):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.status = status
        super().__init__(" ".join(self.messages))

    @property
    def message(self) -> str:
        return " ".join(self.messages)

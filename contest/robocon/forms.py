"""Forms of the Robocon pages: Vietnamese labels and messages; a form that fails keeps
what the user typed. The referee's score sheet and the inspection checklist are built
from the edition's configuration at run time (``sheet_form`` / ``inspection_form``)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from contest.fields import VNIntegerField, VNSelectField
from contest.robocon.scoring import SheetSpec
from contest.robocon.services import (
    FORMATS,
    ON_TIE,
    RANKING_MODES,
    TIE_BREAK_LABELS,
    StageFormat,
    parse_number_vn,
    parse_seconds,
)

REQUIRED = "Vui lòng nhập ô này."
MAX_CSV_BYTES = 2 * 1024 * 1024


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (close the cut, build the bracket, …)."""

    submit = SubmitField("Thực hiện")


class NumberText(StringField):
    """A number typed the Vietnamese way (``1,5``) or the English way (``1.5``)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.number = None
        try:
            self.number = parse_number_vn(self.data)
        except ValueError as exc:
            raise ValueError(str(exc)) from None


class FormatForm(FlaskForm):
    format = VNSelectField("Thể thức", choices=list(FORMATS.items()))
    runs_per_team = VNIntegerField(
        "Số lượt thi mỗi đội", validators=[InputRequired(REQUIRED), NumberRange(1, 10, "Từ 1 đến 10 lượt.")])
    ranking = VNSelectField("Xếp hạng theo", choices=list(RANKING_MODES.items()))
    best_k = VNIntegerField("Số lượt tốt nhất được tính (k)",
                            validators=[InputRequired(REQUIRED), NumberRange(1, 10, "Từ 1 đến 10.")])
    group_size = VNIntegerField(
        "Số đội mỗi bảng (0: không chia bảng, loại trực tiếp ngay)",
        validators=[InputRequired(REQUIRED), NumberRange(0, 8, "Từ 0 đến 8.")])
    advance_per_group = VNIntegerField("Số đội mỗi bảng vào vòng loại trực tiếp",
                                       validators=[InputRequired(REQUIRED), NumberRange(1, 7, "Từ 1 đến 7.")])
    win = NumberText("Điểm thắng", validators=[InputRequired(REQUIRED)])
    draw = NumberText("Điểm hoà", validators=[InputRequired(REQUIRED)])
    loss = NumberText("Điểm thua", validators=[InputRequired(REQUIRED)])
    tie_break_1 = VNSelectField("Tiêu chí phụ 1", choices=[])
    tie_break_2 = VNSelectField("Tiêu chí phụ 2", choices=[])
    tie_break_3 = VNSelectField("Tiêu chí phụ 3", choices=[])
    tie_break_4 = VNSelectField("Tiêu chí phụ 4", choices=[])
    third_place = BooleanField("Có trận tranh hạng Ba")
    cut_size = VNIntegerField("Số đội vào vòng sau (vạch lấy đội)",
                              validators=[InputRequired(REQUIRED), NumberRange(0, 1000, "Từ 0 đến 1000.")])
    on_tie = VNSelectField("Khi nhiều đội đồng hạng tại vạch", choices=list(ON_TIE.items()))
    submit = SubmitField("Lưu thể thức")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— Không dùng —")] + list(TIE_BREAK_LABELS.items())
        for name in ("tie_break_1", "tie_break_2", "tie_break_3", "tie_break_4"):
            getattr(self, name).choices = choices

    def fill(self, fmt: StageFormat) -> None:
        for name in ("format", "runs_per_team", "ranking", "best_k", "group_size", "advance_per_group",
                     "third_place", "cut_size", "on_tie"):
            getattr(self, name).data = getattr(fmt, name)
        for name in ("win", "draw", "loss"):
            getattr(self, name).data = str(getattr(fmt, name)).replace(".", ",")
        for i, name in enumerate(("tie_break_1", "tie_break_2", "tie_break_3", "tie_break_4")):
            getattr(self, name).data = fmt.tie_breaks[i] if i < len(fmt.tie_breaks) else ""

    def validate_tie_break_4(self, field):
        chosen = [getattr(self, f"tie_break_{i}").data for i in range(1, 5)]
        used = [c for c in chosen if c]
        if len(set(used)) != len(used):
            raise ValidationError("Mỗi tiêu chí phụ chỉ chọn một lần.")

    def to_format(self) -> StageFormat:
        tie_breaks = [getattr(self, f"tie_break_{i}").data for i in range(1, 5)]
        return StageFormat(
            format=self.format.data, runs_per_team=self.runs_per_team.data, ranking=self.ranking.data,
            best_k=self.best_k.data, group_size=self.group_size.data,
            advance_per_group=self.advance_per_group.data, win=self.win.number or 0,
            draw=self.draw.number or 0, loss=self.loss.number or 0,
            tie_breaks=[t for t in tie_breaks if t], third_place=bool(self.third_place.data),
            cut_size=self.cut_size.data, on_tie=self.on_tie.data,
        )


class SheetForm(FlaskForm):
    items = TextAreaField(
        "Mục chấm điểm", validators=[InputRequired(REQUIRED)],
        description="Mỗi dòng một mục: mã | tên mục | số điểm mỗi lần | số lần tối đa (bỏ trống: không giới hạn).")
    penalties = TextAreaField(
        "Lỗi phạt", description="Mỗi dòng một lỗi: mã | tên lỗi | số điểm bị trừ mỗi lần | số lần tối đa.")
    time_limit = StringField("Thời gian tối đa của một lượt (giây)",
                             description="Bỏ trống nếu không giới hạn thời gian.")
    submit = SubmitField("Lưu phiếu chấm")

    def validate_time_limit(self, field):
        try:
            value = parse_number_vn(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if value is not None and value <= 0:
            raise ValidationError("Thời gian tối đa phải là số dương.")


class InspectionItemsForm(FlaskForm):
    items = TextAreaField("Danh mục kiểm tra kỹ thuật", validators=[InputRequired(REQUIRED)],
                          description="Mỗi dòng một mục kiểm tra; robot đạt khi đạt mọi mục.")
    submit = SubmitField("Lưu danh mục")


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        values = {c[0] for c in self.choices or []}
        if any(v not in values for v in self.data or []):
            raise ValidationError("Lựa chọn không hợp lệ, vui lòng chọn lại.")


class ScheduleForm(FlaskForm):
    divisions = MultiCheckbox("Bảng thi", choices=[])
    venues = TextAreaField(
        "Điểm thi và sân thi đấu", validators=[InputRequired(REQUIRED)],
        description="Mỗi dòng một điểm thi: “Tên điểm thi: Sân 1, Sân 2, Sân 3”.")
    days = TextAreaField(
        "Ngày và giờ thi đấu", validators=[InputRequired(REQUIRED)],
        description="Mỗi dòng một buổi: “18/05/2024 07:30-11:30”.")
    slot_minutes = VNIntegerField("Thời lượng mỗi lượt/trận (phút)",
                                  validators=[InputRequired(REQUIRED), NumberRange(1, 120, "Từ 1 đến 120 phút.")])
    min_gap_slots = VNIntegerField("Khoảng nghỉ tối thiểu giữa hai lượt của một đội (số lượt)",
                                   validators=[InputRequired(REQUIRED), NumberRange(0, 50, "Từ 0 đến 50.")])
    seed = VNIntegerField("Số ngẫu nhiên (cùng số cho cùng lịch)",
                          validators=[InputRequired(REQUIRED), NumberRange(0, 10**9, "Số không hợp lệ.")])
    separate_schools = BooleanField("Tránh xếp các đội cùng trường thi cùng lúc hoặc liền nhau")
    submit = SubmitField("Xếp lịch")

    def validate_divisions(self, field):
        if not field.data:
            raise ValidationError("Hãy chọn ít nhất một bảng thi.")


class CheckinForm(FlaskForm):
    action = HiddenField(default="in")
    submit = SubmitField("Điểm danh")


class CommitForm(FlaskForm):
    result_id = VNIntegerField("Phiên bản", validators=[InputRequired(REQUIRED)])
    submit = SubmitField("Duyệt kết quả")


class DrawForm(FlaskForm):
    seed = VNIntegerField("Số ngẫu nhiên của lần bốc thăm",
                          validators=[InputRequired(REQUIRED), NumberRange(0, 10**9, "Số không hợp lệ.")])
    submit = SubmitField("Bốc thăm chia bảng")


class ImportForm(FlaskForm):
    file = FileField("Tệp kết quả (CSV)", validators=[
        FileRequired("Vui lòng chọn tệp CSV cần nhập."),
        FileAllowed(["csv", "txt"], "Chỉ nhận tệp .csv (lưu từ Excel dưới dạng CSV UTF-8)."),
        FileSize(MAX_CSV_BYTES, message="Tệp quá lớn (tối đa 2 MB)."),
    ])
    submit = SubmitField("Nhập kết quả")


def inspection_form(items: list[dict], formdata=None) -> FlaskForm:
    """One pass/fail choice and a note per checklist item, plus general notes."""
    attrs = {}
    for item in items:
        attrs[f"ok_{item['code']}"] = RadioField(
            item["label"], choices=[("1", "Đạt"), ("0", "Không đạt")],
            validators=[InputRequired(f"Chưa đánh giá mục “{item['label']}”.")])
        attrs[f"note_{item['code']}"] = StringField(f"Ghi chú: {item['label']}",
                                                    validators=[Optional(), Length(max=300)])
    attrs["notes"] = TextAreaField("Nhận xét chung", validators=[Optional(), Length(max=2000)])
    attrs["submit"] = SubmitField("Lưu kết quả kiểm tra")
    form_class = type("InspectionForm", (FlaskForm,), attrs)
    form = form_class(formdata=formdata) if formdata is not None else form_class()
    form.checklist = items
    return form


class TimeText(StringField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.seconds = None
        try:
            self.seconds = parse_seconds(self.data)
        except ValueError as exc:
            raise ValueError(str(exc)) from None


def _count_field(label: str) -> VNIntegerField:
    return VNIntegerField(label, default=0, validators=[Optional(), NumberRange(0, 999, "Số lần từ 0 đến 999.")],
                          render_kw={"inputmode": "numeric", "min": "0"})


def sheet_form(spec: SheetSpec, sides: list[tuple[str, str]], *, formdata=None, data=None) -> FlaskForm:
    """The referee's sheet: for each side (``("a", team name)``…) a count per scoring item
    and per penalty, the time, and disqualification with its reason; for matches the
    winner when the score does not decide; a reason when correcting."""
    attrs = {}
    for side, team in sides:
        for it in spec.items:
            attrs[f"{side}_i_{it.code}"] = _count_field(f"{it.label_vi} ({team})")
        for it in spec.penalties:
            attrs[f"{side}_p_{it.code}"] = _count_field(f"{it.label_vi} ({team})")
        attrs[f"{side}_time"] = TimeText(f"Thời gian ({team})", render_kw={"inputmode": "decimal",
                                                                          "autocomplete": "off"})
        attrs[f"{side}_dq"] = BooleanField(f"Truất quyền thi đấu ({team})")
        attrs[f"{side}_dq_reason"] = TextAreaField(f"Lý do truất quyền ({team})",
                                                   validators=[Optional(), Length(max=500)])
    if len(sides) == 2:
        attrs["winner"] = VNSelectField("Đội thắng", choices=[
            ("", "Theo điểm (và thời gian ở vòng loại trực tiếp)"),
            ("a", sides[0][1]), ("b", sides[1][1])])
    attrs["note"] = TextAreaField("Ghi chú / lý do sửa", validators=[Optional(), Length(max=1000)])
    attrs["submit"] = SubmitField("Lưu phiếu chấm")
    form_class = type("ScoreSheetForm", (FlaskForm,), attrs)
    if formdata is not None:
        form = form_class(formdata=formdata)
    else:
        form = form_class(data=data or {})
    form.spec = spec
    form.sides = sides
    return form

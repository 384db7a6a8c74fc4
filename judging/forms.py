"""Forms of the organiser's judging pages (rubrics, panels, assignment, results, paper
sheets). Vietnamese labels; a form that fails keeps what the user typed."""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import TextInput

from contest.fields import VNIntegerField, VNSelectField
from contest.text import normalize_text
from judging.panels import RULES
from judging.rubrics import RubricError, parse_bands

ROLE_CHOICES = [("member", "Giám khảo"), ("chair", "Chủ tịch hội đồng"), ("secretary", "Thư ký (không chấm)")]
EXTRA_CRITERION_ROWS = 2


def int_or_zero(value) -> int:
    """A posted id; anything that is not a number is 0 (= nothing chosen)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def parse_decimal(raw) -> Decimal | None:
    """A number typed the Vietnamese way ("27,5") or the English way ("27.5");
    "" -> None. Raises ValueError with a Vietnamese message."""
    text = normalize_text(raw).replace(" ", "")
    if not text:
        return None
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("Phải là một số, ví dụ 30 hoặc 0,5.") from None
    if not value.is_finite():
        raise ValueError("Phải là một số, ví dụ 30 hoặc 0,5.")
    return value


def format_decimal(value) -> str:
    if value is None:
        return ""
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return str(int(d))
    return f"{d.normalize():f}".replace(".", ",")


class DecimalCommaField(Field):
    """A number with a decimal comma or point; keeps what the user typed when wrong."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        self.data = parse_decimal(valuelist[0])

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_decimal(self.data)


class Needed:
    """InputRequired for DecimalCommaField (the data is None when empty)."""

    def __init__(self, message: str):
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form, field):
        if field.data is None and not field.errors:
            raise ValidationError(self.message)


# ----------------------------------------------------------------------------- rubrics


class CriterionRowForm(Form):
    """One criterion row of the rubric form (a sub-form: the outer form has the CSRF token)."""

    name = StringField("Tên tiêu chí", validators=[Length(max=200)])
    description = TextAreaField("Mô tả", validators=[Length(max=4000)], render_kw={"rows": 2})
    max_points = DecimalCommaField("Điểm tối đa")
    step = DecimalCommaField("Bước điểm", default=Decimal("0.5"))
    bands = TextAreaField(
        "Các mức điểm (mỗi dòng một mức)",
        validators=[Length(max=4000)],
        render_kw={"rows": 3, "placeholder": "27–30: Hoàn toàn mới"},
    )
    code = HiddenField()

    @property
    def blank(self) -> bool:
        return not normalize_text(self.name.data) and self.max_points.data is None and not self.max_points.errors


class RubricForm(FlaskForm):
    name = StringField("Tên bảng tiêu chí", validators=[DataRequired("Cần nhập tên bảng tiêu chí."), Length(max=200)])
    criteria = FieldList(FormField(CriterionRowForm), min_entries=1, max_entries=20)
    submit = SubmitField("Lưu bảng tiêu chí")

    def validate_criteria(self, field):
        filled = 0
        for row in field:
            sub = row.form
            if sub.blank:
                continue
            filled += 1
            if not normalize_text(sub.name.data):
                sub.name.errors.append("Cần nhập tên tiêu chí.")
            if sub.max_points.data is None and not sub.max_points.errors:
                sub.max_points.errors.append("Cần nhập điểm tối đa.")
            if sub.step.data is None and not sub.step.errors:
                sub.step.data = Decimal("0.5")
            try:
                parse_bands(sub.bands.data, sub.max_points.data)
            except RubricError as exc:
                sub.bands.errors.append(str(exc))
        if not filled:
            raise ValidationError("Cần ít nhất một tiêu chí.")
        if any(row.errors for row in field):
            raise ValidationError("Có tiêu chí chưa hợp lệ.")


class NewRubricForm(RubricForm):
    level_id = SelectField("Cấp thi", coerce=int_or_zero, validate_choice=False)
    category_id = SelectField("Áp dụng cho lĩnh vực", coerce=int_or_zero, validate_choice=False)

    def validate_level_id(self, field):
        if field.data not in {v for v, _ in field.choices}:
            raise ValidationError("Hãy chọn cấp thi.")

    def validate_category_id(self, field):
        if field.data not in {v for v, _ in field.choices}:
            raise ValidationError("Lĩnh vực không hợp lệ.")


class RubricVersionForm(FlaskForm):
    reason = StringField("Lý do tạo phiên bản mới", validators=[Length(max=500)])
    submit = SubmitField("Tạo phiên bản mới")


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""

    submit = SubmitField("Xác nhận")


# ----------------------------------------------------------------------------- panels


class PanelForm(FlaskForm):
    level_id = SelectField("Cấp thi", coerce=int_or_zero, validate_choice=False)
    category_id = SelectField("Lĩnh vực", coerce=int_or_zero, validate_choice=False)
    name = StringField(
        "Tên hội đồng / tiểu ban", validators=[DataRequired("Cần nhập tên hội đồng."), Length(max=200)]
    )
    judges_per_entry = VNIntegerField(
        "Số giám khảo chấm mỗi bài",
        default=3,
        validators=[
            InputRequired("Cần nhập số giám khảo chấm mỗi bài."),
            NumberRange(1, 15, "Số giám khảo chấm mỗi bài phải từ 1 đến 15."),
        ],
    )
    rule = VNSelectField("Cách tính điểm chính thức", choices=list(RULES.items()), default="mean")
    disagreement_threshold = DecimalCommaField(
        "Ngưỡng chênh lệch cần chấm lại (điểm)",
        default=Decimal(20),
        validators=[Needed("Cần nhập ngưỡng chênh lệch.")],
        description="Bài có điểm cao nhất và thấp nhất của các giám khảo chênh nhau quá ngưỡng này được đánh dấu “cần chấm lại”.",
    )
    submit = SubmitField("Lưu hội đồng")

    def validate_level_id(self, field):
        if field.data not in {v for v, _ in field.choices}:
            raise ValidationError("Hãy chọn cấp thi.")

    def validate_category_id(self, field):
        if field.data not in {v for v, _ in field.choices}:
            raise ValidationError("Lĩnh vực không hợp lệ.")


class MemberForm(FlaskForm):
    user_id = SelectField("Giám khảo", coerce=int_or_zero, validate_choice=False)
    role = VNSelectField("Vai trò trong hội đồng", choices=ROLE_CHOICES, default="member")
    institution_id = VNSelectField(
        "Đơn vị công tác", coerce=int_or_zero,
        description="Giám khảo không chấm bài của đơn vị mình.",
    )
    area_unit_id = VNSelectField(
        "Địa bàn", coerce=int_or_zero,
        description="Ở cấp thi theo địa bàn, giám khảo không chấm bài của địa bàn mình.",
    )
    max_load = VNIntegerField(
        "Số bài tối đa", validators=[Optional(), NumberRange(1, 10_000, "Số bài tối đa phải từ 1 trở lên.")],
        description="Để trống nếu không giới hạn.",
    )
    submit = SubmitField("Thêm vào hội đồng")

    def validate_user_id(self, field):
        if field.data not in {v for v, _ in field.choices if v}:
            raise ValidationError("Hãy chọn một giám khảo.")


class MemberEditForm(FlaskForm):
    role = VNSelectField("Vai trò", choices=ROLE_CHOICES)
    institution_id = VNSelectField("Đơn vị công tác", coerce=int_or_zero)
    area_unit_id = VNSelectField("Địa bàn", coerce=int_or_zero)
    max_load = VNIntegerField(
        "Số bài tối đa", validators=[Optional(), NumberRange(1, 10_000, "Số bài tối đa phải từ 1 trở lên.")]
    )
    submit = SubmitField("Lưu")


class NewJudgeForm(FlaskForm):
    full_name = StringField("Họ và tên (kèm học hàm, học vị)", validators=[DataRequired("Cần nhập họ và tên."), Length(max=200)])
    username = StringField("Tên đăng nhập", validators=[DataRequired("Cần nhập tên đăng nhập."), Length(max=80)])
    password = PasswordField(
        "Mật khẩu ban đầu", validators=[DataRequired("Cần nhập mật khẩu ban đầu."), Length(max=256)],
        description="Ít nhất 8 ký tự; giám khảo nên đổi sau lần đăng nhập đầu.",
    )
    role = VNSelectField("Vai trò trong hội đồng", choices=ROLE_CHOICES, default="member")
    institution_id = VNSelectField("Đơn vị công tác", coerce=int_or_zero)
    area_unit_id = VNSelectField("Địa bàn", coerce=int_or_zero)
    max_load = VNIntegerField(
        "Số bài tối đa", validators=[Optional(), NumberRange(1, 10_000, "Số bài tối đa phải từ 1 trở lên.")]
    )
    submit = SubmitField("Tạo tài khoản và thêm vào hội đồng")


class ConflictForm(FlaskForm):
    user_id = SelectField("Giám khảo", coerce=int_or_zero, validate_choice=False)
    entry_code = StringField("Mã bài dự thi", validators=[DataRequired("Cần nhập mã bài."), Length(max=40)])
    reason = StringField(
        "Lý do", validators=[DataRequired("Cần ghi lý do xung đột lợi ích."), Length(max=2000)],
        render_kw={"placeholder": "Ví dụ: người hướng dẫn là người thân của giám khảo"},
    )
    submit = SubmitField("Khai báo xung đột")

    def validate_user_id(self, field):
        if field.data not in {v for v, _ in field.choices if v}:
            raise ValidationError("Hãy chọn một giám khảo.")


class PanelReopenForm(FlaskForm):
    reason = StringField("Lý do mở lại", validators=[DataRequired("Cần ghi lý do mở lại hội đồng."), Length(max=1000)])
    submit = SubmitField("Mở lại hội đồng")


# ----------------------------------------------------------------------------- assignment


class AssignRunForm(FlaskForm):
    links = VNIntegerField(
        "Số bài nối giữa hai tiểu ban liền kề",
        default=2,
        validators=[InputRequired("Cần nhập số bài nối."), NumberRange(0, 50, "Số bài nối phải từ 0 đến 50.")],
        description="Vài bài được chấm thêm bởi một giám khảo của tiểu ban bên cạnh, để so sánh được độ chặt tay giữa các tiểu ban.",
    )
    seed = VNIntegerField(
        "Số khởi tạo ngẫu nhiên", default=1,
        validators=[InputRequired("Cần nhập số khởi tạo."), NumberRange(0, 10**9, "Số khởi tạo phải từ 0 trở lên.")],
        description="Cùng số khởi tạo và cùng dữ liệu cho cùng một kết quả phân công.",
    )
    submit = SubmitField("Phân công tự động")


class AssignmentAddForm(FlaskForm):
    entry_code = StringField("Mã bài", validators=[DataRequired("Cần nhập mã bài."), Length(max=40)])
    user_id = SelectField("Giám khảo", coerce=int_or_zero, validate_choice=False)
    reason = StringField("Ghi chú", validators=[Length(max=1000)])
    submit = SubmitField("Phân thêm giám khảo")

    def validate_user_id(self, field):
        if field.data not in {v for v, _ in field.choices if v}:
            raise ValidationError("Hãy chọn một giám khảo.")


class AssignmentRemoveForm(FlaskForm):
    reason = StringField("Lý do", validators=[Length(max=1000)])
    submit = SubmitField("Bỏ phân công")


class WriteResultsForm(FlaskForm):
    confirm = BooleanField(
        "Tôi đã xem các cảnh báo và đồng ý ghi điểm, thứ hạng chính thức vào cấp thi",
        validators=[DataRequired("Cần đánh dấu xác nhận trước khi ghi kết quả.")],
    )
    submit = SubmitField("Ghi kết quả")


# ----------------------------------------------------------------------------- paper sheets


def new_nonce() -> str:
    return secrets.token_hex(8)


def paper_form(assignments, criteria_of: dict, values: dict):
    """A form with one point field per (assignment, criterion): ``p{aid}_{cid}``, filled
    with ``values[(aid, cid)]`` (the points already recorded)."""

    class PaperForm(FlaskForm):
        nonce = HiddenField()
        submit_sheets = BooleanField("Nộp các phiếu đã nhập đủ điểm mọi tiêu chí", default=True)
        submit = SubmitField("Lưu điểm từ phiếu giấy")

    for a in assignments:
        for c in criteria_of.get(a.id, []):
            setattr(
                PaperForm,
                f"p{a.id}_{c.id}",
                DecimalCommaField(
                    c.name,
                    default=values.get((a.id, c.id)),
                    render_kw={"class": "score-input", "aria-label": f"{a.entry.code} – {c.name}"},
                ),
            )
    return PaperForm()

"""Forms of the organiser's registration pages: quotas and deadline extensions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from contest.fields import VNDateField, VNIntegerField
from contest.text import normalize_text

MAX_QUOTA = 10_000


def quota_range(form, field):
    """A quota is empty (no limit) or a whole number from 0 to MAX_QUOTA."""
    if field.data is not None and not 0 <= field.data <= MAX_QUOTA:
        raise ValidationError("Hạn mức phải là số nguyên từ 0 đến 10.000; để trống nếu không giới hạn.")


def quota_field(label: str, **kwargs) -> VNIntegerField:
    render_kw = {"min": 0, "max": MAX_QUOTA, "inputmode": "numeric", **kwargs.pop("render_kw", {})}
    return VNIntegerField(label, validators=[quota_range], render_kw=render_kw, **kwargs)


def int_or_zero(value) -> int:
    """Coerce a posted id; anything that is not a number becomes 0 (= nothing chosen)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class DefaultQuotaForm(FlaskForm):
    max_entries = quota_field(
        "Số bài tối đa mỗi đơn vị được đăng ký",
        description="Áp dụng cho mọi đơn vị không có hạn mức riêng. Để trống nếu không giới hạn.",
    )
    submit = SubmitField("Lưu hạn mức chung")


class InstitutionQuotaForm(FlaskForm):
    institution_id = SelectField("Đơn vị dự thi", coerce=int_or_zero, validate_choice=False)
    max_entries = quota_field(
        "Số bài tối đa của đơn vị này",
        description="Để trống để bỏ hạn mức riêng (đơn vị theo hạn mức chung).",
    )
    submit = SubmitField("Lưu hạn mức riêng")

    def validate_institution_id(self, field):
        if not field.data:
            raise ValidationError("Vui lòng chọn đơn vị dự thi.")


class ClearInstitutionQuotaForm(FlaskForm):
    """The "remove override" button of one row (CSRF-protected POST)."""

    institution_id = HiddenField()
    submit = SubmitField("Bỏ hạn mức riêng")


def area_quota_form(units, current: dict[int, int]) -> FlaskForm:
    """A form class with one quota input per area unit (``u<id>``), labelled by name."""

    class AreaQuotaForm(FlaskForm):
        submit = SubmitField("Lưu hạn mức các địa bàn")

    for unit in units:
        setattr(AreaQuotaForm, f"u{unit.id}", quota_field(unit.name, default=current.get(unit.id)))
    return AreaQuotaForm


class ExtensionForm(FlaskForm):
    institution_id = SelectField("Đơn vị được gia hạn", coerce=int_or_zero, validate_choice=False)
    until = VNDateField("Gia hạn đến ngày", validators=[InputRequired("Vui lòng nhập ngày gia hạn.")])
    reason = TextAreaField(
        "Lý do gia hạn",
        validators=[DataRequired("Vui lòng nhập lý do gia hạn."), Length(max=2000, message="Lý do tối đa 2.000 ký tự.")],
    )
    submit = SubmitField("Gia hạn")

    def validate_institution_id(self, field):
        if not field.data:
            raise ValidationError("Vui lòng chọn đơn vị được gia hạn.")

    # The edition's general deadline; the route sets it before validating.
    general_deadline = None

    def validate_until(self, field):
        deadline = self.general_deadline
        if field.data is not None and deadline is not None and field.data <= deadline:
            raise ValidationError(f"Ngày gia hạn phải sau hạn đăng ký chung ({deadline:%d/%m/%Y}).")

    def validate_reason(self, field):
        if not normalize_text(field.data):
            raise ValidationError("Vui lòng nhập lý do gia hạn.")


class RemoveExtensionForm(FlaskForm):
    submit = SubmitField("Bỏ gia hạn")

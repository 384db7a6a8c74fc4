"""Entry forms. Which fields show depends on the contest (data on the edition)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import URL, Length, NumberRange, Optional

from contest.fields import VNDateField, VNIntegerField, VNSelectField

GENDER_CHOICES = [("", "—"), ("male", "Nam"), ("female", "Nữ")]


class PersonForm(Form):
    """An author or team member (no CSRF: it lives inside EntryForm)."""

    full_name = StringField("Họ và tên", validators=[Optional(), Length(max=200)])
    birth_date = VNDateField("Ngày sinh", validators=[Optional()])
    birth_year = VNIntegerField(
        "Năm sinh",
        validators=[Optional(), NumberRange(min=1920, max=2030, message="Năm sinh không hợp lệ.")],
    )
    gender = VNSelectField("Giới tính", choices=GENDER_CHOICES, validators=[Optional()])
    class_name = StringField("Lớp", validators=[Optional(), Length(max=40)])
    organisation = StringField("Đơn vị công tác", validators=[Optional(), Length(max=255)])
    job_title = StringField("Chức vụ, nghề nghiệp", validators=[Optional(), Length(max=120)])
    trade_union_member = BooleanField("Đoàn viên công đoàn")



class MentorForm(Form):
    full_name = StringField("Họ và tên người hướng dẫn", validators=[Optional(), Length(max=200)])
    organisation = StringField("Đơn vị công tác", validators=[Optional(), Length(max=255)])
    phone = StringField("Điện thoại", validators=[Optional(), Length(max=40)])


class EntryForm(FlaskForm):
    version = HiddenField()
    institution_id = VNSelectField("Đơn vị dự thi", coerce=int, validators=[Optional()])
    title = StringField("Tên sản phẩm", validators=[Length(max=300, message="Tối đa 300 ký tự.")])
    category_id = VNSelectField("Lĩnh vực", coerce=int, validators=[Optional()])
    division_id = VNSelectField("Bảng, khối", coerce=int, validators=[Optional()])
    description = TextAreaField("Mô tả sản phẩm", validators=[Optional(), Length(max=10000)])
    summary = TextAreaField("Tóm tắt giải pháp", validators=[Optional(), Length(max=10000)])
    benefits = TextAreaField("Hiệu quả kinh tế – kỹ thuật – xã hội", validators=[Optional(), Length(max=10000)])
    first_applied_on = VNDateField("Ngày áp dụng lần đầu", validators=[Optional()])
    robot_name = StringField("Tên robot", validators=[Optional(), Length(max=120)])
    video_url = StringField(
        "Đường dẫn video (nếu có)",
        validators=[Optional(), URL(message="Đường dẫn video không hợp lệ."), Length(max=500)],
    )
    people = FieldList(FormField(PersonForm), min_entries=1)
    mentors = FieldList(FormField(MentorForm), min_entries=0)
    submit = SubmitField("Lưu bản nháp")


class ReasonForm(FlaskForm):
    reason = TextAreaField("Lý do", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Xác nhận")


class ReviewFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Tìm")
    status = VNSelectField("Trạng thái", validators=[Optional()])
    area = VNSelectField("Địa bàn", coerce=int, validators=[Optional()])
    category = VNSelectField("Lĩnh vực", coerce=int, validators=[Optional()])
    level = VNSelectField("Cấp", coerce=int, validators=[Optional()])

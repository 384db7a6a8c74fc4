"""Organiser forms (labels and messages in Vietnamese)."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from contest.fields import VNDateField, VNIntegerField, VNSelectField
from contest.models import CONTEST_KINDS, EDITION_STATUSES, INSTITUTION_KINDS, ROLES

REQUIRED = "Vui lòng nhập {}."


def required(label: str) -> DataRequired:
    return DataRequired(REQUIRED.format(label))


class UserForm(FlaskForm):
    username = StringField(
        "Tên đăng nhập",
        validators=[
            required("tên đăng nhập"),
            Length(max=80, message="Tên đăng nhập tối đa 80 ký tự."),
            Regexp(r"^[A-Za-z0-9._-]+$", message="Tên đăng nhập chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới."),
        ],
    )
    full_name = StringField("Họ và tên", validators=[required("họ và tên"), Length(max=200)])
    email = EmailField("Thư điện tử", validators=[Optional(), Length(max=255)])
    phone = StringField("Số điện thoại", validators=[Optional(), Length(max=40)])
    password = PasswordField(
        "Mật khẩu ban đầu",
        validators=[required("mật khẩu"), Length(min=8, message="Mật khẩu phải có ít nhất 8 ký tự.")],
    )
    role = VNSelectField("Vai trò", choices=list(ROLES.items()))
    unit_id = VNSelectField("Đơn vị hành chính (cho Ban Tổ chức cấp xã/huyện)", coerce=int, default=0)
    institution_id = VNSelectField("Trường/cơ quan (cho đơn vị dự thi)", coerce=int, default=0)
    edition_id = VNSelectField("Kỳ thi (cho giám khảo, trọng tài)", coerce=int, default=0)
    submit = SubmitField("Tạo tài khoản")


class UserEditForm(FlaskForm):
    full_name = StringField("Họ và tên", validators=[required("họ và tên"), Length(max=200)])
    email = EmailField("Thư điện tử", validators=[Optional(), Length(max=255)])
    phone = StringField("Số điện thoại", validators=[Optional(), Length(max=40)])
    active = BooleanField("Đang hoạt động")
    submit = SubmitField("Lưu")


class GrantForm(FlaskForm):
    role = VNSelectField("Vai trò", choices=list(ROLES.items()))
    unit_id = VNSelectField("Đơn vị hành chính", coerce=int, default=0)
    institution_id = VNSelectField("Trường/cơ quan", coerce=int, default=0)
    edition_id = VNSelectField("Kỳ thi", coerce=int, default=0)
    submit = SubmitField("Thêm vai trò")


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "Mật khẩu mới",
        validators=[required("mật khẩu mới"), Length(min=8, message="Mật khẩu phải có ít nhất 8 ký tự.")],
    )
    submit = SubmitField("Đặt lại mật khẩu")


class InstitutionForm(FlaskForm):
    name = StringField("Tên đơn vị", validators=[required("tên đơn vị"), Length(max=255)])
    kind = VNSelectField("Loại đơn vị", choices=list(INSTITUTION_KINDS.items()))
    unit_id = VNSelectField("Xã/phường (hoặc huyện cũ)", coerce=int)
    address = StringField("Địa chỉ", validators=[Optional(), Length(max=255)])
    phone = StringField("Điện thoại", validators=[Optional(), Length(max=40)])
    email = EmailField("Thư điện tử", validators=[Optional(), Length(max=255)])
    active = BooleanField("Đang hoạt động", default=True)
    submit = SubmitField("Lưu")


LINES_HELP = "Mỗi dòng một mục: mã | tên"


class EditionForm(FlaskForm):
    contest_id = VNSelectField("Cuộc thi", coerce=int)
    number = VNIntegerField(
        "Lần thứ",
        validators=[required("số lần tổ chức"), NumberRange(min=1, max=999, message="Số lần tổ chức từ 1 đến 999.")],
    )
    name = StringField("Tên kỳ thi", validators=[required("tên kỳ thi"), Length(max=255)])
    slug = StringField(
        "Mã kỳ thi (dùng trong địa chỉ trang)",
        validators=[
            required("mã kỳ thi"),
            Length(max=120),
            Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message="Mã chỉ gồm chữ thường không dấu, số và dấu gạch ngang."),
        ],
    )
    year_start = VNIntegerField(
        "Năm bắt đầu", validators=[required("năm bắt đầu"), NumberRange(min=2000, max=2100, message="Năm không hợp lệ.")]
    )
    year_end = VNIntegerField(
        "Năm kết thúc", validators=[required("năm kết thúc"), NumberRange(min=2000, max=2100, message="Năm không hợp lệ.")]
    )
    province_name = StringField("Tỉnh tổ chức", validators=[required("tỉnh tổ chức"), Length(max=80)], default="Bắc Ninh")
    status = VNSelectField("Trạng thái", choices=list(EDITION_STATUSES.items()))
    starts_on = VNDateField("Ngày bắt đầu", validators=[Optional()])
    ends_on = VNDateField("Ngày kết thúc", validators=[Optional()])
    registration_opens_on = VNDateField("Mở đăng ký từ ngày", validators=[Optional()])
    registration_deadline = VNDateField("Hạn đăng ký", validators=[Optional()])
    blind_judging = BooleanField("Chấm ẩn danh (giám khảo không thấy tên tác giả)")
    description = TextAreaField("Giới thiệu", validators=[Optional(), Length(max=5000)])
    levels_text = TextAreaField(
        "Các cấp thi (theo thứ tự)",
        description="Mỗi dòng: mã | tên cấp | loại địa bàn (district, commune, cluster – tùy chọn)",
        validators=[required("ít nhất một cấp thi")],
    )
    categories_text = TextAreaField("Lĩnh vực", description=LINES_HELP, validators=[Optional()])
    divisions_text = TextAreaField(
        "Bảng, khối (độ tuổi)",
        description="Mỗi dòng: mã | tên | sinh từ ngày (dd/mm/yyyy, tùy chọn) | đến ngày (tùy chọn)",
        validators=[Optional()],
    )
    rule_min_authors = VNIntegerField(
        "Số tác giả/thành viên tối thiểu", validators=[Optional(), NumberRange(min=0, max=50, message="Từ 0 đến 50.")]
    )
    rule_max_authors = VNIntegerField(
        "Số tác giả/thành viên tối đa", validators=[Optional(), NumberRange(min=1, max=50, message="Từ 1 đến 50.")]
    )
    rule_max_mentors = VNIntegerField(
        "Số người hướng dẫn tối đa", validators=[Optional(), NumberRange(min=0, max=10, message="Từ 0 đến 10.")]
    )
    rule_max_entries_per_person = VNIntegerField(
        "Mỗi người tham gia tối đa (bài)",
        description="Để trống nếu không giới hạn.",
        validators=[Optional(), NumberRange(min=1, max=20, message="Từ 1 đến 20.")],
    )
    rule_max_photos = VNIntegerField(
        "Số ảnh tối đa mỗi bài", validators=[Optional(), NumberRange(min=0, max=30, message="Từ 0 đến 30.")]
    )
    rule_photo_max_mb = VNIntegerField(
        "Dung lượng mỗi ảnh tối đa (MB)", validators=[Optional(), NumberRange(min=1, max=20, message="Từ 1 đến 20 MB.")]
    )
    submit = SubmitField("Lưu kỳ thi")


RULE_FIELDS = ["min_authors", "max_authors", "max_mentors", "max_entries_per_person", "max_photos", "photo_max_mb"]


class ContestForm(FlaskForm):
    name = StringField("Tên cuộc thi", validators=[required("tên cuộc thi"), Length(max=255)])
    short_name = StringField("Tên ngắn", validators=[required("tên ngắn"), Length(max=120)])
    kind = VNSelectField("Loại cuộc thi", choices=list(CONTEST_KINDS.items()))
    slug = StringField(
        "Mã cuộc thi",
        validators=[
            required("mã cuộc thi"),
            Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message="Mã chỉ gồm chữ thường không dấu, số và dấu gạch ngang."),
        ],
    )
    description = TextAreaField("Giới thiệu", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Lưu cuộc thi")

"""Forms of the results pages (Vietnamese labels and messages)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from contest.fields import VNDateField, VNIntegerField, VNSelectField
from contest.results.service import (
    DEFAULT_NOMINATIONS,
    GROUP_KINDS,
    GROUP_SPLITS,
    SHARE_OVERFLOW,
    TIE_POLICIES,
)
from contest.text import normalize_text

NO_PRIZE = "none"
MAX_QUOTA = 10_000
MAX_AMOUNT = 10_000_000_000  # VND per prize


class VNDecimalField(StringField):
    """A decimal typed the Vietnamese way ("85,5") or with a dot; empty means none."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        raw = (self.data or "").strip()
        if not raw:
            self.data = None
            return
        text = raw.replace(" ", "")
        if not re.fullmatch(r"-?\d+(?:[.,]\d+)?", text):
            self.data = raw
            raise ValueError("Vui lòng nhập một số, ví dụ 85 hoặc 85,5.")
        try:
            self.data = Decimal(text.replace(",", "."))
        except InvalidOperation:
            self.data = raw
            raise ValueError("Vui lòng nhập một số, ví dụ 85 hoặc 85,5.") from None

    def _value(self):
        if isinstance(self.data, Decimal):
            return format(self.data.normalize(), "f").replace(".", ",")
        return self.data or ""


class VNMoneyField(VNIntegerField):
    """A sum of money in đồng, shown with dots (5.000.000) and typed with or without them."""

    def _value(self):
        if isinstance(self.data, int) and not isinstance(self.data, bool):
            return f"{self.data:,}".replace(",", ".")
        return super()._value()


@dataclass(frozen=True)
class RankFields:
    code: str
    label: str
    quota: str
    minimum: str
    amount: str


@dataclass(frozen=True)
class GroupFields:
    kind: str
    code: str
    name: str
    fields: dict[str, str]  # rank code -> field name


class PrizeRulesBase(FlaskForm):
    tie_policy = VNSelectField("Khi các bài bằng điểm ở ranh giới giữa hai hạng giải",
                               choices=list(TIE_POLICIES.items()), default="share")
    share_overflow = VNSelectField("Khi đồng hạng làm dôi ra giải", choices=list(SHARE_OVERFLOW.items()),
                                   default="reduce_lower")
    per_group = VNSelectField(
        "Xét giải",
        choices=[("", "Chung cho toàn bộ bài dự thi"), ("category", "Riêng từng lĩnh vực"),
                 ("division", "Riêng từng bảng, khối")],
        default="",
    )
    group_split = VNSelectField("Số giải của từng nhóm", choices=list(GROUP_SPLITS.items()), default="proportional")
    nominations = VNIntegerField(
        "Số bài đề cử dự thi toàn quốc",
        validators=[Optional(), NumberRange(0, 1000, "Số bài đề cử phải từ 0 đến 1000.")],
        default=DEFAULT_NOMINATIONS,
    )


def prize_rules_form(edition, ranks, settings: dict | None):
    """A prize rules form for one level: a row per rank (quota, minimum score, money)
    and, for fixed per-group quotas, a row per category and per division."""
    settings = settings or {}

    class PrizeRulesForm(PrizeRulesBase):
        pass

    rank_fields: list[RankFields] = []
    for rank in ranks:
        names = RankFields(rank.code, rank.label, f"quota_{rank.code}", f"min_{rank.code}", f"amount_{rank.code}")
        setattr(PrizeRulesForm, names.quota, VNIntegerField(
            f"Số {rank.label}",
            validators=[Optional(), NumberRange(0, MAX_QUOTA, "Số lượng giải phải là số nguyên từ 0.")],
        ))
        setattr(PrizeRulesForm, names.minimum, VNDecimalField(
            f"Điểm sàn {rank.label}", validators=[Optional()], render_kw={"inputmode": "decimal"},
        ))
        setattr(PrizeRulesForm, names.amount, VNMoneyField(
            f"Tiền thưởng {rank.label} (đồng)",
            validators=[Optional(), NumberRange(0, MAX_AMOUNT, "Tiền thưởng phải là số đồng không âm.")],
            render_kw={"inputmode": "numeric"},
        ))
        rank_fields.append(names)
    group_fields: list[GroupFields] = []
    for kind, items in (("category", edition.categories), ("division", edition.divisions)):
        for i, item in enumerate(items):
            names = {}
            for rank in ranks:
                name = f"g_{kind}_{i}_{rank.code}"
                setattr(PrizeRulesForm, name, VNIntegerField(
                    f"{rank.label} – {item.name}",
                    validators=[Optional(), NumberRange(0, MAX_QUOTA, "Số lượng giải phải là số nguyên từ 0.")],
                ))
                names[rank.code] = name
            group_fields.append(GroupFields(kind, item.code, item.name, names))

    data: dict = {
        "tie_policy": settings.get("tie_policy") or "share",
        "share_overflow": settings.get("share_overflow") or "reduce_lower",
        "per_group": settings.get("per_group") or "",
        "group_split": settings.get("group_split") or "proportional",
        "nominations": settings.get("nominations", DEFAULT_NOMINATIONS),
    }
    for names in rank_fields:
        data[names.quota] = (settings.get("quotas") or {}).get(names.code)
        minimum = (settings.get("min_scores") or {}).get(names.code)
        data[names.minimum] = None if minimum in (None, "") else Decimal(str(minimum))
        data[names.amount] = (settings.get("amounts") or {}).get(names.code)
    group_quotas = settings.get("group_quotas") or {}
    for group in group_fields:
        if group.kind == settings.get("per_group"):
            for code, name in group.fields.items():
                data[name] = (group_quotas.get(group.code) or {}).get(code)
    form = PrizeRulesForm(data=data)  # a submitted form keeps what was typed
    form.rank_rows = rank_fields
    form.group_rows = group_fields
    return form


def settings_from_form(form) -> dict:
    """The level settings a valid prize rules form describes (checked again by the service)."""
    kind = form.per_group.data or None
    settings: dict = {
        "quotas": {r.code: getattr(form, r.quota).data or 0 for r in form.rank_rows},
        "min_scores": {
            r.code: str(getattr(form, r.minimum).data)
            for r in form.rank_rows if getattr(form, r.minimum).data is not None
        },
        "amounts": {
            r.code: getattr(form, r.amount).data for r in form.rank_rows if getattr(form, r.amount).data is not None
        },
        "tie_policy": form.tie_policy.data,
        "share_overflow": form.share_overflow.data,
        "per_group": kind,
        "group_split": form.group_split.data,
        "nominations": form.nominations.data if form.nominations.data is not None else DEFAULT_NOMINATIONS,
    }
    if kind in GROUP_KINDS and form.group_split.data == "fixed":
        settings["group_quotas"] = {
            g.code: {code: getattr(form, name).data or 0 for code, name in g.fields.items()}
            for g in form.group_rows if g.kind == kind
        }
    return settings


class ProposeForm(FlaskForm):
    pass


class AdjustForm(FlaskForm):
    entry_id = VNSelectField("Bài dự thi", coerce=int, validate_choice=True)
    rank = VNSelectField("Giải mới")
    reason = TextAreaField(
        "Lý do điều chỉnh",
        validators=[DataRequired("Cần ghi rõ lý do điều chỉnh."), Length(max=1000, message="Lý do dài quá 1000 ký tự.")],
        filters=[lambda v: normalize_text(v) if v else v],
        render_kw={"rows": 2},
    )


class ApproveForm(FlaskForm):
    decision_number = StringField(
        "Số quyết định công nhận giải",
        validators=[DataRequired("Vui lòng nhập số quyết định."), Length(max=80, message="Số quyết định dài quá 80 ký tự.")],
        filters=[lambda v: normalize_text(v) if v else v],
        render_kw={"placeholder": "Ví dụ: 125/QĐ-LHH"},
    )
    decision_date = VNDateField("Ngày quyết định",
                                validators=[InputRequired("Vui lòng nhập ngày quyết định (dd/mm/yyyy).")])


class PublishForm(FlaskForm):
    pass


class CorrectForm(FlaskForm):
    change_note = TextAreaField(
        "Nội dung đính chính",
        validators=[DataRequired("Cần ghi rõ nội dung đính chính."), Length(max=2000, message="Nội dung dài quá 2000 ký tự.")],
        filters=[lambda v: normalize_text(v) if v else v],
        render_kw={"rows": 3},
    )


class FilterForm(FlaskForm):
    """Filters of the public results page (GET; nothing changes, so no CSRF)."""

    class Meta:
        csrf = False

    level = VNSelectField("Cấp thi", choices=[], validate_choice=False)
    category = VNSelectField("Lĩnh vực", choices=[], validate_choice=False)
    division = VNSelectField("Bảng, khối", choices=[], validate_choice=False)
    area = VNSelectField("Địa bàn", choices=[], validate_choice=False)
    prize = VNSelectField("Giải", choices=[], validate_choice=False)


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        "Tìm theo họ tên, tên sản phẩm hoặc tên trường",
        validators=[DataRequired("Vui lòng nhập từ khoá tìm kiếm."),
                    Length(min=2, max=100, message="Từ khoá cần từ 2 đến 100 ký tự.")],
        filters=[lambda v: normalize_text(v) if v else v],
        render_kw={"placeholder": "Ví dụ: họ tên tác giả, máy tưới cây, THCS Tân Yên", "autocomplete": "off"},
    )
    edition = VNSelectField("Kỳ thi", choices=[], validate_choice=False)

"""WTForms fields whose parse errors are Vietnamese (WTForms ships no Vietnamese locale)."""

from __future__ import annotations

import re

from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from contest.text import parse_date_vn


class VNDateField(DateField):
    """A date typed as dd/mm/yyyy (also accepts ISO and Excel-style variants).

    A text input rather than ``type=date``: the browser's date picker follows the
    browser's language (mm/dd/yyyy on an English tablet), the Vietnamese form does not."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", "%d/%m/%Y")
        render_kw = kwargs.pop("render_kw", None) or {}
        render_kw.setdefault("placeholder", "dd/mm/yyyy")
        render_kw.setdefault("inputmode", "numeric")
        render_kw.setdefault("autocomplete", "off")
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = " ".join(valuelist).strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = parse_date_vn(raw)
        except ValueError as exc:
            self.data = None
            raise ValueError(str(exc)) from None


class VNIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip() if isinstance(valuelist[0], str) else valuelist[0]
        if raw in ("", None):
            self.data = None
            return
        if isinstance(raw, str) and re.fullmatch(r"-?\d{1,3}(\.\d{3})+", raw):
            raw = raw.replace(".", "")  # Vietnamese thousands separator: 1.500 = 1500
        try:
            self.data = int(raw)
        except (TypeError, ValueError):
            self.data = None
            raise ValueError("Vui lòng nhập một số nguyên.") from None


class VNSelectField(SelectField):
    """SelectField with Vietnamese errors for values that are not among the choices or
    cannot be converted (e.g. 'abc' where a number is expected)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = self.coerce(valuelist[0])
        except (TypeError, ValueError):
            self.data = None
            raise ValueError("Lựa chọn không hợp lệ.") from None

    def pre_validate(self, form):
        if self.choices is None:
            raise TypeError(self.gettext("Choices cannot be None."))
        if not self.validate_choice:
            return
        values = set()
        for choice in self.iter_choices():
            value = getattr(choice, "value", None) if not isinstance(choice, tuple) else choice[0]
            try:
                values.add(self.coerce(value))
            except (TypeError, ValueError):
                values.add(value)
        if self.data not in values:
            raise ValidationError("Lựa chọn không hợp lệ, vui lòng chọn lại.")

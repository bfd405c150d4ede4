"""Forms of the integration pages: a partner's request for a grant, and the data owner's answer to it."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import InvalidInput
from tinhso.integration.models import Grant

DAY_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def show_service_errors(form: forms.Form, error: InvalidInput) -> None:
    """The service's messages beside their fields (above the form for a field it does not have)."""
    for field, messages in (error.errors or {"": [error.message]}).items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class GrantRequestForm(forms.Form):
    partner = forms.ChoiceField(label=_("Hệ thống đối tác"))
    service = forms.ChoiceField(label=_("Dịch vụ"))
    scopes = forms.CharField(label=_("Phạm vi"), max_length=600, help_text=_("Cách nhau bằng dấu phẩy."))
    purpose = forms.CharField(
        label=_("Mục đích khai thác"),
        max_length=Grant._meta.get_field("purpose").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    legal_basis = forms.CharField(
        label=_("Căn cứ pháp lý"), max_length=Grant._meta.get_field("legal_basis").max_length
    )
    valid_from = forms.DateField(label=_("Hiệu lực từ ngày"), input_formats=DAY_FORMATS)
    valid_to = forms.DateField(
        label=_("Đến ngày"),
        required=False,
        input_formats=DAY_FORMATS,
        help_text=_("Để trống: không thời hạn."),
    )

    def __init__(
        self, *args, partners: list[tuple[str, str]], services: list[tuple[str, str]], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["partner"]).choices = partners
        cast(forms.ChoiceField, self.fields["service"]).choices = services

    def scope_list(self) -> list[str]:
        return [scope.strip() for scope in self.cleaned_data["scopes"].split(",") if scope.strip()]


class AnswerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[("approve", _("Chấp thuận")), ("refuse", _("Từ chối"))])
    reason = forms.CharField(
        label=_("Lý do (bắt buộc khi từ chối)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PeriodForm(forms.Form):
    tu = forms.DateField(label=_("Từ ngày"), input_formats=DAY_FORMATS)
    den = forms.DateField(label=_("Đến ngày (hết ngày)"), input_formats=DAY_FORMATS)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("tu") and data.get("den") and data["den"] < data["tu"]:
            self.add_error("den", _("Ngày kết thúc phải sau ngày bắt đầu."))
        return data

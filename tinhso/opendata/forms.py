"""The portal's forms: a dataset's metadata, an upload, a reason; services check the rules and their refusals
are shown beside the field they name."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import InvalidInput
from tinhso.opendata.vocabulary import LICENCES, AccessLevel, Frequency, Theme


def show_refusal(form: forms.Form, error: InvalidInput) -> None:
    """The service's messages beside their fields (above the form when the field is not on it)."""
    for field, messages in (error.errors or {"": [error.message]}).items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class DatasetForm(forms.Form):
    organization = forms.ChoiceField(label=_("Cơ quan công bố"))
    name = forms.SlugField(
        label=_("Tên đường dẫn"), max_length=100, help_text=_("Chữ thường không dấu, số và dấu gạch ngang.")
    )
    title = forms.CharField(label=_("Tên bộ dữ liệu"), max_length=300)
    notes = forms.CharField(label=_("Mô tả"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    theme = forms.ChoiceField(label=_("Chủ đề"), choices=Theme.choices)
    frequency = forms.ChoiceField(label=_("Tần suất cập nhật"), choices=Frequency.choices)
    license_id = forms.ChoiceField(
        label=_("Giấy phép"), choices=[(licence.id, licence.title) for licence in LICENCES.values()]
    )
    access_level = forms.ChoiceField(label=_("Mức độ chia sẻ"), choices=AccessLevel.choices)
    tags = forms.CharField(label=_("Từ khóa"), required=False, help_text=_("Cách nhau bằng dấu phẩy."))
    temporal_start = forms.DateField(
        label=_("Dữ liệu từ ngày"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    temporal_end = forms.DateField(
        label=_("Đến ngày"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    contact_name = forms.CharField(label=_("Đầu mối liên hệ"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Thư điện tử liên hệ"), required=False)

    def __init__(self, *args, organizations: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["organization"]).choices = organizations


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp CSV hoặc XLSX"))
    name = forms.CharField(label=_("Tên tài nguyên"), max_length=300, required=False)
    resource = forms.CharField(required=False, widget=forms.HiddenInput)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AccessRequestForm(forms.Form):
    service = forms.ChoiceField(label=_("Dịch vụ"))
    requester = forms.ChoiceField(label=_("Cơ quan đề nghị"))
    purpose = forms.CharField(label=_("Mục đích khai thác"), widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.CharField(label=_("Căn cứ pháp lý"), max_length=500)
    scopes = forms.CharField(label=_("Phạm vi"), help_text=_("Cách nhau bằng dấu phẩy."))

    def __init__(
        self, *args, services: list[tuple[str, str]], units: list[tuple[str, str]], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = services
        cast(forms.ChoiceField, self.fields["requester"]).choices = units

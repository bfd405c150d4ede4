"""Forms of the field-report pages: they parse input only; the rules live in services."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from tinhso.fieldreports import selectors
from tinhso.fieldreports.models import Report
from tinhso.fieldreports.photos import MAX_PHOTOS


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultiplePhotoInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultiplePhotoField, self).clean(item, initial) for item in files]


def attribute_values(data: QueryDict) -> dict[str, str | list[str]]:
    """Answers posted as attribute[code]=value, or attribute[code][]=value repeated for several (Open311)."""
    values: dict[str, str | list[str]] = {}
    for key in data:
        if key.startswith("attribute[") and "]" in key:
            code = key[len("attribute[") : key.index("]")]
            items = [item for item in data.getlist(key) if item.strip()]
            if key.endswith("[]"):
                values[code] = items
            elif items:
                values[code] = items[0]
    return values


def category_choices() -> list:
    """Categories grouped under their group, as <optgroup>s."""
    groups: dict[str, list] = {}
    for category in selectors.reportable_categories():
        group = category.parent.display_name if category.parent else ""  # reportable ones all have a group
        groups.setdefault(group, []).append((category.code, category.display_name))
    return [("", _("— Chọn lĩnh vực —")), *groups.items()]


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("Lĩnh vực"))
    description = forms.CharField(
        label=_("Nội dung phản ánh"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Mô tả vấn đề, thời điểm bạn thấy và mức độ ảnh hưởng."),
    )
    latitude = forms.FloatField(label=_("Vĩ độ"), min_value=-90, max_value=90, required=False)
    longitude = forms.FloatField(label=_("Kinh độ"), min_value=-180, max_value=180, required=False)
    commune = forms.ChoiceField(
        label=_("Xã, phường nơi xảy ra"),
        required=False,
        help_text=_(
            "Để trống thì lấy theo điểm chọn trên bản đồ; chọn khi bản đồ không hiện hoặc điểm chưa đúng."
        ),
    )
    address = forms.CharField(
        label=_("Địa chỉ hoặc mô tả vị trí"),
        max_length=300,
        required=False,
        help_text=_("Ví dụ: trước số nhà 12 đường Lý Thường Kiệt."),
    )
    photos = MultiplePhotoField(
        label=_("Ảnh hiện trường"),
        required=False,
        help_text=_(
            "Tối đa %(count)s ảnh JPEG, PNG hoặc WebP, mỗi ảnh không quá 10 MB. Vị trí GPS trong ảnh sẽ được xóa trước khi công khai."
        )
        % {"count": MAX_PHOTOS},
    )
    reporter_name = forms.CharField(label=_("Họ và tên (không bắt buộc)"), max_length=150, required=False)
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    email = forms.EmailField(
        label=_("Thư điện tử"), max_length=Report._meta.get_field("reporter_email").max_length, required=False
    )

    def __init__(self, *args, signed_in: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        category, commune = self.fields["category"], self.fields["commune"]
        assert isinstance(category, forms.ChoiceField) and isinstance(commune, forms.ChoiceField)
        category.choices = category_choices()
        commune.choices = [("", _("— Theo điểm chọn trên bản đồ —"))] + [
            (unit.code, unit.name) for unit in selectors.commune_centres()
        ]
        self.fields["photos"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"
        if signed_in:
            for name in ("reporter_name", "phone", "email"):
                del self.fields[name]


class RatingForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Bạn có hài lòng với kết quả xử lý?"),
        choices=[("1", _("Hài lòng")), ("0", _("Chưa hài lòng"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Ý kiến thêm"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact = forms.CharField(
        label=_("Số điện thoại hoặc thư điện tử bạn đã để lại khi gửi"), max_length=254, required=False
    )


class ContactForm(forms.Form):
    contact = forms.CharField(
        label=_("Số điện thoại hoặc thư điện tử bạn đã để lại khi gửi"), max_length=254, required=False
    )

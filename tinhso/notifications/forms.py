"""The notification settings page: contacts with their codes, channels and consent, language."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tinhso.notifications.models import Channel, Contact, Purpose


class ContactForm(forms.Form):
    kind = forms.ChoiceField(choices=Contact.Kind.choices, widget=forms.HiddenInput)
    address = forms.CharField(label=_("Địa chỉ hoặc số điện thoại"), max_length=254)


class CodeForm(forms.Form):
    kind = forms.ChoiceField(choices=Contact.Kind.choices, widget=forms.HiddenInput)
    code = forms.CharField(label=_("Mã xác minh 6 chữ số"), max_length=6, min_length=6)


def choice_field(channel: str, purpose: str) -> str:
    return f"{channel}_{purpose}"


class PreferencesForm(forms.Form):
    """One box per (channel, purpose): ticking an optional one is an opt-in to the consent text shown."""

    first = forms.ChoiceField(label=_("Kênh ưu tiên"), choices=Channel.choices)
    language = forms.ChoiceField(label=_("Ngôn ngữ của tin nhắn"), choices=settings.LANGUAGES)
    daily_digest = forms.BooleanField(
        label=_("Gộp thông báo công việc thành một thư mỗi ngày"), required=False
    )

    def __init__(self, *args, official: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for channel, channel_label in Channel.choices:
            for purpose, purpose_label in Purpose.choices:
                self.fields[choice_field(channel, purpose)] = forms.BooleanField(
                    label=f"{channel_label}: {purpose_label}", required=False
                )
        if not official:
            del self.fields["daily_digest"]

    def choices(self) -> dict[tuple[str, str], bool]:
        return {
            (channel, purpose): self.cleaned_data[choice_field(channel, purpose)]
            for channel in Channel.values
            for purpose in Purpose.values
        }

    def order(self) -> list[str]:
        first = self.cleaned_data["first"]
        from tinhso.notifications.selectors import DEFAULT_ORDER

        return [first] + [channel for channel in DEFAULT_ORDER if channel != first]

"""SMS brandname: Viettel's SOAP `wsCpMt`, or a generic HTTP/JSON gateway (the eSMS shape). Texts go
unaccented (GSM-7) and within two segments."""

from xml.etree import ElementTree
from xml.sax.saxutils import escape

import requests
from django.conf import settings
from unidecode import unidecode

from tinhso.notifications import texts
from tinhso.notifications.channels import GatewayError, Outgoing

VIETTEL_NS = "http://impl.bulkSms.ws/"


def sms_text(message: Outgoing) -> str:
    """The text unaccented, the link and the opt-out link, all in at most two segments: templates are checked
    to fit when saved, and a longer value than expected is cut here."""
    tail = texts.sms_tail(link=message.link, unsubscribe=message.unsubscribe)
    room = texts.SMS_SEGMENT * texts.SMS_SEGMENTS - len(tail)
    head = unidecode(message.text)
    if len(head) > room:
        head = head[: room - 3].rstrip() + "..."
    return head + tail


def send(message: Outgoing) -> str:
    text = sms_text(message)
    if settings.TINHSO_SMS_GATEWAY == "viettel":
        return _viettel(message, text)
    return _json(message, text)


def _post(*, data: bytes | None = None, json: dict | None = None, headers: dict[str, str]) -> str:
    try:
        response = requests.post(
            settings.TINHSO_SMS_URL,
            data=data,
            json=json,
            headers=headers,
            timeout=settings.TINHSO_GATEWAY_TIMEOUT,
        )
    except requests.RequestException as error:
        raise GatewayError(f"{type(error).__name__}: {error}") from None
    if response.status_code >= 500:
        raise GatewayError(f"HTTP {response.status_code}: {response.text[:500]}")
    return response.text


def _viettel(message: Outgoing, text: str) -> str:
    fields = {
        "User": settings.TINHSO_SMS_USER,
        "Password": settings.TINHSO_SMS_PASSWORD,
        "CPCode": settings.TINHSO_SMS_CPCODE,
        "RequestID": message.id,
        "UserID": message.address,
        "ReceiverID": message.address,
        "ServiceID": settings.TINHSO_SMS_BRANDNAME,
        "CommandCode": "bulksms",
        "Content": text,
        "ContentType": "0",  # unaccented
    }
    body = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields.items())
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:impl="{VIETTEL_NS}"><soapenv:Header/><soapenv:Body>'
        f"<impl:wsCpMt>{body}</impl:wsCpMt></soapenv:Body></soapenv:Envelope>"
    )
    answer = _post(
        data=envelope.encode(), headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": ""}
    )
    try:
        result = ElementTree.fromstring(answer).find(".//return/result")
    except ElementTree.ParseError:
        raise GatewayError(f"not SOAP: {answer[:500]}") from None
    if result is None or result.text != "1":
        raise GatewayError(answer[:1000])
    return answer[:1000]


def _json(message: Outgoing, text: str) -> str:
    payload = {
        "ApiKey": settings.TINHSO_SMS_USER,
        "SecretKey": settings.TINHSO_SMS_PASSWORD,
        "Brandname": settings.TINHSO_SMS_BRANDNAME,
        "Phone": message.address,
        "Content": text,
        "SmsType": "2",  # customer care, not advertising (Decree 91/2020/NĐ-CP)
        "IsUnicode": 0,
        "RequestId": message.id,
    }
    answer = _post(json=payload, headers={"Accept": "application/json"})
    if '"CodeResult":"100"' not in answer.replace(" ", ""):
        raise GatewayError(answer[:1000])
    return answer[:1000]

"""VietQR (NAPAS 247) bank-transfer QR: the EMVCo merchant-presented payload, with CRC-16/CCITT-FALSE, whose
purpose field carries the order's unique payment code, so an imported bank statement can match the transfer."""

import re

import segno
from django.conf import settings
from unidecode import unidecode

NAPAS_GUID = "A000000727"
TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
PURPOSE_LIMIT = 25  # characters of the transfer note banks keep
_UNSAFE = re.compile(r"[^A-Za-z0-9 ]")


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, no reflection), as 4 upper-case hex digits."""
    crc = 0xFFFF
    for byte in data.encode("ascii"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"VietQR field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def ascii_text(text: str, *, limit: int) -> str:
    return " ".join(_UNSAFE.sub(" ", unidecode(text)).split())[:limit]


def payload(*, bank_bin: str, account: str, amount: int | None, purpose: str) -> str:
    """A dynamic VietQR for a transfer of `amount` đồng to `account` at the bank `bank_bin`."""
    beneficiary = _field("00", bank_bin) + _field("01", account)
    merchant = _field("00", NAPAS_GUID) + _field("01", beneficiary) + _field("02", TO_ACCOUNT)
    body = (
        _field("00", "01")
        + _field("01", "12" if amount else "11")
        + _field("38", merchant)
        + _field("53", CURRENCY_VND)
        + (_field("54", str(amount)) if amount else "")
        + _field("58", "VN")
        + _field("62", _field("08", ascii_text(purpose, limit=PURPOSE_LIMIT)))
        + "6304"
    )
    return body + crc16(body)


def fields(text: str) -> dict[str, str]:
    """The top-level TLV fields of a payload, after checking its CRC (ValueError when it does not match)."""
    if len(text) < 8 or crc16(text[:-4]) != text[-4:].upper():
        raise ValueError("VietQR CRC does not match")
    found: dict[str, str] = {}
    position = 0
    while position < len(text):
        tag, length = text[position : position + 2], int(text[position + 2 : position + 4])
        found[tag] = text[position + 4 : position + 4 + length]
        position += 4 + length
    return found


def purpose_of(reference: str) -> str:
    """The transfer note of an order: the platform's prefix and the order's payment code."""
    return f"DVC {reference}"


def order_qr(order) -> dict[str, str]:
    """What the order page shows for a transfer: the payload, the QR as inline SVG and the words to type."""
    text = payload(
        bank_bin=settings.TINHSO_VIETQR_BANK_BIN,
        account=settings.TINHSO_VIETQR_ACCOUNT,
        amount=order.amount,
        purpose=purpose_of(order.reference),
    )
    svg = segno.make(text, error="m", micro=False).svg_inline(scale=5, title=purpose_of(order.reference))
    return {
        "payload": text,
        "svg": svg,
        "purpose": purpose_of(order.reference),
        "account": settings.TINHSO_VIETQR_ACCOUNT,
        "account_name": settings.TINHSO_VIETQR_ACCOUNT_NAME,
        "bank_bin": settings.TINHSO_VIETQR_BANK_BIN,
    }

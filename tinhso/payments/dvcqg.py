"""The national public service portal's payment platform (Nền tảng thanh toán của Cổng DVCQG): the
init-transaction message the province sends and the confirm callback the platform sends back, each checked by
an HMAC-SHA256 `MaXacThuc` over its fields joined by "|". The field lists are per message version, as the
platform issues them on onboarding; these follow the messages of the OpenCPS integration."""

import hashlib
import hmac
import json
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tinhso.payments.vnpay import GatewayError, gateway_time, plain


@dataclass(frozen=True)
class Version:
    init_fields: tuple[str, ...]
    confirm_fields: tuple[str, ...]
    answer_fields: tuple[str, ...]


VERSIONS = {
    "1.0": Version(
        init_fields=(
            "LoaiBanTin",
            "PhienBan",
            "MaDoiTac",
            "MaThamChieu",
            "SoTien",
            "LoaiHinhThanhToan",
            "MaKenhThanhToan",
            "MaThietBi",
            "NgonNgu",
            "MaTienTe",
            "MaNganHang",
            "ThongTinGiaoDich",
            "ThoiGianGD",
            "Ip",
        ),
        confirm_fields=(
            "LoaiBanTin",
            "MaLoi",
            "MaThamChieu",
            "SoTien",
            "MaTienTe",
            "MaGiaoDich",
            "MaNganHang",
            "ThoiGianGD",
            "ThongTinGiaoDich",
        ),
        answer_fields=("MaLoi", "MoTaLoi", "MaDoiTac", "MaThamChieu", "ThoiGianGD"),
    )
}
VERSION = "1.0"
INIT_PATH = "/khoi-tao-giao-dich"
FEE_SERVICE = "2"  # MaDichVu: a fee or charge of an administrative procedure (1 is a fine)


def mac(message: Mapping[str, object], fields: tuple[str, ...], key: str) -> str:
    text = "|".join(str(message.get(name, "")) for name in fields)
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def signed(message: dict[str, object], fields: tuple[str, ...], key: str) -> dict[str, object]:
    return message | {"MaXacThuc": mac(message, fields, key)}


def verified(message: Mapping[str, object], fields: tuple[str, ...], key: str) -> bool:
    given = str(message.get("MaXacThuc", "")).lower()
    return bool(given) and hmac.compare_digest(given, mac(message, fields, key))


@dataclass(frozen=True)
class Fee:
    kind: int  # LoaiPhiLePhi: 1 phí, 2 lệ phí
    code: str
    name: str
    amount: int


def init_message(
    *,
    partner: str,
    key: str,
    reference: str,
    amount: int,
    dossier_code: str,
    procedure_code: str,
    procedure_name: str,
    unit_code: str,
    unit_name: str,
    payer_name: str,
    fees: list[Fee],
    mobile: bool,
    ip: str,
    now: datetime,
) -> dict[str, object]:
    """The init transaction of a fee payment; the receipt data (`ThongTinBienLai`) names the fee lines."""
    message: dict[str, object] = {
        "LoaiBanTin": "KhoiTaoGD",
        "PhienBan": VERSION,
        "MaDoiTac": partner,
        "MaThamChieu": reference,
        "SoTien": amount,
        "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": "2" if mobile else "1",
        "MaThietBi": "MOBILE" if mobile else "WEB",
        "NgonNgu": "vi",
        "MaTienTe": "VND",
        "MaNganHang": "",
        "ThongTinGiaoDich": plain(f"Thanh toan phi le phi ho so {dossier_code}"),
        "ThoiGianGD": gateway_time(now),
        "Ip": ip,
        "ThongTinBienLai": {
            "MaDichVu": FEE_SERVICE,
            "MaDonVi": unit_code,
            "TenDonVi": unit_name,
            "MaHoSo": dossier_code,
            "MaTTHC": procedure_code,
            "TenTTHC": procedure_name,
            "PhiLePhi": [
                {
                    "LoaiPhiLePhi": fee.kind,
                    "MaPhiLePhi": fee.code,
                    "TenPhiLePhi": fee.name,
                    "SoTien": fee.amount,
                }
                for fee in fees
            ],
            "NoiDungThanhToan": f"Thanh toán phí, lệ phí hồ sơ {dossier_code}",
            "HoTenNguoiNop": payer_name,
        },
    }
    return signed(message, VERSIONS[VERSION].init_fields, key)


def confirm_answer(
    *, partner: str, key: str, reference: str, code: str, text: str, now: datetime
) -> dict[str, object]:
    answer: dict[str, object] = {
        "MaLoi": code,
        "MoTaLoi": text,
        "MaDoiTac": partner,
        "MaThamChieu": reference,
    }
    answer["ThoiGianGD"] = gateway_time(now)
    return signed(answer, VERSIONS[VERSION].answer_fields, key)


def send_init(*, base: str, message: dict[str, object], key: str) -> str:
    """Posts the init transaction; the URL the payer goes to, once the platform's answer is verified."""
    request = urllib.request.Request(
        base + INIT_PATH, data=json.dumps(message).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            answer = json.loads(response.read())
    except (OSError, ValueError) as error:
        raise GatewayError(f"national payment platform: {error}") from error
    if not isinstance(answer, dict) or not verified(answer, ("MaLoi", "MaThamChieu", "UrlThanhToan"), key):
        raise GatewayError(
            "national payment platform: the answer is unsigned or its signature does not match"
        )
    if answer.get("MaLoi") != "00" or answer.get("MaThamChieu") != message["MaThamChieu"]:
        raise GatewayError(f"national payment platform refused the transaction: {answer.get('MaLoi')}")
    return str(answer["UrlThanhToan"])

"""PAdES signing with pyHanko: baseline B-LT (an RFC 3161 signature timestamp and the validation data, the chain
and its CRLs, embedded in the document's security store), with a visible stamp in Vietnamese and a QR code that
opens the platform's verification page. Pure: bytes in, bytes out; nothing is written to the database."""

from dataclasses import dataclass
from functools import cache
from io import BytesIO

import fontpkg
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import QRStampStyle

from tinhso.signing import profiles
from tinhso.signing.threads import outside_event_loop

FONT_FAMILY = "Be Vietnam Pro"
FONT_SIZE = 7  # equal in the glyph factory and the text box: pyHanko lays the text out with both
STAMP_WIDTH, STAMP_HEIGHT = 250, 62  # points
MARGIN = 28
STAMP_TEXT = "Ký bởi: %(signer)s\nThời gian ký: %(ts)s\nMã xác thực: %(code)s\nTra cứu: %(url)s"


class Unsignable(ValueError):
    """The bytes are not a PDF pyHanko can add a signature to."""


class TimestampUnavailable(RuntimeError):
    """The timestamp authority did not answer: nothing was signed, the same work can be tried again."""


@dataclass(frozen=True)
class Stamp:
    """What the visible signature says: the verification code and the page its QR code opens."""

    code: str
    url: str
    reason: str
    location: str


@cache
def _stamp_style() -> QRStampStyle:
    font = GlyphAccumulatorFactory(str(fontpkg.path(FONT_FAMILY, 400)), font_size=FONT_SIZE)
    return QRStampStyle(
        stamp_text=STAMP_TEXT,
        text_box_style=TextBoxStyle(font=font, font_size=FONT_SIZE),
        border_width=1,
        timestamp_format="%d/%m/%Y %H:%M:%S %z",
    )


def _box(writer: IncrementalPdfFileWriter) -> tuple[int, int, int, int]:
    """Bottom right of the last page, where Decree 30/2020 puts the signature block, clear of the margin."""
    page, _ = writer.find_page_for_modification(-1)
    media_box = page.get_object().get("/MediaBox", [0, 0, 595, 842])  # A4 when inherited from the tree
    x2 = int(float(media_box[2])) - MARGIN
    return (x2 - STAMP_WIDTH, MARGIN, x2, MARGIN + STAMP_HEIGHT)


def sign_pdf(
    pdf: bytes,
    *,
    stamp: Stamp,
    profile: profiles.Profile,
    field_name: str = "ChuKySo",
    timestamp: bool = True,
) -> bytes:
    """The document signed as PAdES B-LT (B-B without a timestamp authority or when `timestamp` is off), its
    stamp on the last page. A token that cannot sign now raises profiles.KeyUnavailable."""
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        box = _box(writer)
    except (PdfError, KeyError, TypeError, ValueError) as error:
        raise Unsignable(str(error)) from None
    stamper = profiles.timestamper(profile) if timestamp else None
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=stamp.reason,
        location=stamp.location,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=True,
        validation_context=profiles.validation_context(),
    )
    out = BytesIO()
    try:
        with profiles.token_errors(profile):
            pdf_signer = signers.PdfSigner(
                metadata,
                signer=profiles.load_signer(profile),
                timestamper=stamper,
                stamp_style=_stamp_style(),
                new_field_spec=fields.SigFieldSpec(field_name, on_page=-1, box=box),
            )
            outside_event_loop(
                lambda: pdf_signer.sign_pdf(
                    writer, output=out, appearance_text_params={"url": stamp.url, "code": stamp.code}
                )
            )
    except TimestampRequestError as error:
        raise TimestampUnavailable(str(error)) from None
    return out.getvalue()

"""PAdES signing with pyHanko: baseline B-LT (an RFC 3161 signature timestamp and the validation data, the chain
and its CRLs, embedded in the document's security store), with a visible stamp in Vietnamese and a QR code that
opens the platform's verification page. Pure: bytes in, bytes out; nothing is written to the database."""

import string
import unicodedata
from dataclasses import dataclass
from functools import cache
from io import BytesIO

import fontpkg
import uharfbuzz as hb
from fontTools import subset, ttLib
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
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
# Every character a stamp normally shows: ASCII (codes, addresses, times), the Vietnamese alphabet with its
# five tone marks, and typographic quotes and dashes. The stamp's font is cut to these once per process.
_VOWELS = "aăâeêioôơuưy"
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_LETTERS = _VOWELS + "đ" + "".join(unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES)
REPERTOIRE = frozenset(string.printable + _LETTERS + _LETTERS.upper() + "“”‘’–—…·")


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
def _cut_font() -> tuple[bytes, hb.Font]:
    """The stamp's font cut once per process to REPERTOIRE: HarfBuzz shapes with its kerning, and each
    signature subsets and embeds a copy without layout tables (the same glyph ids), instead of parsing the
    whole font, which was a third of a signature's time (docs/benchmarks.md)."""
    font = ttLib.TTFont(str(fontpkg.path(FONT_FAMILY, 400)))
    subsetter = subset.Subsetter(subset.Options(layout_features=["kern"], hinting=False))
    subsetter.populate(unicodes=[ord(character) for character in REPERTOIRE])
    subsetter.subset(font)
    kerned = BytesIO()
    font.save(kerned)
    for table in ("GPOS", "GSUB", "GDEF"):  # pyHanko drops them from what it embeds anyway
        if table in font:
            del font[table]
    bare = BytesIO()
    font.save(bare)
    return bare.getvalue(), hb.Font(hb.Face(kerned.getvalue()))


class _CutFontAccumulator(GlyphAccumulator):
    def __init__(self, writer: BasePdfFileWriter, *, font_size: int, obj_stream=None) -> None:
        bare, shaper = _cut_font()
        super().__init__(writer, BytesIO(bare), font_size, obj_stream=obj_stream)
        self.hb_font = shaper


@dataclass(frozen=True)
class _CutFontFactory(GlyphAccumulatorFactory):
    """pyHanko's factory, with the font cut once per process instead of the font file."""

    def create_font_engine(self, writer: BasePdfFileWriter, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return _CutFontAccumulator(writer, font_size=self.font_size, obj_stream=obj_stream)


@cache
def _stamp_style(*, cut: bool = True) -> QRStampStyle:
    """The stamp's look; `cut` uses the font cut to REPERTOIRE, else the whole font (a rare letter)."""
    factory = _CutFontFactory if cut else GlyphAccumulatorFactory
    font = factory(str(fontpkg.path(FONT_FAMILY, 400)), font_size=FONT_SIZE)
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
            signer = profiles.load_signer(profile)
            shown = f"{stamp.code}{stamp.url}{signer.subject_name or ''}"
            pdf_signer = signers.PdfSigner(
                metadata,
                signer=signer,
                timestamper=stamper,
                stamp_style=_stamp_style(cut=REPERTOIRE.issuperset(shown)),
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

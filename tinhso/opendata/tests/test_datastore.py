"""Loading uploaded tables whatever state they come in (CKAN's datapusher failures, done better): encodings,
dialects, types inferred over the whole file, "N/A" as null, bad rows reported by row number, unreadable files
refused with a reason, XLSX, the reaper of stuck loads, and a new version shown only once fully loaded."""

import csv
import io
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook
from psycopg import sql

from tinhso.opendata import columnar, datastore, services, tables, tabular
from tinhso.opendata.models import LoadJob, Resource
from tinhso.opendata.tests.conftest import SCHOOLS, job, load, make_dataset, rows_of, windows_1258

pytestmark = pytest.mark.django_db


def types_of(version) -> dict[str, str]:
    return {field["name"]: field["type"] for field in version.fields}


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("utf-8", lambda text: text.encode("utf-8")),
        ("utf-8-sig", lambda text: b"\xef\xbb\xbf" + text.encode("utf-8")),
        ("utf-16", lambda text: text.encode("utf-16")),
        ("cp1258", windows_1258),
    ],
)
def test_each_encoding_loads_the_same_vietnamese_rows(od, encoding, encode):
    version = load(make_dataset(), encode(SCHOOLS))
    assert job(version).status == LoadJob.Status.DONE and job(version).encoding == encoding
    assert rows_of(version)[0]["Tên trường"] == "Trường THPT Chuyên Phan Ngọc Hiển"
    assert rows_of(version)[2]["Xã phường"] == "Xã Đầm Dơi"
    assert types_of(version) == {"Tên trường": "string", "Cấp học": "string", "Xã phường": "string",
                                 "Số học sinh": "integer", "Ngày thành lập": "date"}  # fmt: skip


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_the_dialect_is_sniffed(od, delimiter):
    version = load(make_dataset(), SCHOOLS.replace(",", delimiter).encode())
    assert job(version).delimiter == delimiter
    assert rows_of(version)[1]["Số học sinh"] == 980


def test_types_come_from_the_whole_file_and_na_is_null(od):
    lines = ["Mã xã,Dân số,Diện tích km2"] + [f"{32000 + n},{1000 + n},{n}.5" for n in range(1, 6000)]
    lines[5000] = "37000, N/A ,  "  # a late "N/A" and blanks with stray spaces
    version = load(make_dataset(), "\n".join(lines).encode())
    assert types_of(version) == {"Mã xã": "string", "Dân số": "integer", "Diện tích km2": "number"}
    assert rows_of(version)[4999] == {"Mã xã": "37000", "Dân số": None, "Diện tích km2": None}
    assert version.rows == 5999 and job(version).bad_rows == []


def test_bad_rows_are_reported_by_row_number_and_the_rest_loads(od):
    lines = ["Huyện,Số hộ nghèo"] + [f"Xã {n},{n}" for n in range(1, 200)]
    lines[50] = "Xã thiếu cột"  # file row 51
    lines[120] = "Xã 120,không rõ"  # a text among 198 numbers: the column stays a number
    lines[150] = "Xã 150,1,2"
    version = load(make_dataset(), "\n".join(lines).encode())
    bad = job(version).bad_rows
    assert [(item["row"], item["column"]) for item in bad] == [(51, ""), (121, "Số hộ nghèo"), (151, "")]
    assert "không rõ" in bad[1]["message"]
    assert version.rows == 196 and types_of(version)["Số hộ nghèo"] == "integer"


def test_leading_zeros_stay_text(od):
    version = load(make_dataset(), b"Ma,So\n0101,1\n0202,2\n")
    assert types_of(version)["Ma"] == "string" and rows_of(version)[0]["Ma"] == "0101"


def test_one_zero_padded_code_keeps_a_long_column_text_and_every_row(od):
    lines = ["Đơn vị,Dân số"] + [f"{31000 + n},{500 + n}" for n in range(1, 300)]
    lines[7] = "00007,507"  # one code in 299 with its leading zeros: not a misfit to refuse
    version = load(make_dataset(), "\n".join(lines).encode())
    assert types_of(version) == {"Đơn vị": "string", "Dân số": "integer"}
    assert rows_of(version)[6]["Đơn vị"] == "00007" and job(version).bad_rows == []


@pytest.mark.parametrize("header", ["Mã đơn vị", "Số điện thoại", "ID", "code"])
def test_a_column_named_as_an_identifier_is_text_even_without_zeros(od, header):
    version = load(make_dataset(), f"{header},Số hộ\n31001,12\n31002,13\n".encode())
    assert types_of(version) == {header: "string", "Số hộ": "integer"}
    assert rows_of(version)[0][header] == "31001"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (bytes(range(128, 256)) * 50, "bảng mã"),
        (b"ten,so\x00\x00\x00\n", "NUL"),
        (b"   \n  ", "rỗng"),
    ],
)
def test_an_unreadable_file_ends_in_error_with_its_reason(od, content, reason):
    dataset = make_dataset()
    first = load(dataset, SCHOOLS.encode())
    broken = load(dataset, content, resource_id=first.resource_id)
    assert job(broken).status == LoadJob.Status.ERROR and reason in job(broken).error
    resource = Resource.objects.get(pk=first.resource_id)
    assert resource.current_id == first.pk  # the earlier version is still the one shown
    assert not datastore.holds(broken.pk)


def test_a_quoted_field_broken_to_the_end_is_one_bad_row_not_a_crash(od):
    version = load(make_dataset(), b'ten,so\n"a,1\nb,2\n')
    assert job(version).status == LoadJob.Status.ERROR  # the quote swallowed every row: nothing valid
    assert job(version).bad_rows[0]["row"] == 2 and "Không có dòng" in job(version).error


def test_xlsx_loads_with_typed_cells(od, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Tên chợ", "Số sạp", "Ngày khai trương"])
    sheet.append(["Chợ Cà Mau", 420, timezone.datetime(2005, 1, 15)])
    sheet.append(["Chợ Tắc Vân", 85, None])
    path = tmp_path / "cho.xlsx"
    book.save(path)
    version = load(make_dataset(), path.read_bytes(), filename="cho.xlsx")
    assert types_of(version) == {"Tên chợ": "string", "Số sạp": "integer", "Ngày khai trương": "date"}
    assert rows_of(version)[0] == {"Tên chợ": "Chợ Cà Mau", "Số sạp": 420, "Ngày khai trương": "2005-01-15"}


def test_a_new_version_replaces_the_rows_only_once_loaded(od):
    dataset = make_dataset()
    first = load(dataset, SCHOOLS.encode())
    second = services.add_version(
        actor=None, dataset_id=dataset.pk, content=__import__("io").BytesIO(b"a,b\n1,2\n"), filename="moi.csv",
        size=8, resource_id=first.resource_id,
    )  # fmt: skip
    assert Resource.objects.get(pk=first.resource_id).current_id == first.pk  # queued: still the old rows
    services.run_load(job_id=second.job.pk)
    assert Resource.objects.get(pk=first.resource_id).current_id == second.pk
    assert not datastore.holds(first.pk)
    assert second.number == 2


def test_the_reaper_requeues_a_stuck_load_then_gives_up(od, django_capture_on_commit_callbacks):
    dataset = make_dataset()
    version = services.add_version(actor=None, dataset_id=dataset.pk, content=__import__("io").BytesIO(SCHOOLS.encode()),
                                   filename="a.csv", size=len(SCHOOLS.encode()))  # fmt: skip
    stuck = services.start_load(job_id=version.job.pk)  # a worker took it, then was killed
    assert stuck is not None and stuck.status == LoadJob.Status.RUNNING
    later = timezone.now() + services.STUCK_AFTER + timedelta(minutes=1)
    assert services.reap_stuck_loads(now=timezone.now()) == []  # its heartbeat is recent
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reap_stuck_loads(now=later) == [stuck.pk]
    assert job(version).status == LoadJob.Status.DONE  # the queue ran it again
    LoadJob.objects.filter(pk=stuck.pk).update(status=LoadJob.Status.RUNNING, attempts=services.MAX_ATTEMPTS)
    services.reap_stuck_loads(now=later)
    assert job(version).status == LoadJob.Status.ERROR and "gián đoạn" in job(version).error


def test_an_upload_too_large_or_of_another_kind_is_refused(od):
    from io import BytesIO

    from tinhso.core.errors import InvalidInput

    dataset = make_dataset()
    with pytest.raises(InvalidInput) as refused:
        services.add_version(actor=None, dataset_id=dataset.pk, content=BytesIO(b"x"), filename="a.csv",
                             size=200 * 1024 * 1024)  # fmt: skip
    assert refused.value.code == "file_too_large" and "file" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        services.add_version(
            actor=None, dataset_id=dataset.pk, content=BytesIO(b"x"), filename="a.pdf", size=1
        )
    assert refused.value.code == "unsupported_format"


EVERY_TYPE = (
    "Mã xã,Dân số,Tỷ lệ hộ nghèo,Ngày điều tra,Thời điểm,Ghi chú\n"
    '00007,1200,"12,5",05/09/2026,05/09/2026 10:30,N/A\n'
    "31001, 980 ,3,01/10/2026,2026-10-01T08:00:00,  Có   \n"
    "31002,,-,,,Xã Đầm Dơi\n"
)


def test_each_type_is_stored_and_read_back_alike_on_both_databases(od):
    version = load(make_dataset(), EVERY_TYPE.encode())
    assert types_of(version) == {"Mã xã": "string", "Dân số": "integer", "Tỷ lệ hộ nghèo": "number",
                                 "Ngày điều tra": "date", "Thời điểm": "datetime", "Ghi chú": "string"}  # fmt: skip
    assert rows_of(version) == [
        {"Mã xã": "00007", "Dân số": 1200, "Tỷ lệ hộ nghèo": 12.5, "Ngày điều tra": "2026-09-05",
         "Thời điểm": "2026-09-05T10:30:00", "Ghi chú": None},
        {"Mã xã": "31001", "Dân số": 980, "Tỷ lệ hộ nghèo": 3, "Ngày điều tra": "2026-10-01",
         "Thời điểm": "2026-10-01T08:00:00", "Ghi chú": "Có"},
        {"Mã xã": "31002", "Dân số": None, "Tỷ lệ hộ nghèo": None, "Ngày điều tra": None, "Thời điểm": None,
         "Ghi chú": "Xã Đầm Dơi"},
    ]  # fmt: skip


def test_a_clean_csv_is_read_by_postgresql_itself_into_the_same_rows(od, monkeypatch):
    if tables.used():  # PostgreSQL reads the file's bytes: Python's second pass must not run
        monkeypatch.setattr(datastore, "_write", lambda *args: pytest.fail("the rows went through Python"))
    clean = (
        EVERY_TYPE.replace(" 980 ", "980")
        .replace("  Có   ", "Có")
        .replace("Xã Đầm Dơi", '"Xã Đầm Dơi, Cà Mau"')
    )
    version = load(make_dataset(), b"\xef\xbb\xbf" + clean.encode())
    assert version.rows == 3 and [row["Dân số"] for row in rows_of(version)] == [1200, 980, None]
    assert (
        rows_of(version)[0]["Tỷ lệ hộ nghèo"] == 12.5
        and rows_of(version)[0]["Thời điểm"] == "2026-09-05T10:30:00"
    )
    assert rows_of(version)[2] == {"Mã xã": "31002", "Dân số": None, "Tỷ lệ hộ nghèo": None, "Ngày điều tra": None,
                                   "Thời điểm": None, "Ghi chú": "Xã Đầm Dơi, Cà Mau"}  # fmt: skip


def test_a_quote_inside_a_cell_is_kept_as_pythons_csv_reads_it(od):
    version = load(make_dataset(), 'Tên,Số\nTivi 5" màn hình,1\n"Tủ ""lạnh""",2\n'.encode())
    assert [row["Tên"] for row in rows_of(version)] == ['Tivi 5" màn hình', 'Tủ "lạnh"']


def test_a_value_past_the_first_pass_refuses_the_whole_load_and_keeps_nothing(od, monkeypatch):
    dataset = make_dataset()
    first = load(dataset, SCHOOLS.encode())
    monkeypatch.setattr(datastore, "_misfits", lambda *args: {})  # as if the first pass had let it through
    lines = ["Huyện,Số hộ nghèo"] + [f"Xã {n},{n}" for n in range(1, 200)]
    lines[120] = "Xã 120,không rõ"
    broken = load(dataset, "\n".join(lines).encode(), resource_id=first.resource_id)
    assert job(broken).status == LoadJob.Status.ERROR
    assert (
        job(broken).error
        == "Dòng 121, cột “Số hộ nghèo”: “không rõ” không phải số nguyên. Chưa dòng nào được nạp."
    )
    assert not datastore.holds(broken.pk) and datastore.holds(first.pk)
    assert Resource.objects.get(pk=first.resource_id).current_id == first.pk


def test_deleting_a_resource_drops_its_rows(od):
    version = load(make_dataset(), SCHOOLS.encode())
    assert datastore.holds(version.pk)
    Resource.objects.filter(pk=version.resource_id).delete()
    assert not datastore.holds(version.pk)


def test_a_file_too_large_to_keep_is_read_again_with_the_same_result(od, monkeypatch):
    monkeypatch.setattr(datastore, "CACHE_CHARS", 0)  # the first pass keeps no block: the second reads again
    monkeypatch.setattr(datastore, "BLOCK", 7)
    version = load(
        make_dataset(), EVERY_TYPE.encode() + "".join(f"3{n:04d},{n},,,,\n" for n in range(20)).encode()
    )
    assert rows_of(version)[1]["Tỷ lệ hộ nghèo"] == 3 and rows_of(version)[0]["Mã xã"] == "00007"
    assert [row["Dân số"] for row in rows_of(version)[3:6]] == [0, 1, 2] and version.rows == 23


AS_READ = (
    "Hộ,Xã,Ngày,Số người,Thu nhập,Ghi chú\n"
    "1,Xã Tân Lộc,05/09/2026,4,12.5,N/A\n"
    "N/A,-,2026-10-01,N/A,N/A,hộ nghèo\n"
    "3,Xã Đầm Dơi,,,7.25,-"
)


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_clean_csv_goes_to_postgresql_while_it_is_read(od, monkeypatch, end):
    monkeypatch.setattr(datastore, "BLOCK", 2)  # `_id` goes on from block to block
    if tables.used():  # neither a second pass nor a staging table
        monkeypatch.setattr(datastore, "_write", lambda *args: pytest.fail("the rows went through Python"))
        monkeypatch.setattr(tables, "copy_csv", lambda *args, **kwargs: pytest.fail("a staging table"))
    version = load(make_dataset(), AS_READ.replace("\n", end).encode())
    assert types_of(version) == {"Hộ": "integer", "Xã": "string", "Ngày": "date", "Số người": "integer",
                                 "Thu nhập": "number", "Ghi chú": "string"}  # fmt: skip
    assert rows_of(version) == [
        {"Hộ": 1, "Xã": "Xã Tân Lộc", "Ngày": "2026-09-05", "Số người": 4, "Thu nhập": 12.5, "Ghi chú": None},
        {"Hộ": None, "Xã": None, "Ngày": "2026-10-01", "Số người": None, "Thu nhập": None, "Ghi chú": "hộ nghèo"},
        {"Hộ": 3, "Xã": "Xã Đầm Dơi", "Ngày": None, "Số người": None, "Thu nhập": 7.25, "Ghi chú": None},
    ]  # fmt: skip
    if tables.used():  # the table as the other paths leave it: a plain `_id` as its key, in the file's order
        assert ids_and_first_cells(version) == [(1, 1), (2, None), (3, 3)]
        with pytest.raises(IntegrityError), transaction.atomic():
            tables.execute(sql.SQL("INSERT INTO {} (_id) VALUES (2)").format(tables.table(version.pk)))


def test_quoted_cells_and_blanks_go_to_postgresql_while_it_is_read(od, monkeypatch):
    if tables.used():
        monkeypatch.setattr(datastore, "_write", lambda *args: pytest.fail("the rows went through Python"))
        monkeypatch.setattr(tables, "copy_csv", lambda *args, **kwargs: pytest.fail("a staging table"))
    version = load(make_dataset(), 'Xã,Số hộ\n"Xã Đầm Dơi, Cà Mau",""\n"",12\n'.encode())
    assert rows_of(version) == [{"Xã": "Xã Đầm Dơi, Cà Mau", "Số hộ": None}, {"Xã": None, "Số hộ": 12}]
    if tables.used():
        assert ids_and_first_cells(version) == [(1, "Xã Đầm Dơi, Cà Mau"), (2, None)]


def ids_and_first_cells(version):
    return tables.execute(sql.SQL("SELECT _id, c1 FROM {} ORDER BY _id").format(tables.table(version.pk)))


def test_a_type_the_first_blocks_did_not_show_rolls_the_early_table_back(od, monkeypatch):
    monkeypatch.setattr(datastore, "BLOCK", 2)  # the table is made after the first two rows, as integers
    started = []
    copying_csv = tables.copying_csv
    monkeypatch.setattr(tables, "copying_csv", lambda *args: started.append(args) or copying_csv(*args))
    lines = ["Xã,Số hộ"] + [f"Xã {n},{n}" for n in range(1, 8)]
    lines[5] = "Xã 5,5.5"
    version = load(make_dataset(), "\n".join(lines).encode())
    assert len(started) == tables.used()
    assert types_of(version) == {"Xã": "string", "Số hộ": "number"} and job(version).bad_rows == []
    assert [row["Số hộ"] for row in rows_of(version)] == [1, 2, 3, 4, 5.5, 6, 7]


def test_a_null_word_beside_a_quote_leaves_the_block_to_the_other_paths(od):
    version = load(
        make_dataset(), 'Xã,Số hộ,Ghi chú\n"Xã Đầm Dơi, Cà Mau",N/A,-\nXã Tân Lộc,3,"a ""b"""\n'.encode()
    )
    assert rows_of(version) == [{"Xã": "Xã Đầm Dơi, Cà Mau", "Số hộ": None, "Ghi chú": None},
                                {"Xã": "Xã Tân Lộc", "Số hộ": 3, "Ghi chú": 'a "b"'}]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "blanked"),
    [
        ("N/A,N/A,N/A,N/A\n1,N/A,N/A,2\n", ",,,\n1,,,2\n"),
        ("1,-,x,N/A\r\nN/A,2,-,-", "1,,x,\r\n,2,,"),
        ("N/Ax,xN/A,N/A x,3\n", "N/Ax,xN/A,N/A x,3\n"),  # a null word inside a cell stays
    ],
)
def test_null_words_are_blanked_whole_cells_only(text, blanked):
    nulls = [frozenset({"N/A", "-"})] * 4
    assert datastore._blanked(text.encode(), nulls, ",") == blanked.encode()
    assert (
        datastore._blanked(('"a",' + text).encode(), nulls, ",") is None
    )  # a quote: where cells end is unclear


@pytest.mark.parametrize(
    "text",
    [
        "a,b,c\n1,2,3\n",
        "a,b,c\r\n1,,3\r\n4,5,6",
        "a,b,c\n1,2\n3,4,5,6\n",  # widths that add up
        "a,b,c\n1,2,3\n\n4,5,6\n",  # a blank line
        'a,b,c\n"1,2",3,4\n5,"",6\n',
        "a,b,c\r\n1,2,3\n4,5,6\r",  # mixed line ends
    ],
)
def test_blocks_are_split_as_the_csv_module_reads_them(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())
    source = tabular.Source(columns=["a", "b", "c"], encoding="utf-8", delimiter=",")
    records = [cells for cells in csv.reader(io.StringIO(text, newline=""))][1:]
    for block in tabular.csv_blocks(path, source, 2):
        got = [list(cells) for cells in zip(*block.columns, strict=True)] if block.columns else block.records
        assert got == records[: len(got)] and block.text
        records = records[len(got) :]
    assert records == []


def test_a_file_unreadable_past_the_early_table_ends_in_error_and_keeps_nothing(od, monkeypatch):
    monkeypatch.setattr(datastore, "BLOCK", 1000)  # the early table is made long before the broken byte
    dataset = make_dataset()
    first = load(dataset, SCHOOLS.encode())
    lines = "Xã,Số hộ\n" + "".join(f"Xã Tân Lộc {n},{n}\n" for n in range(60_000))  # read 1 MB at a time
    started = []
    copying_csv = tables.copying_csv
    monkeypatch.setattr(tables, "copying_csv", lambda *args: started.append(args) or copying_csv(*args))
    broken = load(dataset, lines.encode() + b"X\xe3 \xff,1\n", resource_id=first.resource_id)
    assert len(started) == tables.used()
    assert job(broken).status == LoadJob.Status.ERROR and "bảng mã" in job(broken).error
    assert (
        not datastore.holds(broken.pk) and Resource.objects.get(pk=first.resource_id).current_id == first.pk
    )


POOLS = {
    "integer": ["1", "42", "-7", "+3", "0", "123456789012345678", "1234567890123456789"],
    "padded": ["007", "01", "0"],
    "number": ["1.5", "2,25", ".5", "1e3", "-0.0", "3", "12.75"],
    "date": ["05/09/2026", "2026-10-01", "31/02/2026", "2026-13-01", "1/1/2026"],
    "datetime": ["05/09/2026 10:30", "2026-10-01T08:00:00", "2026-10-01 08:00"],
    "text": ["Xã Tân Lộc", "hộ nghèo", "abc", "Đầm Dơi", "1 2", "+", ".", "-5-", "1..2", "Ấp 3"],
    "null": ["", "N/A", "n/a", "-", "--", "null", "NONE", "không có", "KHÔNG CÓ", "#N/A"],
    "spaced": [" 12", "12 ", " N/A ", "\u00a0x", "x\u3000", "  ", "\t7"],
    "personal": [
        "0912345678",
        "123456789",
        "a@b.vn",
        "079123456789",
        "51F-123.45",
        "0123456789-001",
        "Gọi 0987654321",
    ],
    "digits": ["١٢", "٣", "12", "٣.٥"],
}


def _random_csv(seed: int, rows: int) -> str:
    """A table of columns each drawn mostly from one pool, now and then from another."""
    import random

    rng = random.Random(seed)
    styles = [rng.choice(list(POOLS)) for _ in range(rng.randint(2, 5))]
    lines = ["|".join(f"Cột {index}" for index in range(len(styles)))]
    for _ in range(rows):
        cells = [
            rng.choice(POOLS[style if rng.random() < 0.85 else rng.choice(list(POOLS))]) for style in styles
        ]
        lines.append("|".join(cells))
    return "\n".join(lines) + rng.choice(["", "\n"])


class _Nowhere:
    def add(self, *args) -> None:
        """The early COPY is not under test here."""


@pytest.mark.parametrize("distinct", [False, True])
@pytest.mark.parametrize("few", [0, 1000])
@pytest.mark.parametrize("seed", range(30))
def test_arrows_first_pass_learns_what_the_csv_modules_does(tmp_path, monkeypatch, seed, few, distinct):
    """Types, per-block fits, null spellings and personal-data findings are the same whichever reads."""
    monkeypatch.setattr(datastore, "BLOCK", 7)
    monkeypatch.setattr(columnar, "FEW", few)  # 0: every block through Arrow's kernels
    monkeypatch.setattr(columnar, "_few", lambda cells: distinct)  # patterns per distinct value, or not
    path = tmp_path / "t.csv"
    path.write_bytes(_random_csv(seed, 45).encode())
    arrow = datastore._infer_columns(path, _Nowhere())
    assert arrow.source.delimiter == "|"
    loaded = datastore.Loaded(fields=[])
    python = datastore._infer(path, format="CSV", by_row=False, loaded=loaded, ahead=None)
    assert loaded.bad_count == 0 and arrow.kept is None and python.cells is None
    assert (arrow.kinds, arrow.fitted, arrow.nulls) == (python.kinds, python.fitted, python.nulls)
    assert (arrow.rows, arrow.last) == (python.rows, python.last) == (45, 46)
    found_by_arrow, found_by_python = datastore.Loaded(fields=[]), datastore.Loaded(fields=[])
    datastore._scan(arrow, found_by_arrow, path)
    datastore._scan(python, found_by_python, path)
    assert found_by_arrow.findings == found_by_python.findings


def test_arrow_writes_a_blocks_records_for_copy_after_their_ids():
    import pyarrow as pa

    table = pa.table({"a": ["1", "N/A", "x", " ", "2"], "b": ["", "y", "N/A", "z", "-"]}).slice(1, 3)
    nulls = [frozenset({"N/A", " "}), frozenset({"", "N/A", "-"})]
    assert columnar.copy_lines(table.columns, 7, nulls, ";") == b"7;;y\n8;x;\n9;;z\n"


@pytest.mark.parametrize("size", [10, 20_000])
def test_the_personal_data_filter_matches_what_its_pattern_does(size):
    import pyarrow as pa
    import pyarrow.compute as pc

    ascii = ["0912345678", "a@b.vn", "12A", "abc", "1"]
    for pool in (POOLS["personal"] + POOLS["text"] + POOLS["digits"], POOLS["text"], POOLS["null"], ascii):
        few = pa.chunked_array([[pool[number % len(pool)] for number in range(size)]])
        many = pa.chunked_array([[f"{pool[number % len(pool)]} {number}" for number in range(size)]])
        for cells in (few, many):
            expected = pc.match_substring_regex(cells, columnar.PERSONAL).to_pylist()
            assert columnar._personal(cells).to_pylist() == expected


def test_arrows_patterns_mean_what_pythons_do():
    import pyarrow as pa
    import pyarrow.compute as pc

    characters = [chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000]
    spaces = pc.match_substring_regex(pa.array(characters), f"^{columnar.SPACE}$").to_pylist()
    assert spaces == [character.isspace() for character in characters]
    values = ["0", "7", "-0", "+12", "007", "-01", "1.", ".5", ",5", "1,5", "1e5", "1E+05", "1e123", "e5", "+", "",
              "123456789012345678", "1234567890123456789", "1" * 31, "1" * 30 + ".5", "0.0", "12a", " 1", "1 "]  # fmt: skip
    for pattern, python in [
        (columnar.INTEGER, tabular.INTEGER),
        (columnar.NUMBER, tabular.NUMBER),
        (columnar.DIGITS, columnar.ASCII_DIGITS),
    ]:
        matched = pc.match_substring_regex(pa.array(values), pattern).to_pylist()
        assert matched == [python.fullmatch(value) is not None for value in values], pattern
    cleaned = pc.match_substring_regex(
        pa.array(POOLS["null"] + POOLS["spaced"] + ["x", "N/Ax"]), columnar.CLEAN
    )
    assert cleaned.to_pylist() == [
        tabular.needs_cleaning(cell) for cell in POOLS["null"] + POOLS["spaced"] + ["x", "N/Ax"]
    ]


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n1,"2"\n',  # a quote
        '"a",b\n1,2\n',  # a quoted header
        "a,b\n1,2\n\n3,4\n",  # a blank line
        "a,b\r\n1,2\r\n\r\n3,4\r\n",
        "a,b\n1,2\r3,4\n",  # a lone carriage return
        "a,b\r\n1,2\n3,4\r\n",  # line ends mixed
        "a,b\n1,2,3\n",  # another width
        "a,b\n1\n",
        "a\n1\n",  # one column: a blank line would be a null
    ],
)
def test_arrow_leaves_to_the_csv_module_what_it_might_split_otherwise(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())
    with pytest.raises(columnar.Unsuited):
        datastore._infer_columns(path, _Nowhere())


def test_a_quote_past_arrows_first_blocks_starts_the_load_again_with_the_csv_module(od, monkeypatch):
    monkeypatch.setattr(datastore, "BLOCK", 2)
    monkeypatch.setattr(columnar, "CHUNK_BYTES", 16)  # Arrow reads two lines at a time
    started = []
    copying_csv = tables.copying_csv
    monkeypatch.setattr(tables, "copying_csv", lambda *args: started.append(args) or copying_csv(*args))
    if tables.used():  # the csv module's reading still sends the rows to PostgreSQL as it reads them
        monkeypatch.setattr(datastore, "_write", lambda *args: pytest.fail("the rows went through Python"))
    lines = ["Xã,Số hộ"] + [f"Xã {n},{n}" for n in range(1, 9)]
    lines[7] = '"Xã 7, Cà Mau",7'
    version = load(make_dataset(), "\n".join(lines).encode())
    assert len(started) == 2 * tables.used()  # Arrow's attempt rolled back, then the csv module's
    assert [row["Xã"] for row in rows_of(version)][5:8] == ["Xã 6", "Xã 7, Cà Mau", "Xã 8"]
    assert [row["Số hộ"] for row in rows_of(version)] == list(range(1, 9)) and job(version).bad_rows == []


def test_a_clean_csv_is_read_by_arrow_not_the_csv_module(od, monkeypatch):
    if tables.used():
        monkeypatch.setattr(
            datastore, "_infer", lambda *args, **kwargs: pytest.fail("the csv module read it")
        )
    version = load(make_dataset(), AS_READ.encode())
    assert version.rows == 3 and rows_of(version)[1]["Ghi chú"] == "hộ nghèo"


def test_a_web_worker_does_not_load_arrow():
    """pyarrow (~50 MB a process) serves only the loading job: a starting web worker imports the datastore
    but not its Arrow half."""
    names = ("tinhso.opendata.datastore", "tinhso.opendata.columnar", "pyarrow")
    code = f"import sys, tinhso.wsgi; print(*[name in sys.modules for name in {names!r}])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "False"]

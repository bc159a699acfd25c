"""A package rebuilt with a few members replaced: every other member carried over as it
was, big ones and the streamed worksheet included."""

from __future__ import annotations

import io
import random
import zipfile

from sheetsync.sheets.xlsx_package import CHUNK, Spool, member_chunks, rebuild


def package(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for number, (name, data) in enumerate(members.items()):
            info = zipfile.ZipInfo(name, (2024, 1, 1 + number, 10, 30, 0))
            info.compress_type = (
                zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
            )
            book.writestr(info, data)
    return out.getvalue()


def test_members_larger_than_a_chunk_are_carried_over_and_replaced_whole() -> None:
    rnd = random.Random(7)
    image = rnd.randbytes(3 * CHUNK + 17)  # incompressible, stored
    rows = b"".join(b'<row r="%d"><c><v>%d</v></c></row>' % (n, n) for n in range(1, 60_000))
    sheet = b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>"
    source = package({
        "[Content_Types].xml": b"<Types/>",
        "xl/workbook.xml": b"<workbook/>",
        "xl/worksheets/sheet1.xml": sheet,
        "xl/media/image1.png": image,
        "xl/styles.xml": b"<styleSheet/>",
    })  # fmt: skip
    edited = sheet.replace(b"<v>", b"<v>1")
    assert len(edited) > 4 * CHUNK
    spool = Spool()
    for start in range(0, len(edited), 1000):
        spool.write(edited[start : start + 1000])

    out = io.BytesIO()
    rebuild(
        source, {"xl/worksheets/sheet1.xml": spool, "xl/styles.xml": b"<styleSheet x=''/>"}, out
    )

    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out) as new:
        assert new.testzip() is None  # every CRC holds
        assert [i.filename for i in new.infolist()] == [i.filename for i in old.infolist()]
        for before, after in zip(old.infolist(), new.infolist(), strict=True):
            assert (after.date_time, after.compress_type) == (
                before.date_time,
                before.compress_type,
            )
        assert new.read("xl/media/image1.png") == image
        assert new.read("xl/worksheets/sheet1.xml") == edited
        assert new.read("xl/styles.xml") == b"<styleSheet x=''/>"
        assert new.read("xl/workbook.xml") == b"<workbook/>"
        chunks = list(member_chunks(new, "xl/worksheets/sheet1.xml"))
        assert len(chunks) > 4 and all(len(chunk) <= CHUNK for chunk in chunks)

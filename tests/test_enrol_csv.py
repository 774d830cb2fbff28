"""Roster files read as Moodle's Upload users reads them: encodings, BOM, line endings,
delimiters, quoting, record numbers; column names as Moodle names them."""

from __future__ import annotations

from pathlib import Path

import pytest

from lemma_pkg.enrol.columns import name_columns
from lemma_pkg.enrol.csvfile import CsvFile, RosterFileError, detect_delimiter, read_csv
from lemma_pkg.enrol.problems import Problems
from lemma_pkg.enrol.roster import read_rows
from lemma_pkg.errors import UsageError

PROFILE = ["sector", "Background"]


def _read(
    tmp_path: Path, data: bytes | str, delimiter: str | None = None, encoding: str = "utf-8"
) -> tuple[CsvFile, Problems]:
    path = tmp_path / "roster.csv"
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    problems = Problems()
    return read_csv(path, problems=problems, delimiter=delimiter, encoding=encoding), problems


def test_utf8_bom_crlf_and_quoted_cells_spanning_lines(tmp_path: Path) -> None:
    data = (
        "\ufeffusername,firstname,lastname,city\r\n"
        'ann,Ann,"Smith, Jr.",Bristol\r\n'
        "\r\n"
        'bob,Bob,"Jones\r\nthe second",Leeds\r\n'
        'cy,"Cy ""the"" one",Ng,Cardiff\r\n'
    )
    csv, problems = _read(tmp_path, data)
    assert not problems.items
    assert csv.delimiter == "comma"
    assert csv.header.cells == ("username", "firstname", "lastname", "city")
    recs = csv.records
    # Moodle's numbering: header 1, blank lines not counted; physical lines kept
    assert [(r.row, r.line) for r in recs] == [(2, 2), (3, 4), (4, 6)]
    assert recs[0].cells[2] == "Smith, Jr."
    assert recs[1].cells[2] == "Jones\nthe second"  # CR LF inside quotes becomes LF
    assert recs[2].cells[1] == 'Cy "the" one'


def test_semicolons_and_lone_cr_and_leading_blank_lines(tmp_path: Path) -> None:
    csv, _ = _read(tmp_path, "\n\nusername;email\rann;ann@example.org\r")
    assert csv.delimiter == "semicolon"
    assert [(r.row, r.line, r.cells) for r in csv.records] == [(2, 4, ("ann", "ann@example.org"))]
    assert csv.header.line == 3


def test_delimiter_given_and_detected() -> None:
    assert detect_delimiter("username\tfirstname\tlastname") == "tab"
    assert detect_delimiter("username;firstname,lastname;email") == "semicolon"
    assert detect_delimiter("username") is None


def test_explicit_delimiter_wins(tmp_path: Path) -> None:
    csv, _ = _read(tmp_path, "username:email\nann:ann@example.org\n", delimiter="colon")
    assert csv.records[0].cells == ("ann", "ann@example.org")
    with pytest.raises(UsageError, match="unknown delimiter"):
        _read(tmp_path, "a,b\n", delimiter="pipe")


def test_wrong_cell_counts_are_problems_with_their_rows(tmp_path: Path) -> None:
    csv, problems = _read(tmp_path, "username,email\nann,ann@example.org\nbob\ncy,a,b\n")
    assert [r.row for r in csv.records] == [2]
    assert [(p.row, p.line, p.code, p.message) for p in problems.items] == [
        (3, 3, "cell-count", "1 cells, but the header has 2"),
        (4, 4, "cell-count", "3 cells, but the header has 2"),
    ]


def test_not_utf8_says_where_and_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(RosterFileError) as err:
        _read(tmp_path, b"username,city\nann,M\xfcnster\n")
    assert err.value.message.endswith("roster.csv:2:6: the file is not utf-8 (byte 0xfc)")
    assert "--encoding" in (err.value.hint or "")
    csv, _ = _read(tmp_path, b"username,city\nann,M\xfcnster\n", encoding="cp1252")
    assert csv.records[0].cells[1] == "Münster"


def test_empty_and_one_column_files(tmp_path: Path) -> None:
    with pytest.raises(RosterFileError, match="empty"):
        _read(tmp_path, "  \r\n\r\n")
    with pytest.raises(RosterFileError, match="cannot tell the delimiter"):
        _read(tmp_path, "username\nann\n")


def test_columns_are_named_as_moodle_names_them(tmp_path: Path) -> None:
    csv, _ = _read(
        tmp_path,
        "UserName, Email ,profile_field_sector,PROFILE_FIELD_BACKGROUND,profile_field_Background,"
        "Course1,group1,cohort2,enrolperiod1\n" + ",".join(["x"] * 9) + "\n",
    )
    problems = Problems()
    cols = name_columns(csv.header, PROFILE, problems)
    assert [(c.name, c.profile, c.base, c.slot) for c in cols] == [
        ("username", None, None, None),
        ("email", None, None, None),
        ("profile_field_sector", "sector", None, None),
        ("profile_field_Background", "Background", None, None),
        ("course1", None, "course", 1),
        ("group1", None, "group", 1),
        ("cohort2", None, "cohort", 2),
        ("enrolperiod1", None, "enrolperiod", 1),
    ]
    # PROFILE_FIELD_BACKGROUND is not a profile field in lower case ("background" is not
    # a shortname); the exact-case column is.
    assert [(p.column, p.code) for p in problems.items] == [
        ("PROFILE_FIELD_BACKGROUND", "unknown-column")
    ]


def test_unknown_and_repeated_columns_with_suggestions(tmp_path: Path) -> None:
    csv, _ = _read(tmp_path, "username,emial,course1,cours2,email,Email,profile_field_sectr\n")
    problems = Problems()
    name_columns(csv.header, ["sector"], problems)
    assert [(p.row, p.column, p.code, p.hint) for p in problems.items] == [
        (1, "emial", "unknown-column", 'did you mean "email"?'),
        (1, "cours2", "unknown-column", 'did you mean "course2"?'),
        (
            1,
            "Email",
            "duplicate-column",
            "remove one of them: Moodle refuses a file with a repeated column",
        ),
        (1, "profile_field_sectr", "unknown-column", 'did you mean "profile_field_sector"?'),
    ]
    assert problems.items[3].message == (
        'the site has no custom profile field "sectr" (column profile_field_sectr)'
    )


def test_rows_slots_defaults_and_trimming(tmp_path: Path) -> None:
    csv, _ = _read(
        tmp_path,
        "username,password,profile_field_sector,course1,role1,group1,course2,group2,group3,cohort1\n"
        " ann , S3cret!x , Industry ,,, A ,BIO,B,C,lemma\n",
    )
    problems = Problems()
    cols = name_columns(csv.header, ["sector"], problems)
    (row,) = read_rows(csv, cols, default_course="LEMMA", default_role="teacher")
    assert row.username == "ann"
    assert row.profile == {"sector": "Industry"}
    assert row.password is not None and row.password.reveal() == "S3cret!x"
    assert "S3cret" not in repr(row)
    assert [(s.n, s.course, s.role, s.group, s.default_course) for s in row.slots] == [
        (1, "LEMMA", "teacher", "A", True),
        (2, "BIO", "teacher", "B", False),
    ]
    assert row.slots[0].column("course") == "--course"
    assert row.stray == [("group3", "C")]
    assert row.cohorts == [("cohort1", "lemma")]

"""`lemma inspect`: nothing wrong in Moodle's own backup or ours; each planted defect found."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from lemma_pkg.cli import main
from lemma_pkg.diagnostics import Severity
from lemma_pkg.mbz.archive import Member, write_mbz
from lemma_pkg.mbz.inspect import InspectError, inspect_bytes
from lemma_pkg.mbz.writer import course_members
from lemma_pkg.mbz.xmlwriter import to_bytes
from tests.fixtures.mbz.course_factory import HERE, full_course

EPOCH = 1736121600
REF1 = HERE / "ref1.mbz"

Members = dict[str, bytes]


@pytest.fixture(scope="module")
def base() -> Members:
    return {m.path: m.data for m in course_members(full_course(), EPOCH)}


def pack(members: Members) -> bytes:
    buf = io.BytesIO()
    write_mbz([Member(p, d) for p, d in members.items()], buf, EPOCH)
    return buf.getvalue()


def edit(members: Members, path: str, fn: Callable[[etree._Element], None]) -> None:
    root = etree.fromstring(members[path])
    fn(root)
    members[path] = to_bytes(root)


def first(members: Members, prefix: str, suffix: str) -> str:
    return next(p for p in sorted(members) if p.startswith(prefix) and p.endswith(suffix))


def set_text(root: etree._Element, xpath: str, value: str) -> None:
    found = root.xpath(xpath)
    assert isinstance(found, list) and found, xpath
    for el in found:
        assert isinstance(el, etree._Element)
        el.text = value


def codes_of(data: bytes) -> set[str]:
    return {p.code for p in inspect_bytes(data, "x.mbz").problems}


# --------------------------------------------------------------------------- clean archives


def test_moodles_own_backup_has_nothing_wrong() -> None:
    report = inspect_bytes(REF1.read_bytes(), "ref1.mbz")
    assert not report.failed
    # Only the note that its course-level bank moves to a fallback bank on 5.x.
    assert [(p.code, p.severity.value) for p in report.problems] == [("MBZ120", "info")]
    s = report.summary
    assert s["activities"] == {
        "forum": 1,
        "glossary": 1,
        "label": 1,
        "page": 1,
        "quiz": 1,
        "resource": 1,
        "url": 1,
    }
    assert sum(s["questions"].values()) == 12
    assert s["quizzes"] == [{"title": "Placement quiz", "slots": 12, "sumgrades": 11.0}]
    assert {f["path"] for f in s["files"]} == {"/figure.png", "/data.wsz"}


def test_our_backup_has_nothing_wrong(base: Members) -> None:
    """No error or warning; one note: a hand restore leaves the glossary entries authorless."""
    report = inspect_bytes(pack(base), "ours.mbz")
    assert not report.failed
    assert [(p.code, p.severity.value) for p in report.problems] == [("MBZ116", "info")]
    note = report.problems[0]
    assert "mod_glossary_get_entries_by_letter" in note.message
    assert "`lemma deploy`" in note.hint
    assert report.summary["made_by"]["lemma"] is True
    assert report.summary["type"] == "course"


# --------------------------------------------------------------------------- defects


def _decl(m: Members) -> None:
    m["moodle_backup.xml"] = m["moodle_backup.xml"].replace(
        b'<?xml version="1.0" encoding="UTF-8"?>', b"<?xml version='1.0' encoding='UTF-8'?>"
    )


def _folder(m: Members) -> None:
    for p in list(m):
        m[f"backup/{p}"] = m.pop(p)


def _bad_xml(m: Members) -> None:
    p = first(m, "activities/page_", "/page.xml")
    m[p] = m[p].replace(b"<name>", b"<name>A & B", 1)


def _no_grades(m: Members) -> None:
    del m[first(m, "activities/page_", "/grades.xml")]


def _no_questions_xml(m: Members) -> None:
    del m["questions.xml"]


def _setting_for_absent(m: Members) -> None:
    def fn(root: etree._Element) -> None:
        settings = root.find("information/settings")
        assert settings is not None
        s = etree.SubElement(settings, "setting")
        for k, v in (
            ("level", "activity"),
            ("activity", "page_1"),
            ("name", "page_1_included"),
            ("value", "1"),
        ):
            etree.SubElement(s, k).text = v

    edit(m, "moodle_backup.xml", fn)


def _activities_off(m: Members) -> None:
    edit(m, "moodle_backup.xml", lambda r: set_text(r, "//setting[name='activities']/value", "0"))


def _wrong_section(m: Members) -> None:
    edit(m, "moodle_backup.xml", lambda r: set_text(r, "//activities/activity[1]/sectionid", "42"))


def _module_section(m: Members) -> None:
    p = first(m, "activities/page_", "/module.xml")
    edit(m, p, lambda r: set_text(r, "/module/sectionid", "42"))


def _unknown_module(m: Members) -> None:
    edit(
        m,
        "moodle_backup.xml",
        lambda r: set_text(r, "//activities/activity[1]/modulename", "h5pbook"),
    )


def _old_backup(m: Members) -> None:
    edit(m, "moodle_backup.xml", lambda r: set_text(r, "//backup_version", "2009010100"))


def _empty_wwwroot(m: Members) -> None:
    """Only a problem when something holds an encoded link (decode_rule_wwwroots_not_set)."""
    edit(m, "moodle_backup.xml", lambda r: set_text(r, "//original_wwwroot", ""))
    p = first(m, "activities/page_", "/page.xml")
    m[p] = m[p].replace(b"</content>", b"$@PAGEVIEWBYID*1@$</content>", 1)


def _context_collision(m: Members) -> None:
    pages = [p for p in sorted(m) if p.startswith("activities/page_") and p.endswith("/page.xml")]
    ctx = etree.fromstring(m[pages[0]]).get("contextid") or ""
    edit(m, pages[1], lambda r: r.set("contextid", ctx))


def _course_is_system(m: Members) -> None:
    edit(m, "moodle_backup.xml", lambda r: set_text(r, "//original_course_contextid", "1"))


def _file_not_in_inforef(m: Members) -> None:
    p = first(m, "activities/resource_", "/inforef.xml")
    m[p] = to_bytes(etree.fromstring(b"<inforef/>"))


def _file_body_missing(m: Members) -> None:
    for p in [p for p in m if p.startswith("files/")][:1]:
        del m[p]


def _bad_filepath(m: Members) -> None:
    edit(m, "files.xml", lambda r: set_text(r, "(//file[filename!='.'])[1]/filepath", "images"))


def _category_not_referenced(m: Members) -> None:
    p = first(m, "activities/quiz_", "/inforef.xml")
    edit(m, p, lambda r: [r.remove(c) for c in r.findall("question_categoryref")])


def _two_tops(m: Members) -> None:
    def fn(root: etree._Element) -> None:
        cats = root.findall("question_category")
        set_text(cats[1], "parent", "0")

    edit(m, "questions.xml", fn)


def _using_context(m: Members) -> None:
    p = first(m, "activities/quiz_", "/quiz.xml")
    edit(m, p, lambda r: set_text(r, "(//question_reference)[1]/usingcontextid", "99"))


def _dangling_entry(m: Members) -> None:
    p = first(m, "activities/quiz_", "/quiz.xml")
    edit(m, p, lambda r: set_text(r, "(//question_reference)[1]/questionbankentryid", "5"))


def _null_questiontext(m: Members) -> None:
    edit(m, "questions.xml", lambda r: set_text(r, "(//question)[1]/questiontext", "$@NULL@$"))


def _long_question_name(m: Members) -> None:
    edit(m, "questions.xml", lambda r: set_text(r, "(//question)[1]/name", "n" * 256))


def _truefalse_first(m: Members) -> None:
    def fn(root: etree._Element) -> None:
        plugin = root.xpath("(//plugin_qtype_truefalse_question)[1]")[0]  # type: ignore[index]
        tf = plugin.find("truefalse")
        plugin.remove(tf)
        plugin.insert(0, tf)

    edit(m, "questions.xml", fn)


def _duplicate_answer(m: Members) -> None:
    def fn(root: etree._Element) -> None:
        answers = root.xpath("//answers/answer")
        answers[1].set("id", answers[0].get("id"))  # type: ignore[index, union-attr, arg-type]

    edit(m, "questions.xml", fn)


def _duplicate_slot(m: Members) -> None:
    p = first(m, "activities/quiz_", "/quiz.xml")
    edit(m, p, lambda r: set_text(r, "(//question_instance)[2]/slot", "1"))


def _sumgrades(m: Members) -> None:
    p = first(m, "activities/quiz_", "/quiz.xml")
    edit(m, p, lambda r: set_text(r, "/activity/quiz/sumgrades", "100.00000"))


def _no_grade_item(m: Members) -> None:
    p = first(m, "activities/quiz_", "/grades.xml")
    edit(m, p, lambda r: [gi.getparent().remove(gi) for gi in r.iterfind("grade_items/grade_item")])  # type: ignore[union-attr]


def _mod_in_gradebook(m: Members) -> None:
    edit(m, "gradebook.xml", lambda r: set_text(r, "//grade_item/itemtype", "mod"))


def _glossary_userinfo(m: Members) -> None:
    edit(
        m,
        "moodle_backup.xml",
        lambda r: set_text(
            r, "//setting[starts-with(name,'glossary_') and contains(name,'_userinfo')]/value", "0"
        ),
    )


def _string_grade_id(m: Members) -> None:
    for p in [p for p in m if p.endswith("/section.xml")]:
        if b'"type":"grade"' in m[p]:
            m[p] = m[p].replace(b'"id":', b'"id":"', 1).replace(b',"min"', b'","min"', 1)


def _showc_mismatch(m: Members) -> None:
    for p in [p for p in m if p.endswith("/section.xml")]:
        if b'"type":"completion"' in m[p]:
            m[p] = m[p].replace(b'"showc":[true]', b'"showc":[true,true]')


def _availability_cm_missing(m: Members) -> None:
    for p in [p for p in m if p.endswith("/section.xml")]:
        if b'"type":"completion"' in m[p]:
            m[p] = m[p].replace(b'"cm":', b'"cm":1', 1)


def _attempts_field(m: Members) -> None:
    p = first(m, "activities/quiz_", "/quiz.xml")

    def fn(root: etree._Element) -> None:
        quiz = root.find("quiz")
        assert quiz is not None
        quiz.remove(quiz.find("attempts_number"))  # type: ignore[arg-type]
        att = quiz.find("attempts")
        assert att is not None
        att.text = "3"

    edit(m, p, fn)


def _empty_title(m: Members) -> None:
    edit(m, "moodle_backup.xml", lambda r: set_text(r, "(//sections/section)[2]/title", ""))


def _criteria_missing_cm(m: Members) -> None:
    edit(
        m,
        "completion.xml",
        lambda r: set_text(r, "(//course_completion_criteria)[1]/moduleinstance", "3"),
    )


def _completion_pass_without_gradepass(m: Members) -> None:
    p = first(m, "activities/quiz_", "/grades.xml")
    edit(m, p, lambda r: set_text(r, "//gradepass", "0.00000"))


DEFECTS: list[tuple[str, Callable[[Members], None], str]] = [
    ("single-quoted declaration", _decl, "MBZ102"),
    ("backup inside a folder", _folder, "MBZ104"),
    ("ill-formed XML", _bad_xml, "MBZ103"),
    ("page without grades.xml", _no_grades, "MBZ104"),
    ("no questions.xml", _no_questions_xml, "MBZ104"),
    ("setting for an absent activity", _setting_for_absent, "MBZ105"),
    ("activities off", _activities_off, "MBZ105"),
    ("activity in an unknown section", _wrong_section, "MBZ106"),
    ("module.xml sectionid differs", _module_section, "MBZ106"),
    ("unknown module", _unknown_module, "MBZ107"),
    ("backup_version too old", _old_backup, "MBZ108"),
    ("empty original_wwwroot", _empty_wwwroot, "MBZ108"),
    ("two activities share a context", _context_collision, "MBZ109"),
    ("course context = system context", _course_is_system, "MBZ109"),
    ("file missing from inforef", _file_not_in_inforef, "MBZ110"),
    ("file body missing", _file_body_missing, "MBZ110"),
    ("bad filepath", _bad_filepath, "MBZ110"),
    ("category not in categoryref", _category_not_referenced, "MBZ111"),
    ("two top categories", _two_tops, "MBZ111"),
    ("usingcontextid is not the quiz context", _using_context, "MBZ111"),
    ("slot references a missing bank entry", _dangling_entry, "MBZ111"),
    ("NULL questiontext", _null_questiontext, "MBZ112"),
    ("question name too long", _long_question_name, "MBZ112"),
    ("truefalse before its answers", _truefalse_first, "MBZ113"),
    ("answer id reused", _duplicate_answer, "MBZ114"),
    ("two slots numbered 1", _duplicate_slot, "MBZ114"),
    ("quiz without grade item", _no_grade_item, "MBZ115"),
    ("mod item in gradebook.xml", _mod_in_gradebook, "MBZ115"),
    ("glossary entries with userinfo off", _glossary_userinfo, "MBZ116"),
    ("grade condition id is a string", _string_grade_id, "MBZ117"),
    ("showc length differs from c", _showc_mismatch, "MBZ117"),
    ("completion condition names no activity", _availability_cm_missing, "MBZ117"),
    ("quiz attempts instead of attempts_number", _attempts_field, "MBZ118"),
    ("empty section title", _empty_title, "MBZ119"),
    ("criterion names no activity", _criteria_missing_cm, "MBZ122"),
    ("pass-grade completion without a pass grade", _completion_pass_without_gradepass, "MBZ122"),
]


@pytest.mark.parametrize(("label", "break_it", "code"), DEFECTS, ids=[d[0] for d in DEFECTS])
def test_each_defect_is_found(
    base: Members, label: str, break_it: Callable[[Members], None], code: str
) -> None:
    members = dict(base)
    break_it(members)
    report = inspect_bytes(pack(members), "broken.mbz")
    assert code in {p.code for p in report.problems}, label
    assert report.failed


def test_values_restore_keeps_are_notes(base: Members) -> None:
    """Restore keeps sumgrades and the grade item's maximum as written (the pre-4.0 quizzes
    in Moodle's own tree restore clean with a sumgrades that is not their slots' sum)."""
    members = dict(base)
    _sumgrades(members)
    p = first(members, "activities/quiz_", "/grades.xml")
    edit(members, p, lambda r: set_text(r, "//grade_item/grademax", "77.00000"))
    report = inspect_bytes(pack(members), "notes.mbz")
    assert not report.failed
    notes = [p for p in report.problems if p.code == "MBZ115"]
    assert [p.severity.value for p in notes] == ["info", "info"]
    assert "restore keeps it" in notes[0].message or "restore keeps it" in notes[1].message


def test_pax_headers_are_found(base: Members) -> None:
    buf = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path, data in sorted(base.items()):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 1.5  # type: ignore[assignment]  # a fractional mtime makes tarfile write a PAX header
            tar.addfile(info, io.BytesIO(data))
    assert "MBZ101" in codes_of(buf.getvalue())


def test_v7_headers_are_found(base: Members) -> None:
    raw = bytearray(gzip.decompress(pack(base)))
    raw[257:263] = b"\0" * 6  # first header loses its ustar magic
    assert "MBZ101" in codes_of(gzip.compress(bytes(raw)))


def test_wrong_archive_index_is_found(base: Members) -> None:
    data = pack(base)
    raw = gzip.decompress(data)
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    index = members[".ARCHIVE_INDEX"].replace(b"Count: ", b"Count: 9", 1)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, body in [
            (".ARCHIVE_INDEX", index),
            *[(n, b) for n, b in members.items() if n != ".ARCHIVE_INDEX"],
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    report = inspect_bytes(gzip.compress(out.getvalue()), "x.mbz")
    assert [(p.code, p.severity.value) for p in report.problems if p.code == "MBZ121"] == [
        ("MBZ121", "info")
    ]
    assert "restore ignores it" in report.problems[0].message or any(
        "restore ignores it" in p.message for p in report.problems
    )


def test_zip_container_is_read(base: Members) -> None:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, data in base.items():
            zf.writestr(path, data)
    report = inspect_bytes(buf.getvalue(), "z.mbz")
    assert report.summary["container"] == "zip"
    assert [p.code for p in report.problems] == ["MBZ116"]
    assert not report.failed


# --------------------------------------------------------------------------- CLI


def test_cli_inspect_ref1_text() -> None:
    result = CliRunner().invoke(main, ["inspect", str(REF1)])
    assert result.exit_code == 0, result.output
    assert (
        "questions: 12 (description 1, essay 1, match 1, multichoice 3, numerical 3, shortanswer 1, truefalse 2)"
        in result.stdout
    )
    assert "  mod_resource/content/data.wsz  161 bytes  text/plain" in result.stdout
    assert "no problems found" in result.stderr


def test_cli_inspect_json(tmp_path: Path, base: Members) -> None:
    members = dict(base)
    _duplicate_slot(members)
    path = tmp_path / "broken.mbz"
    path.write_bytes(pack(members))
    result = CliRunner().invoke(main, ["inspect", "--format", "json", str(path)])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["archive"] == str(path)
    counted = [p for p in doc["problems"] if p["severity"] != "info"]
    assert [p["code"] for p in counted] == ["MBZ114"]
    assert counted[0]["path"].endswith("/quiz.xml")
    assert doc["activities"]["quiz"] == 1
    # The document keeps its earlier keys and adds what real backups hold.
    earlier = {"container", "members", "size", "moodle_release", "backup_release", "course"}
    assert earlier | {"sections", "activities", "questions", "quizzes", "files"} <= set(doc)
    assert doc["type"] == "course"
    assert doc["made_by"] == {
        "moodle_release": "4.5 (Build: 20241007)",
        "moodle_version": "2024100700",
        "backup_release": "4.5",
        "backup_version": 2024100700,
        "lemma": True,
    }
    assert doc["user_data"]["included"] is False
    assert doc["user_data"]["glossary_entries"] == 2
    assert {a["modname"] for a in doc["activity_list"]} == set(doc["activities"])


def test_cli_inspect_not_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "x.mbz"
    path.write_bytes(b"hello")
    result = CliRunner().invoke(main, ["inspect", str(path)])
    assert result.exit_code == 1
    assert "neither a gzip'd tar nor a zip archive" in result.stderr


_CLEAN = pack({m.path: m.data for m in course_members(full_course(), EPOCH)})
_RAW = gzip.decompress(_CLEAN)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_RAW) - 1), st.integers(0, 255)), min_size=1, max_size=20
    ),
    st.one_of(st.none(), st.integers(0, len(_RAW))),
)
def test_damaged_archives_are_reported_never_crash(
    flips: list[tuple[int, int]], cut: int | None
) -> None:
    raw = bytearray(_RAW)
    for pos, value in flips:
        raw[pos] = value
    data = gzip.compress(bytes(raw[:cut] if cut is not None else raw))
    try:
        report = inspect_bytes(data, "damaged.mbz")
    except InspectError:
        return
    assert isinstance(report.problems, list)


@pytest.mark.parametrize("cut", [0, 2, 10, 1000])
def test_truncated_gzip_is_an_error_value(cut: int) -> None:
    with pytest.raises(InspectError):
        inspect_bytes(_CLEAN[:cut], "cut.mbz")


def test_cli_inspect_damaged_zip_and_gzip_are_errors_with_hints(
    tmp_path: Path, base: Members
) -> None:
    """A damaged zip member used to crash inspect with an "internal error"."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, data in sorted(base.items()):
            zf.writestr(path, data)
    data = bytearray(buf.getvalue())
    data[3000:3100] = b"x" * 100  # inside the deflated data of an early member
    damaged = tmp_path / "damaged.mbz"
    damaged.write_bytes(bytes(data))
    result = CliRunner().invoke(main, ["--no-color", "inspect", str(damaged)])
    assert result.exit_code == 1
    assert "internal error" not in result.stderr
    assert result.stderr.startswith(f"error: {damaged}: a damaged zip archive: ")
    assert result.stderr.endswith(
        "  hint: the file is truncated or damaged; copy or download it again\n"
    )
    cut = tmp_path / "cut.mbz"
    cut.write_bytes(_CLEAN[:1000])
    result = CliRunner().invoke(main, ["--no-color", "inspect", str(cut)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {cut}: not a readable gzip file: ")
    assert result.stderr.endswith(
        "  hint: the file is truncated or damaged; copy or download it again\n"
    )


def test_every_problem_of_a_broken_archive_says_what_to_do(base: Members) -> None:
    """Before: every MBZ1xx problem but one had an empty hint. A lemma archive: rebuild."""
    members = dict(base)
    _duplicate_slot(members)
    _attempts_field(members)
    report = inspect_bytes(pack(members), "broken.mbz")
    counted = [p for p in report.problems if p.severity is not Severity.INFO]
    assert {p.code for p in counted} >= {"MBZ114", "MBZ118"}
    for p in counted:
        assert p.hint == (
            "`lemma build` wrote this archive wrongly: rebuild it with the current lemma, and "
            f"report it if the problem stays; {p.code} in docs/backup.md says more"
        )


def test_only_lemmas_own_archives_are_told_to_rebuild(base: Members) -> None:
    """An archive from elsewhere gets the rule's cause, never 'lemma build wrote this'."""
    members = dict(base)
    _duplicate_slot(members)
    edit(
        members,
        "moodle_backup.xml",
        lambda r: set_text(r, "//original_site_identifier_hash", "0" * 32),
    )
    report = inspect_bytes(pack(members), "foreign.mbz")
    assert report.summary["made_by"]["lemma"] is False
    problem = next(p for p in report.problems if p.code == "MBZ114")
    assert "lemma build" not in problem.hint
    assert problem.hint.startswith("Moodle never writes this")

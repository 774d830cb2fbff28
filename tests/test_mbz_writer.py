"""The backup writer: open the archive with tarfile/lxml and check what Moodle's restore checks.

Each test names the restore rule it guards (notes = shared/notes/moodle-backup-format.md).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from lemma_pkg.content.model import Course, Quiz
from lemma_pkg.mbz import backup_bytes, write_backup
from lemma_pkg.mbz.inspect import inspect_bytes
from tests.fixtures.mbz.course_factory import HERE, full_course

EPOCH = 1736121600


@pytest.fixture(scope="module")
def course() -> Course:
    return full_course()


@pytest.fixture(scope="module")
def mbz(course: Course) -> bytes:
    return backup_bytes(course, EPOCH)


@pytest.fixture(scope="module")
def members(mbz: bytes) -> dict[str, bytes]:
    out = {}
    with tarfile.open(fileobj=io.BytesIO(mbz), mode="r:gz") as tar:
        for m in tar.getmembers():
            if m.isfile():
                f = tar.extractfile(m)
                assert f is not None
                out[m.name] = f.read()
    return out


def xml(members: dict[str, bytes], path: str) -> etree._Element:
    return etree.fromstring(members[path])


def t(el: etree._Element, path: str) -> str:
    found = el.find(path)
    assert found is not None, path
    return found.text or ""


def activity_dir(members: dict[str, bytes], modname: str, title: str) -> str:
    info = xml(members, "moodle_backup.xml").find("information")
    assert info is not None
    for a in info.iterfind("contents/activities/activity"):
        if t(a, "modulename") == modname and t(a, "title") == title:
            return t(a, "directory")
    raise AssertionError(f"no {modname} {title!r}")


# --------------------------------------------------------------------------- container


def test_gzip_header_is_deterministic(mbz: bytes) -> None:
    assert mbz[:2] == b"\x1f\x8b"
    assert mbz[4:8] == b"\0\0\0\0"  # gzip mtime 0
    assert mbz[3] & 0x08 == 0  # no file name in the header


def test_every_tar_header_is_plain_ustar(mbz: bytes) -> None:
    raw = gzip.decompress(mbz)
    pos, names = 0, []
    while pos + 512 <= len(raw):
        header = raw[pos : pos + 512]
        pos += 512
        if header == b"\0" * 512:
            continue
        assert header[257:263] == b"ustar\x00"
        assert header[156:157] in (b"0", b"5")  # no PAX (x/g) or GNU (L/K) records
        name = header[0:100].split(b"\0")[0].decode("ascii")
        prefix = header[345:500].split(b"\0")[0].decode("ascii")
        names.append(f"{prefix}/{name}" if prefix else name)
        size = int(header[124:136].strip(b"\0 ") or b"0", 8)
        pos += (size + 511) // 512 * 512
    assert names[0] == ".ARCHIVE_INDEX"
    rest = [n.rstrip("/") for n in names[1:]]
    assert rest == sorted(rest)


def test_members_have_fixed_owner_mode_and_mtime(mbz: bytes) -> None:
    with tarfile.open(fileobj=io.BytesIO(mbz), mode="r:gz") as tar:
        for m in tar.getmembers():
            assert (m.uid, m.gid, m.uname, m.gname) == (0, 0, "", "")
            assert m.mode == (0o755 if m.isdir() else 0o644)
            if m.isfile() and m.name != ".ARCHIVE_INDEX":
                assert m.mtime == EPOCH


def test_archive_index_lists_every_entry(members: dict[str, bytes]) -> None:
    lines = members[".ARCHIVE_INDEX"].decode().splitlines()
    entries = lines[1:]
    assert lines[0] == f"Moodle archive file index. Count: {len(entries)}"
    files = {ln.split("\t")[0]: ln.split("\t") for ln in entries if ln.split("\t")[1] == "f"}
    assert set(files) == set(members) - {".ARCHIVE_INDEX"}
    for path, (_, _, size, mtime) in files.items():
        assert int(size) == len(members[path])
        assert int(mtime) == EPOCH


def test_moodle_backup_xml_is_detected_as_moodle2(members: dict[str, bytes]) -> None:
    head = members["moodle_backup.xml"][:200]
    assert head.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert b"<moodle_backup>" in head and b"<information>" in head


def test_every_xml_file_is_well_formed_with_the_literal_declaration(
    members: dict[str, bytes],
) -> None:
    xml_files = [p for p in members if p.endswith(".xml")]
    assert len(xml_files) > 50
    for path in xml_files:
        assert members[path].startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), path
        etree.fromstring(members[path])  # raises on any well-formedness error


# --------------------------------------------------------------------------- moodle_backup.xml


def test_versions_and_origin(members: dict[str, bytes]) -> None:
    info = xml(members, "moodle_backup.xml").find("information")
    assert info is not None
    assert t(info, "moodle_version") == "2024100700"
    assert t(info, "backup_version") == "2024100700"
    assert t(info, "backup_release") == "4.5"
    assert t(info, "original_course_format") == "topics"
    assert t(info, "original_wwwroot").startswith("https://")
    assert t(info, "details/detail/type") == "course"
    assert t(info, "original_course_startdate") == "1736121600"


def test_users_off_activities_on_and_glossary_userinfo_on(members: dict[str, bytes]) -> None:
    info = xml(members, "moodle_backup.xml").find("information")
    assert info is not None
    root = {
        t(s, "name"): t(s, "value")
        for s in info.iterfind("settings/setting")
        if t(s, "level") == "root"
    }
    assert root["users"] == "0"
    assert root["activities"] == "1"
    for name in ("comments", "calendarevents", "xapistate", "role_assignments", "badges"):
        assert root[name] == "0"
    assert "users.xml" not in members
    acts = {
        t(s, "name"): t(s, "value")
        for s in info.iterfind("settings/setting")
        if t(s, "level") == "activity"
    }
    glossary = activity_dir(members, "glossary", "Glossary").split("/")[1]
    assert acts[f"{glossary}_userinfo"] == "1"
    assert acts[f"{glossary}_included"] == "1"
    others = [k for k in acts if k.endswith("_userinfo") and not k.startswith("glossary_")]
    assert others and all(acts[k] == "0" for k in others)


def test_sections_and_activities_link_up(members: dict[str, bytes], course: Course) -> None:
    info = xml(members, "moodle_backup.xml").find("information")
    assert info is not None
    sections = {t(s, "sectionid"): s for s in info.iterfind("contents/sections/section")}
    assert len(sections) == len(course.sections)
    for sid, s in sections.items():
        assert t(s, "directory") == f"sections/section_{sid}"
        assert t(s, "title").strip()
        sec = xml(members, f"sections/section_{sid}/section.xml")
        assert sec.get("id") == sid
    numbers = sorted(
        int(t(xml(members, f"sections/section_{sid}/section.xml"), "number")) for sid in sections
    )
    assert numbers == list(range(len(sections)))
    activities = list(info.iterfind("contents/activities/activity"))
    assert len(activities) == len(course.items())
    assert [t(a, "title") for a in activities] == [it.title for it in course.items()]
    for a in activities:
        cmid, modname, d = t(a, "moduleid"), t(a, "modulename"), t(a, "directory")
        assert d == f"activities/{modname}_{cmid}"
        assert t(a, "sectionid") in sections
        module = xml(members, f"{d}/module.xml")
        assert module.get("id") == cmid
        assert t(module, "sectionid") == t(a, "sectionid")
        assert t(module, "modulename") == modname
        body = xml(members, f"{d}/{modname}.xml")
        assert body.get("moduleid") == cmid and body.get("modulename") == modname
        for name in ("roles.xml", "grades.xml", "inforef.xml", "filters.xml", "calendar.xml"):
            assert f"{d}/{name}" in members


def test_sequence_matches_activity_order(members: dict[str, bytes]) -> None:
    info = xml(members, "moodle_backup.xml").find("information")
    assert info is not None
    for s in info.iterfind("contents/sections/section"):
        sid = t(s, "sectionid")
        expected = [
            t(a, "moduleid")
            for a in info.iterfind("contents/activities/activity")
            if t(a, "sectionid") == sid
        ]
        seq = t(xml(members, f"sections/section_{sid}/section.xml"), "sequence")
        assert seq == ",".join(expected)


def test_context_ids_are_pairwise_different(members: dict[str, bytes]) -> None:
    info = xml(members, "moodle_backup.xml").find("information")
    assert info is not None
    contexts = [t(info, "original_course_contextid"), t(info, "original_system_contextid")]
    for a in info.iterfind("contents/activities/activity"):
        d, modname = t(a, "directory"), t(a, "modulename")
        contexts.append(xml(members, f"{d}/{modname}.xml").get("contextid") or "")
    assert t(info, "original_system_contextid") == "1"
    assert len(contexts) == len(set(contexts))
    assert xml(members, "course/course.xml").get("contextid") == contexts[0]


def test_ids_are_stable_across_unrelated_changes(course: Course) -> None:
    """Adding an item does not renumber the others (ids come from idnumbers)."""
    from lemma_pkg.content.model import Page
    from lemma_pkg.mbz.writer import BackupWriter

    first = BackupWriter(course, EPOCH)
    first.plan()
    extra = Page(idnumber="00-welcome/new", title="New", span=course.sections[0].span)
    sections = (
        course.sections[0].__class__(
            **{**course.sections[0].__dict__, "items": (extra, *course.sections[0].items)}
        ),
        *course.sections[1:],
    )
    second = BackupWriter(Course(**{**course.__dict__, "sections": sections}), EPOCH)
    second.plan()
    for idnumber, act in first.activities.items():
        other = second.activities[idnumber]
        assert (other.cmid, other.contextid, other.instance) == (
            act.cmid,
            act.contextid,
            act.instance,
        )


# --------------------------------------------------------------------------- files


def test_every_file_is_in_its_activitys_inforef_with_body_and_context(
    members: dict[str, bytes],
) -> None:
    files = xml(members, "files.xml")
    info = xml(members, "moodle_backup.xml").find("information")
    assert info is not None
    by_ctx: dict[str, set[str]] = {}
    for a in info.iterfind("contents/activities/activity"):
        d, modname = t(a, "directory"), t(a, "modulename")
        ctx = xml(members, f"{d}/{modname}.xml").get("contextid") or ""
        by_ctx[ctx] = {
            t(f, "id") for f in xml(members, f"{d}/inforef.xml").iterfind("fileref/file")
        }
    real = 0
    for f in files.iterfind("file"):
        fid, ctx = f.get("id") or "", t(f, "contextid")
        assert fid in by_ctx[ctx], f"file {fid} not in the inforef of context {ctx}"
        assert t(f, "filepath").startswith("/") and t(f, "filepath").endswith("/")
        if t(f, "filename") == ".":
            continue
        real += 1
        digest = t(f, "contenthash")
        body = members[f"files/{digest[:2]}/{digest}"]
        assert hashlib.sha1(body).hexdigest() == digest
        assert int(t(f, "filesize")) == len(body)
        assert t(f, "license") == "cc-nc-4.0"
    assert real == 5


def test_page_images_are_in_mod_page_content(members: dict[str, bytes]) -> None:
    d = activity_dir(members, "page", "Concepts")
    page = xml(members, f"{d}/page.xml")
    content = t(page, "page/content")
    assert "@@PLUGINFILE@@/images/fig%202.png" in content
    ctx = page.get("contextid")
    files = [
        (t(f, "component"), t(f, "filearea"), t(f, "itemid"), t(f, "filepath"), t(f, "filename"))
        for f in xml(members, "files.xml").iterfind("file")
        if t(f, "contextid") == ctx
    ]
    assert ("mod_page", "content", "0", "/", "figure.png") in files
    assert ("mod_page", "content", "0", "/images/", "fig 2.png") in files
    assert ("mod_page", "content", "0", "/images/", ".") in files
    assert ("mod_page", "content", "0", "/data/", "tutorial.wsz") in files
    # Links to data files download; images stay inline.
    assert 'href="@@PLUGINFILE@@/data/tutorial.wsz?forcedownload=1"' in content
    assert 'src="@@PLUGINFILE@@/figure.png"' in content


def test_label_asset_is_in_mod_label_intro(members: dict[str, bytes]) -> None:
    d = activity_dir(members, "label", "Before you start")
    ctx = xml(members, f"{d}/label.xml").get("contextid")
    names = [
        (t(f, "component"), t(f, "filearea"), t(f, "filename"))
        for f in xml(members, "files.xml").iterfind("file")
        if t(f, "contextid") == ctx
    ]
    assert ("mod_label", "intro", "logo small.png") in names


def test_data_file_is_a_forced_download(members: dict[str, bytes]) -> None:
    d = activity_dir(members, "resource", "Tutorial data set (MLwiN worksheet)")
    res = xml(members, f"{d}/resource.xml")
    assert t(res, "resource/display") == "4"
    ctx = res.get("contextid")
    main = [
        f
        for f in xml(members, "files.xml").iterfind("file")
        if t(f, "contextid") == ctx and t(f, "filename") != "."
    ]
    assert len(main) == 1
    assert (t(main[0], "component"), t(main[0], "filearea"), t(main[0], "filename")) == (
        "mod_resource",
        "content",
        "tutorial.wsz",
    )
    assert t(main[0], "sortorder") == "1"
    assert t(xml(members, f"{d}/module.xml"), "showdescription") == "1"


# --------------------------------------------------------------------------- url, label, glossary


def test_url_and_label_text_columns(members: dict[str, bytes]) -> None:
    url = xml(members, f"{activity_dir(members, 'url', 'Overview video')}/url.xml")
    assert t(url, "url/externalurl") == "https://example.org/video?a=1&b=2"
    assert t(url, "url/parameters") == "a:0:{}"
    label = xml(members, f"{activity_dir(members, 'label', 'Advanced')}/label.xml")
    assert t(label, "label/intro") == "<p>Advanced</p>"
    assert t(label, "label/name") == "Advanced"


def test_glossary_entries_and_aliases(members: dict[str, bytes]) -> None:
    d = activity_dir(members, "glossary", "Glossary")
    g = xml(members, f"{d}/glossary.xml")
    entries = g.findall("glossary/entries/entry")
    assert [t(e, "concept") for e in entries] == ["Multilevel model", "Variance & covariance"]
    assert [t(a, "alias_text") for a in entries[0].iterfind("aliases/alias")] == [
        "mixed model",
        "HLM",
    ]
    assert all(t(e, "approved") == "1" and t(e, "definition") for e in entries)
    assert xml(members, f"{d}/inforef.xml").find("userref") is None


# --------------------------------------------------------------------------- quiz


@pytest.fixture(scope="module")
def quiz_xml(members: dict[str, bytes]) -> etree._Element:
    return xml(members, f"{activity_dir(members, 'quiz', 'Placement quiz')}/quiz.xml")


def _question_count(course: Course) -> int:
    quiz = next(i for i in course.items() if isinstance(i, Quiz))
    return sum(1 for q in quiz.questions if q["qtype"] != "category")


def test_quiz_settings(quiz_xml: etree._Element) -> None:
    q = quiz_xml.find("quiz")
    assert q is not None
    assert t(q, "attempts_number") == "0"
    assert q.find("attempts") is not None and not (q.find("attempts").text or "").strip()  # type: ignore[union-attr]
    assert t(q, "grademethod") == "1"
    assert t(q, "grade") == "10.00000"
    assert t(q, "questionsperpage") == "1"
    assert t(q, "intro") == "<p>Unlimited attempts &amp; the highest grade counts.</p>"


def test_slots_reference_the_quiz_bank(
    members: dict[str, bytes], quiz_xml: etree._Element, course: Course
) -> None:
    ctx = quiz_xml.get("contextid")
    slots = quiz_xml.findall("quiz/question_instances/question_instance")
    assert len(slots) == _question_count(course)
    assert [t(s, "slot") for s in slots] == [str(n) for n in range(1, len(slots) + 1)]
    assert [t(s, "page") for s in slots] == [str(n) for n in range(1, len(slots) + 1)]
    questions = xml(members, "questions.xml")
    entries = {e.get("id") for e in questions.iterfind(".//question_bank_entry")}
    for s in slots:
        ref = s.find("question_reference")
        assert ref is not None
        assert t(ref, "usingcontextid") == ctx
        assert t(ref, "component") == "mod_quiz" and t(ref, "questionarea") == "slot"
        assert t(ref, "questionbankentryid") in entries
        assert t(ref, "version") == "$@NULL@$"
    total = sum(float(t(s, "maxmark")) for s in slots)
    assert float(t(quiz_xml, "quiz/sumgrades")) == pytest.approx(total)
    desc = [s for s in slots if t(s, "maxmark") == "0.0000000"]
    assert len(desc) == 1  # the description question


def test_one_private_bank_in_the_quiz_context(
    members: dict[str, bytes], quiz_xml: etree._Element
) -> None:
    ctx = quiz_xml.get("contextid")
    cmid = quiz_xml.get("moduleid")
    cats = xml(members, "questions.xml").findall("question_category")
    assert all(t(c, "contextid") == ctx and t(c, "contextlevel") == "70" for c in cats)
    assert all(t(c, "contextinstanceid") == cmid for c in cats)
    tops = [c for c in cats if t(c, "parent") == "0"]
    assert len(tops) == 1 and t(tops[0], "name") == "top"
    ids = {c.get("id") for c in cats}
    assert all(t(c, "parent") in ids for c in cats if c is not tops[0])
    d = activity_dir(members, "quiz", "Placement quiz")
    refs = {
        t(c, "id")
        for c in xml(members, f"{d}/inforef.xml").iterfind("question_categoryref/question_category")
    }
    assert refs == ids
    assert xml(members, "course/inforef.xml").find("question_categoryref") is None
    stamps = [t(c, "stamp") for c in cats]
    assert len(stamps) == len(set(stamps))


def test_category_lines_become_nested_categories(members: dict[str, bytes]) -> None:
    cats = {c.get("id"): c for c in xml(members, "questions.xml").findall("question_category")}

    def path(c: etree._Element) -> str:
        names = []
        while t(c, "parent") != "0":
            names.append(t(c, "name"))
            c = cats[t(c, "parent")]
        return "/".join(reversed(names))

    paths = {path(c): c for c in cats.values() if t(c, "parent") != "0"}
    assert {"REF1 Placement", "Geography", "Geography/Rivers", "Shared", "Quiz bank"} <= set(paths)
    rivers = paths["Geography/Rivers"]
    names = [t(q, "name") for q in rivers.iterfind(".//question")]
    assert len(names) == 1
    # Every question follows a $CATEGORY: line here, so no default category is made.
    assert not any(p.startswith("Default for") for p in paths)


def _question(members: dict[str, bytes], name: str) -> etree._Element:
    for q in xml(members, "questions.xml").iterfind(".//question"):
        if t(q, "name") == name:
            return q
    raise AssertionError(name)


def test_multichoice_single_and_multiple(members: dict[str, bytes]) -> None:
    q = _question(members, "MC1 Capital of France")
    p = q.find("plugin_qtype_multichoice_question")
    assert p is not None
    answers = p.findall("answers/answer")
    assert [t(a, "answertext") for a in answers] == ["Paris", "London", "Berlin", "Madrid"]
    assert [t(a, "fraction") for a in answers] == [
        "1.0000000",
        "0.0000000",
        "0.0000000",
        "0.0000000",
    ]
    assert t(p, "multichoice/single") == "1"
    assert t(q, "questiontextformat") == "1"
    assert [t(tag, "rawname") for tag in q.iterfind("tags/tag")] == ["placement", "geography"]
    multi = _question(members, "MC2 Primes").find("plugin_qtype_multichoice_question")
    assert multi is not None
    assert t(multi, "multichoice/single") == "0"
    assert [t(a, "fraction") for a in multi.iterfind("answers/answer")] == [
        "0.5000000",
        "0.5000000",
        "-1.0000000",
        "-1.0000000",
    ]
    missing_word = _question(members, "MW1 Missing word")
    assert t(missing_word, "qtype") == "multichoice"
    assert t(missing_word, "questiontext") == "Moodle costs _____ to download from moodle.org."


def test_truefalse_points_to_answers_written_before_it(members: dict[str, bytes]) -> None:
    for name, true_fraction in (("TF1 Sun", "1.0000000"), ("TF2 Moon", "0.0000000")):
        p = _question(members, name).find("plugin_qtype_truefalse_question")
        assert p is not None
        children = [c.tag for c in p]
        assert children == ["answers", "truefalse"]
        answers = p.findall("answers/answer")
        assert [t(a, "answertext") for a in answers] == ["True", "False"]
        assert t(answers[0], "fraction") == true_fraction
        assert t(p, "truefalse/trueanswer") == answers[0].get("id")
        assert t(p, "truefalse/falseanswer") == answers[1].get("id")


def test_numerical_tolerance_range_and_multiple_answers(members: dict[str, bytes]) -> None:
    def records(name: str) -> list[tuple[str, str, str]]:
        p = _question(members, name).find("plugin_qtype_numerical_question")
        assert p is not None
        assert [c.tag for c in p] == [
            "answers",
            "numerical_units",
            "numerical_options",
            "numerical_records",
        ]
        answers = {a.get("id"): t(a, "answertext") for a in p.iterfind("answers/answer")}
        assert t(p, "numerical_options/numerical_option/showunits") == "3"
        return [
            (answers[t(r, "answer")], t(r, "tolerance"), "")
            for r in p.iterfind("numerical_records/numerical_record")
        ]

    assert records("NUM1 Pi") == [("3.14", "0.005", "")]
    assert records("NUM2 Range") == [("3", "2", "")]  # {#1..5} -> 3 ± 2
    assert records("NUM3 Partial") == [("3.14159", "1.0E-5", ""), ("3.14", "0.01", "")]


def test_shortanswer_match_essay_description(members: dict[str, bytes]) -> None:
    sa = _question(members, "SA1 Hamlet").find("plugin_qtype_shortanswer_question")
    assert sa is not None
    assert [t(a, "answertext") for a in sa.iterfind("answers/answer")] == [
        "Shakespeare",
        "William Shakespeare",
        "Shakespear",
    ]
    assert t(sa, "shortanswer/usecase") == "0"
    match = _question(members, "MATCH1 Capitals").find("plugin_qtype_match_question")
    assert match is not None
    assert [c.tag for c in match] == ["matchoptions", "matches"]
    pairs = [(t(m, "questiontext"), t(m, "answertext")) for m in match.iterfind("matches/match")]
    assert pairs[0] == ("France", "Paris") and len(pairs) == 4
    essay = _question(members, "ESS1 Goals")
    assert t(essay, "questiontextformat") == "4"
    assert t(essay, "plugin_qtype_essay_question/essay/responseformat") == "editor"
    assert t(essay, "plugin_qtype_essay_question/essay/minwordlimit") == "$@NULL@$"
    desc = _question(members, "DESC1 Intro")
    assert t(desc, "defaultmark") == "0.0000000" and t(desc, "length") == "0"
    assert not [c for c in desc if c.tag.startswith("plugin_qtype_")]


def test_ordering_answers_store_their_position(members: dict[str, bytes]) -> None:
    p = _question(members, "Planets").find("plugin_qtype_ordering_question")
    assert p is not None
    answers = p.findall("answers/answer")
    assert [(t(a, "answertext"), t(a, "fraction")) for a in answers] == [
        ("Mercury", "1.0000000"),
        ("Venus", "2.0000000"),
        ("Earth", "3.0000000"),
    ]
    assert t(p, "ordering/numberingstyle") == "123"
    assert t(p, "ordering/selectcount") == "3"


def test_every_question_type_is_present(members: dict[str, bytes]) -> None:
    qtypes = {t(q, "qtype") for q in xml(members, "questions.xml").iterfind(".//question")}
    assert qtypes == {
        "multichoice",
        "truefalse",
        "shortanswer",
        "numerical",
        "match",
        "essay",
        "description",
        "ordering",
    }


def test_answer_ids_are_unique_across_questions(members: dict[str, bytes]) -> None:
    ids = [a.get("id") for a in xml(members, "questions.xml").iterfind(".//answers/answer")]
    assert len(ids) == len(set(ids))


def test_overall_feedback_bands_on_the_grade_scale(quiz_xml: etree._Element) -> None:
    bands = [
        (t(f, "feedbacktext"), t(f, "mingrade"), t(f, "maxgrade"))
        for f in quiz_xml.iterfind("quiz/feedbacks/feedback")
    ]
    assert bands == [
        ("<p>Go to Module 3</p>", "8.00000", "11.00000"),
        ("<p>Start at Module 2</p>", "5.00000", "8.00000"),
        ("<p>Start at Module 1</p>", "0.00000", "5.00000"),
    ]


def test_quiz_grade_item_pass_grade_and_completion(
    members: dict[str, bytes], quiz_xml: etree._Element
) -> None:
    d = activity_dir(members, "quiz", "Placement quiz")
    items = xml(members, f"{d}/grades.xml").findall("grade_items/grade_item")
    assert len(items) == 1
    gi = items[0]
    assert (t(gi, "itemtype"), t(gi, "itemmodule"), t(gi, "itemnumber")) == ("mod", "quiz", "0")
    assert t(gi, "grademax") == "10.00000" and t(gi, "gradepass") == "5.00000"
    assert t(gi, "iteminstance") == quiz_xml.get("id")
    module = xml(members, f"{d}/module.xml")
    assert (
        t(module, "completion"),
        t(module, "completiongradeitemnumber"),
        t(module, "completionpassgrade"),
    ) == (
        "2",
        "0",
        "1",
    )
    assert int(module.get("version") or 0) >= 2022020300
    gradebook = xml(members, "gradebook.xml")
    assert {t(g, "itemtype") for g in gradebook.iterfind("grade_items/grade_item")} == {"course"}


def test_page_completion_on_view_and_manual(members: dict[str, bytes]) -> None:
    m = xml(members, f"{activity_dir(members, 'page', 'Concepts')}/module.xml")
    assert (t(m, "completion"), t(m, "completionview")) == ("2", "1")
    m = xml(members, f"{activity_dir(members, 'page', 'More')}/module.xml")
    assert (t(m, "completion"), t(m, "completionview")) == ("1", "0")


# --------------------------------------------------------------------------- restrictions, completion


def _section_by_title(members: dict[str, bytes], title: str) -> etree._Element:
    info = xml(members, "moodle_backup.xml").find("information")
    assert info is not None
    for s in info.iterfind("contents/sections/section"):
        if t(s, "title") == title:
            return xml(members, f"{t(s, 'directory')}/section.xml")
    raise AssertionError(title)


def test_availability_json_exactly_as_moodle_validates(
    members: dict[str, bytes], quiz_xml: etree._Element
) -> None:
    quiz_cm = int(quiz_xml.get("moduleid") or 0)
    gated = json.loads(t(_section_by_title(members, "Module 2: Practice"), "availabilityjson"))
    assert gated == {
        "op": "&",
        "c": [{"type": "completion", "cm": quiz_cm, "e": 1}],
        "showc": [True],
    }
    d = activity_dir(members, "quiz", "Placement quiz")
    grade_item = int(xml(members, f"{d}/grades.xml").find("grade_items/grade_item").get("id") or 0)  # type: ignore[union-attr]
    graded_text = t(_section_by_title(members, "Module 3: Advanced"), "availabilityjson")
    assert (
        graded_text
        == f'{{"op":"&","c":[{{"type":"grade","id":{grade_item},"min":50}}],"showc":[true]}}'
    )
    recommended = _section_by_title(members, "Module 4: Extra")
    assert t(recommended, "availabilityjson") == "$@NULL@$"
    assert "Recommended before you start: complete “Concepts”." in t(recommended, "summary")


def test_course_completion_criteria(members: dict[str, bytes]) -> None:
    root = xml(members, "completion.xml")
    crits = [
        (t(c, "criteriatype"), t(c, "module"), t(c, "moduleinstance"))
        for c in root.iterfind("course_completion_criteria")
    ]
    page = activity_dir(members, "page", "Concepts").split("_")[-1]
    quiz = activity_dir(members, "quiz", "Placement quiz").split("_")[-1]
    assert crits == [("4", "page", page), ("4", "quiz", quiz)]
    methods = [
        (t(m, "criteriatype"), t(m, "method"))
        for m in root.iterfind("course_completion_aggr_methd")
    ]
    assert methods == [("$@NULL@$", "1"), ("4", "1")]


def test_course_summary_has_licence_and_citation(members: dict[str, bytes]) -> None:
    course = xml(members, "course/course.xml")
    summary = t(course, "summary")
    assert 'href="https://creativecommons.org/licenses/by-nc/4.0/"' in summary
    assert "Cite as: Centre for Multilevel Modelling (2025). LEMMA test course." in summary
    assert t(course, "enablecompletion") == "1"
    assert t(course, "format") == "topics"
    assert t(course, "newsitems") == "0"
    section = _section_by_title(members, "Module 1: Basics")
    assert "Cite as: Authors (2024). Module 1: Basics. In LEMMA." in t(section, "summary")


# --------------------------------------------------------------------------- whole archive


def test_inspect_finds_nothing_wrong(mbz: bytes) -> None:
    report = inspect_bytes(mbz, "full.mbz")
    # Only the note that a hand restore leaves the glossary entries without an author.
    assert [(p.code, p.severity.value) for p in report.problems] == [("MBZ116", "info")]
    assert report.summary["questions"]["ordering"] == 5


def test_structure_matches_moodles_own_backup(members: dict[str, bytes]) -> None:
    """Every element Moodle 4.5.6 writes in these files, we write too (ref1, unpacked)."""
    with tarfile.open(HERE / "ref1.mbz", "r:gz") as tar:
        ref = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]

    pairs = [
        ("moodle_backup.xml", "moodle_backup.xml"),
        ("course/course.xml", "course/course.xml"),
        ("files.xml", "files.xml"),
        ("completion.xml", "completion.xml"),
        ("gradebook.xml", "gradebook.xml"),
    ]
    for mod, title in (
        ("page", "Concepts"),
        ("resource", "Tutorial data set (MLwiN worksheet)"),
        ("url", "Overview video"),
        ("label", "Advanced"),
        ("glossary", "Glossary"),
        ("quiz", "Placement quiz"),
    ):
        ours = activity_dir(members, mod, title)
        theirs = next(
            p.rsplit("/", 1)[0]
            for p in ref
            if p.startswith(f"activities/{mod}_") and p.endswith("/module.xml")
        )
        for name in (f"{mod}.xml", "module.xml", "grades.xml"):
            pairs.append((f"{ours}/{name}", f"{theirs}/{name}"))
    for our_path, ref_path in pairs:
        ours_set = {_tagpath(e) for e in etree.fromstring(members[our_path]).iter()}
        ref_set = {_tagpath(e) for e in etree.fromstring(ref[ref_path]).iter()}
        # Users are off: no user-data children; the rest must all be there.
        missing = {p for p in ref_set - ours_set if "/userref" not in p}
        assert not missing, f"{our_path}: {sorted(missing)}"
    ours_q = {_tagpath(e) for e in etree.fromstring(members["questions.xml"]).iter()}
    ref_q = {_tagpath(e) for e in etree.fromstring(ref["questions.xml"]).iter()}
    assert ref_q - ours_q == set()


def _tagpath(e: etree._Element) -> str:
    parts = []
    node: Any = e
    while node is not None:
        parts.append(node.tag)
        node = node.getparent()
    return "/".join(reversed(parts))


# --------------------------------------------------------------------------- determinism, writing


def test_same_course_same_bytes(course: Course, mbz: bytes) -> None:
    assert backup_bytes(course, EPOCH) == mbz


def test_same_bytes_from_another_checkout_path(tmp_path: Path, mbz: bytes) -> None:
    copy = tmp_path / "elsewhere" / "fixtures"
    shutil.copytree(HERE, copy)
    moved = full_course(copy)
    assert hashlib.sha256(backup_bytes(moved, EPOCH)).hexdigest() == hashlib.sha256(mbz).hexdigest()


def test_epoch_changes_the_timestamps_only(course: Course) -> None:
    a = backup_bytes(course, EPOCH)
    b = backup_bytes(course, EPOCH + 1)
    assert a != b
    with tarfile.open(fileobj=io.BytesIO(b), mode="r:gz") as tar:
        names = [m.name for m in tar.getmembers()]
    with tarfile.open(fileobj=io.BytesIO(a), mode="r:gz") as tar:
        assert [m.name for m in tar.getmembers()] == names


def test_write_backup_is_atomic_and_reports(tmp_path: Path, course: Course, mbz: bytes) -> None:
    out = tmp_path / "backups" / "c.mbz"
    summary = write_backup(course, out, EPOCH)
    assert out.read_bytes() == mbz
    assert summary.sha256 == hashlib.sha256(mbz).hexdigest()
    assert summary.activities == {
        "glossary": 1,
        "label": 2,
        "page": 4,
        "quiz": 1,
        "resource": 1,
        "url": 1,
    }
    assert summary.questions == 20
    assert [p.name for p in out.parent.iterdir()] == ["c.mbz"]  # no temp file left


def test_unreadable_asset_fails_without_writing(tmp_path: Path) -> None:
    from lemma_pkg.errors import BuildError

    copy = tmp_path / "fx"
    shutil.copytree(HERE, copy)
    course = full_course(copy)
    broken_section = course.sections[1]
    page = broken_section.items[0]
    from dataclasses import replace

    from lemma_pkg.content.model import Asset

    bad_page = replace(page, assets=(Asset("missing.png", copy / "missing.png"),))
    sections = (
        course.sections[0],
        replace(broken_section, items=(bad_page, *broken_section.items[1:])),
        *course.sections[2:],
    )
    out = tmp_path / "out" / "x.mbz"
    with pytest.raises(BuildError, match=r"missing\.png"):
        write_backup(replace(course, sections=sections), out, EPOCH)
    assert not out.exists()

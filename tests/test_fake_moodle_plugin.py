"""The fake Moodle's local_lemma_* functions follow the plugin's contract (real HTTP)."""

from __future__ import annotations

from lemma_pkg.plugin.contract import load_contract
from tests.fake_moodle import FakeMoodle, seed
from tests.fake_moodle.registry import REGISTRY


def test_every_contract_function_is_implemented_by_the_fake() -> None:
    assert set(load_contract()) <= set(REGISTRY)


def test_course_map_lists_modules_with_idnumbers(fake_moodle: FakeMoodle) -> None:
    token = fake_moodle.issue_lemma_token()
    state = fake_moodle.state
    course = seed.add_course(state, "MAP", categoryid=1, numsections=2)
    page = seed.add_page(state, course["id"], 1, "Lesson", idnumber="m1/lesson")
    quiz = seed.add_quiz(state, course["id"], 2, "Quiz", idnumber="m2/quiz")
    out = fake_moodle.call(token, "local_lemma_course_map", courseid=course["id"])
    assert out["shortname"] == "MAP"
    assert [
        (m["modname"], m["idnumber"], m["sectionnum"], m["visible"]) for m in out["modules"]
    ] == [
        ("page", "m1/lesson", 1, 1),
        ("quiz", "m2/quiz", 2, 1),
    ]
    assert out["modules"][0]["cmid"] == page["coursemodule"]
    assert out["modules"][1]["instance"] == quiz["id"]


def test_course_map_errors_as_moodle_gives_them(fake_moodle: FakeMoodle) -> None:
    # recorded on a real Moodle 4.5.6 with the plugin installed
    token = fake_moodle.issue_lemma_token()
    out = fake_moodle.call(token, "local_lemma_course_map", courseid=999)
    assert out == {
        "exception": "dml_missing_record_exception",
        "errorcode": "invalidrecord",
        "message": "Can't find data record in database table course.",
    }
    out = fake_moodle.call(token, "local_lemma_course_map", courseid="x")
    assert out["errorcode"] == "invalidparameter"
    student = fake_moodle.issue_lemma_token("student1")
    out = fake_moodle.call(student, "local_lemma_course_map", courseid=2)
    assert out["errorcode"] in ("nopermissions", "errorcoursecontextnotvalid")

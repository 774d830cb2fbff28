"""Typed wrappers against the fake Moodle: the shapes the rest of lemma relies on."""

from __future__ import annotations

import pytest

from lemma_pkg.moodle import errors as E
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.completion import (
    activities_completion_for_users,
    get_activities_completion_status,
    get_course_completion_status,
)
from lemma_pkg.moodle.courses import (
    create_categories,
    create_courses,
    delete_courses,
    get_categories,
    get_contents,
    get_course_by_field,
    get_courses_by_field,
)
from lemma_pkg.moodle.enrol import (
    enrol_users,
    get_enrolled_users,
    iter_enrolled_users,
    unenrol_users,
)
from lemma_pkg.moodle.files import FilePart, get_draft_files, upload_files
from lemma_pkg.moodle.grades import get_grade_items
from lemma_pkg.moodle.groups import (
    CohortMember,
    GroupMember,
    add_cohort_members,
    add_group_members,
    create_cohorts,
    create_groups,
    get_course_groups,
)
from lemma_pkg.moodle.quiz import get_quizzes_by_courses, get_user_attempts, get_user_best_grade
from lemma_pkg.moodle.retry import RetryPolicy
from lemma_pkg.moodle.users import NewUser, create_users, get_users_by_field, update_users
from tests.fake_moodle import FakeMoodle

FAST = RetryPolicy(attempts=3, backoff=0.001, max_backoff=0.002)


@pytest.fixture
def client(fake_moodle_reset: FakeMoodle) -> MoodleClient:
    c = MoodleClient(
        fake_moodle_reset.url, fake_moodle_reset.admin_token, allow_insecure_http=True, retry=FAST
    )
    return c


def _user(name: str, **extra: object) -> NewUser:
    row: NewUser = {
        "username": name,
        "password": "Lemma#2026pw",
        "firstname": name.title(),
        "lastname": "Tester",
        "email": f"{name}@example.com",
    }
    row.update(extra)  # type: ignore[typeddict-item]
    return row


def test_categories_find_and_create(client: MoodleClient) -> None:
    assert [c.name for c in get_categories(client)] == ["Category 1"]
    created = create_categories(client, [{"name": "LEMMA courses", "idnumber": "LEMMA"}])
    assert created[0]["name"] == "LEMMA courses"
    (found,) = get_categories(client, idnumber="LEMMA")
    assert (found.id, found.idnumber, found.parent) == (created[0]["id"], "LEMMA", 0)
    assert get_categories(client, idnumber="NOPE") == []
    with pytest.raises(E.AlreadyExistsError):
        create_categories(client, [{"name": "Again", "idnumber": "LEMMA"}])


def test_courses_create_find_contents_delete(client: MoodleClient) -> None:
    ref1 = get_course_by_field(client, "shortname", "REF1")
    assert ref1 is not None and ref1.id == 2 and "manual" in ref1.enrollmentmethods
    created = create_courses(
        client,
        [
            {
                "fullname": "LEMMA Module 1",
                "shortname": "LEMMA-M1",
                "categoryid": 1,
                "enablecompletion": 1,
                "courseformatoptions": [{"name": "numsections", "value": "3"}],
            },
            {"fullname": "Tmp", "shortname": "LEMMA-TMP", "categoryid": 1},
        ],
    )
    assert [c["shortname"] for c in created] == ["LEMMA-M1", "LEMMA-TMP"]
    m1 = get_course_by_field(client, "id", created[0]["id"])
    assert m1 is not None and m1.enablecompletion and m1.shortname == "LEMMA-M1"
    both = get_courses_by_field(client, "ids", f"{created[0]['id']},{created[1]['id']}")
    assert len(both) == 2
    sections = get_contents(client, created[0]["id"])
    assert [s["section"] for s in sections] == [0, 1, 2, 3]
    ref1_modules = [m["modname"] for s in get_contents(client, 2) for m in s.get("modules", [])]
    assert "quiz" in ref1_modules and "page" in ref1_modules
    assert delete_courses(client, [created[1]["id"]]) == []
    warnings = delete_courses(client, [created[1]["id"]])
    assert warnings and warnings[0]["warningcode"] == "unknowncourseidnumber"
    assert delete_courses(client, []) == []


def test_duplicate_shortname_in_a_batch_creates_nothing(client: MoodleClient) -> None:
    with pytest.raises(E.AlreadyExistsError):
        create_courses(
            client,
            [
                {"fullname": "Good", "shortname": "GOOD", "categoryid": 1},
                {"fullname": "Clash", "shortname": "REF1", "categoryid": 1},
            ],
        )
    assert get_course_by_field(client, "shortname", "GOOD") is None


def test_users_create_read_update(client: MoodleClient) -> None:
    created = create_users(
        client,
        [_user("alice", customfields=[{"type": "sector", "value": "Industry"}]), _user("bob")],
    )
    assert [u["username"] for u in created] == ["alice", "bob"]
    users = get_users_by_field(client, "username", ["alice", "bob", "nobody"])
    assert sorted(u["username"] for u in users) == ["alice", "bob"]
    alice = next(u for u in users if u["username"] == "alice")
    sector = [f for f in alice.get("customfields", []) if f.get("shortname") == "sector"]
    assert sector and sector[0]["value"] == "Industry"
    assert get_users_by_field(client, "username", []) == []
    warnings = update_users(
        client,
        [
            {"id": alice["id"], "city": "Bath"},
            {"id": created[1]["id"], "email": "student1@example.com"},
        ],
    )
    assert [w["itemid"] for w in warnings] == [created[1]["id"]]
    (again,) = get_users_by_field(client, "id", [alice["id"]])
    assert again["city"] == "Bath"


def test_uppercase_username_is_rejected_whole(client: MoodleClient) -> None:
    with pytest.raises(E.InvalidParameterError):
        create_users(client, [_user("carol"), _user("Dave")])
    assert get_users_by_field(client, "username", ["carol"]) == []


def test_many_users_go_in_several_batches(fake_moodle_reset: FakeMoodle) -> None:
    client = MoodleClient(
        fake_moodle_reset.url,
        fake_moodle_reset.admin_token,
        allow_insecure_http=True,
        retry=FAST,
        max_fields=203,
    )
    rows = [_user(f"learner{i:03d}") for i in range(100)]
    created = create_users(client, rows)
    assert len(created) == 100 and client.requests_sent == 3  # 40 + 40 + 20 rows
    assert len(get_users_by_field(client, "id", [u["id"] for u in created])) == 100


def test_enrol_list_page_unenrol(client: MoodleClient) -> None:
    created = create_users(client, [_user(n) for n in ("ann", "ben", "cat")])
    enrol_users(client, [{"roleid": 5, "userid": u["id"], "courseid": 2} for u in created])
    enrol_users(client, [{"roleid": 5, "userid": created[0]["id"], "courseid": 2}])  # again: ok
    users = get_enrolled_users(client, 2, userfields=["id", "username"])
    assert [u["username"] for u in users] == ["ann", "ben", "cat"]
    pages = list(iter_enrolled_users(client, 2, page_size=2, userfields=["id", "username"]))
    assert [u["username"] for u in pages] == ["ann", "ben", "cat"]
    unenrol_users(client, [{"userid": created[2]["id"], "courseid": 2}])
    unenrol_users(client, [{"userid": created[2]["id"], "courseid": 2}])  # a no-op
    assert [u["username"] for u in get_enrolled_users(client, 2)] == ["ann", "ben"]


def test_enrol_with_a_role_that_cannot_be_assigned(client: MoodleClient) -> None:
    with pytest.raises(E.EnrolmentSetupError) as info:
        enrol_users(client, [{"roleid": 999, "userid": 3, "courseid": 2}])
    assert info.value.exit_code == 3 and "Allow role assignments" in (info.value.hint or "")


def test_completion_per_user_and_fan_out(client: MoodleClient) -> None:
    enrol_users(client, [{"roleid": 5, "userid": 3, "courseid": 2}])
    statuses = get_activities_completion_status(client, 2, 3)
    assert sorted(s["modname"] for s in statuses) == ["page", "quiz"]
    assert all(s["state"] == 0 for s in statuses)
    course = get_course_completion_status(client, 2, 3)
    assert course["completed"] is False and len(course["completions"]) == 2
    many = activities_completion_for_users(client, 2, [3, 3, 3])
    assert list(many) == [3] and len(many[3]) == 2


def test_course_completion_for_a_user_not_enrolled(client: MoodleClient) -> None:
    with pytest.raises(E.MoodleRemoteError) as info:
        get_course_completion_status(client, 2, 3)
    assert info.value.errorcode == "usernotenroled"
    assert info.value.hint == "the user is not enrolled in the course"


def test_uploaded_files_are_in_the_draft_area(client: MoodleClient) -> None:
    result = upload_files(client, [FilePart("a.txt", data=b"abc"), FilePart("b.txt", data=b"de")])
    assert result.itemid is not None
    files = get_draft_files(client, result.files[0].contextid, result.itemid)
    assert sorted((f["filename"], f["filesize"]) for f in files) == [("a.txt", 3), ("b.txt", 2)]


def test_groups_create_find_add_members(fake_moodle_reset: FakeMoodle) -> None:
    from tests.fake_moodle import seed

    # core_group_get_course_groups is optional: not in the recorded site's service.
    token = fake_moodle_reset.issue_token(
        "admin", [*seed.SERVICE_FUNCTIONS, "core_group_get_course_groups"]
    )
    client = MoodleClient(fake_moodle_reset.url, token, allow_insecure_http=True, retry=FAST)
    created = create_users(client, [_user("gina"), _user("hugo")])
    enrol_users(client, [{"roleid": 5, "userid": u["id"], "courseid": 2} for u in created])
    (group,) = create_groups(
        client, [{"courseid": 2, "name": "Intake A", "description": "", "idnumber": "A"}]
    )
    assert group["name"] == "Intake A" and group["courseid"] == 2
    assert [g["name"] for g in get_course_groups(client, 2)] == ["Intake A"]
    members: list[GroupMember] = [{"groupid": group["id"], "userid": u["id"]} for u in created]
    add_group_members(client, members)
    add_group_members(client, members[:1])  # already a member: a no-op
    with pytest.raises(E.InvalidParameterError):  # student1 is not enrolled in REF1
        add_group_members(client, [{"groupid": group["id"], "userid": 3}])
    with pytest.raises(E.InvalidParameterError):  # same name again
        create_groups(client, [{"courseid": 2, "name": "Intake A", "description": "x"}])


def test_cohorts_and_per_row_warnings(client: MoodleClient) -> None:
    (cohort,) = create_cohorts(
        client,
        [
            {
                "categorytype": {"type": "system", "value": ""},
                "name": "LEMMA 2026",
                "idnumber": "L26",
                "visible": 1,
            }
        ],
    )
    assert cohort["idnumber"] == "L26" and cohort["visible"] is True
    create_users(client, [_user("ivy")])
    member: CohortMember = {
        "cohorttype": {"type": "idnumber", "value": "L26"},
        "usertype": {"type": "username", "value": "ivy"},
    }
    assert add_cohort_members(client, [member]) == []
    warnings = add_cohort_members(client, [member])
    assert [w["warningcode"] for w in warnings] == ["3"]


def test_quiz_attempts_best_grade_and_grades(
    fake_moodle_reset: FakeMoodle, client: MoodleClient
) -> None:
    from tests.fake_moodle import seed

    state = fake_moodle_reset.state
    with state.lock:
        seed.enrol(state, 3, 2)
    (quiz,) = get_quizzes_by_courses(client, [2])
    assert quiz["coursemodule"] == 6
    assert get_user_attempts(client, quiz["id"], 3) == []
    with state.lock:
        seed.record_quiz_attempt(state, quiz["id"], 3, 10.0)
    attempts = get_user_attempts(client, quiz["id"], 3)
    assert [a["state"] for a in attempts] == ["finished"]
    assert attempts[0]["sumgrades"] == 10.0
    best = get_user_best_grade(client, quiz["id"], 3)
    assert best["hasgrade"] is True and best["grade"] == pytest.approx(9.09091, abs=1e-4)
    usergrades = get_grade_items(client, 2)
    assert [u["userid"] for u in usergrades] == [3]
    quiz_item = next(i for i in usergrades[0]["gradeitems"] if i.get("itemmodule") == "quiz")
    assert quiz_item["graderaw"] == pytest.approx(9.09091, abs=1e-4)

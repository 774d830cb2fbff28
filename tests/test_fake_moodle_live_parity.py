"""Behaviour of the fake that the transcripts do not cover, checked once against the real
Moodle 4.5.6 site (course/user/group/cohort creation edge cases), over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fake_moodle import FakeMoodle


def create_course(fake: FakeMoodle, **fields: Any) -> Any:
    row = {"fullname": "Parity", "shortname": "PARITY1", "categoryid": 1, **fields}
    return fake.call(fake.admin_token, "core_course_create_courses", courses=[row])


def test_unsupported_text_format_is_formatnotsupported(fake_moodle: FakeMoodle) -> None:
    # Real site: {"exception": "core\\exception\\moodle_exception", "errorcode":
    # "formatnotsupported", "message": "webservice/formatnotsupported"} (the string is missing).
    fake_moodle.set_debug(True)
    body = create_course(fake_moodle, summaryformat=9)
    assert body == {
        "exception": "core\\exception\\moodle_exception",
        "errorcode": "formatnotsupported",
        "message": "webservice/formatnotsupported",
        "debuginfo": "The format with value=9 is not supported by this Moodle site",
    }
    cat = fake_moodle.call(
        fake_moodle.admin_token,
        "core_course_create_categories",
        categories=[{"name": "X", "descriptionformat": 3}],
    )
    assert cat["errorcode"] == "formatnotsupported"
    group = fake_moodle.call(
        fake_moodle.admin_token,
        "core_group_create_groups",
        groups=[{"courseid": 2, "name": "G", "description": "", "descriptionformat": 7}],
    )
    assert group["errorcode"] == "formatnotsupported"
    cohort = fake_moodle.call(
        fake_moodle.admin_token,
        "core_cohort_create_cohorts",
        cohorts=[
            {
                "categorytype": {"type": "system", "value": ""},
                "name": "C",
                "idnumber": "c1",
                "descriptionformat": 5,
            }
        ],
    )
    assert cohort["errorcode"] == "formatnotsupported"


@pytest.mark.parametrize(
    ("dates", "errorcode", "message"),
    [
        (
            {"startdate": 2000000000, "enddate": 1000000000},
            "enddatebeforestartdate",
            "The course end date must be after the start date.",
        ),
        (
            {"startdate": 0, "enddate": 1000000000},
            "nostartdatenoenddate",
            "A course end date can only be set if a start date is also set.",
        ),
    ],
)
def test_course_dates_are_validated(
    fake_moodle: FakeMoodle, dates: dict[str, int], errorcode: str, message: str
) -> None:
    body = create_course(fake_moodle, **dates)
    assert body == {
        "exception": "core\\exception\\moodle_exception",
        "errorcode": errorcode,
        "message": message,
    }
    found = fake_moodle.call(
        fake_moodle.admin_token,
        "core_course_get_courses_by_field",
        field="shortname",
        value="PARITY1",
    )
    assert found["courses"] == []


def test_value_longer_than_its_column_is_a_database_error(fake_moodle: FakeMoodle) -> None:
    # Real site: a 311-character shortname fails the INSERT; no course id is used up.
    body = create_course(fake_moodle, shortname="P" * 256)
    assert body == {
        "exception": "dml_write_exception",
        "errorcode": "dmlwriteexception",
        "message": "Error writing to database",
    }
    first = create_course(fake_moodle, shortname="PARITY2")
    second = create_course(fake_moodle, shortname="PARITY3", idnumber="i" * 101)
    third = create_course(fake_moodle, shortname="PARITY4")
    assert second["errorcode"] == "dmlwriteexception"
    assert third[0]["id"] == first[0]["id"] + 1


def test_group_visibility_is_validated(fake_moodle: FakeMoodle) -> None:
    fake_moodle.set_debug(True)
    body = fake_moodle.call(
        fake_moodle.admin_token,
        "core_group_create_groups",
        groups=[{"courseid": 2, "name": "G", "description": "", "visibility": 4}],
    )
    assert body["errorcode"] == "invalidparameter"
    assert body["debuginfo"] == "Invalid group visibility provided. Must be one of 0,1,2,3"


def test_group_names_are_trimmed_and_hidden_groups_have_no_participation(
    fake_moodle: FakeMoodle,
) -> None:
    # Real site: 'G1 ' is stored as 'G1' (so a later 'G1' is a duplicate); get_course_groups
    # shows enrolmentkey null for a group created without one; visibility 2/3 turns
    # participation off.
    token = fake_moodle.admin_token
    made = fake_moodle.call(
        token,
        "core_group_create_groups",
        groups=[
            {"courseid": 2, "name": "G1 ", "description": "", "idnumber": " g1 "},
            {"courseid": 2, "name": "Hidden", "description": "", "visibility": 3},
        ],
    )
    assert [(g["name"], g["idnumber"], g["enrolmentkey"], g["participation"]) for g in made] == [
        ("G1", "g1", "", True),
        ("Hidden", "", "", False),
    ]
    again = fake_moodle.call(
        token, "core_group_create_groups", groups=[{"courseid": 2, "name": "G1", "description": ""}]
    )
    assert again["errorcode"] == "invalidparameter"
    listed = fake_moodle.call(
        fake_moodle.issue_token("admin", ["core_group_get_course_groups"]),
        "core_group_get_course_groups",
        courseid=2,
    )
    assert [(g["name"], g["enrolmentkey"]) for g in listed] == [("G1", None), ("Hidden", None)]


def test_onlyactive_and_onlysuspended_together_is_a_coding_error(fake_moodle: FakeMoodle) -> None:
    body = fake_moodle.call(
        fake_moodle.admin_token,
        "core_enrol_get_enrolled_users",
        courseid=2,
        options=[{"name": "onlyactive", "value": "1"}, {"name": "onlysuspended", "value": "1"}],
    )
    assert body == {
        "exception": "core\\exception\\coding_exception",
        "errorcode": "codingerror",
        "message": "Coding error detected, it must be fixed by a programmer: Both onlyactive and "
        "onlysuspended are set, this is probably not what you want!",
    }


def test_own_preferences_in_the_participant_list_end_with_lastloaded(
    fake_moodle: FakeMoodle,
) -> None:
    token = fake_moodle.admin_token
    fake_moodle.call(
        token, "enrol_manual_enrol_users", enrolments=[{"roleid": 5, "userid": 2, "courseid": 2}]
    )
    users = fake_moodle.call(token, "core_enrol_get_enrolled_users", courseid=2)
    admin = next(u for u in users if u["id"] == 2)
    assert admin["preferences"][-1]["name"] == "_lastloaded"
    assert isinstance(admin["preferences"][-1]["value"], int)


def _upload(fake: FakeMoodle, fields: list[tuple[str, str]], files: list[Any]) -> Any:
    import requests

    resp = requests.post(
        fake.upload_url, data=[("token", fake.admin_token), *fields], files=files, timeout=30
    )
    assert resp.status_code == 200
    return resp.json()


def test_upload_part_without_a_filename_is_upload_error_no_file(fake_moodle: FakeMoodle) -> None:
    # PHP marks the part UPLOAD_ERR_NO_FILE, with or without content.
    for data in (b"", b"a"):
        body = _upload(fake_moodle, [], [("file_1", ("", data))])
        assert body == {
            "error": "No file was uploaded.",
            "errorcode": "upload_error_no_file",
            "stacktrace": None,
            "debuginfo": None,
            "reproductionlink": None,
        }


@pytest.mark.parametrize("filepath", ["abc", "/a", "a/", ""])
def test_upload_into_an_invalid_folder_is_storedfileproblem(
    fake_moodle: FakeMoodle, filepath: str
) -> None:
    body = _upload(fake_moodle, [("filepath", filepath)], [("file_1", ("a.txt", b"x"))])
    assert body == {
        "error": "Unknown exception related to local files (Invalid file path)",
        "errorcode": "storedfileproblem",
        "stacktrace": None,
        "debuginfo": None,
        "reproductionlink": None,
    }
    assert not [f for f in fake_moodle.state.files if f["filename"] == "a.txt"]
    # PARAM_PATH cleaning first: '/../x/' becomes '/x/' and is fine; no files is an empty list.
    ok = _upload(fake_moodle, [("filepath", "/../x/")], [("file_1", ("b.txt", b"x"))])
    assert ok[0]["filepath"] == "/x/"
    assert _upload(fake_moodle, [("filepath", filepath)], []) == []


def test_update_users_warnings_are_moodles(fake_moodle: FakeMoodle) -> None:
    # Real site: no language strings for these codes (the message is "error/<code>"), and a
    # username that is taken is refused by the database's unique index, not by a check.
    guest = fake_moodle.state.user_by_username("guest")
    assert guest is not None
    answer = fake_moodle.call(
        fake_moodle.admin_token,
        "core_user_update_users",
        users=[
            {"id": guest["id"], "firstname": "G"},
            {"id": 3, "email": "notanemail"},
            {"id": 3, "username": "admin"},
        ],
    )
    assert answer == {
        "warnings": [
            {
                "item": "user",
                "itemid": guest["id"],
                "warningcode": "usernotupdatedguest",
                "message": "error/usernotupdatedguest",
            },
            {
                "item": "user",
                "itemid": 3,
                "warningcode": "useremailinvalid",
                "message": "error/useremailinvalid",
            },
            {
                "item": "user",
                "itemid": 3,
                "warningcode": "dmlwriteexception",
                "message": "Error writing to database",
            },
        ]
    }
    student = fake_moodle.state.users[3]
    assert (student["username"], student["email"]) == ("student1", "student1@example.com")

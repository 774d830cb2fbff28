"""The fake Moodle's restore functions of the companion plugin (real HTTP), with the answers
recorded from the plugin on the lab Moodle 4.5.6."""

from __future__ import annotations

import io
import tarfile
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from lemma_pkg.mbz import backup_bytes
from tests.fake_moodle import FakeMoodle, seed
from tests.fake_moodle.functions.lemma_restore import kill_restore
from tests.fixtures.mbz.course_factory import full_course


def upload(fake: FakeMoodle, token: str, name: str, data: bytes) -> int:
    resp = requests.post(
        fake.upload_url, data={"token": token}, files={"file_1": (name, data)}, timeout=10
    )
    return int(resp.json()[0]["itemid"])


@pytest.fixture(scope="module")
def mbz() -> bytes:
    return backup_bytes(full_course())


def restore(fake: FakeMoodle, token: str, itemid: int, **params: Any) -> Any:
    base: dict[str, Any] = {
        "requestid": uuid.uuid4().hex,
        "draftitemid": itemid,
        "filename": "course.mbz",
        "target": "new",
        "fullname": "Test course",
        "shortname": "T-v1",
        "categoryid": 1,
        "idnumber": "t-v1",
        "sha256": "ab12",
    }
    base.update(params)
    return fake.call(token, "local_lemma_restore_course", **base)


def test_restore_new_course_runs_as_a_task_and_sets_the_names(
    fake_moodle: FakeMoodle, mbz: bytes
) -> None:
    token = fake_moodle.issue_lemma_token()
    itemid = upload(fake_moodle, token, "course.mbz", mbz)
    out = restore(fake_moodle, token, itemid)
    assert out["state"] == "queued" and out["restoreid"] and out["errors"] == []
    course = fake_moodle.state.courses[out["courseid"]]
    assert (course["shortname"], course["visible"]) == ("T-v1", 0)  # hidden until restored
    states = []
    for _ in range(3):
        st = fake_moodle.call(token, "local_lemma_restore_status", restoreid=out["restoreid"])
        states.append(st["restores"][0]["state"])
    assert states == ["running", "finished", "finished"]
    done = st["restores"][0]
    assert done["progress"] == 1.0 and done["sha256"] == "ab12"
    assert (course["idnumber"], course["visible"]) == ("t-v1", 1)
    cmap = fake_moodle.call(token, "local_lemma_course_map", courseid=out["courseid"])
    idnumbers = {m["idnumber"] for m in cmap["modules"]}
    assert "01-basics/placement" in idnumbers
    # the same request again: the same restore, nothing new
    again = restore(fake_moodle, token, itemid, requestid=out["requestid"])
    assert again["restoreid"] == out["restoreid"]
    assert len(fake_moodle.state.lemma_restores) == 1


def test_unknown_data_file_is_stored_as_text_unless_registered(
    fake_moodle: FakeMoodle, mbz: bytes
) -> None:
    token = fake_moodle.issue_lemma_token()

    def wsz_type() -> str:
        itemid = upload(fake_moodle, token, "course.mbz", mbz)
        out = restore(
            fake_moodle,
            token,
            itemid,
            requestid=uuid.uuid4().hex,
            shortname=uuid.uuid4().hex[:8],
            idnumber="",
        )
        for _ in range(2):
            fake_moodle.call(token, "local_lemma_restore_status", restoreid=out["restoreid"])
        contents = fake_moodle.call(
            token,
            "core_course_get_contents",
            courseid=out["courseid"],
            options=[{"name": "modname", "value": "resource"}],
        )
        files = [c for s in contents for m in s["modules"] for c in m.get("contents", [])]
        return next(f["mimetype"] for f in files if f["filename"].endswith(".wsz"))

    assert wsz_type() == "text/plain"
    out = fake_moodle.call(
        token,
        "local_lemma_register_filetypes",
        types=[
            {"extension": "wsz", "mimetype": "application/octet-stream"},
            {"extension": "csv", "mimetype": "text/plain"},
        ],
    )
    assert [(t["extension"], t["status"]) for t in out] == [("wsz", "added"), ("csv", "exists")]
    assert wsz_type() == "application/octet-stream"


def test_errors_as_the_plugin_answers_them(fake_moodle: FakeMoodle, mbz: bytes) -> None:
    # recorded from local_lemma on the lab Moodle 4.5.6
    token = fake_moodle.issue_lemma_token()
    seed.add_course(fake_moodle.state, "TAKEN", idnumber="taken")
    itemid = upload(fake_moodle, token, "course.mbz", mbz)
    assert restore(fake_moodle, token, itemid, shortname="TAKEN") == {
        "exception": "core\\exception\\moodle_exception",
        "errorcode": "shortnametaken",
        "message": "Short name is already used for another course (TAKEN)",
    }
    assert restore(fake_moodle, token, itemid, idnumber="taken")["message"] == (
        "ID number is already used for another course (taken)"
    )
    assert restore(fake_moodle, token, itemid, target="add")["errorcode"] == "invalidparameter"
    assert restore(fake_moodle, token, itemid, filename="nope.mbz") == {
        "exception": "core\\exception\\moodle_exception",
        "errorcode": "errornodraftfile",
        "message": "No file nope.mbz in the draft area: upload it with webservice/upload.php "
        "first.",
    }
    assert restore(fake_moodle, token, itemid, categoryid=999) == {
        "exception": "dml_missing_record_exception",
        "errorcode": "invalidrecord",
        "message": "Can't find data record in database table course_categories.",
    }
    bad = upload(fake_moodle, token, "hello.mbz", b"hello")
    assert restore(fake_moodle, token, bad, filename="hello.mbz")["errorcode"] == (
        "errornotabackup"
    )
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("foo.xml")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"<x/>"))
    other = upload(fake_moodle, token, "other.mbz", buf.getvalue())
    refused = restore(fake_moodle, token, other, filename="other.mbz")
    assert refused["state"] == "refused" and refused["courseid"] == 0
    assert refused["errors"] == [
        "This is not a Moodle 2 course backup (moodle_backup.xml is missing or of another format)."
    ]
    assert fake_moodle.call(token, "local_lemma_restore_status", requestid="abc") == {
        "restores": []
    }
    assert fake_moodle.call(token, "local_lemma_restore_status")["errorcode"] == (
        "invalidparameter"
    )
    student = fake_moodle.issue_lemma_token("student1")
    assert restore(fake_moodle, student, itemid)["errorcode"] == "nopermissions"
    assert (
        fake_moodle.call(
            student,
            "local_lemma_register_filetypes",
            types=[{"extension": "wsz", "mimetype": "application/octet-stream"}],
        )["errorcode"]
        == "nopermissions"
    )


def test_precheck_only_changes_nothing(fake_moodle: FakeMoodle, mbz: bytes) -> None:
    token = fake_moodle.issue_lemma_token()
    itemid = upload(fake_moodle, token, "course.mbz", mbz)
    before = set(fake_moodle.state.courses)
    out = restore(fake_moodle, token, itemid, precheckonly=1)
    assert out["state"] == "prechecked" and out["restoreid"] == "" and out["courseid"] == 0
    assert set(fake_moodle.state.courses) == before
    assert not fake_moodle.state.lemma_restores


def test_failed_or_killed_restore_deletes_the_new_course(
    fake_moodle: FakeMoodle, mbz: bytes
) -> None:
    token = fake_moodle.issue_lemma_token()
    itemid = upload(fake_moodle, token, "course.mbz", mbz)
    fake_moodle.state.restore_fail = "Error reading from database"
    out = restore(fake_moodle, token, itemid)
    st = fake_moodle.call(token, "local_lemma_restore_status", restoreid=out["restoreid"])
    assert st["restores"][0]["state"] == "failed"
    assert "The new course has been deleted again." in st["restores"][0]["message"]
    assert out["courseid"] not in fake_moodle.state.courses
    # the shortname is free again; this time the cron process dies mid-restore
    again = restore(fake_moodle, token, itemid, requestid=uuid.uuid4().hex)
    running = restore(
        fake_moodle, token, itemid, requestid=uuid.uuid4().hex, shortname="T2", idnumber=""
    )
    busy = fake_moodle.call(token, "local_lemma_restore_cleanup", restoreid=running["restoreid"])
    assert busy["errorcode"] == "errorrestorerunning"
    kill_restore(fake_moodle.state, again["restoreid"])
    st = fake_moodle.call(token, "local_lemma_restore_status", restoreid=again["restoreid"])
    assert st["restores"][0]["state"] == "failed"
    assert st["restores"][0]["message"].startswith("The cron process that ran this restore")
    # nothing reruns the task: the hidden half-restored course is there until cleaned up
    assert fake_moodle.state.courses[again["courseid"]]["visible"] == 0
    out = fake_moodle.call(token, "local_lemma_restore_cleanup", restoreid=again["restoreid"])
    assert out["state"] == "failed" and "deleted again" in out["message"]
    assert again["courseid"] not in fake_moodle.state.courses
    gone = fake_moodle.call(token, "local_lemma_restore_cleanup", restoreid="nope")
    assert gone["errorcode"] == "invalidrecord"


def test_replace_keeps_enrolments_and_groups(fake_moodle: FakeMoodle, mbz: bytes) -> None:
    token = fake_moodle.issue_lemma_token()
    state = fake_moodle.state
    course = seed.add_course(state, "LIVE", idnumber="live")
    page = seed.add_page(state, course["id"], 1, "Old page")
    seed.enrol(state, 3, course["id"])
    seed.record_view(state, page["coursemodule"], 3, state.now())
    seed.add_group(state, course["id"], "Group A")
    itemid = upload(fake_moodle, token, "course.mbz", mbz)
    out = restore(
        fake_moodle,
        token,
        itemid,
        target="replace",
        courseid=course["id"],
        shortname="LIVE",
        fullname="Live",
        idnumber="",
        categoryid=0,
    )
    assert out["courseid"] == course["id"]
    busy = restore(
        fake_moodle,
        token,
        itemid,
        target="replace",
        courseid=course["id"],
        shortname="LIVE",
        idnumber="",
    )
    assert busy["errorcode"] == "errorrestorerunning"
    for _ in range(2):
        fake_moodle.call(token, "local_lemma_restore_status", courseid=course["id"])
    assert page["coursemodule"] not in state.modules  # every activity is new
    assert not [k for k in state.completion if k[1] == 3]
    assert state.is_enrolled(course["id"], 3)
    assert any(g["courseid"] == course["id"] for g in state.groups.values())
    assert state.courses[course["id"]]["idnumber"] == "live"


def test_webservice_pluginfile_needs_a_token_and_serves_inline(
    fake_moodle: FakeMoodle, mbz: bytes, tmp_path: Path
) -> None:
    token = fake_moodle.issue_lemma_token()
    itemid = upload(fake_moodle, token, "course.mbz", mbz)
    out = restore(fake_moodle, token, itemid)
    for _ in range(2):
        fake_moodle.call(token, "local_lemma_restore_status", restoreid=out["restoreid"])
    contents = fake_moodle.call(
        token,
        "core_course_get_contents",
        courseid=out["courseid"],
        options=[{"name": "modname", "value": "resource"}],
    )
    f = next(c for s in contents for m in s["modules"] for c in m.get("contents", []))
    assert f["fileurl"].endswith("?forcedownload=1")
    resp = requests.post(f["fileurl"], data={"token": token}, timeout=10)
    # webservice/pluginfile.php passes forcedownload 0 whatever the URL says (lab 4.5.6)
    assert resp.headers["Content-Disposition"] == f'inline; filename="{f["filename"]}"'
    assert len(resp.content) == f["filesize"]
    bad = requests.post(f["fileurl"], data={"token": "nope"}, timeout=10).json()
    assert bad["errorcode"] == "invalidtoken"

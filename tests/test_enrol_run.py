"""lemma enrol against the fake Moodle: a valid roster does the whole job, the same roster
again changes nothing, bad rows stop the run before any write, Moodle's refusals are found
by bisecting, --update, enrolment dates and status, --remove and --suspend."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from lemma_pkg.enrol.plan import DAY
from tests.enrol_support import Site
from tests.fake_moodle import FakeMoodle, seed

NOW = dt.datetime(2027, 1, 20, 15, 30, tzinfo=dt.UTC)
TODAY = int(dt.datetime(2027, 1, 20, tzinfo=dt.UTC).timestamp())


@pytest.fixture
def site(fake_moodle: FakeMoodle, tmp_path: Path) -> Site:
    return Site(fake_moodle, tmp_path)


def _ok_rows(n: int = 3) -> list[list[str]]:
    sectors = ["Academia", "Industry", "Other"]
    return [
        [
            f"learner{i}",
            f"First{i}",
            f"Last{i}",
            f"learner{i}@example.org",
            "Bristol",
            "GB",
            sectors[i % 3],
            str(i % 2),
            "LEMMA",
            "Tuesday" if i % 2 else "Thursday",
            "lemma2027",
        ]
        for i in range(1, n + 1)
    ]


def test_a_valid_roster_does_the_whole_job_and_again_changes_nothing(site: Site) -> None:
    roster = site.roster(_ok_rows(4))
    result = site.run(roster, create_groups=True, create_cohorts=True)
    assert result.exit_code == 0, [p.format("r") for p in result.problems]
    assert result.counts()["applied"] == {
        "create_cohort": 1,
        "create_user": 4,
        "add_cohort_member": 4,
        "create_group": 2,
        "enrol": 4,
        "add_group_member": 4,
    }
    u = site.user("learner2")
    assert (u["firstname"], u["lastname"], u["email"], u["city"], u["country"]) == (
        "First2",
        "Last2",
        "learner2@example.org",
        "Bristol",
        "GB",
    )
    assert site.profile("learner2", "lemma_sector") == "Other"
    assert site.profile("learner1", "lemma_consent") == "1"
    # no password in the roster: Moodle mails one and forces a change
    assert site.fake.state.preferences.get((u["id"], "auth_forcepasswordchange")) == "1"
    ue = site.enrolment("learner2")
    assert ue is not None and ue["status"] == 0 and ue["timeend"] == 0
    assert site.roles("learner2") == [5]
    assert site.groups_of("learner1") == ["Tuesday"]
    assert site.groups_of("learner2") == ["Thursday"]
    assert site.cohorts_of("learner3") == ["lemma2027"]
    assert result.ledger is not None and result.ledger.exists()

    writes_before = len(site.writes())
    again = site.run(roster, create_groups=True, create_cohorts=True)
    assert again.exit_code == 0
    assert again.plan is not None and again.plan.empty
    assert dict(again.plan.unchanged) == {
        "accounts": 4,
        "cohort memberships": 4,
        "enrolments": 4,
        "group memberships": 4,
    }
    assert len(site.writes()) == writes_before  # reads only
    assert site.users_named("learner1") == 1


def test_new_enrolments_start_today_and_end_after_the_period(site: Site) -> None:
    header = [
        "username",
        "firstname",
        "lastname",
        "email",
        "profile_field_lemma_sector",
        "course1",
        "enrolperiod1",
        "enrolstatus1",
        "course2",
        "enroltimestart2",
        "role2",
    ]
    roster = site.roster(
        [
            [
                "ann",
                "Ann",
                "A",
                "ann@example.org",
                "Academia",
                "LEMMA",
                "30",
                "1",
                "BIO",
                "2027-03-01",
                "teacher",
            ]
        ],
        header,
    )
    with site.client() as client:
        from lemma_pkg.enrol.checks import Options
        from lemma_pkg.enrol.run import EnrolRequest, run_enrol

        result = run_enrol(client, EnrolRequest(roster, Options(), project=site.project), now=NOW)
    assert result.exit_code == 0, [p.format("r") for p in result.problems]
    lemma = site.enrolment("ann")
    assert lemma is not None
    assert (lemma["timestart"], lemma["timeend"], lemma["status"]) == (TODAY, TODAY + 30 * DAY, 1)
    bio = site.enrolment("ann", "BIO")
    start = int(dt.datetime(2027, 3, 1, tzinfo=dt.UTC).timestamp())
    assert bio is not None and (bio["timestart"], bio["timeend"]) == (start, 0)
    assert site.roles("ann", "BIO") == [4]


def test_existing_enrolments_keep_their_dates_unless_the_row_gives_new_ones(site: Site) -> None:
    with site.fake.state.lock:
        ann = seed.add_user(site.fake.state, "ann", email="ann@example.org")
        seed.enrol(site.fake.state, ann["id"], site.course["id"], timestart=1_700_000_000)
    header = ["username", "course1", "enrolperiod1", "enrolstatus1", "role1"]
    same = site.roster([["ann", "LEMMA", "", "", ""]], header)
    result = site.run(same)
    assert result.plan is not None and result.plan.empty
    assert site.enrolment("ann")["timestart"] == 1_700_000_000  # type: ignore[index]

    longer = site.roster([["ann", "LEMMA", "10", "", "teacher"]], header, name="longer.csv")
    result = site.run(longer)
    assert result.exit_code == 0
    assert [s.detail for s in result.plan.steps] == [  # type: ignore[union-attr]
        "LEMMA as teacher (add role 4; end none -> 2023-11-24)"
    ]
    ue = site.enrolment("ann")
    assert ue is not None and (ue["timestart"], ue["timeend"]) == (
        1_700_000_000,
        1_700_000_000 + 10 * DAY,
    )
    assert site.roles("ann") == [4, 5]
    assert site.run(longer).plan.empty  # type: ignore[union-attr]


def test_a_roster_never_suspends_an_active_enrolment(site: Site) -> None:
    with site.fake.state.lock:
        ann = seed.add_user(site.fake.state, "ann")
        seed.enrol(site.fake.state, ann["id"], site.course["id"])
    roster = site.roster([["ann", "LEMMA", "1"]], ["username", "course1", "enrolstatus1"])
    result = site.run(roster)
    assert result.exit_code == 0
    assert [(p.code, p.column) for p in result.problems] == [("suspend-refused", "enrolstatus1")]
    assert site.enrolment("ann")["status"] == 0  # type: ignore[index]
    # --suspend is the explicit command; a roster with status 0 reactivates
    result = site.run(roster, mode="suspend")
    assert result.counts()["applied"] == {"suspend": 1}
    assert site.enrolment("ann")["status"] == 1  # type: ignore[index]
    assert site.run(roster, mode="suspend").plan.empty  # type: ignore[union-attr]
    active = site.roster([["ann", "LEMMA", "0"]], ["username", "course1", "enrolstatus1"], "a.csv")
    assert site.run(active).counts()["applied"] == {"enrol": 1}
    assert site.enrolment("ann")["status"] == 0  # type: ignore[index]


def test_remove_unenrols_and_leaves_accounts(site: Site) -> None:
    site.run(site.roster(_ok_rows(2)), create_groups=True, create_cohorts=True)
    leavers = site.roster(
        [["learner1", "LEMMA"], ["nobody", "LEMMA"]], ["username", "course1"], "l.csv"
    )
    result = site.run(leavers, mode="remove")
    assert result.exit_code == 0
    assert result.counts()["applied"] == {"unenrol": 1}
    assert [p.code for p in result.problems] == ["no-such-user"]
    assert site.enrolment("learner1") is None
    assert site.groups_of("learner1") == []  # Moodle drops group membership with it
    assert site.cohorts_of("learner1") == ["lemma2027"]
    assert site.enrolment("learner2") is not None
    assert site.run(leavers, mode="remove").plan.empty  # type: ignore[union-attr]


def test_update_modes(site: Site) -> None:
    with site.fake.state.lock:
        seed.add_user(site.fake.state, "ann", email="ann@example.org", city="", firstname="Ann")
    header = ["username", "firstname", "email", "city", "profile_field_lemma_sector"]
    roster = site.roster([["ann", "Anne", "ann@example.org", "Leeds", "Industry"]], header)
    none = site.run(roster)
    assert none.plan is not None and none.plan.not_updated == 1 and none.plan.empty
    missing = site.run(roster, update="missing")
    assert [s.detail for s in missing.plan.steps] == [  # type: ignore[union-attr]
        "city: '' -> 'Leeds'; profile_field_lemma_sector: '' -> 'Industry'"
    ]
    assert site.user("ann")["city"] == "Leeds" and site.user("ann")["firstname"] == "Ann"
    full = site.run(roster, update="all")
    assert [s.detail for s in full.plan.steps] == ["firstname: 'Ann' -> 'Anne'"]  # type: ignore[union-attr]
    assert site.user("ann")["firstname"] == "Anne"
    assert site.run(roster, update="all").plan.empty  # type: ignore[union-attr]
    # an empty cell never erases a value
    blank = site.roster([["ann", "", "", "", ""]], header, "blank.csv")
    assert site.run(blank, update="all").plan.empty  # type: ignore[union-attr]


def test_dates_in_profile_fields_round_trip_in_the_sites_time_zone(site: Site) -> None:
    site.fake.state.config.timezone = "Europe/London"
    header = [
        "username",
        "firstname",
        "lastname",
        "email",
        "profile_field_lemma_sector",
        "profile_field_lemma_since",
        "course1",
    ]
    roster = site.roster(
        [["ann", "Ann", "A", "ann@example.org", "Other", "1999-07-01", "LEMMA"]], header
    )
    assert site.run(roster).exit_code == 0
    stored = int(site.profile("ann", "lemma_since") or 0)
    assert stored == int(dt.datetime(1999, 6, 30, 23, tzinfo=dt.UTC).timestamp())
    assert site.run(roster, update="all").plan.empty  # type: ignore[union-attr]


def test_passwords_are_checked_sent_and_never_shown(site: Site, tmp_path: Path) -> None:
    header = [
        "username",
        "firstname",
        "lastname",
        "email",
        "password",
        "profile_field_lemma_sector",
        "course1",
    ]
    weak = site.roster(
        [["ann", "Ann", "A", "ann@example.org", "hunter2", "Other", "LEMMA"]], header
    )
    result = site.run(weak)
    assert [(p.code, p.column) for p in result.problems] == [("weak-password", "password")]
    assert "hunter2" not in json.dumps([p.to_dict() for p in result.problems])
    assert site.writes() == []
    good = site.roster(
        [["ann", "Ann", "A", "ann@example.org", "Xk9#mQ2v!z", "Other", "LEMMA"]], header, "good.csv"
    )
    result = site.run(good)
    assert result.exit_code == 0
    uid = site.user("ann")["id"]
    assert (uid, "auth_forcepasswordchange") not in site.fake.state.preferences
    assert "Xk9#mQ2v!z" not in (result.ledger.read_text("utf-8") if result.ledger else "")
    assert "Xk9#mQ2v!z" not in repr(result.plan)
    again = site.run(good)
    assert [p.code for p in again.problems] == ["password-ignored"]


def test_every_kind_of_bad_row_is_reported_at_once_and_nothing_is_written(site: Site) -> None:
    with site.fake.state.lock:
        seed.add_user(site.fake.state, "taken", email="taken@example.org")
        seed.add_group(site.fake.state, site.course["id"], "Tuesday")
    header = [
        "username",
        "firstname",
        "lastname",
        "email",
        "country",
        "lang",
        "timezone",
        "auth",
        "idnumber",
        "profile_field_lemma_sector",
        "profile_field_lemma_consent",
        "profile_field_lemma_since",
        "profile_field_lemma_notes",
        "course1",
        "role1",
        "group1",
        "enrolperiod1",
        "enrolstatus1",
        "cohort1",
        "deleted",
    ]
    ok = ["", "", "", "", "", "", "", "", "", ""]
    rows = [
        [
            "Ann",
            "Ann",
            "A",
            "ann@example.org",
            "GB",
            "en",
            "Europe/London",
            "manual",
            "",
            "Academia",
            "1",
            "2000-01-01",
            "",
            "LEMMA",
            "student",
            "Tuesday",
            "30",
            "0",
            "",
            "",
        ],
        [
            "bob",
            "Bob",
            "B",
            "bob@example",
            "UK",
            "EN",
            "Europe/Londn",
            "ldapx",
            "",
            "industry",
            "yes",
            "31/12/1999",
            "x" * 21,
            "LEMMA",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "cy",
            "",
            "C",
            "taken@example.org",
            "",
            "",
            "",
            "",
            "id-1",
            "",
            "",
            "",
            "",
            "LEMMAA",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "dee",
            "Dee",
            "D",
            "dee@example.org",
            "",
            "",
            "",
            "",
            "id-1",
            "Other",
            "",
            "2040-01-01",
            "",
            "LEMMA",
            "boss",
            "Friday",
            "a month",
            "2",
            "nocohort",
            "1",
        ],
        [
            "bob",
            "Bob",
            "B",
            "DEE@example.org",
            "",
            "",
            "",
            "",
            "",
            "Other",
            *ok[:3],
            "LEMMA",
            *ok[:5],
            "",
        ],
    ]
    result = site.run(site.roster(rows, header))
    assert result.exit_code == 1
    found = [(p.row, p.column, p.code) for p in result.problems if p.is_error]
    assert found == [
        (2, "username", "bad-username"),
        (3, "auth", "bad-auth"),
        (3, "country", "bad-country"),
        (3, "email", "bad-email"),
        (3, "lang", "bad-lang"),
        (3, "profile_field_lemma_consent", "bad-profile-value"),
        (3, "profile_field_lemma_notes", "bad-profile-value"),
        (3, "profile_field_lemma_sector", "bad-profile-value"),
        (3, "profile_field_lemma_since", "bad-profile-value"),
        (3, "timezone", "bad-timezone"),
        (4, "course1", "unknown-course"),
        (4, "email", "email-taken"),
        (4, "firstname", "missing-value"),
        (4, "profile_field_lemma_sector", "missing-background"),
        (5, "cohort1", "unknown-cohort"),
        (5, "deleted", "unsupported-column"),
        (5, "enrolperiod1", "bad-enrolperiod"),
        (5, "enrolstatus1", "bad-enrolstatus"),
        (5, "group1", "unknown-group"),
        (5, "idnumber", "duplicate-idnumber"),
        (5, "profile_field_lemma_since", "bad-profile-value"),
        (5, "role1", "unknown-role"),
        (6, "email", "duplicate-email"),
        (6, "username", "duplicate-username"),
    ]
    by = {(p.row, p.column): p for p in result.problems}
    assert by[(2, "username")].hint.startswith("write 'ann'")
    assert by[(3, "country")].hint == 'write "GB" (United Kingdom)'
    assert by[(3, "lang")].hint == 'write "en"'
    assert by[(3, "timezone")].hint == 'did you mean "Europe/London"?'
    assert by[(3, "profile_field_lemma_sector")].hint == 'write "Industry"'
    assert "Moodle would store" in by[(3, "profile_field_lemma_sector")].message
    assert by[(4, "email")].message == "'taken@example.org' already belongs to the account 'taken'"
    assert by[(5, "role1")].hint == "roles: manager, editingteacher, teacher, student"
    assert site.writes() == []
    assert result.plan is None


def test_skip_invalid_applies_the_good_rows(site: Site) -> None:
    rows = _ok_rows(3)
    rows[1][3] = "not-an-address"
    result = site.run(site.roster(rows), skip_invalid=True, create_groups=True, create_cohorts=True)
    assert result.exit_code == 1
    assert result.skipped_rows == [3]
    assert site.fake.state.user_by_username("learner2") is None
    assert site.enrolment("learner1") is not None and site.enrolment("learner3") is not None


def test_columns_the_site_lacks_stop_the_file(site: Site) -> None:
    roster = site.roster([["ann", "x"]], ["username", "profile_field_nosuch"])
    result = site.run(roster, skip_invalid=True)
    assert (1, "unknown-column") in [(p.row, p.code) for p in result.problems if p.is_error]
    assert result.plan is None
    assert site.writes() == []


def test_moodle_refusing_a_row_is_bisected_and_reported(site: Site) -> None:
    # An address that differs only in case from an existing one: the exact look-ups miss it,
    # Moodle refuses the whole batch ("Email address already exists").
    with site.fake.state.lock:
        seed.add_user(site.fake.state, "old", email="LEARNER3@EXAMPLE.ORG")
    rows = _ok_rows(6)
    rows[2][3] = "Learner3@Example.org"
    roster = site.roster(rows)
    result = site.run(roster, create_groups=True, create_cohorts=True)
    assert result.exit_code == 1
    out = result.outcome
    assert out is not None and out.stopped
    assert [(r.step.key, r.step.rows) for r in out.rejected] == [("user:learner3", [4])]
    assert "Moodle gives the reason only when debugging is on" in out.rejected[0].reason
    # nothing after the refused row was sent
    assert site.fake.state.user_by_username("learner6") is None

    site.fake.set_debug(True)
    result = site.run(roster, create_groups=True, create_cohorts=True, skip_invalid=True)
    out = result.outcome
    assert out is not None and not out.stopped
    assert [r.step.key for r in out.rejected] == ["user:learner3"]
    assert "Email address already exists" in out.rejected[0].reason
    assert {s.key for s, _ in out.skipped} == {
        "cohortmember:learner3:lemma2027",
        "enrol:learner3:LEMMA:5",
        "member:learner3:LEMMA:Tuesday",
    }
    for name in ("learner1", "learner2", "learner4", "learner5", "learner6"):
        assert site.users_named(name) == 1 and site.enrolment(name) is not None
    ledger = [json.loads(x) for x in result.ledger.read_text("utf-8").splitlines()]  # type: ignore[union-attr]
    assert [x["key"] for x in ledger if x["type"] == "rejected"] == ["user:learner3"] * 2


def test_the_plugin_is_required(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    from lemma_pkg.moodle.errors import MoodleConfigError

    site = Site(fake_moodle, tmp_path)
    roster = site.roster(_ok_rows(1))
    plain = fake_moodle.issue_token("admin")
    from lemma_pkg.moodle.client import MoodleClient

    with (
        MoodleClient(fake_moodle.url, plain, allow_insecure_http=True) as client,
        pytest.raises(MoodleConfigError) as err,
    ):
        site.run(roster, client=client)
    assert "companion plugin local_lemma" in (err.value.hint or "")

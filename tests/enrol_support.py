"""Shared set-up of the lemma enrol tests: a fake site with the plugin, a course with a
manual enrolment method, a small course project with a background, rosters on disk."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from lemma_pkg.enrol.checks import Options
from lemma_pkg.enrol.run import EnrolRequest, EnrolResult, run_enrol
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.retry import RetryPolicy
from tests.fake_moodle import FakeMoodle, seed

FAST = RetryPolicy(attempts=4, backoff=0.0, max_backoff=0.0)

COURSE_YAML = """fullname: Test course
shortname: LEMMA
background:
  category: Test background
  fields:
    - shortname: lemma_sector
      name: Work sector
      type: menu
      required: true
      options: [Academia, Industry, Other]
    - shortname: lemma_consent
      name: Research consent
      type: checkbox
    - shortname: lemma_since
      name: Using statistics since
      type: date
      start_year: 1950
      end_year: 2030
    - shortname: lemma_notes
      name: Notes
      type: text
      max_length: 20
"""

HEADER = [
    "username",
    "firstname",
    "lastname",
    "email",
    "city",
    "country",
    "profile_field_lemma_sector",
    "profile_field_lemma_consent",
    "course1",
    "group1",
    "cohort1",
]


class Site:
    """A fake Moodle prepared for lemma enrol, and a folder to work in."""

    def __init__(self, fake: FakeMoodle, tmp: Path) -> None:
        from lemma_pkg.content.background import load_background
        from lemma_pkg.enrol.fields import sync_background

        self.fake = fake
        self.tmp = tmp
        self.token = fake.issue_lemma_token("admin")
        with fake.state.lock:
            self.course = seed.add_course(fake.state, "LEMMA")
            self.other = seed.add_course(fake.state, "BIO")
        self.project = tmp / "project"
        (self.project / "content_src").mkdir(parents=True)
        (self.project / "content_src" / "course.yaml").write_text(COURSE_YAML, encoding="utf-8")
        background = load_background(self.project).background
        assert background is not None
        with self.client() as client:
            sync_background(client, background, apply=True)

    def client(self, **kw: Any) -> MoodleClient:
        kw.setdefault("retry", FAST)
        return MoodleClient(self.fake.url, self.token, allow_insecure_http=True, **kw)

    def roster(
        self, rows: list[list[str]], header: list[str] | None = None, name: str = "roster.csv"
    ) -> Path:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header or HEADER)
        w.writerows(rows)
        path = self.tmp / name
        path.write_text(buf.getvalue(), encoding="utf-8")
        return path

    def run(self, roster: Path, client: MoodleClient | None = None, **kw: Any) -> EnrolResult:
        opts = {
            k: kw.pop(k) for k in ("mode", "update", "create_groups", "create_cohorts") if k in kw
        }
        kw.setdefault("project", self.project)
        request = EnrolRequest(roster=roster, options=Options(**opts), **kw)
        if client is not None:
            return run_enrol(client, request)
        with self.client() as c:
            return run_enrol(c, request)

    # --- what the site has ---------------------------------------------------------------

    def user(self, username: str) -> dict[str, Any]:
        u = self.fake.state.user_by_username(username)
        assert u is not None, username
        return u

    def users_named(self, username: str) -> int:
        return sum(1 for u in self.fake.state.users.values() if u["username"] == username)

    def profile(self, username: str, shortname: str) -> str | None:
        field = self.fake.state.profile_field_by_shortname(shortname)
        assert field is not None
        return self.fake.state.profile_data.get((self.user(username)["id"], field["id"]))

    def enrolment(self, username: str, course: str = "LEMMA") -> dict[str, Any] | None:
        st = self.fake.state
        cid = next(c["id"] for c in st.courses.values() if c["shortname"] == course)
        uid = self.user(username)["id"]
        for inst, ue in st.user_enrolments_in(cid):
            if ue["userid"] == uid and inst["enrol"] == "manual":
                return ue
        return None

    def roles(self, username: str, course: str = "LEMMA") -> list[int]:
        st = self.fake.state
        cid = next(c["id"] for c in st.courses.values() if c["shortname"] == course)
        return sorted(st.roles_in_course(cid, self.user(username)["id"]))

    def groups_of(self, username: str) -> list[str]:
        st = self.fake.state
        uid = self.user(username)["id"]
        return sorted(st.groups[g]["name"] for (g, u) in st.group_members if u == uid)

    def cohorts_of(self, username: str) -> list[str]:
        st = self.fake.state
        uid = self.user(username)["id"]
        return sorted(st.cohorts[c]["idnumber"] for (c, u) in st.cohort_members if u == uid)

    def writes(self) -> list[str]:
        """Write functions the fake received, in order."""
        from lemma_pkg.moodle.functions import FUNCTIONS

        return [
            r.wsfunction
            for r in self.fake.requests
            if r.wsfunction in FUNCTIONS and FUNCTIONS[r.wsfunction].kind == "write"
        ]

    def calls(self, wsfunction: str) -> int:
        return sum(1 for r in self.fake.requests if r.wsfunction == wsfunction)

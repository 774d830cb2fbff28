"""`lemma report` on a synthetic cohort of 1,000 learners in the fake Moodle: the numbers
match what was seeded, no one can be identified, no shareable count is below k, and the
study key alone links pseudonyms to people."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from lemma_pkg.cli import main
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.report import CourseData, pull_course_data, write_snapshot
from lemma_pkg.report.export import export_report
from lemma_pkg.report.model import COMPLETE_STATES
from lemma_pkg.report.privacy import StudyKey
from lemma_pkg.report.tables import ALL, REPORTS, ExportOptions
from tests.fake_moodle import FakeMoodle
from tests.report_course import seed_course

KEY = StudyKey(b"k" * 64, "test")
OTHER_KEY = StudyKey(b"o" * 64, "test")
COUNT_COLUMNS = {
    "learners",
    "completed",
    "attempted",
    "passed",
    "learners_attempted",
    "learners_graded",
    "registrations",
}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CourseData, FakeMoodle]]:
    with FakeMoodle() as fake:
        course = seed_course(fake, 1000, quizzes=3, pages=4, seed_value=11)
        with MoodleClient(fake.url, course.bulk_token, allow_insecure_http=True) as client:
            data = pull_course_data(client, course.courseid, path="bulk")
        yield data, fake


def export(data: CourseData, out: Path, report: str, **kw: object) -> list[Path]:
    opts = ExportOptions(**{"key": KEY, **kw})  # type: ignore[arg-type]
    export_report(data, report, out, opts, "csv")
    return sorted(out.iterdir())


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def moodle_complete(cm: dict[str, Any], state: int) -> bool:
    """Moodle's own rule for the seeded site (cm_completion_details::is_overall_complete):
    "complete, failed" (3) completes an activity unless it requires a passing grade."""
    if state == 3:
        return not any(r["rulename"] == "completionpassgrade" for r in cm["rules"])
    return state in COMPLETE_STATES


def test_restricted_numbers_match_the_seeded_truth(
    cohort: tuple[CourseData, FakeMoodle], tmp_path: Path
) -> None:
    data, fake = cohort
    st = fake.state
    cid = data.course.id
    export(data, tmp_path / "p", "progress", tier="restricted")
    export(data, tmp_path / "a", "attempts", tier="restricted")
    export(data, tmp_path / "t", "trajectories", tier="restricted")
    learners = rows(tmp_path / "p" / "progress_learners.csv")
    assert len(learners) == len(st.enrolled_userids(cid)) == 1000
    cms = {cm["id"] for cm in st.modules_in_course(cid) if cm["completion"]}
    truth_completed = sum(
        1
        for (cm, _u), rec in st.completion.items()
        if cm in cms and moodle_complete(st.modules[cm], rec["completionstate"])
    )
    assert sum(int(r["activities_completed"]) for r in learners) == truth_completed
    quizids = {q["id"] for q in st.quizzes.values() if q["course"] == cid}
    truth_attempts = [a for a in st.quiz_attempts.values() if a["quiz"] in quizids]
    attempts = rows(tmp_path / "a" / "attempts.csv")
    assert len(attempts) == len(truth_attempts)
    assert sorted(float(r["marks"]) for r in attempts) == sorted(
        float(a["sumgrades"]) for a in truth_attempts
    )
    questions = rows(tmp_path / "a" / "attempt_questions.csv")
    assert sum(float(q["mark"]) for q in questions) == pytest.approx(
        sum(a["sumgrades"] for a in truth_attempts)
    )
    events = Counter(r["event"] for r in rows(tmp_path / "t" / "trajectories.csv"))
    assert events["enrolled"] == 1000
    assert events["attempt_started"] == len(truth_attempts)
    assert events["completed"] == truth_completed
    # Background as seeded.
    truth_sector = Counter(
        st.profile_data[(u, st.profile_field_by_shortname("sector")["id"])]  # type: ignore[index]
        for u in st.enrolled_userids(cid)
    )
    assert Counter(r["sector"] for r in learners) == truth_sector


def test_shareable_numbers_match_the_seeded_truth(
    cohort: tuple[CourseData, FakeMoodle], tmp_path: Path
) -> None:
    data, fake = cohort
    export(data, tmp_path / "u", "uptake", tier="shareable", fields=("sector",))
    by_bg = rows(tmp_path / "u" / "uptake_by_background.csv")
    total = next(r for r in by_bg if r["sector"] == ALL)
    assert int(total["learners"]) == 1000
    assert sum(int(r["learners"]) for r in by_bg if r["sector"] != ALL) == 1000
    by_period = rows(tmp_path / "u" / "uptake_by_period.csv")
    assert int(by_period[-1]["cumulative"]) == 1000
    export(data, tmp_path / "p", "progress", tier="shareable", fields=("sector",))
    prog = rows(tmp_path / "p" / "progress_by_module.csv")
    cid = data.course.id
    st = fake.state
    for cm in st.modules_in_course(cid):
        if not cm["completion"]:
            continue
        row = next(r for r in prog if r["module"] == cm["idnumber"] and r["sector"] == ALL)
        truth = sum(
            1
            for (c, _u), rec in st.completion.items()
            if c == cm["id"] and moodle_complete(cm, rec["completionstate"])
        )
        assert int(row["completed"]) == truth


def _outputs(data: CourseData, root: Path) -> list[Path]:
    files = []
    for tier in ("restricted", "shareable"):
        for report in REPORTS:
            out = root / tier / report
            export_report(
                data,
                report,
                out,
                ExportOptions(tier=tier, key=KEY, fields=("sector", "background")),  # type: ignore[arg-type]
                "csv",
                html=tier == "shareable" and report == "progress",
            )
            files += sorted(p for p in out.iterdir())
    return files


def test_no_one_can_be_identified_from_any_output(
    cohort: tuple[CourseData, FakeMoodle], tmp_path: Path
) -> None:
    data, fake = cohort
    files = _outputs(data, tmp_path)
    assert len(files) > 20
    text = "\n".join(p.read_text(encoding="utf-8") for p in files)
    # Every word, number, address and hex string of every file.
    tokens = set(re.findall(r"[\w.@+-]+", text))
    st = fake.state
    cid = data.course.id
    for uid in st.enrolled_userids(cid):
        user = st.users[uid]
        for value in (user["username"], user["email"], user["idnumber"], str(uid)):
            assert value not in tokens, value
        assert user["firstname"] not in tokens
        assert f"{user['firstname']} {user['lastname']}" not in text
    for a in st.quiz_attempts.values():
        assert str(a["id"]) not in tokens
        assert str(a["uniqueid"]) not in tokens


def test_no_shareable_count_is_below_k(
    cohort: tuple[CourseData, FakeMoodle], tmp_path: Path
) -> None:
    data, _fake = cohort
    checked = 0
    for k in (5, 11):
        for report in REPORTS:
            out = tmp_path / f"k{k}" / report
            export_report(
                data,
                report,
                out,
                ExportOptions(tier="shareable", k=k, fields=("sector", "background")),
                "csv",
            )
            for path in out.glob("*.csv"):
                for row in rows(path):
                    for col, value in row.items():
                        if col in COUNT_COLUMNS and value != "":
                            assert int(value) == 0 or int(value) >= k, (path.name, col, row)
                            checked += 1
    assert checked > 500


def test_another_key_changes_every_pseudonym(
    cohort: tuple[CourseData, FakeMoodle], tmp_path: Path
) -> None:
    data, _fake = cohort
    export(data, tmp_path / "one", "uptake", tier="restricted")
    export(data, tmp_path / "two", "uptake", tier="restricted", key=OTHER_KEY)
    one = {r["learner"] for r in rows(tmp_path / "one" / "uptake_learners.csv")}
    two = {r["learner"] for r in rows(tmp_path / "two" / "uptake_learners.csv")}
    assert len(one) == len(two) == 1000
    assert not one & two
    manifest1 = json.loads((tmp_path / "one" / "manifest.json").read_text())
    manifest2 = json.loads((tmp_path / "two" / "manifest.json").read_text())
    assert manifest1["key_id_hash"] != manifest2["key_id_hash"]
    for m in (manifest1, manifest2):
        assert "k" * 32 not in json.dumps(m) and "o" * 32 not in json.dumps(m)


def test_exports_are_deterministic_and_self_describing(
    cohort: tuple[CourseData, FakeMoodle], tmp_path: Path
) -> None:
    data, _fake = cohort
    for run in ("a", "b"):
        export(data, tmp_path / run, "grades", tier="restricted", times="course")
    for name in ("grades.csv", "manifest.json", "data-dictionary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["tier"] == "restricted" and manifest["k"] == 5
    assert manifest["suppression_threshold"] == 5
    assert "local_lemma_course_learner_data" in manifest["functions"]
    assert manifest["files"][0]["rows"] == len(rows(tmp_path / "a" / "grades.csv"))
    dictionary = json.loads((tmp_path / "a" / "data-dictionary.json").read_text())
    header = next(csv.reader((tmp_path / "a" / "grades.csv").open()))
    assert [c["name"] for c in dictionary["grades"]["columns"]] == header
    graded_at = {r["graded_at"] for r in rows(tmp_path / "a" / "grades.csv")}
    assert all(v.lstrip("-").isdigit() for v in graded_at if v)


def test_parquet_and_jsonl_hold_the_same_rows(
    cohort: tuple[CourseData, FakeMoodle], tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    data, _fake = cohort
    opts = ExportOptions(tier="restricted", key=KEY)
    export_report(data, "attempts", tmp_path / "pq", opts, "parquet")
    export_report(data, "attempts", tmp_path / "jl", opts, "jsonl")
    table = pq.read_table(tmp_path / "pq" / "attempts.parquet")
    lines = (tmp_path / "jl" / "attempts.jsonl").read_text().splitlines()
    assert table.num_rows == len(lines)
    first = json.loads(lines[0])
    assert table.to_pylist()[0] == first


def test_html_report_is_self_contained(
    cohort: tuple[CourseData, FakeMoodle], tmp_path: Path
) -> None:
    data, _fake = cohort
    export_report(data, "progress", tmp_path, ExportOptions(fields=("sector",)), "csv", html=True)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 4
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script" not in page
    for heading in (
        "Completion funnel",
        "Cumulative course completion",
        "Quiz score",
        "background group",
    ):
        assert heading in page


# ------------------------------------------------------------------------- the CLI


def lemma(fake: FakeMoodle, token: str, tmp_path: Path, *args: str, **env: str) -> Result:
    runner = CliRunner(
        env={
            "LEMMA_CONFIG": str(tmp_path / "absent.toml"),
            "LEMMA_URL": fake.url,
            "LEMMA_TOKEN": token,
            "LEMMA_PROFILE": None,
            "LEMMA_STUDY_KEY": None,
            "LEMMA_CACHE_DIR": str(tmp_path / "cache"),
            **env,
        }
    )
    with contextlib.chdir(tmp_path):
        extra = [] if args[0] == "keygen" else ["--insecure-http"]
        return runner.invoke(main, ["report", *args, *extra])


def test_cli_restricted_needs_a_private_key(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    course = seed_course(fake_moodle, 30)
    res = lemma(
        fake_moodle,
        course.bulk_token,
        tmp_path,
        "progress",
        "--course",
        "LEMMA",
        "--out",
        "out",
        "--tier",
        "restricted",
    )
    assert res.exit_code == 3, res.output
    assert "need the study key" in res.output
    assert not (tmp_path / "out").exists()
    key = tmp_path / "study.key"
    res = lemma(fake_moodle, course.bulk_token, tmp_path, "keygen", str(key))
    assert res.exit_code == 0 and oct(key.stat().st_mode & 0o777) == "0o600"
    assert lemma(fake_moodle, course.bulk_token, tmp_path, "keygen", str(key)).exit_code == 2
    restricted = ("progress", "--course", "LEMMA", "--out", "out", "--tier", "restricted")
    key.chmod(0o644)
    res = lemma(fake_moodle, course.bulk_token, tmp_path, *restricted, "--key-file", str(key))
    assert res.exit_code == 3 and "readable by others" in res.output
    key.chmod(0o600)
    res = lemma(fake_moodle, course.bulk_token, tmp_path, *restricted, "--key-file", str(key))
    assert res.exit_code == 0, res.output
    assert key.read_text().strip() not in "".join(
        p.read_text() for p in (tmp_path / "out").iterdir()
    )
    res = lemma(
        fake_moodle,
        course.bulk_token,
        tmp_path,
        "uptake",
        "--course",
        "LEMMA",
        "--out",
        "env",
        "--tier",
        "restricted",
        LEMMA_STUDY_KEY="short",
    )
    assert res.exit_code == 3 and "too short" in res.output


def test_cli_snapshot_then_export_from_it(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    course = seed_course(fake_moodle, 30)
    res = lemma(
        fake_moodle,
        course.core_token,
        tmp_path,
        "snapshot",
        "--course",
        "LEMMA",
        "--out",
        "snap",
        "--format",
        "json",
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["learners"] == 30 and summary["pull_path"] == "core"
    assert oct(os.stat(tmp_path / "snap" / "course-data.json").st_mode & 0o777) == "0o600"
    res = lemma(
        fake_moodle,
        course.core_token,
        tmp_path,
        "uptake",
        "--from-snapshot",
        "snap",
        "--out",
        "share",
        "--by",
        "sector",
    )
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "share" / "manifest.json").read_text())
    assert manifest["pull_path"] == "core" and manifest["background_fields"] == ["sector"]
    assert any("enrolment times are not available" in n for n in manifest["notes"])


def test_cli_unknown_course_and_field_are_usage_errors(
    fake_moodle: FakeMoodle, tmp_path: Path
) -> None:
    course = seed_course(fake_moodle, 10)
    res = lemma(
        fake_moodle, course.bulk_token, tmp_path, "uptake", "--course", "NOPE", "--out", "o"
    )
    assert res.exit_code == 2 and "no course with the short name" in res.output
    res = lemma(
        fake_moodle,
        course.bulk_token,
        tmp_path,
        "uptake",
        "--course",
        "LEMMA",
        "--out",
        "o",
        "--by",
        "shoesize",
    )
    assert res.exit_code == 2 and "unknown background field" in res.output


def test_course_yaml_background_picks_the_fields(
    cohort: tuple[CourseData, FakeMoodle], tmp_path: Path
) -> None:
    from lemma_pkg.report.export import declared_background

    data, _fake = cohort
    (tmp_path / "content_src").mkdir()
    (tmp_path / "content_src" / "course.yaml").write_text(
        "background:\n  category: Registration\n  fields:\n"
        "    - {shortname: notes, name: Notes, type: text}\n"
        "    - {shortname: sector, name: Sector, type: menu, options: [Industry, Academia]}\n"
        "    - {shortname: consent, name: Consent, type: checkbox}\n"
        "    - {shortname: background, name: Background, type: menu, options: [A, B]}\n"
    )
    declared = declared_background(tmp_path)
    # the menus, in the course's order; free text and checkboxes are never grouped by
    assert declared == ("sector", "background")
    result = export_report(
        data, "uptake", tmp_path / "o", ExportOptions(), "csv", declared=declared
    )
    assert result.fields == ("sector", "background")
    write_snapshot(data, tmp_path / "s")


def test_a_failed_pass_grade_quiz_is_not_complete(cohort: tuple[CourseData, FakeMoodle]) -> None:
    """Moodle's rule (cm_completion_details::is_overall_complete): "complete, failed" does not
    complete an activity that requires a pass grade; it does one that only needs a grade."""
    import dataclasses

    from lemma_pkg.report.model import COMPLETION_COMPLETE_FAIL, ActivityCompletion
    from lemma_pkg.report.tables import build_tables

    data, _fake = cohort
    tracked = {a.cmid for a in data.activities if a.completion}
    quiz = next(q for q in data.quizzes if q.cmid in tracked)
    learner = data.learners[0]
    # the only "complete, failed" row: this learner's, on this quiz
    rows = [
        c
        for c in data.completions
        if c.state != COMPLETION_COMPLETE_FAIL
        and not (c.userid == learner.userid and c.cmid == quiz.cmid)
    ]
    failed = ActivityCompletion(
        quiz.cmid, learner.userid, COMPLETION_COMPLETE_FAIL, data.pull.pulled_at - 60
    )

    def completed_cell(d: CourseData) -> object:
        tables, _ = build_tables("progress", d, ExportOptions(tier="restricted", key=KEY))  # type: ignore[arg-type]
        t = next(
            t
            for t in tables
            if "completed" in [c.name for c in t.columns] and "state" in [c.name for c in t.columns]
        )
        names = [c.name for c in t.columns]
        for row in t.rows:
            if row[names.index("state")] == "complete_fail":
                return row[names.index("completed")]
        raise AssertionError("the failed row is missing")

    no_pass = dataclasses.replace(
        data,
        completions=(*rows, failed),
        quizzes=tuple(
            dataclasses.replace(q, gradepass=None) if q.id == quiz.id else q for q in data.quizzes
        ),
    )
    assert completed_cell(no_pass) is True
    with_pass = dataclasses.replace(
        no_pass,
        quizzes=tuple(
            dataclasses.replace(q, gradepass=5.0) if q.id == quiz.id else q for q in data.quizzes
        ),
    )
    assert completed_cell(with_pass) is False


def test_cli_pull_progress_on_stderr_and_quiet_with_q(
    fake_moodle: FakeMoodle, tmp_path: Path
) -> None:
    course = seed_course(fake_moodle, 30)
    args = ["report", "uptake", "--course", "LEMMA", "--insecure-http", "--no-cache"]
    env = {
        "LEMMA_CONFIG": str(tmp_path / "absent.toml"),
        "LEMMA_URL": fake_moodle.url,
        "LEMMA_TOKEN": course.bulk_token,
        "LEMMA_PROFILE": None,
    }
    res = CliRunner(env=env).invoke(main, [*args, "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert "learners: done" in res.stderr  # the shared progress bar, a line per step off a tty
    assert "learners" not in res.stdout
    res = CliRunner(env=env).invoke(main, ["-q", *args, "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    assert "learners" not in res.stderr

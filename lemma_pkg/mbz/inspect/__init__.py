"""Read any .mbz (lemma's or Moodle's, any version since 2.x), describe it, and check it
against what Moodle 4.5's restore does with it.

An archive Moodle 4.5 restores cleanly gives no error and no warning; what restore
rejects, silently loses or changes is an error or a warning that says why, in Moodle's
terms (``MBZ1xx``, :mod:`.rules`). Rules that depend on the version branch on the
archive's own ``backup_release``, ``moodle_version`` and module versions, as restore does
(:mod:`.info`). Problems are :class:`~lemma_pkg.diagnostics.Diagnostic` values with
``path`` = ``<archive>:<member>`` and the XML line, so every output format works.

Modules: :mod:`.reader` (the container, as Moodle's extractors read it), :mod:`.info`
(moodle_backup.xml), :mod:`.structure` (files per restore task, sections, activities,
blocks, contexts, files, gradebook), :mod:`.questions` (question bank and quiz slots),
:mod:`.users` (user data), :mod:`.completion` (completion criteria, availability).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lemma_pkg.diagnostics import Diagnostic, Severity
from lemma_pkg.mbz.inspect.completion import check_completion
from lemma_pkg.mbz.inspect.questions import check_questions
from lemma_pkg.mbz.inspect.reader import InspectError, read_archive
from lemma_pkg.mbz.inspect.state import Inspection
from lemma_pkg.mbz.inspect.structure import (
    check_activities,
    check_archive,
    check_contexts,
    check_course,
    check_files,
    check_gradebook,
    check_moodle_backup,
    check_root_files,
    check_sections,
)
from lemma_pkg.mbz.inspect.users import check_user_data

__all__ = ["InspectError", "Report", "format_report_text", "inspect_bytes", "inspect_file"]


@dataclass
class Report:
    """What is inside the archive, and what is wrong with it."""

    archive: str
    summary: dict[str, Any]
    problems: list[Diagnostic]

    @property
    def failed(self) -> bool:
        return any(p.severity in (Severity.ERROR, Severity.WARNING) for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "archive": self.archive,
            **self.summary,
            "problems": [p.to_dict() for p in self.problems],
        }


def _run(ins: Inspection) -> None:
    info = check_moodle_backup(ins)
    check_archive(ins)
    if info is None:
        return
    check_root_files(ins, info)
    check_contexts(ins, info)
    check_course(ins, info)
    check_sections(ins, info)
    check_activities(ins, info)
    check_files(ins, info)
    check_questions(ins, info)
    check_user_data(ins, info)
    check_completion(ins)
    check_gradebook(ins, info)


def inspect_bytes(data: bytes, name: str = "backup.mbz") -> Report:
    """Describe and check a .mbz given as bytes."""
    arc = read_archive(data, name)
    ins = Inspection(arc)
    ins.summary.update({"container": arc.container, "members": len(arc.members), "size": len(data)})
    if arc.members or not arc.stopped:
        _run(ins)
    else:
        check_archive(ins)
    ins.problems.sort(key=Diagnostic.sort_key)
    return Report(name, ins.summary, ins.problems)


def inspect_file(path: Path) -> Report:
    """Describe and check the .mbz at ``path``."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InspectError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return inspect_bytes(data, str(path))


def _user_data_line(s: dict[str, Any]) -> str:
    ud = s.get("user_data") or {}
    if not ud:
        return ""
    parts = []
    if ud.get("included"):
        parts.append(
            f"{ud.get('users', 0)} users" + (" (anonymised)" if ud.get("anonymized") else "")
        )
    else:
        parts.append("no users (root setting 'users' off)")
    labels = {
        "enrolments": "enrolments",
        "role_assignments": "role assignments",
        "grades": "grades",
    }
    for key, label in labels.items():
        if ud.get(key):
            parts.append(f"{ud[key]} {label}")
    for key, value in ud.items():
        if "_" in key and key not in labels and key not in ("enrolment_methods",) and value:
            mod, what = key.split("_", 1)
            parts.append(f"{value} {mod} {what}")
    if len(parts) == 1 and not ud.get("included"):
        return "user data: not included"
    return "user data: " + ", ".join(parts)


def format_report_text(report: Report) -> str:
    """A human summary of what is inside (problems are printed separately)."""
    s = report.summary
    lines = [
        f"{report.archive}: {s.get('container')}, {s.get('members', 0)} files, "
        f"{s.get('size', 0)} bytes"
    ]
    made = s.get("made_by") or {}
    if s.get("type"):
        by = f"Moodle {made.get('moodle_release') or '?'}"
        if made.get("lemma"):
            by = f"lemma build, as {by}"
        lines.append(
            f"{s['type']} backup made by {by} (moodle_version {made.get('moodle_version')}, "
            f"backup release {made.get('backup_release')})"
        )
    course = s.get("course") or {}
    if course:
        lines.append(
            f"course: {course.get('fullname')} ({course.get('shortname')}), format "
            f"{course.get('format')}"
        )
    user_line = _user_data_line(s)
    if user_line:
        lines.append(user_line)
    sections = s.get("sections") or []
    lines.append(f"sections: {len(sections)}")
    for sec in sections:
        flag = " [restricted]" if sec.get("restricted") else ""
        lines.append(
            f"  {sec.get('number')}: {sec.get('title')} ({sec.get('activities', 0)} activities){flag}"
        )
    acts = s.get("activities") or {}
    lines.append("activities: " + (", ".join(f"{k} {v}" for k, v in acts.items()) or "none"))
    qs = s.get("questions") or {}
    lines.append(
        f"questions: {sum(qs.values())}"
        + (" (" + ", ".join(f"{k} {v}" for k, v in qs.items()) + ")" if qs else "")
    )
    for q in s.get("quizzes") or []:
        lines.append(f"  quiz {q['title']}: {q['slots']} slots, sumgrades {q['sumgrades']:g}")
    files = s.get("files") or []
    lines.append(f"files: {len(files)}")
    for f in files:
        lines.append(
            f"  {f['component']}/{f['filearea']}{f['path']}  {f['size']} bytes  {f['mimetype']}"
        )
    if "course_completion_criteria" in s:
        lines.append(f"course completion criteria: {s['course_completion_criteria']}")
    return "\n".join(lines) + "\n"

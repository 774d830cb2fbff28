"""`lemma report`: research exports of a course's learner data, and raw snapshots."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from lemma_pkg.cli.output import echo_json
from lemma_pkg.cli.progress import ProgressBar, quiet
from lemma_pkg.cli.site_options import SiteOptions, site_options
from lemma_pkg.errors import UsageError
from lemma_pkg.report.cache import PullCache, default_cache_dir
from lemma_pkg.report.export import declared_background, export_report, parse_since
from lemma_pkg.report.model import CourseData
from lemma_pkg.report.outputs import FORMATS
from lemma_pkg.report.privacy import load_study_key, write_new_key
from lemma_pkg.report.pull import pull_course_data
from lemma_pkg.report.snapshot import read_snapshot, write_snapshot
from lemma_pkg.report.tables import REPORTS, ExportOptions

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("lemma.report")


@click.group("report")
def report_group() -> None:
    """Pull a course's learner data and write research exports.

    \b
    Reports: progress (completion and quiz results), attempts (every quiz attempt),
    grades, trajectories (each learner's events in time order), uptake (registrations).
    Tiers: restricted (row level, learners as keyed pseudonyms; needs the study key) and
    shareable (aggregates by background, k-anonymous, small cells suppressed).
    """


def pull_options(f: F) -> F:
    """Options for getting the data: the site and course, or a snapshot."""
    for decorator in reversed(
        [
            site_options,
            click.option("--course", "shortname", metavar="SHORTNAME", help="Course short name."),
            click.option(
                "--path",
                "pull_path",
                type=click.Choice(["auto", "core", "bulk"]),
                default="auto",
                show_default=True,
                help="core: Moodle's functions only; bulk: the companion plugin; auto: bulk when installed.",
            ),
            click.option(
                "--since",
                metavar="DATE|last",
                help="Fetch only what changed since then and merge into the cached pull.",
            ),
            click.option(
                "--no-question-marks",
                is_flag=True,
                help="Core path: skip the per-attempt review calls (no marks per question).",
            ),
            click.option(
                "--role",
                "roles",
                multiple=True,
                default=("student",),
                show_default=True,
                help="Course role (shortname) that counts as a learner; repeatable.",
            ),
            click.option(
                "--cache-dir",
                type=click.Path(file_okay=False, path_type=Path),
                help="Where pulls are cached (default: $LEMMA_CACHE_DIR or ~/.cache/lemma).",
            ),
            click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
            click.option(
                "--from-snapshot",
                type=click.Path(exists=True, path_type=Path),
                help="Read a snapshot (lemma report snapshot) instead of pulling.",
            ),
        ]
    ):
        f = decorator(f)
    return f


def get_data(
    site: SiteOptions,
    shortname: str | None,
    pull_path: str,
    since: str | None,
    no_question_marks: bool,
    roles: tuple[str, ...],
    cache_dir: Path | None,
    no_cache: bool,
    from_snapshot: Path | None,
) -> CourseData:
    if from_snapshot is not None:
        data = read_snapshot(from_snapshot)
        if shortname and shortname != data.course.shortname:
            raise UsageError(
                f"the snapshot is of course {data.course.shortname}, not {shortname}",
                "drop --course or use the right snapshot",
            )
        return data
    if not shortname:
        raise UsageError("--course SHORTNAME is required", "name the course to pull")
    from lemma_pkg.moodle.courses import get_course_by_field

    with site.client() as client, ProgressBar(enabled=not quiet()) as bar:
        course = get_course_by_field(client, "shortname", shortname)
        if course is None:
            raise UsageError(
                f"no course with the short name {shortname!r} on {client.url}",
                "check the short name (Moodle shows it in the course settings)",
            )
        cache = (
            None if no_cache else PullCache(client.url, course.id, cache_dir or default_cache_dir())
        )
        data = pull_course_data(
            client,
            course.id,
            path=pull_path,  # type: ignore[arg-type]
            since=parse_since(since, cache),
            progress=bar.update,
            question_marks=not no_question_marks,
            learner_roles=roles,
            cache=cache,
        )
    log.info(
        "%s: %d learners, %d attempts via the %s path (%d calls)",
        data.course.shortname,
        len(data.learners),
        len(data.attempts),
        data.pull.path,
        data.pull.calls,
    )
    return data


def _export_command(report: str) -> click.Command:
    @click.command(report)
    @pull_options
    @click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        required=True,
        help="Folder for the export (created).",
    )
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="csv",
        show_default=True,
        help="Table format (parquet needs pyarrow: the 'report' extra).",
    )
    @click.option(
        "--tier",
        type=click.Choice(["restricted", "shareable"]),
        default="shareable",
        show_default=True,
        help="restricted: row level, pseudonymous; shareable: k-anonymous aggregates.",
    )
    @click.option(
        "--key-file",
        type=click.Path(path_type=Path),
        help="The study key (0600); default $LEMMA_STUDY_KEY. Required for restricted.",
    )
    @click.option(
        "--k",
        "k",
        type=click.IntRange(2, 1000),
        default=5,
        show_default=True,
        help="k-anonymity: smallest group shown.",
    )
    @click.option(
        "--min-cell",
        type=click.IntRange(2, 1000),
        default=None,
        help="Smallest count published (default: k).",
    )
    @click.option(
        "--by",
        "by",
        metavar="FIELD[,FIELD]",
        help="Background profile fields (default: course.yaml background:, else the site's menu fields).",
    )
    @click.option(
        "--times",
        type=click.Choice(["absolute", "enrolment", "course"]),
        default="absolute",
        show_default=True,
        help="Restricted tier: ISO times, or seconds after enrolment / course start.",
    )
    @click.option(
        "--consent-field",
        metavar="FIELD",
        help="Only learners whose checkbox profile field FIELD is ticked.",
    )
    @click.option(
        "--source",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Course folder whose course.yaml declares background:.",
    )
    @click.option("--html", is_flag=True, help="Also write report.html (shareable tier, charts).")
    def command(
        out: Path,
        fmt: str,
        tier: str,
        key_file: Path | None,
        k: int,
        min_cell: int | None,
        by: str | None,
        times: str,
        consent_field: str | None,
        source: Path,
        html: bool,
        **pull: Any,
    ) -> None:
        key = load_study_key(key_file)
        if tier == "restricted" and key is None:
            from lemma_pkg.report.privacy import require_study_key

            require_study_key(None)
        fields = tuple(f.strip() for f in by.split(",") if f.strip()) if by else None
        opts = ExportOptions(
            tier=tier,  # type: ignore[arg-type]
            k=k,
            min_cell=min_cell,
            fields=fields,
            times=times,  # type: ignore[arg-type]
            consent_field=consent_field,
            key=key,
        )
        data = get_data(**pull)
        result = export_report(
            data,
            report,
            out,
            opts,
            fmt,  # type: ignore[arg-type]
            declared=declared_background(source),
            html=html,
        )
        for w in result.files:
            click.echo(f"{w.path}\t{w.rows}")
        click.echo(f"wrote {len(result.files)} file(s) and manifest.json to {out}", err=True)

    command.__doc__ = {
        "progress": "Completion and quiz results per learner (restricted) or per module (shareable).",
        "attempts": "Every quiz attempt (restricted) or attempts and score bands by group (shareable).",
        "grades": "Grades per learner and item (restricted) or by group (shareable).",
        "trajectories": "Each learner's events in order (restricted) or milestones per group (shareable).",
        "uptake": "Registrations over time and by background (shareable), for funders.",
    }[report]
    command.help = command.__doc__
    return command


for _name in REPORTS:
    report_group.add_command(_export_command(_name))


@report_group.command("snapshot")
@pull_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for course-data.json (0600).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def snapshot_command(out: Path, fmt: str, **pull: Any) -> None:
    """Save the raw, identifiable learner data of a course (the admin's backup; not a
    research output): completion with times, attempts with marks, grades, enrolments."""
    data = get_data(**pull)
    path = write_snapshot(data, out)
    summary = {
        "path": str(path),
        "course": data.course.shortname,
        "learners": len(data.learners),
        "completions": len(data.completions),
        "attempts": len(data.attempts),
        "grades": len(data.grades),
        "pull_path": data.pull.path,
    }
    if fmt == "json":
        echo_json(summary)
    else:
        click.echo(
            f"{path}: {summary['learners']} learners, {summary['completions']} completion rows, "
            f"{summary['attempts']} attempts, {summary['grades']} grades"
        )


@report_group.command("keygen")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def keygen_command(path: Path) -> None:
    """Make a new study key in PATH (0600, 64 random hex digits). Keep it apart from the
    data: whoever holds it can link pseudonyms to Moodle users."""
    write_new_key(path)
    click.echo(f"new study key in {path}", err=True)

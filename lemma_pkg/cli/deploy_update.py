"""`lemma deploy PATH --update`: change a running course in place (the CLI side).

``lemma deploy`` (lemma_pkg/cli/deploy.py) hands over here when ``--update`` is given. The work
is :func:`lemma_pkg.update.run.update_course`; this module picks the course, prints the plan
and the outcome, and writes the deployment log.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import click

from lemma_pkg.cli.output import echo_json
from lemma_pkg.cli.progress import quiet as is_quiet
from lemma_pkg.cli.site_options import SiteOptions
from lemma_pkg.deploy.deploylog import DONE, FAILED, UNCHANGED, DeployLog, Deployment
from lemma_pkg.errors import LemmaError, UsageError

log = logging.getLogger("lemma.deploy")


def target_shortname(deploylog: DeployLog, site: str, course: str, given: str | None) -> str:
    """The course to update: ``--course``, else the newest version the log deployed to this
    site (``LEMMA-v3``), else the sources' own short name."""
    if given:
        return given
    done = [
        d
        for d in deploylog.of_course(site, course)
        if d.event in (DONE, UNCHANGED) and d.courseid and d.mode in ("new", "cli")
    ]
    if done:
        return max(done, key=lambda d: (d.version or 0, d.time)).shortname
    return course


def run_update(
    ctx: click.Context,
    site: SiteOptions,
    path: Path,
    deploylog: DeployLog,
    *,
    course_shortname: str | None,
    dry_run: bool,
    prune: bool,
    yes: bool,
    force_quiz_structure: bool,
    export_dir: Path | None,
    strict: bool,
    fmt: str,
) -> None:
    """Build, plan, and (unless ``dry_run``) update; print and log the outcome."""
    from lemma_pkg.build import build_course
    from lemma_pkg.content.loader import load_course
    from lemma_pkg.deploy.export import save_learner_data
    from lemma_pkg.deploy.pipeline import course_url, git_commit
    from lemma_pkg.update.apply import UpdateRefused
    from lemma_pkg.update.plan import plan_text
    from lemma_pkg.update.run import CourseNotFound, update_course

    if not path.is_dir():
        raise UsageError(
            f"--update needs the course folder, not {path}",
            "run it on the folder holding content_src/ and gift_quizzes/ (the update sends "
            "each changed question's GIFT text and each item's files)",
        )
    built = build_course(path, strict=strict)
    course = load_course(path).course
    assert course is not None and built.backup.path is not None
    sha = built.backup.sha256
    quiet = is_quiet(ctx)

    def progress(message: str) -> None:
        if not quiet:
            log.info("%s", message)

    with site.client() as client:
        shortname = target_shortname(deploylog, client.url, course.shortname, course_shortname)
        record = Deployment(
            deploy=uuid.uuid4().hex,
            event=DONE,
            time="",
            site=client.url,
            course=course.shortname,
            mode="update",
            shortname=shortname,
            fullname=course.fullname,
            sha256=sha,
            source_commit=git_commit(path),
        )
        try:
            outcome = update_course(
                client,
                course,
                shortname,
                epoch=built.epoch,
                archive_sha256=sha,
                dry_run=dry_run,
                prune=prune,
                yes=yes,
                force_quiz_structure=force_quiz_structure,
                exporter=save_learner_data,
                export_dir=export_dir or deploylog.path.parent / "learner-data",
                progress=progress,
            )
        except (UpdateRefused, UsageError, CourseNotFound):
            raise  # nothing was sent: nothing to log
        except LemmaError as exc:
            if not dry_run:
                message = " ".join(exc.message.split())
                deploylog.append(record.at(FAILED, outcome=f"update failed: {message}"))
            raise
    plan = outcome.plan
    if not dry_run:
        counts = plan.counts()
        summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "nothing changed"
        deploylog.append(
            record.at(
                UNCHANGED if plan.empty else DONE,
                courseid=outcome.courseid,
                previous_sha256=outcome.sha256_before,
                export=str(outcome.export) if outcome.export else None,
                outcome=f"ok: {summary}",
                url=course_url(record.site, outcome.courseid),
            )
        )
    if fmt == "json":
        echo_json({**outcome.to_dict(), "dry_run": dry_run})
        return
    click.echo(plan_text(plan), nl=False)
    if dry_run:
        log.info("dry run: nothing was sent to the site")
    elif plan.empty:
        log.info("unchanged: %s already matches these sources", shortname)
    else:
        if outcome.export is not None:
            log.info("learner data saved before deleting items: %s", outcome.export)
        log.info("updated %s (course %d) in place", shortname, outcome.courseid)


__all__ = ["run_update", "target_shortname"]

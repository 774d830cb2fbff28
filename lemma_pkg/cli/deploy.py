"""`lemma deploy`: a built course onto a live Moodle site in one command."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lemma_pkg.cli.output import echo_json
from lemma_pkg.cli.progress import StderrProgress
from lemma_pkg.cli.progress import quiet as is_quiet
from lemma_pkg.cli.site_options import SiteOptions, site_options
from lemma_pkg.errors import EXIT_REMOTE, UsageError

if TYPE_CHECKING:
    from lemma_pkg.deploy.deploylog import DeployLog
    from lemma_pkg.deploy.pipeline import DeployResult

log = logging.getLogger("lemma.deploy")


def _log_path(path: Path, given: Path | None) -> Path:
    from lemma_pkg.deploy.deploylog import LOG_NAME

    if given is not None:
        return given
    return (path if path.is_dir() else Path(".")) / LOG_NAME


@click.command("deploy")
@site_options
@click.option("--dry-run", is_flag=True, help="Print the plan and the checks; send no write.")
@click.option(
    "--precheck",
    is_flag=True,
    help="Upload the backup and print Moodle's restore precheck (errors, warnings); no "
    "course is created or changed.",
)
@click.option(
    "--category",
    metavar="C",
    default=None,
    help="Category of a new course: id, idnumber or name (default: course.yaml's category, "
    "else the previous version's).",
)
@click.option(
    "--replace",
    metavar="SHORTNAME",
    default=None,
    help="Replace the content of this existing course instead of creating a new version "
    "(needs --yes). Its learner data is saved to disk first; enrolments, roles and groups are "
    "kept.",
)
@click.option(
    "--yes",
    is_flag=True,
    help="Confirm --replace (Moodle deletes the course's grades, completion and quiz attempts) "
    "or --update --prune (the removed items' learner data goes).",
)
@click.option(
    "--hide-previous", is_flag=True, help="Hide the previous version once the new one is in."
)
@click.option(
    "--via",
    type=click.Choice(["ws", "cli"]),
    default="ws",
    show_default=True,
    help="ws: the companion plugin over web services; cli: Moodle's admin/cli/"
    "restore_backup.php on this machine (new courses only; needs --moodle-dir).",
)
@click.option(
    "--moodle-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Moodle's folder (with config.php), for --via cli.",
)
@click.option(
    "--status",
    "show_status",
    is_flag=True,
    help="Print the deployment log, each entry checked against the site.",
)
@click.option(
    "--log",
    "log_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The deployment log (default: deployments.jsonl in the course folder, or in the "
    "current folder for a .mbz).",
)
@click.option(
    "--export-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where --replace and --update --prune save the learner data (default: learner-data/ "
    "next to the log).",
)
@click.option(
    "--timeout",
    type=float,
    default=3600.0,
    show_default=True,
    help="Seconds to wait for the restore (it goes on after; run again to finish).",
)
@click.option(
    "--update",
    is_flag=True,
    help="Change the deployed course in place instead: items matched by idnumber are updated "
    "(same cmid, new question versions), added, moved or hidden; every learner's attempts, "
    "grades and completion are kept. PATH must be the course folder.",
)
@click.option(
    "--course",
    "course_shortname",
    metavar="SHORTNAME",
    default=None,
    help="--update: the course to update (default: the newest version in the log, else "
    "course.yaml's short name).",
)
@click.option(
    "--prune",
    is_flag=True,
    help="--update: delete items removed from the sources instead of hiding them (needs "
    "--yes; their learner data is saved first, as for --replace).",
)
@click.option(
    "--force-quiz-structure",
    is_flag=True,
    help="--update: add, remove or reorder the questions of quizzes that have attempts; "
    "every learner's grade on such a quiz is recomputed from their attempt marks.",
)
@click.option("--strict", is_flag=True, help="Build: treat warnings as errors.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: the course URL (the plan with --dry-run); json: one document.",
)
@click.argument(
    "path", type=click.Path(exists=True, path_type=Path), default=Path("."), required=False
)
@click.pass_context
def deploy_command(
    ctx: click.Context,
    site: SiteOptions,
    dry_run: bool,
    precheck: bool,
    category: str | None,
    replace: str | None,
    yes: bool,
    hide_previous: bool,
    via: str,
    moodle_dir: Path | None,
    show_status: bool,
    log_file: Path | None,
    export_dir: Path | None,
    timeout: float,
    update: bool,
    course_shortname: str | None,
    prune: bool,
    force_quiz_structure: bool,
    strict: bool,
    fmt: str,
    path: Path,
) -> None:
    """Deploy a course onto a Moodle site in one command.

    PATH is a course folder (built first, as `lemma build` does) or a .mbz. lemma checks the
    site, uploads the backup, restores it through the companion plugin local_lemma (Moodle's
    cron runs the restore), sets the course's names, checks that every item arrived (by
    idnumber) and every data set downloads, and prints the course URL.

    Each deploy of changed sources makes a new course whose short name and idnumber carry a
    version (LEMMA-v3); the previous version stays as it is (--hide-previous hides it).
    Deploying unchanged sources again changes nothing. Every step is recorded in
    deployments.jsonl; a deploy interrupted anywhere is finished or cleaned up by the next.

    \b
    Examples:
      lemma deploy --dry-run .
      lemma deploy --precheck .
      lemma deploy --hide-previous .
      lemma deploy --replace LEMMA-v2 --yes .
      lemma deploy --status
      lemma deploy --update --dry-run .
      lemma deploy --update --prune --yes .
    """
    from lemma_pkg.deploy.deploylog import DeployLog
    from lemma_pkg.deploy.plan import DeployOptions

    quiet = is_quiet(ctx)
    deploylog = DeployLog(_log_path(path, log_file))
    if show_status:
        _status(site, deploylog, fmt)
        return
    if update:
        _check_update_options(replace, hide_previous, via, category)
        from lemma_pkg.cli.deploy_update import run_update

        run_update(
            ctx,
            site,
            path,
            deploylog,
            course_shortname=course_shortname,
            dry_run=dry_run,
            prune=prune,
            yes=yes,
            force_quiz_structure=force_quiz_structure,
            export_dir=export_dir,
            strict=strict,
            fmt=fmt,
        )
        return
    if course_shortname or prune or force_quiz_structure:
        raise UsageError("--course, --prune and --force-quiz-structure go with --update")
    if replace and via == "cli":
        raise UsageError("--replace works only with --via ws (the companion plugin)")
    if precheck and (dry_run or via == "cli"):
        raise UsageError("--precheck goes with neither --dry-run nor --via cli")
    if replace and not (yes or dry_run or precheck):
        raise UsageError(
            f"--replace {replace} deletes the course's grades, activity completion and quiz "
            "attempts (Moodle recreates every activity); lemma saves them to disk first",
            "add --yes to go ahead, or deploy a new version without --replace",
        )
    if via == "cli" and moodle_dir is None:
        raise UsageError("--via cli needs --moodle-dir (the folder with Moodle's config.php)")
    from lemma_pkg.deploy.pipeline import prepare_source

    options = DeployOptions(category=category, replace=replace, hide_previous=hide_previous)
    source, build_seconds = prepare_source(path, strict=strict)
    progress = StderrProgress(quiet=quiet)
    if via == "cli":
        from lemma_pkg.deploy.cli_restore import deploy_via_cli

        assert moodle_dir is not None
        cfg = site.resolve()
        client = site.client() if cfg.url and cfg.token else None
        try:
            result = deploy_via_cli(
                client, source, options, deploylog, moodle_dir, dry_run=dry_run, timeout=timeout
            )
        finally:
            if client is not None:
                client.close()
    else:
        from lemma_pkg.deploy.export import save_learner_data
        from lemma_pkg.deploy.pipeline import deploy
        from lemma_pkg.deploy.steps import Polling

        with site.client() as client:
            result = deploy(
                client,
                source,
                options,
                deploylog,
                dry_run=dry_run,
                precheck_only=precheck,
                progress=progress,
                polling=Polling(timeout=timeout),
                exporter=save_learner_data,
                export_dir=export_dir or deploylog.path.parent / "learner-data",
            )
    result.timings["build"] = build_seconds
    _report(ctx, result, fmt)


def _check_update_options(
    replace: str | None, hide_previous: bool, via: str, category: str | None
) -> None:
    clash = [
        name
        for name, given in (
            ("--replace", replace),
            ("--hide-previous", hide_previous),
            ("--via cli", via == "cli"),
            ("--category", category),
        )
        if given
    ]
    if clash:
        raise UsageError(
            f"--update changes a course in place; it does not go with {', '.join(clash)}",
            "leave those out, or deploy a new version without --update",
        )


def _report(ctx: click.Context, result: DeployResult, fmt: str) -> None:
    plan = result.plan
    for d in result.resumed:
        log.info("earlier deploy of %s: %s (%s)", d.shortname, d.event, d.outcome)
    for w in result.warnings:
        log.warning("warning: %s", w)
    failed = result.verify is not None and not result.verify.ok
    if fmt == "json":
        echo_json(result.to_dict())
    elif result.dry_run:
        from lemma_pkg.doctor import DoctorReport, format_report

        for line in plan.describe():
            click.echo(line)
        click.echo(format_report(DoctorReport(list(plan.checks))), nl=False)
        log.info("dry run: nothing was sent to the site")
    elif result.precheck is not None:
        for e in result.precheck.errors:
            click.echo(f"error    {e}")
        for w in result.precheck.warnings:
            click.echo(f"warning  {w}")
        click.echo(
            "precheck: "
            + ("refused" if result.precheck.errors else "ok")
            + f" ({len(result.precheck.errors)} errors, {len(result.precheck.warnings)} "
            "warnings); nothing was restored"
        )
    elif result.url:
        click.echo(result.url)
    if result.precheck is not None:
        if result.precheck.errors:
            ctx.exit(EXIT_REMOTE)
        return
    if fmt == "text" and not result.dry_run:
        if plan.action == "unchanged":
            log.info(
                "unchanged: %s already holds this backup (sha256 %s); nothing to do",
                plan.shortname,
                plan.sha256[:12],
            )
        elif result.deployment is not None:
            if result.export is not None:
                log.info("learner data saved before the replace: %s", result.export)
            v = result.verify
            checked = (
                f": {v.items} items, {len(v.datasets)} data sets checked" if v is not None else ""
            )
            log.info(
                "deployed %s (course %s)%s",
                result.deployment.shortname,
                result.courseid,
                checked,
            )
    if failed:
        assert result.verify is not None
        for p in result.verify.problems:
            log.error("problem: %s", p)
        ctx.exit(EXIT_REMOTE)
    if plan.failed_checks and result.dry_run:
        ctx.exit(3)


def _status(site: SiteOptions, deploylog: DeployLog, fmt: str) -> None:
    from lemma_pkg.deploy.status import check_deployments, format_status
    from lemma_pkg.moodle.site import get_site_info

    deployments = deploylog.current()
    cfg = site.resolve()
    if cfg.url and cfg.token:
        with site.client() as client:
            plugin = "local_lemma_restore_status" in get_site_info(client).functions
            rows = check_deployments(client, deployments, plugin=plugin)
    else:
        rows = check_deployments(None, deployments, plugin=False)
    if fmt == "json":
        echo_json({"log": str(deploylog.path), "deployments": [r.to_dict() for r in rows]})
    else:
        click.echo(format_status(rows), nl=False)

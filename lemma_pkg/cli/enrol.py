"""`lemma enrol`: learners from Moodle's upload-user CSV into courses."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lemma_pkg.cli.output import echo_json
from lemma_pkg.cli.progress import ProgressBar, quiet
from lemma_pkg.cli.site_options import SiteOptions, site_options
from lemma_pkg.enrol.checks import Options
from lemma_pkg.enrol.csvfile import DELIMITERS
from lemma_pkg.enrol.report import plan_table, problems_text, summary_text, to_json
from lemma_pkg.enrol.run import EnrolRequest, run_enrol
from lemma_pkg.errors import UsageError


@click.command("enrol")
@site_options
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--course",
    metavar="SHORTNAME",
    default=None,
    help="Enrol every row into this course (fills course1 where the file has none): for a "
    "plain list of learners.",
)
@click.option(
    "--role",
    metavar="ROLE",
    default=None,
    help="Role (short name) for rows whose roleN is empty (default: the course's manual "
    "enrolment role, usually student).",
)
@click.option(
    "--update",
    type=click.Choice(["none", "missing", "all"]),
    default="none",
    show_default=True,
    help="Existing accounts: none leaves them; missing fills empty fields; all overwrites "
    "fields that differ (an empty cell never erases a value).",
)
@click.option("--create-groups", is_flag=True, help="Create groups that do not exist yet.")
@click.option(
    "--create-cohorts", is_flag=True, help="Create cohorts (by idnumber) that do not exist yet."
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Leave out rows with problems (and rows Moodle refuses) and apply the rest.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan; send nothing that writes.")
@click.option(
    "--remove",
    "mode",
    flag_value="remove",
    help="Unenrol the listed users from the listed courses (manual enrolments only).",
)
@click.option(
    "--suspend",
    "mode",
    flag_value="suspend",
    help="Suspend the listed users' enrolments in the listed courses.",
)
@click.option(
    "--delimiter",
    type=click.Choice(list(DELIMITERS)),
    default=None,
    help="The file's delimiter (default: detected from the header).",
)
@click.option("--encoding", default="utf-8", show_default=True, help="The file's encoding.")
@click.option(
    "--ledger",
    "ledger",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Ledger file (JSON lines; default: FILE.ledger.jsonl beside the roster).",
)
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Course project whose background says which profile fields are required "
    "(default: the current folder, when it is one).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: problems, the plan (with --dry-run) and a summary; json: one document.",
)
@click.pass_context
def enrol_command(
    ctx: click.Context,
    site: SiteOptions,
    file: Path,
    course: str | None,
    role: str | None,
    update: str,
    create_groups: bool,
    create_cohorts: bool,
    skip_invalid: bool,
    dry_run: bool,
    mode: str | None,
    delimiter: str | None,
    encoding: str,
    ledger: Path | None,
    project: Path | None,
    fmt: str,
) -> None:
    """Enrol learners from a Moodle upload-user CSV file.

    FILE is a CSV file as Moodle's Upload users reads it (Site administration > Users >
    Upload users): username, firstname, lastname, email, password, auth, idnumber, city,
    country, lang, timezone, ..., profile_field_<shortname>, course1, role1, group1,
    enrolperiod1, enrolstatus1, enroltimestart1, cohort1, ... Comma or semicolon (detected),
    UTF-8 with or without BOM, quoted cells. A plain list works with --course.

    Every row is checked before anything is sent; one bad row stops the run with nothing
    written (all problems listed), unless --skip-invalid. Then the accounts, enrolments,
    groups and cohorts the site lacks are created in batches; what it has already is left
    alone, so running the same roster again changes nothing. A ledger beside the roster
    records each step; a run that was stopped picks up where the site is.

    Needs the companion plugin local_lemma (`lemma plugin zip`).

    \b
    Exit codes: 0 done (or nothing to do), 1 problems in rows or rows refused by Moodle,
    3 configuration (token, plugin, permissions), 4 the site failed.

    \b
    Examples:
      lemma enrol roster.csv --dry-run
      lemma enrol learners.csv --course LEMMA --role student
      lemma enrol --remove leavers.csv
    """
    options = Options(
        mode=mode or "enrol",  # type: ignore[arg-type]
        update=update,  # type: ignore[arg-type]
        create_groups=create_groups,
        create_cohorts=create_cohorts,
    )
    if mode and update != "none":
        raise UsageError(f"--update does not apply with --{mode}")
    request = EnrolRequest(
        roster=file,
        options=options,
        default_course=course,
        default_role=role,
        delimiter=delimiter,
        encoding=encoding,
        ledger=ledger,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        project=project,
    )
    with site.client() as client, ProgressBar(enabled=not quiet(ctx) and not dry_run) as bar:
        result = run_enrol(client, request, progress=bar.update)
    if fmt == "json":
        echo_json(to_json(result))
    else:
        click.echo(problems_text(result), nl=False)
        if dry_run:
            click.echo(plan_table(result), nl=False)
        click.echo(summary_text(result), nl=False)
    sys.stdout.flush()
    ctx.exit(result.exit_code)

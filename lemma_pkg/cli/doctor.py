"""`lemma doctor`: preflight checks against a Moodle site."""

from __future__ import annotations

from pathlib import Path

import click

from lemma_pkg.cli.output import echo_json
from lemma_pkg.cli.site_options import SiteOptions, check_insecure_http, site_options
from lemma_pkg.config import resolve_site
from lemma_pkg.doctor import format_report, run_doctor


@click.command("doctor")
@site_options
@click.option(
    "--course",
    metavar="SHORTNAME",
    default=None,
    help="Also check this course (an enabled manual enrolment method).",
)
@click.option(
    "--backup",
    "backup",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Also check that this .mbz fits the user's upload limit.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.pass_context
def doctor_command(
    ctx: click.Context, site: SiteOptions, course: str | None, backup: Path | None, fmt: str
) -> None:
    """Check that a Moodle site is ready for lemma.

    One line per check, with what to do about each failure: configuration, reachable,
    version (4.5 LTS or newer), functions missing from the token's service, file upload and
    its size limit, completion tracking, manual enrolment, the companion plugin.

    \b
    Exit codes: 0 ready, 3 something required is missing, 4 the site is unreachable.
    """
    cfg = resolve_site(url=site.url, profile=site.profile)
    check_insecure_http(site.insecure_http, cfg.url)
    report = run_doctor(
        cfg,
        allow_insecure_http=site.insecure_http,
        course=course,
        mbz_bytes=backup.stat().st_size if backup else None,
        mbz_name=backup.name if backup else None,
    )
    if fmt == "json":
        echo_json(report.to_dict())
    else:
        click.echo(format_report(report), nl=False)
        n = len(report.failed)
        click.echo(
            "ready" if not n else f"{n} required check(s) failed",
            err=True,
        )
    ctx.exit(report.exit_code)

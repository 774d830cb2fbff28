"""One ``lemma enrol`` run: read the roster, read the site, check every row, plan, and (unless
``dry_run``) apply, then read the site again to confirm that nothing planned is missing
(rows PHP dropped silently are sent again, in smaller requests)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lemma_pkg.content.background import load_background
from lemma_pkg.content.loader import find_project
from lemma_pkg.content.model import Background
from lemma_pkg.enrol import rules as mrules
from lemma_pkg.enrol.apply import Applier, Ids, Outcome, Progress
from lemma_pkg.enrol.checks import Options, check_against_site, check_values
from lemma_pkg.enrol.columns import name_columns
from lemma_pkg.enrol.csvfile import CsvFile, read_csv
from lemma_pkg.enrol.ledger import History, Ledger, default_path, read_history
from lemma_pkg.enrol.plan import Plan, build_plan
from lemma_pkg.enrol.problems import Problem, Problems
from lemma_pkg.enrol.roster import Row, read_rows
from lemma_pkg.enrol.sitestate import SiteState, read_emails, read_site_state
from lemma_pkg.errors import EXIT_ERRORS, EXIT_OK
from lemma_pkg.moodle.client import BASE_FIELDS, MoodleClient
from lemma_pkg.moodle.errors import AccessControlError, FunctionNotFoundError
from lemma_pkg.moodle.siterules import SiteRules, get_site_rules

log = logging.getLogger("lemma.enrol")

#: Rounds of apply-then-verify before lemma gives up on steps that do not show on the site.
MAX_ROUNDS = 4
#: Fields kept free under the site's max_input_vars.
FIELD_MARGIN = 100


@dataclass(frozen=True)
class EnrolRequest:
    roster: Path
    options: Options = field(default_factory=Options)
    default_course: str | None = None
    default_role: str | None = None
    delimiter: str | None = None
    encoding: str = "utf-8"
    ledger: Path | None = None
    dry_run: bool = False
    skip_invalid: bool = False
    #: The course project whose background lists the required fields (None: the current
    #: folder when it is a course project).
    project: Path | None = None


@dataclass
class EnrolResult:
    request: EnrolRequest
    csv: CsvFile | None = None
    problems: list[Problem] = field(default_factory=list)
    plan: Plan | None = None
    outcome: Outcome | None = None
    #: Rows left out (errors, with --skip-invalid).
    skipped_rows: list[int] = field(default_factory=list)
    history: History = field(default_factory=History)
    ledger: Path | None = None
    #: Steps still missing on the site after the last round (should be empty).
    unconfirmed: list[str] = field(default_factory=list)
    rounds: int = 0
    requests: int = 0
    users: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def wrote(self) -> bool:
        return bool(self.outcome and (self.outcome.applied or self.outcome.rejected))

    @property
    def exit_code(self) -> int:
        failed = (
            self.errors
            or self.unconfirmed
            or (self.outcome is not None and (self.outcome.rejected or self.outcome.skipped))
        )
        return EXIT_ERRORS if failed else EXIT_OK

    def counts(self) -> dict[str, Any]:
        """Planned (dry run) or applied steps by operation, and what was already there."""
        applied = Counter(s.op for s in self.outcome.applied) if self.outcome else Counter()
        return {
            "planned": dict(self.plan.count()) if self.plan else {},
            "applied": dict(applied),
            "unchanged": dict(self.plan.unchanged) if self.plan else {},
            "not_updated": self.plan.not_updated if self.plan else 0,
            "rejected": len(self.outcome.rejected) if self.outcome else 0,
            "skipped_steps": len(self.outcome.skipped) if self.outcome else 0,
            "skipped_rows": len(self.skipped_rows),
        }


def read_rules(client: MoodleClient) -> SiteRules:
    try:
        rules = get_site_rules(client)
    except (FunctionNotFoundError, AccessControlError) as exc:
        exc.hint = (
            "lemma enrol needs the companion plugin local_lemma (its function "
            "local_lemma_site_rules) in the token's service: install it (`lemma plugin zip`, "
            "docs/companion-plugin.md) and use a token for its service 'lemma'; " + (exc.hint or "")
        )
        raise
    if rules.maxinputvars:
        client.max_fields = max(
            BASE_FIELDS + 50, min(client.max_fields, rules.maxinputvars - FIELD_MARGIN)
        )
    return rules


def project_background(project: Path | None, problems: Problems) -> Background | None:
    root = find_project(project or Path.cwd())
    if root is None:
        if project is not None:
            problems.error(0, 0, "", "no-project", f"{project} is not a course project")
        return None
    result = load_background(root)
    if result.errors:
        problems.warning(
            0,
            0,
            "",
            "background-unreadable",
            f"{result.course_file}: the course's background has errors, so required "
            "values are not checked",
            "run `lemma validate` on the course",
        )
    return result.background


def _read_state(
    client: MoodleClient, rules: SiteRules, rows: list[Row], *, emails: bool = True
) -> SiteState:
    """What the site has for ``rows``; with ``emails``, also who holds the addresses of the
    accounts to create."""
    names = [
        r.username
        for r in rows
        if r.username
        and mrules.clean_username(r.username, rules.extendedusernamechars) == r.username
    ]
    state = read_site_state(
        client,
        rules,
        usernames=names,
        courses=[s.course for r in rows for s in r.slots],
        cohort_refs=[ref for r in rows for _c, ref in r.cohorts],
    )
    if emails:
        new_emails = [
            r.value("email")
            for r in rows
            if r.username not in state.users and mrules.valid_email(r.value("email"))
        ]
        state.emails = read_emails(client, new_emails)
    return state


def run_enrol(
    client: MoodleClient,
    request: EnrolRequest,
    *,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> EnrolResult:
    now = now or dt.datetime.now(dt.UTC)
    result = EnrolResult(request)
    problems = Problems()
    opts = request.options
    ledger_path = request.ledger or default_path(request.roster)
    result.ledger = ledger_path
    result.history = read_history(ledger_path)
    csv = read_csv(
        request.roster, delimiter=request.delimiter, encoding=request.encoding, problems=problems
    )
    result.csv = csv
    rules = read_rules(client)
    columns = name_columns(csv.header, rules.profilefields, problems)
    rows = read_rows(
        csv, columns, default_course=request.default_course, default_role=request.default_role
    )
    result.users = len(rows)
    check_values(rows, rules, problems, opts.mode)
    background = project_background(request.project, problems) if opts.mode == "enrol" else None
    state = _read_state(client, rules, rows, emails=opts.mode == "enrol")
    check_against_site(rows, state, opts, problems, background)
    _note_history(result.history, state, problems, csv.sha256)
    if problems.errors and (not request.skip_invalid or problems.file_errors()):
        result.problems = problems.sorted()
        result.requests = client.requests_sent
        return result
    bad = problems.rows_with_errors()
    result.skipped_rows = sorted(bad)
    good = [r for r in rows if r.row not in bad]
    plan = build_plan(good, state, opts, now=now, notes=problems)
    result.plan = plan
    settled = _settle(result.history, state)
    # With nothing to do, the ledger is left alone unless an interrupted run must be closed.
    if request.dry_run or (plan.empty and not settled and not result.history.interrupted):
        result.problems = problems.sorted()
        result.requests = client.requests_sent
        return result
    with Ledger(ledger_path) as ledger:
        ledger.start(roster=request.roster, sha256=csv.sha256, site=client.url, mode=opts.mode)
        for op, items in settled.items():
            ledger.applied(op, items, note="sent by an interrupted run; found on the site")
        applier = Applier(client, ledger, skip_invalid=request.skip_invalid, progress=progress)
        ids = Ids(users={name: int(u["id"]) for name, u in state.users.items()})
        outcome = applier.apply(plan, ids)
        result.outcome = outcome
        result.rounds = 1
        while not outcome.stopped:
            given_up = {r.step.key for r in outcome.rejected} | {s.key for s, _ in outcome.skipped}
            failed = {r.step.user for r in outcome.rejected if r.step.op == "create_user"}
            state = _read_state(client, rules, good, emails=False)
            again = build_plan(good, state, opts, now=now)
            again.steps = [s for s in again.steps if s.key not in given_up and s.user not in failed]
            if again.empty:
                break
            if result.rounds >= MAX_ROUNDS:
                result.unconfirmed = [s.key for s in again.steps]
                for s in again.steps:
                    problems.error(
                        s.rows[0] if s.rows else 0,
                        0,
                        "",
                        "not-applied",
                        f"{s.op} {s.detail or s.key}: sent, but not visible on the site",
                        "run the same command again; if it persists, check the site's PHP "
                        "max_input_vars and error log",
                    )
                break
            log.warning(
                "%d step(s) are not visible on the site after sending them (PHP may have "
                "dropped rows): sending them again",
                len(again.steps),
            )
            client.max_fields = max(BASE_FIELDS + 50, client.max_fields // 4)
            result.rounds += 1
            ids.users.update({name: int(u["id"]) for name, u in state.users.items()})
            applier.apply(again, ids)
        ledger.end(result.counts())
    result.problems = problems.sorted()
    result.requests = client.requests_sent
    return result


def _settle(
    history: History, state: SiteState
) -> dict[str, list[tuple[str, dict[str, int | str]]]]:
    """Creations an interrupted run sent but could not record, that exist on the site: their
    ids, so that the ledger holds every record lemma created."""
    out: dict[str, list[tuple[str, dict[str, int | str]]]] = {}
    for key in history.in_flight:
        kind, _, name = key.partition(":")
        if kind == "user" and name in state.users:
            out.setdefault("create_user", []).append((key, {"id": int(state.users[name]["id"])}))
        elif kind == "cohort" and (cohort := state.cohort(name)) is not None:
            out.setdefault("create_cohort", []).append((key, {"id": int(cohort["id"])}))
        elif kind == "group":
            shortname, _, group = name.partition(":")
            course = state.courses.get(shortname)
            found = course.group(group) if course is not None else None
            if found is not None:
                out.setdefault("create_group", []).append((key, {"id": int(found["id"])}))
    return out


def _note_history(history: History, state: SiteState, problems: Problems, sha256: str) -> None:
    """Say what an interrupted earlier run left (the plan works it out from the site)."""
    if not history.interrupted:
        return
    flying = [k for k in history.in_flight if k.startswith("user:")]
    there = sum(1 for k in flying if k[len("user:") :] in state.users)
    problems.warning(
        0,
        0,
        "",
        "resumed",
        f"the last run stopped before its end ({len(history.applied)} step(s) recorded as "
        "applied)"
        + (
            f"; {len(flying)} account(s) were being created: {there} exist on the site"
            if flying
            else ""
        )
        + ("; the roster has changed since" if history.last_roster_sha256 != sha256 else "")
        + "; carrying on from what the site has now",
    )

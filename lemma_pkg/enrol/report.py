"""What ``lemma enrol`` prints: the problems (file:line, row, column, reason, hint), the plan
as a table, and a summary; or all of it as one JSON document. Never a password."""

from __future__ import annotations

from typing import Any

from lemma_pkg.enrol.plan import OPS, Step
from lemma_pkg.enrol.run import EnrolResult
from lemma_pkg.errors import EXIT_OK

LABELS = {
    "create_cohort": "create cohort",
    "create_user": "create account",
    "update_user": "update account",
    "add_cohort_member": "add to cohort",
    "create_group": "create group",
    "enrol": "enrol",
    "add_group_member": "add to group",
    "unenrol": "unenrol",
    "suspend": "suspend enrolment",
}
#: Counted as "done" in summaries, by operation.
DONE = {
    "create_cohort": "cohorts created",
    "create_user": "accounts created",
    "update_user": "accounts updated",
    "add_cohort_member": "cohort memberships added",
    "create_group": "groups created",
    "enrol": "enrolments made or changed",
    "add_group_member": "group memberships added",
    "unenrol": "enrolments removed",
    "suspend": "enrolments suspended",
}


def _rows(step: Step) -> str:
    return ",".join(str(r) for r in step.rows[:3]) + ("…" if len(step.rows) > 3 else "")


def plan_table(result: EnrolResult) -> str:
    """The plan, one step per line, in the order it is sent."""
    plan = result.plan
    if plan is None or plan.empty:
        return ""
    steps = sorted(plan.steps, key=lambda s: (OPS.index(s.op), s.rows[0] if s.rows else 0))
    table = [("row", "action", "account", "details")] + [
        (_rows(s), LABELS[s.op], s.user or "-", s.detail) for s in steps
    ]
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    lines = [
        f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip()
        for a, b, c, d in table
    ]
    return "\n".join(lines) + "\n"


def problems_text(result: EnrolResult) -> str:
    path = str(result.request.roster)
    return "".join(p.format(path) + "\n" for p in result.problems)


def summary_text(result: EnrolResult) -> str:
    """The final summary: what was (or would be) done, what was already there."""
    counts = result.counts()
    roster = result.request.roster.name
    mode = result.request.options.mode
    lines: list[str] = []
    if result.errors and result.plan is None:
        rows = {p.row for p in result.errors if p.row > 1}
        whole = any(p.row <= 1 for p in result.errors)
        where = [f"{len(rows)} row(s)"] if rows else []
        if whole:
            where.append("the file itself")
        lines.append(
            f"{roster}: {len(result.errors)} problem(s) in {' and '.join(where)}; "
            "nothing was sent to the site"
            + (
                ""
                if result.request.skip_invalid or whole
                else " (--skip-invalid leaves bad rows out)"
            )
        )
        return "\n".join(lines) + "\n"
    unchanged = ", ".join(f"{v} {k}" for k, v in sorted(counts["unchanged"].items()))
    if result.plan is not None and result.plan.empty:
        lines.append(
            f"{roster}: nothing to change: the site already matches the roster"
            + (f" ({unchanged})" if unchanged else "")
        )
    else:
        done = counts["planned"] if result.request.dry_run else counts["applied"]
        verb = "would be" if result.request.dry_run else "were"
        lines.append(
            f"{roster} ({mode}{', dry run: nothing was sent' if result.request.dry_run else ''}):"
        )
        for op in OPS:
            if counts["planned"].get(op):
                lines.append(f"  {DONE[op]:<28} {done.get(op, 0):>6}")
        if unchanged:
            lines.append(f"  already there: {unchanged}")
        if counts["not_updated"]:
            lines.append(
                f"  {counts['not_updated']} existing account(s) differ from the roster and "
                f"{verb} left as they are (--update none)"
            )
    if counts["skipped_rows"]:
        lines.append(
            f"  {counts['skipped_rows']} row(s) left out for their errors (--skip-invalid)"
        )
    out = result.outcome
    if out is not None:
        if out.rejected:
            lines.append(f"  {len(out.rejected)} step(s) refused by Moodle:")
            for r in out.rejected:
                lines.append(
                    f"    row {_rows(r.step)}: {LABELS[r.step.op]} {r.step.user}: {r.reason}"
                )
        if out.skipped:
            lines.append(f"  {len(out.skipped)} step(s) not sent (what they need was refused)")
        if out.stopped:
            lines.append(
                "  stopped at the first refused row: fix it and run the same command again "
                "(what was applied is kept and found again), or add --skip-invalid"
            )
        if out.resent:
            lines.append(f"  {out.resent} row(s) sent again after PHP dropped them")
    if result.ledger is not None and result.wrote:
        lines.append(f"  ledger: {result.ledger}")
    lines.append(f"  requests to Moodle: {result.requests}")
    return "\n".join(lines) + "\n"


def to_json(result: EnrolResult) -> dict[str, Any]:
    out = result.outcome
    return {
        "ok": result.exit_code == EXIT_OK,
        "exit_code": result.exit_code,
        "roster": str(result.request.roster),
        "mode": result.request.options.mode,
        "dry_run": result.request.dry_run,
        "rows": result.users,
        "problems": [p.to_dict() for p in result.problems],
        "plan": [
            {"op": s.op, "key": s.key, "rows": s.rows, "user": s.user, "detail": s.detail}
            for s in (result.plan.steps if result.plan else [])
        ],
        "counts": result.counts(),
        "rejected": [
            {"key": r.step.key, "rows": r.step.rows, "reason": r.reason, "errorcode": r.errorcode}
            for r in (out.rejected if out else [])
        ],
        "skipped": [{"key": s.key, "why": why} for s, why in (out.skipped if out else [])],
        "unconfirmed": result.unconfirmed,
        "ledger": str(result.ledger) if result.ledger and result.wrote else None,
        "rounds": result.rounds,
        "requests": result.requests,
    }

"""Send a plan to the site in batches sized by its ``max_input_vars``.

Most of Moodle's batch functions are all-or-nothing: one bad row fails the whole call, with
the reason only in ``debuginfo``. A refused batch is split in halves until the one row Moodle
refuses is found; it is reported with Moodle's own reason (or, where the site hides it, with
what lemma finds by looking), and the run goes on with the other rows only under
``--skip-invalid``. Every creation is announced in the ledger before it is sent and recorded
with Moodle's id after; after a timeout the created records are looked up before anything is
sent again (never a duplicate account). Rows PHP dropped from a request (``max_input_vars``)
are sent again in smaller batches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lemma_pkg.enrol.ledger import Ledger
from lemma_pkg.enrol.plan import OPS, Plan, Step
from lemma_pkg.moodle.client import BASE_FIELDS, MoodleClient
from lemma_pkg.moodle.enrol import CourseEnrolments, get_course_enrolments
from lemma_pkg.moodle.errors import (
    AlreadyExistsError,
    InvalidParameterError,
    MoodleError,
    MoodleRemoteError,
    PasswordPolicyError,
    RecordNotFoundError,
    UnexpectedResponseError,
)
from lemma_pkg.moodle.groups import find_created_cohorts, find_created_groups
from lemma_pkg.moodle.params import count_fields
from lemma_pkg.moodle.users import find_created_users, get_users_by_field

log = logging.getLogger("lemma.enrol")

#: Progress callback: (what, done, total) over all steps of the plan.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class OpSpec:
    wsfunction: str
    list_key: str
    label: str
    #: Creates records: announced in the ledger, looked up after an unknown outcome.
    creates: bool = False


SPECS: dict[str, OpSpec] = {
    "create_cohort": OpSpec("core_cohort_create_cohorts", "cohorts", "creating cohorts", True),
    "create_user": OpSpec("core_user_create_users", "users", "creating accounts", True),
    "update_user": OpSpec("core_user_update_users", "users", "updating accounts"),
    "add_cohort_member": OpSpec("core_cohort_add_cohort_members", "members", "cohort members"),
    "create_group": OpSpec("core_group_create_groups", "groups", "creating groups", True),
    "enrol": OpSpec("enrol_manual_enrol_users", "enrolments", "enrolling"),
    "add_group_member": OpSpec("core_group_add_group_members", "members", "group members"),
    "unenrol": OpSpec("enrol_manual_unenrol_users", "enrolments", "unenrolling"),
    "suspend": OpSpec("enrol_manual_enrol_users", "enrolments", "suspending"),
}

#: Error codes that name a problem with one row (not with the site or the token).
ROW_CODES = {
    "userdeleted",
    "usernotconfirmed",
    "guestsarenotallowed",
    "useremailduplicate",
    "usernotupdatedadmin",
    "usernotupdateddeleted",
    "invaliduserid",
    "usernamelowercase",
    "invalidusername",
}


def row_level(err: MoodleError) -> bool:
    """Whether Moodle refused a row's data (worth finding the row) rather than the call."""
    if isinstance(err, InvalidParameterError | PasswordPolicyError | AlreadyExistsError):
        return True
    if isinstance(err, RecordNotFoundError):
        return True
    return type(err) is MoodleRemoteError and err.errorcode in ROW_CODES


@dataclass(frozen=True)
class Rejection:
    step: Step
    reason: str
    errorcode: str | None = None


@dataclass
class Ids:
    """Moodle ids known so far: users by username, groups created in this run by key."""

    users: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)


@dataclass
class Outcome:
    applied: list[Step] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    #: Steps not sent because a step they need was refused: (step, why).
    skipped: list[tuple[Step, str]] = field(default_factory=list)
    #: A row was refused and --skip-invalid was not given: nothing more was sent.
    stopped: bool = False
    #: Rows PHP dropped from requests, sent again.
    resent: int = 0


class Applier:
    def __init__(
        self,
        client: MoodleClient,
        ledger: Ledger | None,
        *,
        skip_invalid: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.skip_invalid = skip_invalid
        self.progress = progress
        self.outcome = Outcome()
        self.ids = Ids()
        #: id() of the steps in outcome.applied.
        self._applied: set[int] = set()
        self.done = 0
        self.total = 0

    # --- the plan ---------------------------------------------------------------------

    def apply(self, plan: Plan, ids: Ids) -> Outcome:
        self.total += len(plan.steps)
        self.ids = ids
        failed_users: set[str] = set()
        failed_groups: set[str] = set()
        for op in OPS:
            steps = plan.by_op(op)
            if not steps:
                continue
            ready: list[tuple[Step, dict[str, Any]]] = []
            for step in steps:
                why = self._blocked(step, failed_users, failed_groups)
                if why:
                    self.outcome.skipped.append((step, why))
                    self._tick(op, 1)
                    continue
                ready.append((step, self._ws_row(step)))
            self._send_all(op, ready)
            if op in ("enrol", "suspend") and ready and not self._stopped():
                # Group members must be enrolled: make sure no enrolment was dropped first.
                self._confirm_enrolments(op, ready)
            for r in self.outcome.rejected:
                if r.step.op == "create_user":
                    failed_users.add(r.step.user)
                elif r.step.op == "create_group":
                    failed_groups.add(r.step.key)
            if self.outcome.stopped:
                break
        return self.outcome

    def _blocked(self, step: Step, failed_users: set[str], failed_groups: set[str]) -> str:
        if step.user and step.user in failed_users:
            return f"the account {step.user!r} was not created"
        if step.group_key and step.group_key in failed_groups:
            return f"the group {step.group_key.split(':', 2)[2]!r} was not created"
        if step.op in ("enrol", "add_group_member", "suspend", "unenrol") and (
            step.user not in self.ids.users
        ):
            return f"no account {step.user!r}"
        if (
            step.op == "add_group_member"
            and "groupid" not in step.params
            and step.group_key not in self.ids.groups
        ):
            return f"no group {step.group_key!r}"
        return ""

    def _ws_row(self, step: Step) -> dict[str, Any]:
        row = dict(step.params)
        if step.op in ("enrol", "add_group_member", "suspend", "unenrol"):
            row["userid"] = self.ids.users[step.user]
        if step.op == "add_group_member" and "groupid" not in row:
            assert step.group_key is not None
            row["groupid"] = self.ids.groups[step.group_key]
        if step.op == "create_user" and step.secret is not None:
            row["password"] = step.secret.reveal()
        return row

    def _confirm_enrolments(self, op: str, sent: list[tuple[Step, dict[str, Any]]]) -> None:
        """Read the courses' enrolments and send again what is not there (PHP drops rows
        past max_input_vars without a word, and enrol_manual_enrol_users answers nothing)."""
        spec = SPECS[op]
        for _attempt in range(3):
            courses = {int(row["courseid"]) for _, row in sent}
            have = {cid: get_course_enrolments(self.client, cid) for cid in sorted(courses)}
            missing = [
                (step, row)
                for step, row in sent
                if id(step) in self._applied and not _enrolled(have[int(row["courseid"])], row)
            ]
            if not missing:
                return
            self.outcome.resent += len(missing)
            self.total += len(missing)
            self._shrink(spec, self._chunks(spec, sent), {id(s) for s, _ in missing})
            self._send_all(op, missing)
            sent = missing

    def _stopped(self) -> bool:
        return self.outcome.stopped

    def _tick(self, op: str, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(SPECS[op].label, self.done, self.total)

    # --- batches ----------------------------------------------------------------------

    def _send_all(self, op: str, items: list[tuple[Step, dict[str, Any]]]) -> None:
        spec = SPECS[op]
        todo = items
        while todo and not self._stopped():
            chunks = self._chunks(spec, todo)
            left: list[tuple[Step, dict[str, Any]]] = []
            for n, batch in enumerate(chunks, start=1):
                log.debug(
                    "%s: batch %d of %d (%d rows)", spec.wsfunction, n, len(chunks), len(batch)
                )
                left.extend(self._run_batch(op, batch))
                if self._stopped():
                    return
            if left:
                # Moodle answered for fewer rows than were sent: PHP cut the requests.
                self.outcome.resent += len(left)
                self._shrink(spec, chunks, {id(s) for s, _ in left})
            todo = left

    def _chunks(
        self, spec: OpSpec, items: list[tuple[Step, dict[str, Any]]]
    ) -> list[list[tuple[Step, dict[str, Any]]]]:
        """``items`` split as :meth:`MoodleClient.batches` splits their rows."""
        chunks: list[list[tuple[Step, dict[str, Any]]]] = []
        start = 0
        for chunk in self.client.batches(spec.list_key, [r for _, r in items]):
            chunks.append(items[start : start + len(chunk)])
            start += len(chunk)
        return chunks

    def _shrink(
        self, spec: OpSpec, chunks: list[list[tuple[Step, dict[str, Any]]]], lost: set[int]
    ) -> None:
        """Lower the request size under what PHP kept of the requests that lost rows: the
        rows before the first lost one arrived (PHP keeps the first max_input_vars fields)."""
        kept: list[int] = []
        for chunk in chunks:
            flags = [id(step) not in lost for step, _ in chunk]
            if all(flags):
                continue
            arrived = [row for (_step, row), ok in zip(chunk, flags, strict=True) if ok]
            k = flags.index(False)
            kept.append(BASE_FIELDS + count_fields({spec.list_key: arrived[:k]}))
        one = BASE_FIELDS + count_fields({spec.list_key: [chunks[0][0][1]]})
        limit = min(kept) if kept and min(kept) >= one else self.client.max_fields // 2
        self.client.max_fields = max(one, min(self.client.max_fields - 1, limit))
        log.warning(
            "%s: rows sent were not processed (PHP's max_input_vars cut the request, %d fields "
            "reached Moodle); sending them again in requests of at most %d fields",
            spec.wsfunction,
            min(kept) if kept else 0,
            self.client.max_fields,
        )

    def _run_batch(
        self, op: str, batch: list[tuple[Step, dict[str, Any]]]
    ) -> list[tuple[Step, dict[str, Any]]]:
        """Send ``batch``; on a refusal split it to find the row. Returns the rows Moodle did
        not process (cut by PHP) to send again."""
        spec = SPECS[op]
        rows = [r for _, r in batch]
        if spec.creates and self.ledger is not None:
            self.ledger.intent(op, [s.key for s, _ in batch])
        try:
            answer = self._call(op, rows)
        except MoodleError as err:
            if not row_level(err):
                raise
            if len(batch) == 1:
                self._refused(op, batch[0][0], batch[0][1], err)
                return []
            mid = len(batch) // 2
            log.info(
                "%s: Moodle refused a batch of %d rows (%s); finding the row",
                spec.wsfunction,
                len(batch),
                err.errorcode or err.message,
            )
            left = self._run_batch(op, batch[:mid])
            if self.outcome.stopped:
                return left
            return left + self._run_batch(op, batch[mid:])
        return self._accept(op, batch, answer)

    def _call(self, op: str, rows: list[dict[str, Any]]) -> Any:
        spec = SPECS[op]
        reconcile = self._reconcile(op, rows) if spec.creates else None
        try:
            return self.client.call(spec.wsfunction, {spec.list_key: rows}, reconcile=reconcile)
        except UnexpectedResponseError:
            # A broken answer (a PHP error after the work was done?): look before going on.
            found = reconcile() if reconcile is not None else None
            if found is None:
                raise
            log.info("%s: the answer was broken, but the records exist", spec.wsfunction)
            return found

    def _reconcile(self, op: str, rows: list[dict[str, Any]]) -> Callable[[], Any]:
        if op == "create_user":
            return lambda: find_created_users(self.client, rows)
        if op == "create_group":
            return lambda: find_created_groups(self.client, rows)
        return lambda: find_created_cohorts(self.client, rows)

    def _accept(
        self, op: str, batch: list[tuple[Step, dict[str, Any]]], answer: Any
    ) -> list[tuple[Step, dict[str, Any]]]:
        applied: list[tuple[Step, dict[str, int | str]]] = []
        left: list[tuple[Step, dict[str, Any]]] = []
        if op == "create_user":
            got = {str(u["username"]): int(u["id"]) for u in answer or []}
            for step, row in batch:
                if step.user in got:
                    self.ids.users[step.user] = got[step.user]
                    applied.append((step, {"id": got[step.user]}))
                else:
                    left.append((step, row))
        elif op in ("create_group", "create_cohort"):
            key = ("courseid", "name") if op == "create_group" else ("idnumber",)
            made = {tuple(str(g[k]).strip() for k in key): int(g["id"]) for g in answer or []}
            for step, row in batch:
                gid = made.get(tuple(str(row[k]).strip() for k in key))
                if gid is None:
                    left.append((step, row))
                    continue
                if op == "create_group":
                    self.ids.groups[step.key] = gid
                applied.append((step, {"id": gid}))
        elif op == "update_user":
            refused = {int(w.get("itemid", 0)): w for w in (answer or {}).get("warnings", []) or []}
            for step, row in batch:
                w = refused.get(int(row["id"]))
                if w is None:
                    applied.append((step, {"userid": int(row["id"])}))
                else:
                    self._reject(
                        op,
                        step,
                        f"Moodle refused the update: {w.get('message', '')}",
                        str(w.get("warningcode") or "") or None,
                    )
        elif op == "add_cohort_member":
            problems = [
                w for w in (answer or {}).get("warnings", []) or [] if w.get("warningcode") != "3"
            ]
            for step, _row in batch:
                w = next((w for w in problems if _names(step, str(w.get("message", "")))), None)
                if w is None:
                    linked: dict[str, int | str] = {"cohort": _row["cohorttype"]["value"]}
                    if step.user in self.ids.users:
                        linked["userid"] = self.ids.users[step.user]
                    applied.append((step, linked))
                else:
                    self._reject(op, step, f"Moodle refused: {w.get('message', '')}", "cohort")
        else:
            applied = [(step, _linked(row)) for step, row in batch]
        for step, _ids in applied:
            if id(step) not in self._applied:
                self._applied.add(id(step))
                self.outcome.applied.append(step)
        if self.ledger is not None:
            self.ledger.applied(op, applied_keys(applied))
        self._tick(op, len(batch) - len(left))
        return left

    # --- refusals ---------------------------------------------------------------------

    def _refused(self, op: str, step: Step, row: dict[str, Any], err: MoodleError) -> None:
        if op == "create_user":
            # Created by an earlier request whose answer was lost (a killed run, a timeout)?
            found = get_users_by_field(self.client, "username", [step.user])
            if found:
                uid = int(found[0]["id"])
                self.ids.users[step.user] = uid
                log.info("%s: the account %r exists already; using it", err.wsfunction, step.user)
                self._applied.add(id(step))
                self.outcome.applied.append(step)
                if self.ledger is not None:
                    self.ledger.applied(op, [(step.key, {"id": uid})])
                self._tick(op, 1)
                return
        self._reject(op, step, self._reason(op, row, err), err.errorcode)

    def _reason(self, op: str, row: dict[str, Any], err: MoodleError) -> str:
        if err.debuginfo or isinstance(err, PasswordPolicyError):
            return err.message
        if op == "create_user" and row.get("email"):
            holders = get_users_by_field(self.client, "email", [str(row["email"])])
            if holders:
                return (
                    f"{err.message}: the address {row['email']!r} belongs to the account "
                    f"{holders[0]['username']!r} (looked up by lemma; Moodle hides its reason)"
                )
        return (
            f"{err.message} (Moodle gives the reason only when debugging is on: Site "
            "administration > Development > Debugging)"
        )

    def _reject(self, op: str, step: Step, reason: str, errorcode: str | None) -> None:
        self.outcome.rejected.append(Rejection(step, reason, errorcode))
        if self.ledger is not None:
            self.ledger.rejected(op, step.key, step.rows, reason)
        self._tick(op, 1)
        if not self.skip_invalid:
            self.outcome.stopped = True


def _enrolled(state: CourseEnrolments, row: dict[str, Any]) -> bool:
    """Whether an enrolment row is on the site: manual enrolment with its dates and status,
    and the role."""
    p = state.participants.get(int(row["userid"]))
    if p is None or int(row["roleid"]) not in p.roleids:
        return False
    return any(
        e.enrolid == state.manual.id
        and (e.timestart, e.timeend, e.status)
        == (int(row["timestart"]), int(row["timeend"]), int(row["suspend"]))
        for e in p.enrolments
    )


def _linked(row: dict[str, Any]) -> dict[str, int | str]:
    """The ids a linking step (enrolment, membership) was sent with."""
    return {k: int(row[k]) for k in ("userid", "courseid", "roleid", "groupid") if k in row}


def applied_keys(
    applied: list[tuple[Step, dict[str, int | str]]],
) -> list[tuple[str, dict[str, int | str]]]:
    return [(s.key, ids) for s, ids in applied]


def _names(step: Step, message: str) -> bool:
    """Whether a cohort warning's message is about this step's user or cohort."""
    cohort = step.params["cohorttype"]
    return f"={step.user} " in message + " " or (
        f"{cohort['type']}={cohort['value']} " in message + " "
    )

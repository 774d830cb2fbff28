"""The state one inspection shares between its checks: the archive, parsed XML, findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from lemma_pkg.diagnostics import Diagnostic, Severity
from lemma_pkg.mbz.inspect.info import BackupInfo
from lemma_pkg.mbz.inspect.reader import Archive
from lemma_pkg.mbz.inspect.rules import CAUSES, CONTEXTS, MISSING, XML, lemma_hint


@dataclass
class Activity:
    """One activity restore builds a task for, with what its files said."""

    cmid: int
    modname: str
    title: str
    directory: str
    sectionid: int | None
    userinfo: bool
    contextid: int | None = None
    version: int | None = None


@dataclass
class Inspection:
    """Shared state: the archive, its moodle_backup.xml, the XML read so far and findings."""

    arc: Archive
    problems: list[Diagnostic] = field(default_factory=list)
    info: BackupInfo | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    trees: dict[str, etree._Element] = field(default_factory=dict)
    #: context id -> what owns it (system, course, activity ...).
    contexts: dict[int, str] = field(default_factory=dict)
    activities: list[Activity] = field(default_factory=list)
    fileref: set[int] = field(default_factory=set)
    categoryref: set[int] = field(default_factory=set)
    grade_item_ids: set[int] = field(default_factory=set)
    #: (member, line, json text) of every availability field, checked once all is read.
    availability: list[tuple[str, int, str]] = field(default_factory=list)
    #: what the question checks need from quiz.xml files.
    quizzes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def lemma_made(self) -> bool:
        return self.info is not None and self.info.lemma_made

    def add(
        self, member: str, line: int, severity: Severity, code: str, message: str, hint: str = ""
    ) -> None:
        """Record a finding; the hint names the cause (for lemma's own archives: rebuild).
        Notes lose nothing: they keep only a hint given here."""
        if severity is not Severity.INFO:
            hint = lemma_hint(code) if self.lemma_made else hint or CAUSES.get(code, "")
        path = f"{self.arc.name}:{member}" if member else self.arc.name
        self.problems.append(Diagnostic(path, line, 0, severity, code, message, hint))

    def xml(self, member: str, required: bool = False, why: str = "") -> etree._Element | None:
        """The parsed ``member`` (None when absent, empty or not well-formed: each reported)."""
        if member in self.trees:
            return self.trees[member]
        data = self.arc.members.get(member)
        if data is None:
            if required:
                self.add(
                    member,
                    0,
                    Severity.ERROR,
                    MISSING,
                    f"{member} is missing{': ' + why if why else ''}",
                )
            return None
        if not data:
            self.add(
                member,
                0,
                Severity.WARNING,
                XML,
                f"{member} is empty: Moodle never parses a 0-byte file, so nothing in it is "
                "restored",
            )
            return None
        try:
            parser = etree.XMLParser(resolve_entities=False, huge_tree=True)
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            self.add(
                member,
                exc.lineno or 0,
                Severity.ERROR,
                XML,
                f"not well-formed XML: {exc.msg}: restore stops with xml_parsing_error",
            )
            return None
        self.trees[member] = root
        return root

    def context(self, ctx: int, owner: str, member: str) -> None:
        """Claim context id ``ctx`` for ``owner``; a second owner is a collision (MBZ109)."""
        other = self.contexts.get(ctx)
        if other is not None and other != owner:
            self.add(
                member,
                0,
                Severity.ERROR,
                CONTEXTS,
                f"context id {ctx} of {owner} is also the context of {other}: files and "
                "question banks get remapped silently",
            )
        else:
            self.contexts[ctx] = owner

"""Checks across the whole course, run after every module is read: unique idnumbers,
restriction targets, course completion items, files nobody uses.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from yaml.nodes import Node

from lemma_pkg.content import codes
from lemma_pkg.content.context import MODULE_FILE, LoadContext, PendingRestriction, walk_files
from lemma_pkg.content.model import Quiz, Restriction, Section, SourceSpan
from lemma_pkg.content.yamlio import Fields, did_you_mean, pos


class CrossChecks(LoadContext):
    """Checks that need every module loaded."""

    def no_tracking_hint(self) -> str:
        """How to give an item completion tracking (the course switch first, if it is off)."""
        if not self.completion_tracking:
            return (
                "completion tracking is off for the whole course: set `completion: true` "
                "in course.yaml"
            )
        return "give that item a completion mode (view, manual, grade or pass)"

    def check_idnumbers(self) -> None:
        for idnumber, refs in self.refs.items():
            if len(refs) < 2:
                continue
            first = refs[0]
            for ref in refs[1:]:
                self.diags.error(
                    ref.display,
                    ref.line,
                    ref.column,
                    codes.DUPLICATE_IDNUMBER,
                    f'idnumber "{idnumber}" is already used by "{first.item.title}" '
                    f"({first.display}:{first.line})",
                    "give one of them an explicit, different `idnumber:`",
                )

    def apply_restrictions(self, sections: list[Section]) -> list[Section]:
        out = list(sections)
        # section -> (section of the item its enforced restriction waits for, restriction)
        waits: dict[int, tuple[int, PendingRestriction]] = {}
        for r in self.restrictions:
            refs = self.refs.get(r.target)
            p = pos(r.target_node)
            if not refs and self.incomplete:
                continue
            if not refs:
                hint = (
                    did_you_mean(r.target, self.refs)
                    or "use the idnumber of an item of this course"
                )
                self.diags.error(
                    r.fields_display,
                    p.line,
                    p.column,
                    codes.BAD_RESTRICTION,
                    f'restriction: no item has the idnumber "{r.target}"',
                    hint,
                )
                continue
            ref = refs[0]
            if ref.section == r.section_index:
                self.diags.error(
                    r.fields_display,
                    p.line,
                    p.column,
                    codes.BAD_RESTRICTION,
                    f'restriction: "{r.target}" is in this same section, which would lock it for good',
                    "point at an item of an earlier section",
                )
                continue
            if r.kind == "grade" and not isinstance(ref.item, Quiz):
                self.diags.error(
                    r.fields_display,
                    p.line,
                    p.column,
                    codes.BAD_RESTRICTION,
                    f'restriction: "{r.target}" is not a quiz, so it has no grade',
                    'use "completed:" for other items',
                )
                continue
            if r.kind == "completion" and ref.item.completion == "none" and r.enforce:
                self.diags.error(
                    r.fields_display,
                    p.line,
                    p.column,
                    codes.BAD_RESTRICTION,
                    f'restriction: "{r.target}" has no completion tracking, so it can never be complete',
                    self.no_tracking_hint(),
                )
                continue
            if r.enforce:
                waits[r.section_index] = (ref.section, r)
            if r.section_index < len(out):
                out[r.section_index] = replace(
                    out[r.section_index],
                    restriction=Restriction(
                        kind="completion" if r.kind == "completion" else "grade",
                        target=r.target,
                        min_percent=r.min_percent,
                        enforce=r.enforce,
                        span=SourceSpan(
                            out[r.section_index].span.path, pos(r.node).line, pos(r.node).column
                        ),
                    ),
                )
        self.check_restriction_cycles(waits, out)
        return out

    def check_restriction_cycles(
        self, waits: dict[int, tuple[int, PendingRestriction]], sections: list[Section]
    ) -> None:
        """Enforced restrictions that wait for each other lock those sections for good."""

        def name(index: int) -> str:
            return sections[index].slug if index < len(sections) else f"section {index}"

        for start, (_, r) in sorted(waits.items()):
            chain = [start]
            current = waits[start][0]
            while current in waits and current not in chain:
                chain.append(current)
                current = waits[current][0]
            if current != start:
                continue
            p = pos(r.target_node)
            self.diags.error(
                r.fields_display,
                p.line,
                p.column,
                codes.BAD_RESTRICTION,
                "restriction: enforced restrictions wait for each other ("
                + " -> ".join(name(i) for i in [*chain, start])
                + "), so these sections stay locked for good",
                "point one of them at an item of an earlier section, or make it `mode: recommend`",
            )

    def check_course_completion(self, entries: list[tuple[str, Node]], f: Fields) -> list[str]:
        out: list[str] = []
        for idnumber, node in entries:
            refs = self.refs.get(idnumber)
            if not refs and self.incomplete:
                continue
            if not refs:
                f.error(
                    node,
                    codes.BAD_REFERENCE,
                    f'course_completion: no item has the idnumber "{idnumber}"',
                    did_you_mean(idnumber, self.refs)
                    or "use the idnumber of an item of this course (e.g. 01-module/lesson)",
                )
                continue
            if refs[0].item.completion == "none":
                f.error(
                    node,
                    codes.BAD_REFERENCE,
                    f'course_completion: "{idnumber}" has no completion tracking',
                    self.no_tracking_hint(),
                )
                continue
            out.append(idnumber)
        return out

    def check_unreferenced(self) -> None:
        modules_dir = self.content / "modules"
        listed_modules = {p.parent for p in self.referenced if p.name == MODULE_FILE}
        skip_dirs: set[Path] = set()
        if modules_dir.is_dir():
            for d in sorted(modules_dir.iterdir()):
                if d.is_dir() and (d / MODULE_FILE).is_file() and d.resolve() not in listed_modules:
                    skip_dirs.add(d.resolve())
                    self.diags.warning(
                        self.display(d / MODULE_FILE),
                        0,
                        0,
                        codes.UNREFERENCED_FILE,
                        f'module folder "modules/{d.name}" is not listed in course.yaml',
                        "add it to `modules:` in course.yaml, or delete it",
                    )
        for top in (self.content, self.gift_dir):
            if not top.is_dir():
                continue
            for path in walk_files(top):
                rp = path.resolve()
                if rp in self.referenced or any(rp.is_relative_to(d) for d in skip_dirs):
                    continue
                self.diags.warning(
                    self.display(path),
                    0,
                    0,
                    codes.UNREFERENCED_FILE,
                    "file is not used by the course",
                    "reference it from a module, lesson or quiz, or delete it",
                )

"""Readers for each item kind of ``module.yaml`` (page, quiz, file, url, label, glossary,
practical), turning a YAML mapping into model items and diagnostics.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node

from lemma_pkg.content import codes, ids
from lemma_pkg.content.cache import GiftResult
from lemma_pkg.content.context import (
    COMMON_KEYS,
    COMPLETION_MODES,
    FRONT_MATTER_KEYS,
    GLOSSARY_FILE,
    GRADE_METHODS,
    KIND_KEYS,
    KINDS,
    MAX_NAME,
    ItemRef,
    LoadContext,
    as_completion,
    as_grade_method,
    bad_filename,
    origin_of,
    plain_title,
    subdirs,
)
from lemma_pkg.content.model import (
    AnyItem,
    CompletionMode,
    DataFile,
    FeedbackBand,
    Glossary,
    GlossaryEntry,
    Label,
    Page,
    Quiz,
    SourceSpan,
    Url,
)
from lemma_pkg.content.textio import read_text
from lemma_pkg.content.yamlio import Fields, did_you_mean, pos, type_name
from lemma_pkg.gift.source import read_path
from lemma_pkg.render.markdown import TextOrigin

# Moodle's limits for quiz settings: quiz.attempts is int(6), quiz.grade number(10,5),
# and the quiz form offers at most QUIZ_MAX_QPP_OPTION (50) questions per page.
MAX_ATTEMPTS = 999_999
MAX_GRADE = 99_999.0
MAX_PER_PAGE = 50


class ItemReaders(LoadContext):
    """``items:`` entries of a module, one reader per kind."""

    def load_item(
        self, node: Node, folder: Path, slug: str, disp: str, section: int, label_no: int
    ) -> list[AnyItem]:
        if not isinstance(node, MappingNode) or not node.value:
            p = pos(node)
            self.diags.error(
                disp,
                p.line,
                p.column,
                codes.WRONG_TYPE,
                f"an item must be a mapping such as `- page: lesson.md`, not {type_name(node)}",
            )
            return []
        f = Fields(node, disp, self.diags, "item")
        kind = next((k for k in f.keys if k in KINDS), None)
        if kind is None:
            first = next(iter(f.keys), "")
            knode = node.value[0][0]
            f.error(
                knode,
                codes.UNKNOWN_KEY,
                f'unknown item kind "{first}"',
                did_you_mean(first, KINDS) or f"item kinds: {', '.join(KINDS)}",
            )
            return []
        loader: Callable[[Fields, Path, str, int, int], list[AnyItem]] = {
            "page": self.item_page,
            "quiz": self.item_quiz,
            "file": self.item_file,
            "url": self.item_url,
            "label": self.item_label,
            "glossary": self.item_glossary,
            "practical": self.item_practical,
        }[kind]
        items = loader(f, folder, slug, section, label_no)
        others = [k for k in f.keys if k in KINDS and k != kind]
        for other in others:
            f.error(
                f.keys[other][0],
                codes.UNKNOWN_KEY,
                f'an item has one kind; "{other}" given with "{kind}"',
                "split it into two items",
            )
        f.finish((kind, *COMMON_KEYS, *KIND_KEYS[kind]))
        return items

    def item_page(
        self, f: Fields, folder: Path, slug: str, section: int, _label: int
    ) -> list[AnyItem]:
        path = self._path(f, "page", folder, "lesson", "the module folder")
        page = self.page_from_file(f, path, folder, slug, section, None, None)
        return [page] if page is not None else []

    def page_from_file(
        self,
        f: Fields,
        path: Path | None,
        folder: Path,
        slug: str,
        section: int,
        variant: str | None,
        title_override: str | None,
        idnumber_override: str | None = None,
        completion_override: CompletionMode | None = None,
    ) -> Page | None:
        title = self._title(f, False) if title_override is None else title_override
        completion_given = f.has("completion")
        completion = self._completion(f, "view", ("none", "manual", "view"))
        visible = f.flag("visible", True)
        if path is None:
            f.text("idnumber")
            return None
        disp = self.display(path)
        text = read_text(path, disp, self.diags, controls=True, data=self.overlaid(path))
        if text is None:
            f.text("idnumber")
            return None
        rendered, collector = self.render(text, path.parent, TextOrigin(disp))
        fm_title: str | None = None
        fm_idnumber: str | None = None
        fm_where: tuple[str, int, int] | None = None
        front_matter_broken = False
        if rendered.front_matter is not None:
            node, ok = self.compose(rendered.front_matter, disp, rendered.front_matter_line - 1)
            if not ok:
                # Its title and idnumber are unknown: no follow-on errors about them.
                self.incomplete = True
                front_matter_broken = True
            if ok and node is not None and not isinstance(node, MappingNode):
                p = pos(node, rendered.front_matter_line - 1)
                self.diags.error(
                    disp,
                    p.line,
                    p.column,
                    codes.WRONG_TYPE,
                    f"front matter must be a mapping (key: value lines), not {type_name(node)}",
                )
            elif isinstance(node, MappingNode):
                ff = Fields(node, disp, self.diags, "front matter", rendered.front_matter_line - 1)
                fm_title = ff.text("title", max_len=MAX_NAME)
                fm_idnumber = ff.text("idnumber")
                if fm_idnumber is not None:
                    w = ff.where("idnumber")
                    fm_where = (disp, w.line, w.column)
                fm_completion = ff.choice("completion", COMPLETION_MODES, None)
                if fm_completion is not None and fm_completion not in ("none", "manual", "view"):
                    ff.error(
                        ff.raw("completion") or node,
                        codes.BAD_COMPLETION,
                        f'completion "{fm_completion}" is not possible for a page; '
                        "use none, manual or view",
                    )
                elif (
                    fm_completion is not None and not completion_given and self.completion_tracking
                ):
                    completion = as_completion(fm_completion)
                fm_variant = ff.text("variant")
                if variant is None:
                    variant = fm_variant
                ff.finish(FRONT_MATTER_KEYS)
        if completion_override is not None:
            completion = completion_override
        if not title:
            title = fm_title or ""
        if not title and not front_matter_broken:
            self.diags.error(
                disp,
                1,
                1,
                codes.MISSING_KEY,
                "the lesson has no title",
                'add front matter "---\\ntitle: ...\\n---" or `title:` in module.yaml',
            )
        derived = ids.derive(slug, path.stem)
        if idnumber_override is not None:
            idnumber = idnumber_override
        else:
            idnumber = self._idnumber(f, derived, section, fm_idnumber, fm_where)
        page = Page(
            idnumber=idnumber,
            title=title,
            span=SourceSpan(path, 1, 1),
            completion=completion,
            visible=visible,
            content_html=rendered.html,
            assets=collector.assets(),
            variant=variant,
        )
        where = fm_where if (fm_where and not f.has("idnumber")) else None
        if idnumber_override is None:
            self._register(f, page, section, where)
        return page

    def item_quiz(
        self, f: Fields, folder: Path, slug: str, section: int, _label: int
    ) -> list[AnyItem]:
        gift = self._path(f, "quiz", self.gift_dir, "GIFT file", "gift_quizzes/")
        if gift is not None and not gift.is_relative_to(self.gift_dir.resolve()):
            f.error(
                f.raw("quiz") or f.node,
                codes.OUTSIDE_PROJECT,
                f'GIFT file "{f.text("quiz")}" is outside gift_quizzes/',
                "move the quiz into gift_quizzes/ and name it relative to that folder",
            )
            gift = None
        title = self._title(f, True)
        intro = self._desc(f, "intro", folder, "a quiz intro")
        attempts = f.integer(
            "attempts",
            0,
            minimum=0,
            maximum=MAX_ATTEMPTS,
            hint=f"write 0 for unlimited attempts, or a number up to {MAX_ATTEMPTS}",
        )
        grading = f.choice("grading", GRADE_METHODS, "highest")
        grade = f.number("grade", 10.0, minimum=0, maximum=MAX_GRADE)
        if grade is not None and grade <= 0 and f.has("grade"):
            f.error(f.raw("grade") or f.node, codes.BAD_VALUE, 'item: "grade" must be > 0')
            grade = 10.0
        pass_percent = f.number("pass", None, minimum=0, maximum=100)
        per_page = f.integer(
            "per_page",
            1,
            minimum=0,
            maximum=MAX_PER_PAGE,
            hint=f"write 0 for all questions on one page, or 1 to {MAX_PER_PAGE}",
        )
        shuffle = f.flag("shuffle", True)
        bands = self.feedback_bands(f, folder)
        allowed: tuple[CompletionMode, ...] = ("none", "manual", "view", "grade")
        if pass_percent is not None:
            allowed = (*allowed, "pass")
        completion = self._completion(
            f,
            "pass" if pass_percent is not None else "grade",
            allowed,
            "" if pass_percent is not None else 'completion "pass" needs "pass: <percent>"',
        )
        visible = f.flag("visible", True)
        questions: tuple[dict[str, Any], ...] = ()
        derived = ids.derive(slug, gift.stem if gift else "quiz")
        idnumber = self._idnumber(f, derived, section)
        marks_node = f.mapping("marks")
        if gift is not None:
            questions = self.read_gift(gift, f)
        maxmarks = self.quiz_marks(f, marks_node, questions, gift)
        if completion in ("pass", "grade"):
            self.check_essay_marks(f, questions, maxmarks)
        quiz = Quiz(
            idnumber=idnumber,
            title=title,
            span=self._item_span(f),
            intro_html=intro,
            completion=completion,
            visible=visible,
            gift=gift or Path(),
            questions=questions,
            attempts=attempts or 0,
            grade_method=as_grade_method(grading or "highest"),
            grade=grade if grade is not None else 10.0,
            pass_percent=pass_percent,
            feedback_bands=bands,
            questions_per_page=per_page if per_page is not None else 1,
            shuffle_answers=shuffle,
            maxmarks=maxmarks,
        )
        self._register(f, quiz, section)
        return [quiz]

    def quiz_marks(
        self,
        f: Fields,
        node: MappingNode | None,
        questions: tuple[dict[str, Any], ...],
        gift: Path | None,
    ) -> tuple[float, ...]:
        """The mark of every question (``marks:`` by GIFT ``[id:...]``, else its default).

        Returns () when ``marks:`` is absent, so each question keeps its default mark.
        """
        if node is None:
            return ()
        graded = [q for q in questions if q.get("qtype") != "category"]
        by_id = {str(q["idnumber"]): q for q in graded if q.get("idnumber")}
        given: dict[str, float] = {}
        mf = Fields(node, f.display, self.diags, "marks", f.line_offset)
        for key, (knode, _vnode) in mf.keys.items():
            question = by_id.get(key)
            if question is None:
                if gift is None or not graded:
                    continue  # the GIFT file is already reported; its ids are unknown
                where = self.display(gift)
                f.error(
                    knode,
                    codes.BAD_MARK,
                    f'marks: no question in {where} has the id "{key}"',
                    did_you_mean(key, tuple(by_id))
                    or f"give the question a comment line `// [id:{key}]` in {where}",
                )
                mf.used.add(key)
                continue
            if question.get("qtype") == "description":
                f.error(
                    knode,
                    codes.BAD_MARK,
                    f'marks: "{key}" is a description, which carries no mark',
                    f'remove "{key}" from marks',
                )
                mf.used.add(key)
                continue
            value = mf.number(key, None, minimum=0, maximum=MAX_GRADE)
            if value is not None:
                given[key] = value
        return tuple(given.get(str(q.get("idnumber") or ""), _default_mark(q)) for q in graded)

    def check_essay_marks(
        self, f: Fields, questions: tuple[dict[str, Any], ...], maxmarks: tuple[float, ...]
    ) -> None:
        """Warn when an essay with a mark keeps a quiz completed by its grade from grading."""
        graded = [q for q in questions if q.get("qtype") != "category"]
        marks = maxmarks or tuple(_default_mark(q) for q in graded)
        for question, mark in zip(graded, marks, strict=True):
            if question.get("qtype") != "essay" or mark <= 0:
                continue
            name = str(question.get("name") or "")
            qid = str(question.get("idnumber") or "")
            f.warning(
                f.raw("quiz") or f.node,
                codes.ESSAY_NEEDS_GRADING,
                f'essay "{name}" is worth {mark:g}: Moodle gives an attempt no grade until a '
                "teacher grades it, so learners cannot complete this quiz by its grade",
                f"make it a reflection with `marks: {{{qid}: 0}}`"
                if qid
                else "give it an `[id:...]` comment line and `marks: {<id>: 0}`",
            )

    def feedback_bands(self, f: Fields, folder: Path) -> tuple[FeedbackBand, ...]:
        seq = f.sequence("feedback")
        if seq is None:
            return ()
        bands: list[FeedbackBand] = []
        previous: float | None = None
        for child in seq.value:
            if not isinstance(child, MappingNode):
                f.error(
                    child,
                    codes.WRONG_TYPE,
                    f"feedback bands are mappings like {{min: 50, text: ...}}, not {type_name(child)}",
                )
                continue
            bf = Fields(child, f.display, self.diags, "feedback band")
            minimum = bf.number("min", None, minimum=0, maximum=100, required=True)
            text = bf.text("text", required=True)
            text_node = bf.raw("text")
            bf.finish()
            if minimum is None or text is None:
                continue
            if previous is not None and minimum >= previous:
                bf.error(
                    bf.raw("min") or child,
                    codes.BAD_VALUE,
                    f"feedback bands must go from the highest grade down: {minimum:g} after "
                    f"{previous:g}",
                )
                continue
            previous = minimum
            bands.append(
                FeedbackBand(minimum, self.markdown(text, text_node, bf, folder, "quiz feedback"))
            )
        return tuple(bands)

    def read_gift(self, gift: Path, f: Fields) -> tuple[dict[str, Any], ...]:
        from lemma_pkg import gift as giftlib

        disp = self.display(gift)
        config = giftlib.LintConfig(
            require_feedback=self.lint.require_feedback, disabled=frozenset(self.lint.disable)
        )
        data = self.overlaid(gift)
        if data is None and self.cache is not None:
            data, _ = read_path(gift)  # None when unreadable: lint_and_questions says why

        def compute() -> GiftResult:
            qs, ds = giftlib.lint_and_questions(gift, display=disp, config=config, data=data)
            return tuple(qs), tuple(ds)

        if self.cache is None or data is None:
            questions, diagnostics = compute()
        else:
            questions, diagnostics = self.cache.gift((data, disp, config), compute)
        self.diags.extend(diagnostics)
        if not any(q.get("qtype") != "category" for q in questions):
            f.error(
                f.raw("quiz") or f.node,
                codes.EMPTY_QUIZ,
                f'GIFT file "{disp}" has no questions Moodle would import',
                f"add questions, or run `lemma gift lint {disp}` to see why none are read",
            )
        return tuple(questions)

    def item_file(
        self, f: Fields, folder: Path, slug: str, section: int, _label: int
    ) -> list[AnyItem]:
        source = self._path(f, "file", folder, "data file", "the module folder")
        title = self._title(f, True)
        description = self._desc(f, "description", folder, "a file description")
        completion = self._completion(f, "view", ("none", "manual", "view"))
        visible = f.flag("visible", True)
        idnumber = self._idnumber(f, ids.derive(slug, source.stem if source else "file"), section)
        if source is not None and bad_filename(source.name):
            f.error(
                f.raw("file") or f.node,
                codes.BAD_ASSET_NAME,
                f'file name "{source.name}" has characters Moodle removes from file names',
                "rename the file: avoid & < > \" ` | ' : \\",
            )
        item = DataFile(
            idnumber=idnumber,
            title=title,
            span=self._item_span(f),
            intro_html=description,
            completion=completion,
            visible=visible,
            source=source or Path(),
            filename=source.name if source else "",
        )
        self._register(f, item, section)
        return [item]

    def item_url(
        self, f: Fields, folder: Path, slug: str, section: int, _label: int
    ) -> list[AnyItem]:
        url = f.text("url", required=True) or ""
        if url and not re.match(r"^https?://\S+$", url):
            f.error(
                f.raw("url") or f.node,
                codes.BAD_URL,
                f"url must be an absolute http(s) URL, not {url!r}",
                "write it in full, e.g. https://www.example.org/video",
            )
        title = self._title(f, True)
        description = self._desc(f, "description", folder, "a url description")
        completion = self._completion(f, "view", ("none", "manual", "view"))
        visible = f.flag("visible", True)
        idnumber = self._idnumber(f, ids.derive(slug, ids.slug(title or url)), section)
        item = Url(
            idnumber=idnumber,
            title=title,
            span=self._item_span(f),
            intro_html=description,
            completion=completion,
            visible=visible,
            url=url,
        )
        self._register(f, item, section)
        return [item]

    def item_label(
        self, f: Fields, folder: Path, slug: str, section: int, label_no: int
    ) -> list[AnyItem]:
        text = f.text("label", required=True) or ""
        text_node = f.raw("label")
        rendered, collector = self.render(text, folder, origin_of(text_node, f))
        title = self._title(f, False, plain_title(text))
        visible = f.flag("visible", True)
        idnumber = self._idnumber(f, ids.derive(slug, f"label-{label_no}"), section)
        item = Label(
            idnumber=idnumber,
            title=title,
            span=self._item_span(f),
            visible=visible,
            content_html=rendered.html,
            assets=collector.assets(),
        )
        self._register(f, item, section)
        return [item]

    def item_glossary(
        self, f: Fields, folder: Path, slug: str, section: int, _label: int
    ) -> list[AnyItem]:
        title = f.text("glossary", required=True, max_len=MAX_NAME) or ""
        if f.has("title"):
            f.error(
                f.keys["title"][0],
                codes.UNKNOWN_KEY,
                'a glossary item takes its title from "glossary:"; remove "title"',
            )
            f.used.add("title")
        description = self._desc(f, "description", folder, "a glossary description")
        completion = self._completion(f, "view", ("none", "manual", "view"))
        visible = f.flag("visible", True)
        idnumber = self._idnumber(f, ids.derive(slug, ids.slug(title)), section)
        entries = self.load_glossary(f)
        item = Glossary(
            idnumber=idnumber,
            title=title,
            span=self._item_span(f),
            intro_html=description,
            completion=completion,
            visible=visible,
            entries=entries,
        )
        self._register(f, item, section)
        return [item]

    def load_glossary(self, item_fields: Fields) -> tuple[GlossaryEntry, ...]:
        if self.glossary_entries is not None:
            return self.glossary_entries
        path = self.content / GLOSSARY_FILE
        if not path.is_file():
            item_fields.error(
                item_fields.node,
                codes.MISSING_FILE,
                f"a glossary item needs content_src/{GLOSSARY_FILE}",
                "create it with `entries: [{term: ..., definition: ...}]`",
            )
            self.glossary_entries = ()
            return ()
        node, disp = self.read_yaml(path)
        entries: list[GlossaryEntry] = []
        if node is not None:
            f = Fields(node, disp, self.diags, GLOSSARY_FILE)
            seq = f.sequence("entries", required=True)
            f.finish()
            seen: dict[str, int] = {}
            for child in seq.value if seq is not None else []:
                if not isinstance(child, MappingNode):
                    f.error(
                        child,
                        codes.WRONG_TYPE,
                        f"a glossary entry is a mapping with term and definition, not {type_name(child)}",
                    )
                    continue
                ef = Fields(child, disp, self.diags, "glossary entry")
                term = ef.text("term", required=True, max_len=MAX_NAME)
                aliases = [a for a, _ in ef.str_list("aliases") or []]
                definition = ef.text("definition", required=True)
                def_node = ef.raw("definition")
                ef.finish()
                if term is None or definition is None:
                    continue
                p = pos(child)
                key = term.casefold()
                if key in seen:
                    ef.warning(
                        ef.keys["term"][1],
                        codes.DUPLICATE_TERM,
                        f'glossary term "{term}" is defined twice (first on line {seen[key]})',
                        "merge the two entries; list other spellings under `aliases:`",
                    )
                seen.setdefault(key, p.line)
                entries.append(
                    GlossaryEntry(
                        concept=term,
                        definition_html=self.markdown(
                            definition, def_node, ef, self.content, "a glossary definition"
                        ),
                        aliases=tuple(aliases),
                        span=SourceSpan(path, p.line, p.column),
                    )
                )
        self.glossary_entries = tuple(entries)
        return self.glossary_entries

    def item_practical(
        self, f: Fields, folder: Path, slug: str, section: int, _label: int
    ) -> list[AnyItem]:
        name = f.text("practical", required=True) or ""
        name_node = f.raw("practical")
        title = self._title(f, True)
        intro_md = f.text("intro") or ""
        intro_node = f.raw("intro")
        visible = f.flag("visible", True)
        completion = self._completion(f, "view", ("none", "manual", "view"))
        stem = Path(name).stem or "practical"
        label_id = self._idnumber(f, ids.derive(slug, stem), section)
        rendered, collector = self.render(intro_md, folder, origin_of(intro_node, f))
        label = Label(
            idnumber=label_id,
            title=title,
            span=self._item_span(f),
            visible=visible,
            content_html=f"<h4>{html.escape(title)}</h4>\n{rendered.html}",
            assets=collector.assets(),
        )
        self._register(f, label, section)
        out: list[AnyItem] = [label]
        variants: list[tuple[str, Path | None, Fields | None, Node]] = []
        seq = f.sequence("variants")
        if seq is not None and not seq.value:
            f.error(
                seq,
                codes.EMPTY_MODULE,
                "the practical's `variants:` list is empty",
                "list one variant per package, e.g. `- {package: R, page: practicals/r.md}`, "
                "or remove `variants:` to use every .md file of the practical's folder",
            )
        if seq is not None:
            for child in seq.value:
                if not isinstance(child, MappingNode):
                    f.error(
                        child,
                        codes.WRONG_TYPE,
                        f"a variant is a mapping like {{package: R, page: practicals/r.md}}, not {type_name(child)}",
                    )
                    continue
                vf = Fields(child, f.display, self.diags, "variant")
                package = vf.text("package", required=True, max_len=60)
                path = self._path(vf, "page", folder, "lesson", "the module folder")
                if package is not None:
                    variants.append((package, path, vf, child))
                else:  # still report misspelt keys ("packge") with a did-you-mean
                    vf.text("idnumber")
                    vf.finish(("package", "page", "idnumber"))
        elif name_node is not None:
            vdir = (folder / name).resolve()
            if not vdir.is_dir():
                f.error(
                    name_node,
                    codes.MISSING_FILE,
                    f'practical folder "{name}" does not exist',
                    did_you_mean(Path(name).name, subdirs(vdir.parent))
                    or "give a folder of variant lessons, or list them under `variants:`",
                )
            else:
                for md in sorted(vdir.glob("*.md")):
                    self.use(md)
                    variants.append((md.stem, md, None, name_node))
                if not variants:
                    f.error(
                        name_node,
                        codes.EMPTY_MODULE,
                        f'practical folder "{name}" has no .md lessons',
                        "add one Markdown lesson per statistics package (e.g. r.md, stata.md)",
                    )
        for package, vpath, vfields_given, vnode in variants:
            vfields = (
                vfields_given
                if vfields_given is not None
                else Fields(
                    MappingNode("tag:yaml.org,2002:map", [], vnode.start_mark, vnode.end_mark),
                    f.display,
                    self.diags,
                    "variant",
                )
            )
            folder_mode = vfields_given is None
            explicit = None if folder_mode else vfields.text("idnumber")
            page = self.page_from_file(
                vfields,
                vpath,
                folder,
                slug,
                section,
                None if folder_mode else package,
                title or None,
                idnumber_override=explicit or "",
                completion_override=completion,
            )
            if vfields_given is not None:
                vfields_given.finish(("package", "page", "idnumber"))
            if page is None:
                self.incomplete = True
                continue
            # In folder mode the front matter's `variant` names the package (default: stem).
            final = page.variant or package
            page = replace(
                page,
                variant=final,
                title=f"{title} ({final})" if title else page.title,
                idnumber=explicit or f"{label_id}-{ids.slug(final)}",
            )
            why = ids.problem(page.idnumber)
            p = pos(vnode)
            if why is not None:
                self.diags.error(
                    f.display,
                    p.line,
                    p.column,
                    codes.BAD_IDNUMBER,
                    f'idnumber "{page.idnumber}" {why}',
                )
            self.refs.setdefault(page.idnumber, []).append(
                ItemRef(f.display, p.line, p.column, section, page)
            )
            out.append(page)
        return out


def _default_mark(question: dict[str, Any]) -> float:
    """A question's mark when ``marks:`` does not set it (Moodle's ``defaultmark``)."""
    value = question.get("defaultmark", 1.0)
    return float(value) if isinstance(value, int | float) else 1.0

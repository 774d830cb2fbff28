"""Compile a :class:`~lemma_pkg.content.model.Course` into the files of a Moodle 4.5 backup.

The layout follows what Moodle 4.5.6 writes and restores (``shared/notes/moodle-backup-
format.md``; every choice below cites its section there):

- users off (root ``users`` 0, no ``users.xml``), root settings as the verified-clean
  variant V2 of notes §10; the glossary's own ``_userinfo`` is 1 so its entries restore
  (V1b);
- one section per module, section 0 first (added, untitled, when the course has none);
- per activity ``module.xml``, ``<mod>.xml``, ``roles.xml``, ``grades.xml``,
  ``inforef.xml``, ``filters.xml``, ``calendar.xml``, ``competencies.xml``,
  ``grade_history.xml`` (the files Moodle writes with users off);
- each quiz has a private question bank in its module context (§8, V2), see
  :mod:`lemma_pkg.mbz.questions`;
- ids are stable hashes of source idnumbers (:mod:`lemma_pkg.mbz.ids`, V4).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lxml import etree

from lemma_pkg.content.model import (
    AnyItem,
    Asset,
    Course,
    DataFile,
    Glossary,
    Label,
    Page,
    Quiz,
    Restriction,
    Section,
    Url,
)
from lemma_pkg.errors import BuildError
from lemma_pkg.mbz import mimetypes
from lemma_pkg.mbz.archive import Member
from lemma_pkg.mbz.ids import SYSTEM_CONTEXT_ID, Ids, stable_hex
from lemma_pkg.mbz.questions import QuestionDataError, build_bank
from lemma_pkg.mbz.xmlwriter import (
    NULL,
    Value,
    dec,
    element,
    empty_file,
    fields,
    record,
    to_bytes,
)

MOODLE_VERSION = 2024100700  # 4.5.0: <= every 4.5.x and 5.x site, so never "newer backup"
MOODLE_RELEASE = "4.5 (Build: 20241007)"
BACKUP_VERSION = 2024100700
BACKUP_RELEASE = "4.5"
MODULE_VERSION = 2024100700  # version.php of page, resource, url, label, glossary and quiz in 4.5
ORIGINAL_WWWROOT = "https://lemma.invalid"
# md5 of a site identifier no real site has: restores always take the "other site" path.
SITE_IDENTIFIER_HASH = hashlib.md5(b"lemma-pkg: no such site").hexdigest()
EMPTY_SHA1 = hashlib.sha1(b"").hexdigest()
OWNER_USERID = 2  # not in the backup: restore maps it to the restoring user (§3.1, §4.1)

MODNAMES: dict[type, str] = {
    Page: "page",
    Quiz: "quiz",
    DataFile: "resource",
    Url: "url",
    Label: "label",
    Glossary: "glossary",
}

GRADE_METHODS = {"highest": 1, "average": 2, "first": 3, "last": 4}

# SPDX licence id -> (Moodle licence shortname, label, URL). lib/licenses.json in 4.5.
LICENCES: dict[str, tuple[str, str, str]] = {
    "CC-BY-4.0": ("cc-4.0", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-NC-4.0": (
        "cc-nc-4.0",
        "CC BY-NC 4.0",
        "https://creativecommons.org/licenses/by-nc/4.0/",
    ),
    "CC-BY-ND-4.0": (
        "cc-nd-4.0",
        "CC BY-ND 4.0",
        "https://creativecommons.org/licenses/by-nd/4.0/",
    ),
    "CC-BY-NC-ND-4.0": (
        "cc-nc-nd-4.0",
        "CC BY-NC-ND 4.0",
        "https://creativecommons.org/licenses/by-nc-nd/4.0/",
    ),
    "CC-BY-NC-SA-4.0": (
        "cc-nc-sa-4.0",
        "CC BY-NC-SA 4.0",
        "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    ),
    "CC-BY-SA-4.0": (
        "cc-sa-4.0",
        "CC BY-SA 4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC0-1.0": ("public", "CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
}

# Root settings of the verified-clean variant V2 (notes §10): users and everything that
# depends on users off; filters, competencies, content bank and the rest as Moodle writes.
ROOT_SETTINGS: tuple[tuple[str, str], ...] = (
    ("imscc11", "0"),
    ("users", "0"),
    ("anonymize", "0"),
    ("role_assignments", "0"),
    ("activities", "1"),
    ("blocks", "1"),
    ("files", "1"),
    ("filters", "1"),
    ("comments", "0"),
    ("badges", "0"),
    ("calendarevents", "0"),
    ("userscompletion", "0"),
    ("logs", "0"),
    ("grade_histories", "0"),
    ("questionbank", "1"),
    ("groups", "1"),
    ("competencies", "1"),
    ("customfield", "1"),
    ("contentbankcontent", "1"),
    ("xapistate", "0"),
    ("legacyfiles", "1"),
)

_PARAM_FILE_BAD = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


# --------------------------------------------------------------------------- data


@dataclass
class StoredFile:
    id: int
    contextid: int
    component: str
    filearea: str
    itemid: int
    filepath: str
    filename: str
    data: bytes | None  # None: a directory entry ("." file)
    sortorder: int = 0

    @property
    def contenthash(self) -> str:
        return hashlib.sha1(self.data).hexdigest() if self.data is not None else EMPTY_SHA1


@dataclass
class Activity:
    item: AnyItem
    modname: str
    cmid: int
    instance: int
    contextid: int
    sectionid: int
    section_number: int
    files: list[StoredFile] = field(default_factory=list)
    grade_item_id: int | None = None

    @property
    def directory(self) -> str:
        return f"activities/{self.modname}_{self.cmid}"


@dataclass
class SectionPlan:
    section: Section | None  # None: the added general section 0
    sectionid: int
    number: int
    activities: list[Activity] = field(default_factory=list)

    @property
    def directory(self) -> str:
        return f"sections/section_{self.sectionid}"

    @property
    def title(self) -> str:
        if self.section is None or not self.section.title:
            return str(self.number)
        return self.section.title


@dataclass(frozen=True)
class Completion:
    completion: int  # 0 none, 1 manual, 2 automatic
    gradeitemnumber: int | None
    passgrade: int
    view: int


def resolve_completion(item: AnyItem) -> Completion:
    """Moodle's completion fields for ``item``, falling back where the module cannot track.

    ``lemma_pkg.mbz.preflight()`` warns about every fallback taken here.
    """
    mode = item.completion
    if mode == "none":
        return Completion(0, None, 0, 0)
    if mode == "manual" or isinstance(item, Label):
        return Completion(1, None, 0, 0)
    if isinstance(item, Quiz):
        if mode == "pass" and item.pass_percent:
            return Completion(2, 0, 1, 0)
        if mode in ("grade", "pass"):
            return Completion(2, 0, 0, 0)
    return Completion(2, None, 0, 1)


def shows_description(item: AnyItem) -> bool:
    """Whether the course page shows the item's description (files and links that have one)."""
    return isinstance(item, DataFile | Url) and bool(item.intro_html.strip())


def licence_info(spdx: str) -> tuple[str, str, str]:
    """(Moodle shortname, label, URL) for an SPDX id; ``unknown`` when Moodle has none."""
    found = LICENCES.get(spdx.upper()) or LICENCES.get(spdx)
    if found:
        return found
    return ("unknown", spdx, "")


def _p(css: str, inner_html: str) -> str:
    return f'<p class="{css}">{inner_html}</p>'


def course_summary_html(course: Course) -> str:
    """The course summary with the licence and the citation appended."""
    parts = [course.summary_html]
    _, label, url = licence_info(course.licence)
    if label:
        link = (
            f'<a href="{html.escape(url)}">{html.escape(label)}</a>' if url else html.escape(label)
        )
        parts.append(_p("lemma-licence", f"Licence: {link}"))
    if course.citation:
        parts.append(_p("lemma-citation", f"Cite as: {html.escape(course.citation)}"))
    return "\n".join(p for p in parts if p)


def section_summary_html(course: Course, section: Section) -> str:
    """A section summary with its recommendation (``enforce: false``) and citation."""
    parts = [section.summary_html]
    r = section.restriction
    if r is not None and not r.enforce:
        target = course.item(r.target)
        title = html.escape(target.title if target is not None else r.target)
        if r.kind == "grade" and r.min_percent is not None:
            text = f"Recommended before you start: at least {r.min_percent:g}% in “{title}”."
        else:
            text = f"Recommended before you start: complete “{title}”."
        parts.append(_p("lemma-recommendation", text))
    if section.citation:
        parts.append(_p("lemma-citation", f"Cite as: {html.escape(section.citation)}"))
    return "\n".join(p for p in parts if p)


_PLUGINFILE_HREF = re.compile(r"""(href\s*=\s*)(["'])@@PLUGINFILE@@/([^"'?#]*)\2""")
_INLINE_TYPES = ("image/", "application/pdf", "text/html")


def force_download_links(html_text: str, assets: Iterable[Asset]) -> str:
    """Make links to data files download instead of opening in the browser.

    Moodle serves ``@@PLUGINFILE@@`` files inline unless the URL carries
    ``?forcedownload=1`` (notes §2.3, §10); a worksheet with an extension Moodle does not
    know is served as text. Links (``href``) to assets that are not images, PDFs or HTML get
    the parameter; images (``src``) are untouched.
    """
    data_names = {
        a.name for a in assets if not mimetypes.mimetype(a.name).startswith(_INLINE_TYPES)
    }
    if not data_names:
        return html_text

    def fix(m: re.Match[str]) -> str:
        if unquote(m.group(3)) not in data_names:
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}@@PLUGINFILE@@/{m.group(3)}?forcedownload=1{m.group(2)}"

    return _PLUGINFILE_HREF.sub(fix, html_text)


def _json_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


# --------------------------------------------------------------------------- the writer


class BackupWriter:
    def __init__(self, course: Course, epoch: int) -> None:
        self.course = course
        self.epoch = int(epoch)
        self.ids = Ids()
        self.courseid = self.ids.course(course.idnumber or course.shortname)
        self.course_contextid = self.ids.context("course")
        self.grade_category_id = self.ids.grade_category("course")
        self.course_grade_item_id = self.ids.grade_item("\0course")
        self.sections: list[SectionPlan] = []
        self.activities: dict[str, Activity] = {}
        self.members: list[Member] = []
        self.files: list[StoredFile] = []
        self.question_categories: list[etree._Element] = []
        self._bodies: dict[str, bytes] = {}
        self._quiz_bank_category_ids: dict[str, list[int]] = {}

    # planning ------------------------------------------------------------------

    def plan(self) -> None:
        course = self.course
        secs = list(course.sections)
        numbered: list[Section | None] = []
        if not secs or secs[0].number != 0:
            numbered.append(None)
        numbered.extend(secs)
        seen_slugs: set[str] = set()
        for number, section in enumerate(numbered):
            key = "\0general" if section is None else section.slug or f"\0{number}"
            if key in seen_slugs:
                key = f"{key}\0{number}"
            seen_slugs.add(key)
            plan = SectionPlan(section, self.ids.section(key), number)
            self.sections.append(plan)
            if section is None:
                continue
            for item in section.items:
                modname = MODNAMES.get(type(item))
                if modname is None:
                    raise BuildError(
                        f"{item.idnumber}: unsupported item type {type(item).__name__}"
                    )
                if item.idnumber in self.activities:
                    raise BuildError(
                        f"two items share the idnumber {item.idnumber!r}",
                        hint="give one of them its own `idnumber:`",
                    )
                act = Activity(
                    item=item,
                    modname=modname,
                    cmid=self.ids.cm(item.idnumber),
                    instance=self.ids.instance(item.idnumber),
                    contextid=self.ids.context(f"cm\0{item.idnumber}"),
                    sectionid=plan.sectionid,
                    section_number=number,
                )
                if isinstance(item, Quiz):
                    act.grade_item_id = self.ids.grade_item(item.idnumber)
                self.activities[item.idnumber] = act
                plan.activities.append(act)

    # files -----------------------------------------------------------------------

    def _read(self, path: Path, what: str) -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise BuildError(
                f"cannot read {what} {path}: {exc.strerror or exc}",
                hint="check that the file exists and is readable",
            ) from exc

    def _add_file(
        self,
        act: Activity,
        component: str,
        filearea: str,
        name: str,
        data: bytes,
        sortorder: int = 0,
    ) -> None:
        filepath, _, filename = ("/" + name.strip("/")).rpartition("/")
        filepath = filepath + "/"
        if not filename or _PARAM_FILE_BAD.search(filename) or filename in (".", ".."):
            raise BuildError(
                f"{act.item.idnumber}: file name {name!r} is not valid in Moodle",
                hint='rename the file: no control characters or any of / \\ : * ? " < > |',
            )
        existing = [f for f in act.files if f.filepath == filepath and f.filename == filename]
        if existing:
            if existing[0].data != data:
                raise BuildError(
                    f"{act.item.idnumber}: two different files are both named {name!r}",
                    hint="rename one of them",
                )
            return
        # Directory entries for the area root and every sub-folder, as Moodle writes them.
        dirs = ["/"]
        acc = "/"
        for part in filepath.strip("/").split("/"):
            if part:
                acc += part + "/"
                dirs.append(acc)
        for d in dirs:
            if not any(f.filepath == d and f.data is None for f in act.files):
                act.files.append(
                    StoredFile(
                        self.ids.file(f"{act.item.idnumber}\0{component}\0{filearea}\0{d}\0."),
                        act.contextid,
                        component,
                        filearea,
                        0,
                        d,
                        ".",
                        None,
                    )
                )
        act.files.append(
            StoredFile(
                self.ids.file(
                    f"{act.item.idnumber}\0{component}\0{filearea}\0{filepath}{filename}"
                ),
                act.contextid,
                component,
                filearea,
                0,
                filepath,
                filename,
                data,
                sortorder,
            )
        )

    def _assets(
        self, act: Activity, component: str, filearea: str, assets: Iterable[Asset]
    ) -> None:
        for asset in assets:
            self._add_file(act, component, filearea, asset.name, self._read(asset.source, "asset"))

    # emit ------------------------------------------------------------------------

    def add(self, path: str, data: bytes) -> None:
        self.members.append(Member(path, data))

    def build(self) -> list[Member]:
        self.plan()
        for plan in self.sections:
            for act in plan.activities:
                self.write_activity(act)
        for plan in self.sections:
            self.write_section(plan)
        self.write_course()
        self.write_root()
        for digest, body in sorted(self._bodies.items()):
            self.add(f"files/{digest[:2]}/{digest}", body)
        return self.members

    # activities --------------------------------------------------------------------

    def write_activity(self, act: Activity) -> None:
        item = act.item
        d = act.directory
        if isinstance(item, Page):
            self._assets(act, "mod_page", "content", item.assets)
            body = self._page(act, item)
        elif isinstance(item, Label):
            self._assets(act, "mod_label", "intro", item.assets)
            body = self._label(act, item)
        elif isinstance(item, DataFile):
            name = item.filename or item.source.name
            self._add_file(
                act, "mod_resource", "content", name, self._read(item.source, "data file"), 1
            )
            body = self._resource(act, item)
        elif isinstance(item, Url):
            body = self._url(act, item)
        elif isinstance(item, Glossary):
            body = self._glossary(act, item)
        elif isinstance(item, Quiz):
            body = self._quiz(act, item)
        else:  # pragma: no cover - plan() rejects other types
            raise BuildError(f"unsupported item {item!r}")
        self.add(f"{d}/{act.modname}.xml", to_bytes(body))
        self.add(f"{d}/module.xml", to_bytes(self._module(act)))
        self.add(f"{d}/roles.xml", empty_file("roles", "role_overrides|role_assignments"))
        self.add(f"{d}/grades.xml", to_bytes(self._grades(act)))
        self.add(f"{d}/inforef.xml", to_bytes(self._inforef(act)))
        self.add(f"{d}/filters.xml", empty_file("filters", "filter_actives|filter_configs"))
        self.add(f"{d}/calendar.xml", empty_file("events"))
        self.add(f"{d}/competencies.xml", empty_file("course_module_competencies", "competencies"))
        self.add(f"{d}/grade_history.xml", empty_file("grade_history", "grade_grades"))
        for f in act.files:
            self.files.append(f)
            if f.data is not None:
                self._bodies.setdefault(f.contenthash, f.data)

    def _activity_root(self, act: Activity) -> etree._Element:
        return element(
            "activity",
            {
                "id": act.instance,
                "moduleid": act.cmid,
                "modulename": act.modname,
                "contextid": act.contextid,
            },
        )

    def _module(self, act: Activity) -> etree._Element:
        item = act.item
        c = resolve_completion(item)
        show_description = shows_description(item)
        root = record(
            "module",
            {"id": act.cmid, "version": MODULE_VERSION},
            [
                ("modulename", act.modname),
                ("sectionid", act.sectionid),
                ("sectionnumber", act.section_number),
                ("idnumber", item.idnumber),
                ("added", self.epoch),
                ("score", 0),
                ("indent", 0),
                ("visible", 1 if item.visible else 0),
                ("visibleoncoursepage", 1),
                ("visibleold", 1 if item.visible else 0),
                ("groupmode", 0),
                ("groupingid", 0),
                ("completion", c.completion),
                ("completiongradeitemnumber", c.gradeitemnumber),
                ("completionpassgrade", c.passgrade),
                ("completionview", c.view),
                ("completionexpected", 0),
                ("availability", None),
                ("showdescription", 1 if show_description else 0),
                ("downloadcontent", 1),
                ("lang", None),
            ],
        )
        element("tags", parent=root)
        return root

    def _page(self, act: Activity, item: Page) -> etree._Element:
        root = self._activity_root(act)
        record(
            "page",
            {"id": act.instance},
            [
                ("name", item.title),
                ("intro", item.intro_html),
                ("introformat", 1),
                ("content", force_download_links(item.content_html, item.assets)),
                ("contentformat", 1),
                ("legacyfiles", 0),
                ("legacyfileslast", None),
                ("display", 0),
                (
                    "displayoptions",
                    'a:2:{s:10:"printintro";i:0;s:17:"printlastmodified";i:1;}',
                ),
                ("revision", 1),
                ("timemodified", self.epoch),
            ],
            root,
        )
        return root

    def _label(self, act: Activity, item: Label) -> etree._Element:
        root = self._activity_root(act)
        record(
            "label",
            {"id": act.instance},
            [
                ("name", item.title),
                ("intro", force_download_links(item.content_html, item.assets)),
                ("introformat", 1),
                ("timemodified", self.epoch),
            ],
            root,
        )
        return root

    def _resource(self, act: Activity, item: DataFile) -> etree._Element:
        root = self._activity_root(act)
        record(
            "resource",
            {"id": act.instance},
            [
                ("name", item.title),
                ("intro", item.intro_html),
                ("introformat", 1),
                ("tobemigrated", 0),
                ("legacyfiles", 0),
                ("legacyfileslast", None),
                ("display", 4),  # RESOURCELIB_DISPLAY_DOWNLOAD: always a download
                ("displayoptions", 'a:2:{s:8:"showsize";i:1;s:8:"showtype";i:1;}'),
                ("filterfiles", 0),
                ("revision", 1),
                ("timemodified", self.epoch),
            ],
            root,
        )
        return root

    def _url(self, act: Activity, item: Url) -> etree._Element:
        root = self._activity_root(act)
        record(
            "url",
            {"id": act.instance},
            [
                ("name", item.title),
                ("intro", item.intro_html),
                ("introformat", 1),
                ("externalurl", item.url),
                ("display", 0),
                ("displayoptions", 'a:1:{s:10:"printintro";i:1;}'),
                ("parameters", "a:0:{}"),
                ("timemodified", self.epoch),
            ],
            root,
        )
        return root

    def _glossary(self, act: Activity, item: Glossary) -> etree._Element:
        root = self._activity_root(act)
        glossary = record(
            "glossary",
            {"id": act.instance},
            [
                ("name", item.title),
                ("intro", item.intro_html),
                ("introformat", 1),
                ("allowduplicatedentries", 0),
                ("displayformat", "dictionary"),
                ("mainglossary", 0),
                ("showspecial", 1),
                ("showalphabet", 1),
                ("showall", 1),
                ("allowcomments", 0),
                ("allowprintview", 1),
                ("usedynalink", 0),
                ("defaultapproval", 1),
                ("globalglossary", 0),
                ("entbypage", 10),
                ("editalways", 0),
                ("rsstype", 0),
                ("rssarticles", 0),
                ("assessed", 0),
                ("assesstimestart", 0),
                ("assesstimefinish", 0),
                ("scale", 0),
                ("timecreated", self.epoch),
                ("timemodified", self.epoch),
                ("completionentries", 0),
            ],
            root,
        )
        entries = element("entries", parent=glossary)
        for n, entry in enumerate(item.entries):
            key = f"{item.idnumber}\0{entry.concept}\0{n}"
            e = record(
                "entry",
                {"id": self.ids.entry(key)},
                [
                    ("userid", OWNER_USERID),
                    ("concept", entry.concept),
                    ("definition", entry.definition_html),
                    ("definitionformat", 1),
                    ("definitiontrust", 0),
                    ("attachment", ""),
                    ("timecreated", self.epoch),
                    ("timemodified", self.epoch),
                    ("teacherentry", 1),
                    ("sourceglossaryid", 0),
                    ("usedynalink", 0),
                    ("casesensitive", 0),
                    ("fullmatch", 0),
                    ("approved", 1),
                ],
                entries,
            )
            aliases = element("aliases", parent=e)
            for m, alias in enumerate(entry.aliases):
                record(
                    "alias",
                    {"id": self.ids.alias(f"{key}\0{m}")},
                    [("alias_text", alias)],
                    aliases,
                )
            element("ratings", parent=e)
        element("entriestags", parent=glossary)
        element("categories", parent=glossary)
        return root

    def _quiz(self, act: Activity, item: Quiz) -> etree._Element:
        try:
            bank = build_bank(item, self.ids, act.contextid, act.cmid, self.epoch)
        except (QuestionDataError, KeyError, TypeError, ValueError) as exc:
            raise BuildError(
                f"{item.idnumber}: cannot write the questions of {item.gift}: {exc}",
                hint="run `lemma gift lint` on the file",
            ) from exc
        self.question_categories.extend(bank.categories)
        self._quiz_bank_category_ids[act.item.idnumber] = bank.category_ids
        sumgrades = sum(s.maxmark for s in bank.slots)
        root = self._activity_root(act)
        quiz = record(
            "quiz",
            {"id": act.instance},
            [
                ("name", item.title),
                ("intro", item.intro_html),
                ("introformat", 1),
                ("timeopen", 0),
                ("timeclose", 0),
                ("timelimit", 0),
                ("overduehandling", "autosubmit"),
                ("graceperiod", 0),
                ("preferredbehaviour", "deferredfeedback"),
                ("canredoquestions", 0),
                ("attempts_number", int(item.attempts)),
                ("attemptonlast", 0),
                ("grademethod", GRADE_METHODS[item.grade_method]),
                ("decimalpoints", 2),
                ("questiondecimalpoints", -1),
                ("reviewattempt", 69904),
                ("reviewcorrectness", 69904),
                ("reviewmaxmarks", 69904),
                ("reviewmarks", 69904),
                ("reviewspecificfeedback", 69904),
                ("reviewgeneralfeedback", 69904),
                ("reviewrightanswer", 69904),
                ("reviewoverallfeedback", 4368),
                ("questionsperpage", int(item.questions_per_page)),
                ("navmethod", "free"),
                ("shuffleanswers", 1 if item.shuffle_answers else 0),
                ("sumgrades", dec(sumgrades, 5)),
                ("grade", dec(item.grade, 5)),
                ("timecreated", self.epoch),
                ("timemodified", self.epoch),
                ("password", ""),
                ("subnet", ""),
                ("browsersecurity", "-"),
                ("delay1", 0),
                ("delay2", 0),
                ("showuserpicture", 0),
                ("showblocks", 0),
                ("completionattemptsexhausted", 0),
                ("completionminattempts", 0),
                ("allowofflineattempts", 0),
            ],
            root,
        )
        element("subplugin_quizaccess_seb_quiz", parent=quiz)
        element("quiz_grade_items", parent=quiz)
        instances = element("question_instances", parent=quiz)
        per_page = int(item.questions_per_page)
        for n, slot in enumerate(bank.slots, start=1):
            key = f"{item.idnumber}\0{n}"
            inst = record(
                "question_instance",
                {"id": self.ids.slot(key)},
                [
                    ("quizid", act.instance),
                    ("slot", n),
                    ("page", (n - 1) // per_page + 1 if per_page > 0 else 1),
                    ("displaynumber", None),
                    ("requireprevious", 0),
                    ("maxmark", dec(slot.maxmark, 7)),
                    ("quizgradeitemid", None),
                ],
                instances,
            )
            record(
                "question_reference",
                {"id": self.ids.reference(key)},
                [
                    ("usingcontextid", act.contextid),
                    ("component", "mod_quiz"),
                    ("questionarea", "slot"),
                    ("questionbankentryid", slot.bank_entry_id),
                    ("version", None),
                ],
                inst,
            )
        sections = element("sections", parent=quiz)
        record(
            "section",
            {"id": self.ids.quiz_section(item.idnumber)},
            [("firstslot", 1), ("heading", ""), ("shufflequestions", 0)],
            sections,
        )
        feedbacks = element("feedbacks", parent=quiz)
        for fid, text, low, high in self.feedback_bands(item):
            record(
                "feedback",
                {"id": fid},
                [
                    ("feedbacktext", text),
                    ("feedbacktextformat", 1),
                    ("mingrade", dec(low, 5)),
                    ("maxgrade", dec(high, 5)),
                ],
                feedbacks,
            )
        for name in ("overrides", "grades", "attempts"):
            element(name, parent=quiz)
        return root

    def feedback_bands(self, item: Quiz) -> list[tuple[int, str, float, float]]:
        """Bands on the quiz's grade scale, highest first; the top band ends at grade + 1."""
        bands = sorted(item.feedback_bands, key=lambda b: b.min_percent, reverse=True)
        out = []
        upper = float(item.grade) + 1.0
        for n, band in enumerate(bands):
            low = float(item.grade) * band.min_percent / 100.0
            fid = self.ids.feedback(f"{item.idnumber}\0{n}")
            out.append((fid, band.text_html, low, upper))
            upper = low
        return out

    def _grades(self, act: Activity) -> etree._Element:
        root = element("activity_gradebook")
        items = element("grade_items", parent=root)
        item = act.item
        if isinstance(item, Quiz) and act.grade_item_id is not None:
            gradepass = float(item.grade) * (item.pass_percent or 0.0) / 100.0
            gi = self._grade_item(
                act.grade_item_id,
                [
                    ("categoryid", self.grade_category_id),
                    ("itemname", item.title),
                    ("itemtype", "mod"),
                    ("itemmodule", "quiz"),
                    ("iteminstance", act.instance),
                    ("itemnumber", 0),
                    ("iteminfo", None),
                    ("idnumber", item.idnumber),
                    ("calculation", None),
                    ("gradetype", 1),
                    ("grademax", dec(item.grade, 5)),
                    ("grademin", dec(0, 5)),
                    ("scaleid", None),
                    ("outcomeid", None),
                    ("gradepass", dec(gradepass, 5)),
                    ("multfactor", dec(1, 5)),
                    ("plusfactor", dec(0, 5)),
                    ("aggregationcoef", dec(0, 5)),
                    ("aggregationcoef2", dec(self._weight(item), 5)),
                    ("weightoverride", 0),
                    ("sortorder", self._grade_sortorder(act)),
                    ("display", 0),
                    ("decimals", None),
                    ("hidden", 0),
                    ("locked", 0),
                    ("locktime", 0),
                    ("needsupdate", 0),
                    ("timecreated", self.epoch),
                    ("timemodified", self.epoch),
                ],
            )
            items.append(gi)
        element("grade_letters", parent=root)
        return root

    def _grade_item(self, gid: int, values: list[tuple[str, Value]]) -> etree._Element:
        gi = record("grade_item", {"id": gid}, values)
        element("grade_grades", parent=gi)
        return gi

    def _quizzes(self) -> list[Activity]:
        return [a for p in self.sections for a in p.activities if isinstance(a.item, Quiz)]

    def _total_grade(self) -> float:
        return sum(float(a.item.grade) for a in self._quizzes() if isinstance(a.item, Quiz))

    def _weight(self, item: Quiz) -> float:
        total = self._total_grade()
        return float(item.grade) / total if total > 0 else 0.0

    def _grade_sortorder(self, act: Activity) -> int:
        return 2 + [a.cmid for a in self._quizzes()].index(act.cmid)

    def _inforef(self, act: Activity) -> etree._Element:
        root = element("inforef")
        if act.files:
            fileref = element("fileref", parent=root)
            for f in act.files:
                fields(element("file", parent=fileref), [("id", f.id)])
        if act.grade_item_id is not None:
            ref = element("grade_itemref", parent=root)
            fields(element("grade_item", parent=ref), [("id", act.grade_item_id)])
        cats = self._quiz_bank_category_ids.get(act.item.idnumber, [])
        if cats:
            ref = element("question_categoryref", parent=root)
            for cid in cats:
                fields(element("question_category", parent=ref), [("id", cid)])
        return root

    # sections ------------------------------------------------------------------------

    def availability_json(self, restriction: Restriction | None) -> str | None:
        """The section's ``availabilityjson`` in the shape ``core_availability\\tree`` accepts."""
        if restriction is None or not restriction.enforce:
            return None
        act = self.activities.get(restriction.target)
        if act is None:
            raise BuildError(
                f"restriction names {restriction.target!r}, which is not an item of this course"
            )
        condition: dict[str, Any]
        if restriction.kind == "completion":
            condition = {"type": "completion", "cm": act.cmid, "e": 1}
        else:
            if act.grade_item_id is None:
                raise BuildError(
                    f"grade restriction names {restriction.target!r}, which is not a quiz"
                )
            condition = {"type": "grade", "id": act.grade_item_id}
            if restriction.min_percent is not None:
                condition["min"] = _json_number(restriction.min_percent)
        tree = {"op": "&", "c": [condition], "showc": [True]}
        return json.dumps(tree, separators=(",", ":"))

    def write_section(self, plan: SectionPlan) -> None:
        section = plan.section
        summary = section_summary_html(self.course, section) if section is not None else ""
        root = record(
            "section",
            {"id": plan.sectionid},
            [
                ("number", plan.number),
                ("name", section.title if section is not None and section.title else None),
                ("summary", summary),
                ("summaryformat", 1),
                ("sequence", ",".join(str(a.cmid) for a in plan.activities)),
                ("visible", 1),
                (
                    "availabilityjson",
                    self.availability_json(section.restriction) if section is not None else None,
                ),
                ("component", None),
                ("itemid", None),
                ("timemodified", self.epoch),
            ],
        )
        self.add(f"{plan.directory}/section.xml", to_bytes(root))
        self.add(f"{plan.directory}/inforef.xml", empty_file("inforef"))

    # course -----------------------------------------------------------------------------

    def write_course(self) -> None:
        c = self.course
        root = record(
            "course",
            {"id": self.courseid, "contextid": self.course_contextid},
            [
                ("shortname", c.shortname),
                ("fullname", c.fullname),
                ("idnumber", c.idnumber),
                ("summary", course_summary_html(c)),
                ("summaryformat", 1),
                ("format", c.format or "topics"),
                ("showgrades", 1),
                ("newsitems", 0),
                ("startdate", int(c.startdate)),
                ("enddate", 0),
                ("marker", 0),
                ("maxbytes", 0),
                ("legacyfiles", 0),
                ("showreports", 0),
                ("visible", 1),
                ("groupmode", 0),
                ("groupmodeforce", 0),
                ("defaultgroupingid", 0),
                ("lang", ""),
                ("theme", ""),
                ("timecreated", self.epoch),
                ("timemodified", self.epoch),
                ("requested", 0),
                ("showactivitydates", 0),
                ("showcompletionconditions", 1 if c.completion_tracking else 0),
                ("pdfexportfont", None),
                ("enablecompletion", 1 if c.completion_tracking else 0),
                ("completionnotify", 0),
            ],
        )
        record(
            "category",
            {"id": self.ids.course("\0category")},
            [("name", c.category), ("description", None)],
            root,
        )
        element("tags", parent=root)
        element("customfields", parent=root)
        options = element("courseformatoptions", parent=root)
        for name, value in (("hiddensections", 1), ("coursedisplay", 0)):
            fields(
                element("courseformatoption", parent=options),
                [
                    ("format", c.format or "topics"),
                    ("sectionid", 0),
                    ("name", name),
                    ("value", value),
                ],
            )
        self.add("course/course.xml", to_bytes(root))
        self.add("course/roles.xml", empty_file("roles", "role_overrides|role_assignments"))
        self.add("course/inforef.xml", empty_file("inforef"))
        self.add("course/filters.xml", empty_file("filters", "filter_actives|filter_configs"))
        self.add("course/calendar.xml", empty_file("events"))
        self.add(
            "course/competencies.xml",
            empty_file("course_competencies", "competencies|user_competencies"),
        )
        self.add("course/completiondefaults.xml", empty_file("course_completion_defaults"))
        self.add("course/contentbank.xml", empty_file("contents"))

    # root ---------------------------------------------------------------------------------

    def write_root(self) -> None:
        self.add("moodle_backup.xml", to_bytes(self._moodle_backup()))
        self.add("files.xml", to_bytes(self._files_xml()))
        self.add("roles.xml", empty_file("roles_definition"))
        questions = element("question_categories")
        for cat in self.question_categories:
            questions.append(cat)
        self.add("questions.xml", to_bytes(questions))
        self.add(
            "groups.xml",
            empty_file("groups", "groupcustomfields|groupings", "groupingcustomfields"),
        )
        self.add("scales.xml", empty_file("scales_definition"))
        self.add("outcomes.xml", empty_file("outcomes_definition"))
        self.add("completion.xml", to_bytes(self._completion_xml()))
        self.add("gradebook.xml", to_bytes(self._gradebook_xml()))
        self.add("grade_history.xml", empty_file("grade_history", "grade_grades"))

    @property
    def filename(self) -> str:
        return f"{self.course.shortname}.mbz"

    def _moodle_backup(self) -> etree._Element:
        c = self.course
        root = element("moodle_backup")
        info = element("information", parent=root)
        fields(
            info,
            [
                ("name", self.filename),
                ("moodle_version", MOODLE_VERSION),
                ("moodle_release", MOODLE_RELEASE),
                ("backup_version", BACKUP_VERSION),
                ("backup_release", BACKUP_RELEASE),
                ("backup_date", self.epoch),
                ("mnet_remoteusers", 0),
                ("include_files", 1),
                ("include_file_references_to_external_content", 0),
                ("original_wwwroot", ORIGINAL_WWWROOT),
                ("original_site_identifier_hash", SITE_IDENTIFIER_HASH),
                ("original_course_id", self.courseid),
                ("original_course_format", c.format or "topics"),
                ("original_course_fullname", c.fullname),
                ("original_course_shortname", c.shortname),
                ("original_course_startdate", int(c.startdate)),
                ("original_course_enddate", 0),
                ("original_course_contextid", self.course_contextid),
                ("original_system_contextid", SYSTEM_CONTEXT_ID),
            ],
        )
        details = element("details", parent=info)
        record(
            "detail",
            {"backup_id": stable_hex("backup", c.shortname)},
            [
                ("type", "course"),
                ("format", "moodle2"),
                ("interactive", 1),
                ("mode", 10),
                ("execution", 1),
                ("executiontime", 0),
            ],
            details,
        )
        contents = element("contents", parent=info)
        activities = element("activities", parent=contents)
        for plan in self.sections:
            for act in plan.activities:
                fields(
                    element("activity", parent=activities),
                    [
                        ("moduleid", act.cmid),
                        ("sectionid", act.sectionid),
                        ("modulename", act.modname),
                        ("title", act.item.title),
                        ("directory", act.directory),
                        ("insubsection", ""),
                    ],
                )
        sections = element("sections", parent=contents)
        for plan in self.sections:
            fields(
                element("section", parent=sections),
                [
                    ("sectionid", plan.sectionid),
                    ("title", plan.title),
                    ("directory", plan.directory),
                    ("parentcmid", ""),
                    ("modname", ""),
                ],
            )
        fields(
            element("course", parent=contents),
            [("courseid", self.courseid), ("title", c.shortname), ("directory", "course")],
        )
        settings = element("settings", parent=info)
        fields(
            element("setting", parent=settings),
            [("level", "root"), ("name", "filename"), ("value", self.filename)],
        )
        for name, value in ROOT_SETTINGS:
            fields(
                element("setting", parent=settings),
                [("level", "root"), ("name", name), ("value", value)],
            )
        for plan in self.sections:
            key = f"section_{plan.sectionid}"
            for suffix, value in (("included", "1"), ("userinfo", "0")):
                fields(
                    element("setting", parent=settings),
                    [
                        ("level", "section"),
                        ("section", key),
                        ("name", f"{key}_{suffix}"),
                        ("value", value),
                    ],
                )
            for act in plan.activities:
                akey = f"{act.modname}_{act.cmid}"
                # Glossary entries are user data: the glossary's own userinfo lets them
                # restore with users off (notes §10, V1b).
                userinfo = "1" if isinstance(act.item, Glossary) else "0"
                for suffix, value in (("included", "1"), ("userinfo", userinfo)):
                    fields(
                        element("setting", parent=settings),
                        [
                            ("level", "activity"),
                            ("activity", akey),
                            ("name", f"{akey}_{suffix}"),
                            ("value", value),
                        ],
                    )
        return root

    def _files_xml(self) -> etree._Element:
        root = element("files")
        licence = licence_info(self.course.licence)[0]
        author = ", ".join(self.course.authors)[:255] or None
        for f in sorted(self.files, key=lambda f: f.id):
            is_dir = f.data is None
            record(
                "file",
                {"id": f.id},
                [
                    ("contenthash", f.contenthash),
                    ("contextid", f.contextid),
                    ("component", f.component),
                    ("filearea", f.filearea),
                    ("itemid", f.itemid),
                    ("filepath", f.filepath),
                    ("filename", f.filename),
                    ("userid", OWNER_USERID),
                    ("filesize", 0 if f.data is None else len(f.data)),
                    ("mimetype", None if is_dir else mimetypes.mimetype(f.filename)),
                    ("status", 0),
                    ("timecreated", self.epoch),
                    ("timemodified", self.epoch),
                    ("source", None if is_dir else f.filename),
                    ("author", None if is_dir else author),
                    ("license", None if is_dir else licence),
                    ("sortorder", f.sortorder),
                    ("repositorytype", None),
                    ("repositoryid", None),
                    ("reference", None),
                ],
                root,
            )
        return root

    def _completion_xml(self) -> etree._Element:
        root = element("course_completion")
        required = list(self.course.completion_requires)
        if not required:
            return root
        for idnumber in required:
            act = self.activities.get(idnumber)
            if act is None:
                raise BuildError(
                    f"course completion names {idnumber!r}, which is not an item of this course"
                )
            crit = record(
                "course_completion_criteria",
                {"id": self.ids.criteria(idnumber)},
                [
                    ("course", self.courseid),
                    ("criteriatype", 4),
                    ("module", act.modname),
                    ("moduleinstance", act.cmid),
                    ("courseinstanceshortname", None),
                    ("enrolperiod", None),
                    ("timeend", None),
                    ("gradepass", None),
                    ("role", None),
                    ("roleshortname", None),
                ],
                root,
            )
            element("course_completion_crit_completions", parent=crit)
        for key, criteriatype in (("overall", None), ("activity", 4)):
            record(
                "course_completion_aggr_methd",
                {"id": self.ids.aggr(key)},
                [
                    ("course", self.courseid),
                    ("criteriatype", criteriatype),
                    ("method", 1),
                    ("value", None),
                ],
                root,
            )
        return root

    def _gradebook_xml(self) -> etree._Element:
        root = element("gradebook")
        element("attributes", parent=root)
        cats = element("grade_categories", parent=root)
        record(
            "grade_category",
            {"id": self.grade_category_id},
            [
                ("parent", None),
                ("depth", 1),
                ("path", f"/{self.grade_category_id}/"),
                ("fullname", "?"),
                ("aggregation", 13),
                ("keephigh", 0),
                ("droplow", 0),
                ("aggregateonlygraded", 1),
                ("aggregateoutcomes", 0),
                ("timecreated", self.epoch),
                ("timemodified", self.epoch),
                ("hidden", 0),
            ],
            cats,
        )
        items = element("grade_items", parent=root)
        total = self._total_grade()
        items.append(
            self._grade_item(
                self.course_grade_item_id,
                [
                    ("categoryid", None),
                    ("itemname", None),
                    ("itemtype", "course"),
                    ("itemmodule", None),
                    ("iteminstance", self.grade_category_id),
                    ("itemnumber", None),
                    ("iteminfo", None),
                    ("idnumber", None),
                    ("calculation", None),
                    ("gradetype", 1),
                    ("grademax", dec(total if total > 0 else 100.0, 5)),
                    ("grademin", dec(0, 5)),
                    ("scaleid", None),
                    ("outcomeid", None),
                    ("gradepass", dec(0, 5)),
                    ("multfactor", dec(1, 5)),
                    ("plusfactor", dec(0, 5)),
                    ("aggregationcoef", dec(0, 5)),
                    ("aggregationcoef2", dec(0, 5)),
                    ("weightoverride", 0),
                    ("sortorder", 1),
                    ("display", 0),
                    ("decimals", None),
                    ("hidden", 0),
                    ("locked", 0),
                    ("locktime", 0),
                    ("needsupdate", 0),
                    ("timecreated", self.epoch),
                    ("timemodified", self.epoch),
                ],
            )
        )
        element("grade_letters", parent=root)
        settings = element("grade_settings", parent=root)
        record("grade_setting", {"id": ""}, [("name", "minmaxtouse"), ("value", 1)], settings)
        return root


def course_members(course: Course, epoch: int) -> list[Member]:
    """Every file of the backup for ``course`` (unsorted; the archive sorts)."""
    return BackupWriter(course, epoch).build()


__all__ = [
    "NULL",
    "BackupWriter",
    "Completion",
    "course_members",
    "course_summary_html",
    "licence_info",
    "resolve_completion",
    "section_summary_html",
    "shows_description",
]

"""What the fake's restore reads from a course backup (.mbz): just enough to build the course.

Independent of lemma's own backup reader (``lemma_pkg.deploy.manifest``), so that the deploy
tests compare two readings of the same archive. Reads ``moodle_backup.xml`` (type, names,
sections and activities), each ``section.xml`` and ``module.xml``, the module's own XML
(resource display, quiz grade and slots), its ``grades.xml`` (pass grade) and ``files.xml``
with the file bodies.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET


class NotABackup(Exception):
    """The bytes are not an archive Moodle's backup packer can open."""


@dataclass
class BackupFile:
    contextid: int
    component: str
    filearea: str
    filepath: str
    filename: str
    content: bytes


@dataclass
class BackupActivity:
    moduleid: int
    sectionid: int
    modname: str
    title: str
    idnumber: str = ""
    visible: int = 1
    completion: int = 0
    completionview: int = 0
    completionpassgrade: int = 0
    contextid: int = 0
    display: int = 0
    grade: float = 10.0
    sumgrades: float = 0.0
    slots: int = 0
    gradepass: float = 0.0


@dataclass
class BackupSection:
    sectionid: int
    number: int
    name: str | None
    summary: str = ""


@dataclass
class Backup:
    type: str = ""
    fullname: str = ""
    shortname: str = ""
    sections: list[BackupSection] = field(default_factory=list)
    activities: list[BackupActivity] = field(default_factory=list)
    files: list[BackupFile] = field(default_factory=list)

    def files_of(self, contextid: int, component: str) -> list[BackupFile]:
        return [
            f
            for f in self.files
            if f.contextid == contextid and f.component == component and f.filename != "."
        ]


def _members(data: bytes) -> dict[str, bytes]:
    if data[:2] == b"\x1f\x8b":
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                return {
                    m.name.lstrip("./"): tar.extractfile(m).read()  # type: ignore[union-attr]
                    for m in tar.getmembers()
                    if m.isfile()
                }
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise NotABackup(str(exc)) from exc
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                return {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
        except zipfile.BadZipFile as exc:
            raise NotABackup(str(exc)) from exc
    raise NotABackup("neither a tar.gz nor a zip archive")


def _text(el: ET.Element | None, tag: str, default: str = "") -> str:
    if el is None:
        return default
    found = el.find(tag)
    if found is None or found.text is None or found.text == "$@NULL@$":
        return default
    return found.text


def read_backup(data: bytes) -> Backup | None:
    """The backup, or ``None`` when the archive opens but holds no Moodle 2 backup."""
    members = _members(data)
    if "moodle_backup.xml" not in members:
        return None
    root = ET.fromstring(members["moodle_backup.xml"])
    info = root.find("information")
    backup = Backup(
        type=_text(info.find("details/detail") if info is not None else None, "type"),
        fullname=_text(info, "original_course_fullname"),
        shortname=_text(info, "original_course_shortname"),
    )
    contents = info.find("contents") if info is not None else None
    for sec in contents.findall("sections/section") if contents is not None else []:
        directory = _text(sec, "directory")
        xml = ET.fromstring(members[f"{directory}/section.xml"])
        name = _text(xml, "name", "") or None
        backup.sections.append(
            BackupSection(
                int(_text(sec, "sectionid")),
                int(_text(xml, "number")),
                name,
                _text(xml, "summary"),
            )
        )
    for act in contents.findall("activities/activity") if contents is not None else []:
        directory = _text(act, "directory")
        module = ET.fromstring(members[f"{directory}/module.xml"])
        modname = _text(act, "modulename")
        own = ET.fromstring(members[f"{directory}/{modname}.xml"])
        body = own.find(modname)
        activity = BackupActivity(
            moduleid=int(_text(act, "moduleid")),
            sectionid=int(_text(act, "sectionid")),
            modname=modname,
            title=_text(act, "title"),
            idnumber=_text(module, "idnumber"),
            visible=int(_text(module, "visible", "1")),
            completion=int(_text(module, "completion", "0")),
            completionview=int(_text(module, "completionview", "0")),
            completionpassgrade=int(_text(module, "completionpassgrade", "0")),
            contextid=int(own.get("contextid", "0")),
        )
        if modname == "resource":
            activity.display = int(_text(body, "display", "0"))
        if modname == "quiz":
            activity.grade = float(_text(body, "grade", "10"))
            activity.sumgrades = float(_text(body, "sumgrades", "0"))
            activity.slots = len(own.findall(".//question_instance"))
            grades = members.get(f"{directory}/grades.xml")
            if grades:
                item = ET.fromstring(grades).find(".//grade_item")
                activity.gradepass = float(_text(item, "gradepass", "0"))
        backup.activities.append(activity)
    files = ET.fromstring(members.get("files.xml", b"<files/>"))
    for f in files.findall("file"):
        chash = _text(f, "contenthash")
        backup.files.append(
            BackupFile(
                contextid=int(_text(f, "contextid", "0")),
                component=_text(f, "component"),
                filearea=_text(f, "filearea"),
                filepath=_text(f, "filepath", "/"),
                filename=_text(f, "filename"),
                content=members.get(f"files/{chash[:2]}/{chash}", b""),
            )
        )
    return backup

"""What a course backup holds that deploy checks on the site afterwards.

:func:`read_manifest` reads any Moodle course backup (lemma's or Moodle's own, tar.gz or zip):
the course's names, every activity with its idnumber, the data sets (files of file activities,
with their sha256) and the file extensions a stock Moodle 4.5 does not know. After a restore,
deploy compares the site's course map with :attr:`BackupManifest.items` (by idnumber) and
downloads every data set to compare its sha256.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from lemma_pkg.errors import LemmaError
from lemma_pkg.mbz.mimetypes import extension, is_known


class ManifestError(LemmaError):
    """The file is not a course backup deploy can read (exit 1)."""


@dataclass(frozen=True)
class BackupItem:
    """One activity of the backup."""

    idnumber: str
    modname: str
    title: str
    section: int


@dataclass(frozen=True)
class DataSet:
    """A file of a file activity (``mod_resource``), as learners download it."""

    idnumber: str  # the activity's
    title: str
    filename: str
    size: int
    sha256: str


@dataclass(frozen=True)
class BackupManifest:
    path: Path
    sha256: str
    size: int
    fullname: str
    shortname: str
    idnumber: str
    items: tuple[BackupItem, ...]
    datasets: tuple[DataSet, ...]
    #: Extensions of files in the backup that Moodle 4.5 does not know (stored as a sniffed
    #: type, e.g. text/plain, unless the site registers them).
    unknown_extensions: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "sha256": self.sha256,
            "size": self.size,
            "fullname": self.fullname,
            "shortname": self.shortname,
            "idnumber": self.idnumber,
            "items": len(self.items),
            "datasets": [d.filename for d in self.datasets],
            "unknown_extensions": list(self.unknown_extensions),
        }


def _members(data: bytes, name: str) -> dict[str, bytes]:
    try:
        if data[:2] == b"\x1f\x8b":
            out: dict[str, bytes] = {}
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                for m in tar.getmembers():
                    fh = tar.extractfile(m) if m.isfile() else None
                    if fh is not None:
                        out[m.name.removeprefix("./")] = fh.read()
            return out
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                return {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ManifestError(
            f"{name}: cannot read the archive: {exc}",
            "is it a complete Moodle backup? `lemma inspect` checks it",
        ) from exc
    raise ManifestError(
        f"{name}: not a Moodle backup (neither tar.gz nor zip)",
        "give a .mbz made by `lemma build` or by Moodle",
    )


def _xml(members: dict[str, bytes], member: str, name: str) -> etree._Element:
    if member not in members:
        raise ManifestError(
            f"{name}: {member} is missing", "`lemma inspect` lists what the backup lacks"
        )
    try:
        return etree.fromstring(members[member], etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise ManifestError(f"{name}: {member}: {exc}", "`lemma inspect` checks the XML") from exc


def _text(el: etree._Element | None, path: str) -> str:
    if el is None:
        return ""
    found = el.find(path)
    text = found.text if found is not None else None
    return "" if text is None or text == "$@NULL@$" else text


def read_manifest(path: Path) -> BackupManifest:
    """Read the backup at ``path`` (raises :class:`ManifestError` when it is not one)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read {path}: {exc.strerror or exc}") from exc
    name = str(path)
    members = _members(data, name)
    root = _xml(members, "moodle_backup.xml", name)
    info = root.find("information")
    if _text(info, "details/detail/type") != "course":
        raise ManifestError(
            f"{name}: not a course backup (type {_text(info, 'details/detail/type') or '?'})",
            "deploy restores whole-course backups",
        )
    course = _xml(members, "course/course.xml", name)
    items: list[BackupItem] = []
    resources: list[tuple[BackupItem, str]] = []
    for act in info.findall("contents/activities/activity") if info is not None else []:
        directory = _text(act, "directory")
        module = _xml(members, f"{directory}/module.xml", name)
        item = BackupItem(
            idnumber=_text(module, "idnumber"),
            modname=_text(act, "modulename"),
            title=_text(act, "title"),
            section=int(_text(module, "sectionnumber") or 0),
        )
        items.append(item)
        if item.modname == "resource":
            own = _xml(members, f"{directory}/resource.xml", name)
            resources.append((item, own.get("contextid", "")))
    files = _xml(members, "files.xml", name) if "files.xml" in members else None
    entries = [f for f in (files.findall("file") if files is not None else [])]
    datasets: list[DataSet] = []
    for item, contextid in resources:
        for f in entries:
            if (
                _text(f, "contextid") != contextid
                or _text(f, "component") != "mod_resource"
                or _text(f, "filearea") != "content"
                or _text(f, "filename") in ("", ".")
            ):
                continue
            chash = _text(f, "contenthash")
            body = members.get(f"files/{chash[:2]}/{chash}", b"")
            datasets.append(
                DataSet(
                    idnumber=item.idnumber,
                    title=item.title,
                    filename=_text(f, "filename"),
                    size=len(body),
                    sha256=hashlib.sha256(body).hexdigest(),
                )
            )
    unknown = sorted(
        {
            extension(fn)
            for fn in (_text(f, "filename") for f in entries)
            if fn not in ("", ".") and extension(fn) and not is_known(fn)
        }
    )
    return BackupManifest(
        path=Path(path),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        fullname=_text(course, "fullname") or _text(info, "original_course_fullname"),
        shortname=_text(course, "shortname") or _text(info, "original_course_shortname"),
        idnumber=_text(course, "idnumber"),
        items=tuple(items),
        datasets=tuple(datasets),
        unknown_extensions=tuple(unknown),
    )

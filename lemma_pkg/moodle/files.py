"""Files: ``core_files_get_files`` and (re-exported) ``webservice/upload.php``."""

from __future__ import annotations

from typing import TypedDict, cast

from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.upload import DraftFile, FilePart, UploadResult, upload_files

__all__ = ["DraftFile", "FilePart", "StoredFile", "UploadResult", "get_draft_files", "upload_files"]


class StoredFile(TypedDict, total=False):
    contextid: int
    component: str
    filearea: str
    itemid: int
    filepath: str
    filename: str
    isdir: bool
    url: str
    filesize: int
    timemodified: int


def get_draft_files(
    client: MoodleClient, contextid: int, itemid: int, filepath: str = "/"
) -> list[StoredFile]:
    """``core_files_get_files`` for a draft area (``contextid`` of the token user's context,
    as the upload answer gives it)."""
    data = client.call(
        "core_files_get_files",
        {
            "contextid": contextid,
            "component": "user",
            "filearea": "draft",
            "itemid": itemid,
            "filepath": filepath,
            "filename": "",
        },
    )
    return cast(list[StoredFile], (data or {}).get("files", []))

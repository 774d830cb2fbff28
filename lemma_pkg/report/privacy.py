"""Study keys and pseudonyms.

A learner appears in row-level exports only as ``HMAC-SHA256(key, site URL + "\\n" + user
id)``, truncated to :data:`PSEUDONYM_HEX` hex digits (80 bits). The key is one per study,
read from a file (``--key-file``, which must not be readable by group or others) or from
``$LEMMA_STUDY_KEY``; it is never written anywhere. Another key gives unlinkable pseudonyms.
The manifest carries :attr:`StudyKey.key_id`, a keyed hash that tells two exports made with
the same key apart from others without revealing anything about the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lemma_pkg.errors import ConfigError, UsageError

KEY_ENV = "LEMMA_STUDY_KEY"
MIN_KEY_LENGTH = 32
PSEUDONYM_HEX = 20


class StudyKeyError(ConfigError):
    """The study key is missing, weak or exposed (exit 3)."""


@dataclass(frozen=True)
class StudyKey:
    secret: bytes = field(repr=False)
    #: Where it came from ("file ~/study.key", "$LEMMA_STUDY_KEY"), for messages.
    source: str = ""

    def __repr__(self) -> str:
        return f"StudyKey(source={self.source!r}, id={self.key_id})"

    def pseudonym(self, site_url: str, userid: int) -> str:
        msg = f"{site_url.rstrip('/')}\n{userid}".encode()
        return hmac.new(self.secret, msg, hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]

    @property
    def key_id(self) -> str:
        """A keyed hash identifying the key (not the key, nor derivable into it)."""
        return hmac.new(self.secret, b"lemma study key id", hashlib.sha256).hexdigest()[:16]


def _check(secret: bytes, source: str) -> StudyKey:
    if len(secret) < MIN_KEY_LENGTH:
        raise StudyKeyError(
            f"the study key from {source} is too short ({len(secret)} characters, at least "
            f"{MIN_KEY_LENGTH})",
            "make a new key with `lemma report keygen FILE` (64 random hex digits)",
        )
    return StudyKey(secret, source)


def load_study_key(
    key_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> StudyKey | None:
    """The study key from ``key_file`` or ``$LEMMA_STUDY_KEY`` (the file wins); None when
    neither is given. A key file readable by group or others is refused."""
    env = os.environ if environ is None else environ
    if key_file is not None:
        try:
            st = key_file.stat()
        except OSError as exc:
            raise StudyKeyError(
                f"cannot read the key file {key_file}: {exc.strerror}",
                "give the path of the study's key file (make one with `lemma report keygen`)",
            ) from exc
        if stat.S_IMODE(st.st_mode) & 0o077:
            raise StudyKeyError(
                f"the key file {key_file} is readable by others "
                f"(mode {stat.S_IMODE(st.st_mode):04o})",
                f"chmod 600 {key_file}; if others may have read it, make a new key",
            )
        secret = key_file.read_bytes().strip()
        return _check(secret, f"file {key_file}")
    value = env.get(KEY_ENV, "").strip()
    if value:
        return _check(value.encode("utf-8"), f"${KEY_ENV}")
    return None


def require_study_key(key: StudyKey | None) -> StudyKey:
    if key is None:
        raise StudyKeyError(
            "row-level (restricted) exports need the study key, and none was given",
            f"pass --key-file FILE or set {KEY_ENV}; make a key once per study with "
            "`lemma report keygen FILE` and keep it away from the data",
        )
    return key


def write_new_key(path: Path) -> None:
    """Create ``path`` (0600) with 32 random bytes as 64 hex digits; never overwrite."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise UsageError(
            f"{path} exists: a study keeps its key",
            "choose another file name (a new key makes new, unlinkable pseudonyms)",
        ) from exc
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")

"""webservice/upload.php through the client, against the fake Moodle."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from lemma_pkg.moodle import errors as E
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.retry import RetryPolicy
from lemma_pkg.moodle.upload import FilePart, MultipartBody, upload_files
from tests.fake_moodle import FakeMoodle

FAST = RetryPolicy(attempts=3, backoff=0.001, max_backoff=0.002)


def client_for(fake: FakeMoodle, token: str | None = None) -> MoodleClient:
    return MoodleClient(fake.url, token or fake.admin_token, allow_insecure_http=True, retry=FAST)


def test_multipart_body_streams_with_a_length(tmp_path: Path) -> None:
    f = tmp_path / "a.bin"
    f.write_bytes(b"x" * 200_000)
    seen: list[tuple[int, int]] = []
    body = MultipartBody(
        [("token", "t")], [FilePart.from_path(f)], lambda s, t: seen.append((s, t))
    )
    data = b""
    while chunk := body.read(8192):
        data += chunk
    assert len(data) == len(body)
    assert b'name="file_1"; filename="a.bin"' in data
    assert seen[-1] == (len(body), len(body))
    assert [s for s, _ in seen] == sorted(s for s, _ in seen)


def test_upload_two_files_into_one_draft_area(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    a = tmp_path / "course.mbz"
    a.write_bytes(b"\x1f\x8b" + b"0" * 70_000)
    progress: list[int] = []
    with client_for(fake_moodle) as client:
        result = upload_files(
            client,
            [a, FilePart("notes.txt", data=b"hello", content_type="text/plain")],
            filepath="/data/",
            progress=lambda sent, total: progress.append(sent),
        )
    assert [f.filename for f in result.files] == ["course.mbz", "notes.txt"]
    assert result.itemid is not None and result.itemid > 0
    assert {f.itemid for f in result.files} == {result.itemid}
    assert result.files[0].filesize == a.stat().st_size
    assert result.files[0].userid == 2  # a string on the wire
    assert result.files[0].filepath == "/data/"
    assert progress and progress[-1] > a.stat().st_size
    req = fake_moodle.requests[-1]
    assert req.path == "/webservice/upload.php"
    assert ("token", fake_moodle.admin_token) in req.fields


def test_same_name_again_is_rejected(fake_moodle: FakeMoodle) -> None:
    with client_for(fake_moodle) as client:
        first = upload_files(client, [FilePart("n.txt", data=b"1")])
        assert first.itemid is not None
        with pytest.raises(E.UploadError) as info:
            upload_files(client, [FilePart("n.txt", data=b"2")], itemid=first.itemid)
        again = upload_files(
            client, [FilePart("n.txt", data=b"2")], itemid=first.itemid, strict=False
        )
    assert "n.txt (filenameexist)" in info.value.message
    assert again.rejected[0].errortype == "filenameexist"


def test_oversized_file(fake_moodle: FakeMoodle) -> None:
    fake_moodle.state.config.maxbytes = 1024
    with client_for(fake_moodle) as client, pytest.raises(E.UploadError) as info:
        upload_files(client, [FilePart("big.bin", data=b"0" * 4096)])
    assert "fileoversized" in info.value.message
    assert "Maximum uploaded file size" in (info.value.hint or "")


def test_body_over_post_max_size(fake_moodle: FakeMoodle) -> None:
    fake_moodle.state.config.post_max_size = 10_000
    with client_for(fake_moodle) as client, pytest.raises(E.RequestTooLargeError) as info:
        upload_files(client, [FilePart("huge.bin", data=b"0" * 20_000)])
    assert "post_max_size" in (info.value.hint or "")


def test_upload_not_allowed_for_the_service(fake_moodle: FakeMoodle) -> None:
    token = fake_moodle.issue_token("admin", uploadfiles=False)
    with client_for(fake_moodle, token) as client, pytest.raises(E.AccessControlError) as info:
        upload_files(client, [FilePart("a.txt", data=b"a")])
    assert "Can upload files" in (info.value.hint or "")


def test_invalid_token_on_upload(fake_moodle: FakeMoodle) -> None:
    with client_for(fake_moodle, "0" * 32) as client, pytest.raises(E.InvalidTokenError):
        upload_files(client, [FilePart("a.txt", data=b"a")])


def test_new_draft_upload_is_retried_after_a_reset(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.reset_connection(count=1, endpoint="upload")
    with client_for(fake_moodle) as client:
        result = upload_files(client, [FilePart("a.txt", data=b"abc")])
        assert client.requests_sent == 2
    assert result.files[0].filesize == 3


def test_upload_into_an_existing_draft_is_not_resent(fake_moodle: FakeMoodle) -> None:
    with client_for(fake_moodle) as client:
        first = upload_files(client, [FilePart("a.txt", data=b"abc")])
        assert first.itemid is not None
        fake_moodle.faults.reset_connection(count=1, endpoint="upload")
        with pytest.raises(E.OutcomeUnknownError):
            upload_files(client, [FilePart("b.txt", data=b"abc")], itemid=first.itemid)


def test_missing_file_is_reported_before_sending(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    with client_for(fake_moodle) as client:
        with pytest.raises(E.UploadError) as info:
            upload_files(client, [tmp_path / "nope.mbz"])
        assert client.requests_sent == 0
    assert "no such file" in info.value.message


@pytest.mark.parametrize("fault", ["reset", "502"])
def test_upload_retry_log_names_the_endpoint_once(
    fake_moodle: FakeMoodle, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    if fault == "reset":
        fake_moodle.faults.reset_connection(count=1, endpoint="upload")
    else:
        fake_moodle.faults.http_error(502, count=1, endpoint="upload")
    with caplog.at_level(logging.WARNING, logger="lemma"), client_for(fake_moodle) as client:
        upload_files(client, [FilePart("a.txt", data=b"abc")])
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(retries) == 1
    assert retries[0].count("webservice/upload.php") == 1, retries[0]


@pytest.mark.parametrize("filepath", ["backups/", "/backups", ""])
def test_bad_draft_folder_is_refused_before_sending(fake_moodle: FakeMoodle, filepath: str) -> None:
    with client_for(fake_moodle) as client:
        with pytest.raises(E.UploadError) as info:
            upload_files(client, [FilePart("a.txt", data=b"a")], filepath=filepath)
        assert client.requests_sent == 0
    assert "must start and end with '/'" in info.value.message


def test_file_without_a_name_is_refused_before_sending(fake_moodle: FakeMoodle) -> None:
    with client_for(fake_moodle) as client:
        with pytest.raises(E.UploadError):
            upload_files(client, [FilePart("", data=b"a")])
        assert client.requests_sent == 0

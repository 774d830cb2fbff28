"""Moodle exceptions as the fake raises them.

Every error a web-service function can raise is a :class:`MoodleError` carrying the PHP
exception class (as Moodle names it in the JSON body), the errorcode, the message and an
optional debuginfo. The REST layer turns it into ``{exception, errorcode, message[, debuginfo]}``
and upload.php into the AJAX shape ``{error, errorcode, stacktrace, debuginfo, reproductionlink}``.
"""

from __future__ import annotations

INVALID_PARAMETER_MESSAGE = "Invalid parameter value detected"


class MoodleError(Exception):
    """A Moodle exception: ``exception`` is the PHP class name as it appears on the wire."""

    def __init__(
        self,
        exception: str,
        errorcode: str,
        message: str,
        debuginfo: str | None = None,
    ) -> None:
        super().__init__(message)
        self.exception = exception
        self.errorcode = errorcode
        self.message = message
        self.debuginfo = debuginfo

    def to_json(self, debug: bool) -> dict[str, object]:
        body: dict[str, object] = {
            "exception": self.exception,
            "errorcode": self.errorcode,
            "message": self.message,
        }
        if debug and self.debuginfo is not None:
            body["debuginfo"] = self.debuginfo
        return body


def moodle_exception(errorcode: str, message: str, debuginfo: str | None = None) -> MoodleError:
    return MoodleError("core\\exception\\moodle_exception", errorcode, message, debuginfo)


def invalid_parameter(debuginfo: str = "") -> MoodleError:
    """``invalid_parameter_exception``: the message is always generic, the detail is debuginfo."""
    return MoodleError(
        "core\\exception\\invalid_parameter_exception",
        "invalidparameter",
        INVALID_PARAMETER_MESSAGE,
        debuginfo,
    )


def missing_record(table: str, debuginfo: str | None = None) -> MoodleError:
    return MoodleError(
        "dml_missing_record_exception",
        "invalidrecord",
        f"Can't find data record in database table {table}.",
        debuginfo,
    )


def invalid_user() -> MoodleError:
    return MoodleError("dml_missing_record_exception", "invaliduser", "Invalid user", None)


def access_exception(debuginfo: str) -> MoodleError:
    return MoodleError(
        "webservice_access_exception", "accessexception", "Access control exception", debuginfo
    )


def required_capability(capname: str, capability: str) -> MoodleError:
    return MoodleError(
        "core\\exception\\required_capability_exception",
        "nopermissions",
        f"Sorry, but you do not currently have permissions to do that ({capname}).",
        f"{capability}",
    )


def coding_error(detail: str) -> MoodleError:
    return MoodleError(
        "core\\exception\\coding_exception",
        "codingerror",
        f"Coding error detected, it must be fixed by a programmer: {detail}",
        None,
    )


def invalid_token() -> MoodleError:
    return moodle_exception("invalidtoken", "Invalid token - token not found")


def format_not_supported(value: object) -> MoodleError:
    """``core_external\\util::validate_format``: the language string is missing in 4.5.6, so the
    message is ``webservice/formatnotsupported``."""
    return moodle_exception(
        "formatnotsupported",
        "webservice/formatnotsupported",
        f"The format with value={value} is not supported by this Moodle site",
    )


def dml_write_error(detail: str) -> MoodleError:
    """``dml_write_exception``: the database refused the row (a value longer than its column)."""
    return MoodleError(
        "dml_write_exception", "dmlwriteexception", "Error writing to database", detail
    )

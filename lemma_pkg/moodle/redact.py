"""Keeping the web-service token out of logs, traces, reprs, exceptions and files.

The token travels as a :class:`Token`, whose ``str()`` and ``repr()`` are masked; only
:meth:`Token.reveal` gives the value, and only the client calls it, to put the token in a
request body. :func:`redact` scrubs any text (server answers, tracebacks) of known secrets.
"""

from __future__ import annotations

from collections.abc import Iterable

MASK = "****"


def mask(secret: str) -> str:
    """``****abcd``: the last four characters only, and only when the secret is long enough
    that they give nothing away (at least 12 characters); otherwise just ``****``."""
    if len(secret) >= 12:
        return MASK + secret[-4:]
    return MASK


class Token:
    """A web-service token. Masked in ``str``/``repr``/``format``; compare with ``==``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        value = value.strip()
        if not value:
            raise ValueError("empty token")
        self._value = value

    def reveal(self) -> str:
        """The real value: only for putting it in a request body."""
        return self._value

    @property
    def masked(self) -> str:
        return mask(self._value)

    def __repr__(self) -> str:
        return f"Token({self.masked!r})"

    def __str__(self) -> str:
        return self.masked

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Token", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Token cannot be pickled")


def redact(text: str, secrets: Iterable[str | Token]) -> str:
    """``text`` with every occurrence of each secret replaced by its mask."""
    for secret in secrets:
        value = secret.reveal() if isinstance(secret, Token) else secret
        if value:
            text = text.replace(value, mask(value))
    return text

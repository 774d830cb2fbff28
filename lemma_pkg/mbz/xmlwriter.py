"""XML for Moodle backups, written with lxml (escaping by construction).

Moodle's restore reads every file with expat (notes §1.3): record elements carry their id as
an attribute, fields are child elements, ``$@NULL@$`` is SQL NULL and an empty element is
the empty string. ``moodle_backup.xml`` is recognised only if its first bytes are literally
``<?xml version="1.0" encoding="UTF-8"?>`` (double quotes), which lxml never writes, so the
declaration is written here by hand for every file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

NULL = "$@NULL@$"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# Characters XML 1.0 forbids (Moodle's writer strips them too: xml_writer::xml_safe_utf8).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Value = str | int | float | bool | None


def clean_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry."""
    return _ILLEGAL_XML.sub("", text)


def dec(value: float, places: int) -> str:
    """A decimal as Moodle's database returns it: ``1.0000000``, ``10.00000``."""
    q = Decimal(1).scaleb(-places)
    d = Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP)
    if d.is_zero():
        d = abs(d)
    return f"{d:.{places}f}"


def php_float(value: float) -> str:
    """``(string) $float`` in PHP 8 (precision 14): ``0.005``, ``2``, ``1.0E-5``, ``1.0E+25``."""
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.14G}"
    if "E" not in text:
        return text
    mantissa, exponent = text.split("E")
    if "." not in mantissa:
        mantissa += ".0"
    exp = int(exponent)
    return f"{mantissa}E{'+' if exp >= 0 else '-'}{abs(exp)}"


def text_of(value: Value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return php_float(value)
    return clean_text(value)


def element(
    tag: str, attrs: Mapping[str, Value] | None = None, parent: etree._Element | None = None
) -> etree._Element:
    """A (record or container) element, appended to ``parent`` when given."""
    attrib = {k: text_of(v) for k, v in (attrs or {}).items()}
    if parent is None:
        return etree.Element(tag, attrib)
    return etree.SubElement(parent, tag, attrib)


def fields(parent: etree._Element, values: Iterable[tuple[str, Value]]) -> etree._Element:
    """Append one leaf element per ``(name, value)`` to ``parent``; returns ``parent``."""
    for name, value in values:
        leaf = etree.SubElement(parent, name)
        leaf.text = text_of(value)
    return parent


def record(
    tag: str,
    attrs: Mapping[str, Value] | None,
    values: Iterable[tuple[str, Value]],
    parent: etree._Element | None = None,
) -> etree._Element:
    """An element with attributes and leaf fields."""
    return fields(element(tag, attrs, parent), values)


def to_bytes(root: etree._Element) -> bytes:
    """The file's bytes: the literal declaration, then the tree (UTF-8, indented)."""
    return DECLARATION + etree.tostring(
        root, encoding="UTF-8", xml_declaration=False, pretty_print=True
    )


def empty_file(*path: str) -> bytes:
    """A file holding only nested empty containers, e.g. ``("filters", "filter_actives")``.

    Siblings are separated by ``|``: ``("filters", "filter_actives|filter_configs")``.
    """
    root = element(path[0])
    parent = root
    for level in path[1:]:
        names = level.split("|")
        children = [element(name, parent=parent) for name in names]
        parent = children[-1]
    return to_bytes(root)

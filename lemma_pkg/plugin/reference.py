"""The contract as Markdown, for docs/companion-plugin.md (between its contract markers)."""

from __future__ import annotations

import json

from lemma_pkg.cli.reference import replace_block
from lemma_pkg.plugin.contract import VALUE_DEFAULT, VALUE_OPTIONAL, Node, load_contract

START = "<!-- contract:start -->"
END = "<!-- contract:end -->"


def _flag(node: Node) -> str:
    if node.required == VALUE_DEFAULT:
        return f" = {json.dumps(node.default)}"
    if node.required == VALUE_OPTIONAL:
        return " (optional)"
    return ""


def _lines(name: str, node: Node, depth: int) -> list[str]:
    pad = "  " * depth
    desc = f": {node.desc}" if node.desc else ""
    if node.kind == "value":
        return [f"{pad}- `{name}` {node.type}{_flag(node)}{desc}"]
    if node.kind == "single":
        out = [f"{pad}- `{name}` object{_flag(node)}{desc}"]
        for k, v in node.keys.items():
            out += _lines(k, v, depth + 1)
        return out
    assert node.content is not None
    inner = _lines(f"{name}[]", node.content, depth + 1)
    return [f"{pad}- `{name}` list{_flag(node)}{desc}", *inner]


def contract_markdown() -> str:
    out: list[str] = []
    for fn in load_contract().values():
        out += [
            f"### `{fn.name}` ({fn.type})",
            "",
            fn.description,
            "",
            f"Capabilities: {', '.join(f'`{c}`' for c in fn.capabilities) or 'none'}.",
            "",
            "Parameters:",
            "",
        ]
        for k, v in fn.parameters.items():
            out += _lines(k, v, 0)
        out += ["", "Returns:", ""]
        if fn.returns is None:
            out.append("- nothing (null)")
        elif fn.returns.kind == "single":
            for k, v in fn.returns.keys.items():
                out += _lines(k, v, 0)
        else:
            out += _lines("(result)", fn.returns, 0)
        out.append("")
    return "\n".join(out)


def update_doc(text: str) -> str:
    return replace_block(text, contract_markdown(), START, END)

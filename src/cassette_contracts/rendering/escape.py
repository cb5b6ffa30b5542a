"""The escapes every renderer uses: one copy each.

Markdown: a table cell (``|`` escaped, one line) and inline code in a cell.
GitHub workflow commands: the message (``data``) and the ``file=``/``title=`` properties, as
the runner's toolkit escapes them, and :func:`gh_command` that puts them together.
Markdown sections: :func:`md_sections`, the ``#### Title`` lists under a report's table.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["gh_command", "gh_data", "gh_property", "md_cell", "md_code", "md_sections"]


def md_cell(text: str) -> str:
    """``text`` safe inside a markdown table cell: pipes escaped, one line."""
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def md_code(text: str) -> str:
    """``text`` as inline code in a table cell; text holding a backtick stays plain."""
    return md_cell(text) if "`" in text else f"`{md_cell(text)}`"


def md_sections(sections: Iterable[tuple[str, list[str]]]) -> list[str]:
    """Markdown lines of each ``(title, lines)`` that has lines: a ``#### title`` heading, then
    its lines (already list items); a section with no lines is left out."""
    out: list[str] = []
    for title, lines in sections:
        if lines:
            out += ["", f"#### {title}", "", *lines]
    return out


def gh_data(text: str) -> str:
    """The message of a GitHub workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(text: str) -> str:
    """A property value (``file=``, ``title=``) of a GitHub workflow command."""
    return gh_data(text).replace(":", "%3A").replace(",", "%2C")


def gh_command(
    kind: str, message: str, *, title: str, file: str | None = None, line: int | None = None
) -> str:
    """``::error file=...,line=...,title=...::message`` (``kind``: error, warning, notice)."""
    properties = []
    if file:
        properties.append(f"file={gh_property(file)}")
        if line:
            properties.append(f"line={line}")
    properties.append(f"title={gh_property(title)}")
    return f"::{kind} {','.join(properties)}::{gh_data(message)}"

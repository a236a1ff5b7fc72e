"""The body of a message about a meeting, written once and printed twice: as plain text
and as HTML (jinja2, autoescaped, inline styles and tables, which is what Outlook and
Gmail both render).

Every sentence arrives here already in the reader's language; this module only lays
them out (with "Label: value", which French writes "Label : value").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, Template, select_autoescape

from voiceapp.scheduling.dial_in import DialInBlock, block_text
from voiceapp.scheduling.wording import labelled

TEMPLATE_DIR = Path(__file__).resolve().parent / "mail_templates"


@dataclass(frozen=True)
class Section:
    """A heading over a few lines (what changed; who was invited)."""

    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class MailBody:
    language: str
    title: str
    intro: str
    # (label, value) rows: when, how long, how it repeats, who organizes.
    facts: tuple[tuple[str, str], ...] = ()
    # Shown above the facts, e.g. what an update changed.
    before_facts: Section | None = None
    # Shown after them, e.g. who was invited.
    after_facts: Section | None = None
    details: Section | None = None
    dial_in: DialInBlock | None = None
    footer: str = ""


def render_text(body: MailBody) -> str:
    out = [body.title, "", body.intro, ""]
    if body.before_facts:
        out += _section_text(body.before_facts)
    out += [labelled(label, value, body.language) for label, value in body.facts]
    if body.facts:
        out.append("")
    for section in (body.after_facts, body.details):
        if section:
            out += _section_text(section)
    if body.dial_in:
        out += [block_text(body.dial_in), ""]
    if body.footer:
        out += ["--", body.footer]
    return "\n".join(out).rstrip() + "\n"


def _section_text(section: Section) -> list[str]:
    return [section.heading, *section.lines, ""]


def render_html(body: MailBody) -> str:
    return _template().render(body=body)


@cache
def _template() -> Template:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("message.html")

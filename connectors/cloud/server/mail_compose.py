"""E-mail bodies: subject, plain text and HTML rendered from ``templates/email``.

HTML templates autoescape (an observation typed as ``<script>`` arrives as text); plain-text
templates do not escape, since nothing interprets them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from connectors.cloud.server import formatting

EMAIL_TEMPLATES = Path(__file__).with_name("web") / "templates" / "email"


@dataclass(frozen=True, slots=True)
class ComposedMail:
    """One message ready for the outbox."""

    subject: str
    text: str
    html: str


class MailComposer:
    """Renders ``<name>.txt`` and ``<name>.html`` with a subject given by the caller."""

    def __init__(self, directory: Path = EMAIL_TEMPLATES) -> None:
        self._env = Environment(
            loader=FileSystemLoader(str(directory)),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self._env.filters["money"] = formatting.format_money
        self._env.filters["qty"] = formatting.format_quantity
        self._env.filters["percent"] = formatting.format_percent
        self._env.filters["fdate"] = formatting.format_date
        self._env.filters["fdatetime"] = formatting.format_datetime
        self._env.filters["tango_number"] = formatting.format_tango_number

    def compose(self, template: str, subject: str, /, **context: Any) -> ComposedMail:
        """Render template pair ``template`` with ``context``; the subject is kept on one line."""
        context = {"subject": subject, **context}
        return ComposedMail(
            subject=" ".join(subject.split())[:250],
            text=self._env.get_template(f"{template}.txt").render(context),
            html=self._env.get_template(f"{template}.html").render(context),
        )

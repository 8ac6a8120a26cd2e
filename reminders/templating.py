"""Message text from Django templates: `<app>/templates/<app>/email/<name>.txt` (and `.../sms/`).

Plain text, so no HTML autoescaping (a practice called "Smith & Jones" stays "Smith & Jones"); the i18n tags
are built in (`{% translate %}`, `{% blocktranslate %}`) and the language is the one active when rendering
(each handler renders inside `translation.override(<the recipient's language>)`). A template's text is the
message's text exactly: every newline in the file is a newline in the message, so control tags sit inside a
line, never on a line of their own.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.template import Context, Engine


@cache
def _engine() -> Engine:
    # Built on first use (the app-directories loader reads the installed apps), separate from the pages' engine
    # so that the pages keep HTML autoescaping.
    return Engine(app_dirs=True, autoescape=False, builtins=["django.templatetags.i18n"])


def render_text(template_name: str, context: dict[str, Any]) -> str:
    return (
        _engine().get_template(template_name).render(Context(context, autoescape=False))
    )  # Context escapes by default


def render_line(template_name: str, context: dict[str, Any]) -> str:
    """A one-line template (an email's subject, a text message): its text without the file's final newline."""
    text = render_text(template_name, context)
    return text[:-1] if text.endswith("\n") else text

"""The translation catalogs as the tests read them: each language's .po file, and every
message `pybabel extract` finds through babel.cfg (the mapping the README's extract
command uses), with the file it was found in."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from voiceapp.core.i18n import catalog_path

ROOT = Path(__file__).resolve().parent.parent

# A message as extracted: a sentence, or (singular, plural).
MessageId = str | tuple[str, str]

# Messages whose translation is rightly the English word itself, with the reason. Keep this
# short: each entry is a place where an untranslated string could hide. Read by the
# catalog check (test_i18n) and the check of the rendered pages (admin/test_visible_text).
SAME_IN_TRANSLATION: dict[str, dict[str, str]] = {
    "fr": {
        "Destination": "the same word in French (where a number's calls go)",
        "Pages": "the same word in French (the history's pager)",
    },
    "es": {},
}


@dataclass(frozen=True)
class Extracted:
    path: str  # where it was found, from the project root ("voiceapp/bridge.py")
    message: MessageId


def read_catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=language)


@cache
def extracted() -> tuple[Extracted, ...]:
    with (ROOT / "babel.cfg").open() as mapping_file:
        method_map, options_map = parse_mapping_cfg(mapping_file)
    return tuple(
        Extracted(path, message if isinstance(message, str) else (message[0], message[1]))
        for path, _, message, _, _ in extract_from_dir(ROOT, method_map, options_map)
    )

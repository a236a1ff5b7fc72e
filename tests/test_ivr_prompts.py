"""The prompt catalog and its translations: complete, really translated, plural forms,
placeholders, and the voices prompts are said with."""

from __future__ import annotations

import pytest

from voiceapp.core import i18n
from voiceapp.core.models import Language
from voiceapp.core.settings import SettingsError, load_settings
from voiceapp.ivr_prompts import PROMPTS, Speaker, text, utterance
from voiceapp.ivr_prompts.catalog import PLACEHOLDERS
from voiceapp.ivr_prompts.clips import PLACEHOLDER, Clip, catalog_clips, line_clips
from voiceapp.ivr_prompts.voices import espeak_voice

from .catalogs import extracted, read_catalog

TRANSLATED = [Language.FR, Language.ES]


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("key", sorted(PROMPTS))
def test_every_prompt_is_translated_and_differs_from_english(key: str, language: Language) -> None:
    # babel falls back to the English msgid when a translation is missing: catch that here.
    prompt = PROMPTS[key]
    if prompt.plural is None:
        translated = i18n.gettext(language.value, prompt.text)
        assert translated.strip()
        assert translated != prompt.text
    else:
        one = i18n.ngettext(language.value, prompt.text, prompt.plural, 1)
        many = i18n.ngettext(language.value, prompt.text, prompt.plural, 5)
        assert one.strip() and many.strip()
        assert one != prompt.text
        assert many != prompt.plural
        assert one != many


def test_participant_count_uses_each_languages_plural_forms() -> None:
    assert text("participants", Language.FR, {"count": 1}) == (
        "Il y a déjà 1 participant dans la conférence."
    )
    assert text("participants", Language.FR, {"count": 3}) == (
        "Il y a déjà 3 participants dans la conférence."
    )
    # Spanish says "un participante", never "1 participantes" (or "uno participante").
    assert text("participants", Language.ES, {"count": 1}) == (
        "Ya hay un participante en la conferencia."
    )
    assert text("participants", Language.ES, {"count": 2}) == (
        "Ya hay 2 participantes en la conferencia."
    )


@pytest.mark.parametrize(
    ("count", "said"),
    [
        (21, "veintiún"),
        (31, "treinta y un"),
        (101, "ciento un"),
        (121, "ciento veintiún"),
        (241, "doscientos cuarenta y un"),
        (11, "11"),  # "once": nothing to shorten
        (111, "111"),
        (22, "22"),
    ],
)
def test_spanish_counts_ending_in_one_agree_with_participantes(count: int, said: str) -> None:
    # A speaker says "veintiún participantes"; espeak-ng reads "21" as "veintiuno".
    assert text("participants", Language.ES, {"count": count}) == (
        f"Ya hay {said} participantes en la conferencia."
    )
    clips = line_clips("participants", Language.ES, {"count": count}, numbers=250)
    assert clips is not None
    assert [clip.text for clip in clips if clip.name == f"number-{count}"] == [said]
    assert Clip(f"number-{count}", said) in catalog_clips(Language.ES, numbers=250)


def test_the_digit_one_stays_uno_and_french_counts_stay_digits() -> None:
    clips = line_clips("joining", Language.ES, {"conference_id": "21"}, numbers=250)
    assert clips is not None
    assert [(clip.name, clip.text) for clip in clips[1:]] == [("number-2", "2"), ("number-1", "1")]
    assert text("participants", Language.FR, {"count": 21}) == (
        "Il y a déjà 21 participants dans la conférence."  # espeak-ng: "vingt et un"
    )


def test_conference_ids_are_spoken_digit_by_digit() -> None:
    assert text("joining", Language.FR, {"conference_id": "1234"}) == (
        "Vous allez rejoindre la conférence 1 2 3 4."
    )
    clips = line_clips("joining", Language.ES, {"conference_id": "905"}, numbers=250)
    assert clips is not None
    assert [clip.name for clip in clips] == ["joining.1", "number-9", "number-0", "number-5"]
    assert clips[0].text == "Le estamos conectando a la conferencia"


def test_count_outside_the_rendered_numbers_has_no_clips() -> None:
    assert line_clips("participants", Language.FR, {"count": 300}, numbers=250) is None
    clips = line_clips("participants", Language.FR, {"count": 42}, numbers=250)
    assert clips is not None
    assert [clip.name for clip in clips] == ["participants.1.1", "number-42", "participants.1.2"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_placeholder_in_the_catalogs_is_declared(language: Language) -> None:
    for prompt in PROMPTS.values():
        for source in filter(None, (prompt.text, prompt.plural)):
            assert set(PLACEHOLDER.findall(source)) <= set(PLACEHOLDERS)


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_clips_cover_every_prompt_and_digit(language: Language) -> None:
    names = {clip.name for clip in catalog_clips(language, numbers=250)}
    assert {"greeting", "language_offer", "number-0", "number-9", "number-249"} <= names
    assert "number-250" not in names
    # Spanish singular has no number in it, so it is one whole clip; French cuts around it.
    if language is Language.ES:
        assert "participants.0" in names
    else:
        assert {"participants.0.1", "participants.0.2"} <= names


@pytest.mark.parametrize("language", ["fr", "es"])
def test_catalog_translates_every_extracted_message(language: str) -> None:
    catalog = read_catalog(language)
    messages = {found.message for found in extracted()}
    assert PROMPTS["greeting"].text in messages  # the mapping finds the prompt markers
    for message_id in messages:
        message = catalog.get(message_id if isinstance(message_id, str) else message_id[0])
        assert message is not None, f"{message_id!r} missing from the {language} catalog"
        assert not message.fuzzy, f"{message_id!r} is fuzzy in the {language} catalog"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{message_id!r} is untranslated in the {language} catalog"
    assert [error for _, errors in catalog.check() for error in errors] == []


def test_language_offer_is_said_in_the_other_language_with_its_voice() -> None:
    settings = load_settings({"VOICEAPP_MEDIA_MODE": "say"})
    heard = utterance("language_offer", Language.ES, {}, Speaker(settings))
    assert heard.text == "Para continuar en español, marque la tecla asterisco."
    assert heard.locale == "es-ES"


def test_say_locale_and_voice_come_from_settings_and_the_number() -> None:
    settings = load_settings(
        {
            "VOICEAPP_MEDIA_MODE": "say",
            "VOICEAPP_SAY_LOCALE_FR": "fr-CA",
            "VOICEAPP_SAY_VOICES": "fr-CA=Polly.Chantal, es-MX=Polly.Mia",
        }
    )
    assert utterance("goodbye", Language.FR, {}, Speaker(settings)).locale == "fr-CA"
    mexican = utterance("goodbye", Language.ES, {}, Speaker(settings, accent="es-MX"))
    assert (mexican.locale, mexican.voice) == ("es-MX", "Polly.Mia")
    # The number's es-MX does not apply once the caller switched to French.
    french = utterance("goodbye", Language.FR, {}, Speaker(settings, accent="es-MX"))
    assert (french.locale, french.voice) == ("fr-CA", "Polly.Chantal")
    default = utterance("goodbye", Language.ES, {}, Speaker(settings))
    assert (default.locale, default.voice) == ("es-ES", None)


@pytest.mark.parametrize(
    "env",
    [
        {"VOICEAPP_SAY_LOCALE_FR": "es-MX"},
        {"VOICEAPP_SAY_LOCALE_ES": "spanish"},
        {"VOICEAPP_SAY_VOICES": "fr-FR"},
        {"VOICEAPP_SAY_VOICES": "xx-YY=Voice"},
    ],
)
def test_bad_voice_settings_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="VOICEAPP_SAY"):
        load_settings(env)


def test_espeak_voice_for_each_locale() -> None:
    assert espeak_voice("fr-FR") == "fr-fr"
    assert espeak_voice("fr-CA") == "fr-fr"
    assert espeak_voice("fr-BE") == "fr-be"
    assert espeak_voice("es-ES") == "es"
    assert espeak_voice("es-MX") == "es-419"
    assert espeak_voice("es-CO") == "es-419"

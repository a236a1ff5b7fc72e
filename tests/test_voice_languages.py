"""French and Spanish calls through the carrier emulator, in each media mode: what the
caller hears, in which language and voice, the language switch, the hold music, and every
<Play> URL fetched back from the app as 8 kHz mono audio."""

from __future__ import annotations

import io
import json
import shutil
import wave
from pathlib import Path

import pytest

from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.emulator.call import EmulatedCall
from voiceapp.media import manifest
from voiceapp.switchboard import numbers

from .conftest import ES_NUMBER, FR_NUMBER, PUBLIC_URL, make_settings
from .twiml import parse

SAY = {"mode": "say"}
PLAY = {"mode": "play"}


@pytest.fixture
def settings(
    request: pytest.FixtureRequest, migrated_database_url: str, rendered_media: Path, tmp_path: Path
) -> Settings:
    """Settings for the media mode a test asks for (say by default), on the rendered files,
    a copy of them the test may spoil ("copy"), or an empty media directory ("empty")."""
    wanted: dict[str, str] = getattr(request, "param", SAY)
    media_dir = rendered_media
    if wanted.get("media") == "copy":
        media_dir = tmp_path / "media"
        shutil.copytree(rendered_media, media_dir)
    elif wanted.get("media") == "empty":
        media_dir = tmp_path / "empty"
    return make_settings(
        migrated_database_url, VOICEAPP_MEDIA_MODE=wanted["mode"], VOICEAPP_MEDIA_DIR=str(media_dir)
    )


def verbs_of(call: EmulatedCall, tag: str) -> list[str]:
    return [el.tag for _, doc in call.documents for el in doc.iter() if el.tag == tag]


def said_with_locale(call: EmulatedCall) -> list[tuple[str, str]]:
    return [(e.language, e.text) for e in call.events if e.kind in ("say", "hold") and e.language]


async def assert_played_audio_is_8khz_mono(carrier: Carrier, call: EmulatedCall) -> None:
    assert call.played, "nothing was played"
    for url in call.played:
        assert url.startswith(f"{PUBLIC_URL}/media/"), url
        response = await carrier.client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"] == "audio/wav"
        with wave.open(io.BytesIO(response.content)) as audio:
            assert audio.getframerate() == 8000, url
            assert audio.getnchannels() == 1, url
            assert audio.getsampwidth() == 2, url
            assert audio.getnframes() > 0, url


def no_errors(call: EmulatedCall) -> None:
    assert [e.text for e in call.events if e.kind == "error"] == []


@pytest.mark.parametrize("settings", [SAY], indirect=True)
async def test_french_call_says_french_with_the_spanish_offer_in_spanish(
    conference: Carrier,
) -> None:
    call = await conference.call(FR_NUMBER, digits=["1234#", "4321#"])
    no_errors(call)
    assert said_with_locale(call) == [
        ("fr-FR", "Bienvenue sur le service de conférence."),
        ("es-ES", "Para continuar en español, marque la tecla asterisco."),
        ("fr-FR", "Veuillez saisir le numéro de conférence, suivi de la touche dièse."),
        ("fr-FR", "Veuillez saisir le code d'accès, suivi de la touche dièse."),
        ("fr-FR", "Vous allez rejoindre la conférence 1 2 3 4."),
        ("fr-FR", "Vous êtes le premier participant."),
        ("fr-FR", "Veuillez patienter, les autres participants vont bientôt vous rejoindre."),
    ]
    assert verbs_of(call, "Play") == []
    # Hold music is ours in every mode: the only thing played in say mode.
    assert call.played == [call.played[0]]
    assert "/media/hold/music.wav" in call.played[0]


@pytest.mark.parametrize("settings", [SAY], indirect=True)
async def test_spanish_call_says_spanish_with_the_french_offer_in_french(
    conference: Carrier,
) -> None:
    first = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    call = await conference.call(ES_NUMBER, digits=["5555#"], stay=True)
    no_errors(call)
    assert said_with_locale(call) == [
        ("es-ES", "Le damos la bienvenida al servicio de conferencias."),
        ("fr-FR", "Pour continuer en français, appuyez sur la touche étoile."),
        ("es-ES", "Por favor, marque el número de conferencia, seguido de la tecla almohadilla."),
        ("es-ES", "Le estamos conectando a la conferencia 5 5 5 5."),
        ("es-ES", "Ya hay un participante en la conferencia."),
    ]
    await first.hangup()
    await call.hangup()


@pytest.mark.parametrize("settings", [PLAY], indirect=True)
@pytest.mark.parametrize("number", [FR_NUMBER, ES_NUMBER])
async def test_play_mode_plays_our_8khz_files_and_says_nothing(
    conference: Carrier, number: str
) -> None:
    first = await conference.call(number, digits=["5555#"], stay=True)
    second = await conference.call(number, digits=["12#", "1234#", "4321#"], stay=True)
    for call in (first, second):
        no_errors(call)
        assert verbs_of(call, "Say") == []
        await assert_played_audio_is_8khz_mono(conference, call)
    language = "fr" if number == FR_NUMBER else "es"
    other = "es" if language == "fr" else "fr"
    paths = [url.removeprefix(f"{PUBLIC_URL}/media/").split("?")[0] for url in second.played]
    assert paths[:3] == [f"{language}/greeting.wav", f"{other}/language_offer.wav",
                         f"{language}/ask_id.wav"]  # fmt: skip
    assert f"{language}/unknown_id.wav" in paths
    # "joining" then the conference ID digit by digit, then the first-participant line.
    joined = paths.index(f"{language}/joining.1.wav")
    digits = [f"{language}/number-{digit}.wav" for digit in "1234"]
    assert paths[joined + 1 : joined + 5] == digits
    first_paths = [url.split("?")[0] for url in first.played]
    assert any(path.endswith("/hold/music.wav") for path in first_paths)
    await first.hangup()
    await second.hangup()


@pytest.mark.parametrize("settings", [PLAY], indirect=True)
async def test_play_mode_participant_count_is_cut_around_the_number(
    conference: Carrier,
) -> None:
    callers = [await conference.call(FR_NUMBER, digits=["5555#"], stay=True) for _ in range(3)]
    paths = [url.split("?")[0].removeprefix(f"{PUBLIC_URL}/media/") for url in callers[2].played]
    assert paths[-3:] == ["fr/participants.1.1.wav", "fr/number-2.wav", "fr/participants.1.2.wav"]
    for call in callers:
        await call.hangup()


@pytest.mark.parametrize("settings", [SAY, PLAY], indirect=True)
async def test_language_choice_holds_for_the_rest_of_the_call(
    conference: Carrier, settings: Settings
) -> None:
    call = await conference.call(FR_NUMBER, digits=["*", "99#", "1234#", "4321#"], stay=True)
    no_errors(call)
    switched = call.documents[1:]
    # Every callback URL after the switch carries the new language, the hold URL included.
    for _, document in switched:
        for element in document.iter():
            for attribute in ("action", "waitUrl"):
                if element.get(attribute):
                    assert "lang=es" in element.get(attribute, ""), element.get(attribute)
    _, joined = call.documents[-1]
    wait_url = joined.find("Dial/Conference").get("waitUrl")  # type: ignore[union-attr]
    assert wait_url.startswith(f"{PUBLIC_URL}/voice/hold?")
    if settings.media_mode == "say":
        spoken = said_with_locale(call)
        after = spoken[spoken.index(("fr-FR", "Veuillez saisir le numéro de conférence, "
                                     "suivi de la touche dièse.")) + 1 :]  # fmt: skip
        # Only the offer to go back to French is French from here on.
        assert [locale for locale, _ in after if locale != "es-ES"] == ["fr-FR"]
        assert ("es-ES", "El número de conferencia que ha marcado no existe.") in after
        assert after[-1] == (
            "es-ES",
            "Por favor, espere; los demás participantes se unirán en breve.",
        )
    else:
        played = [url.split("?")[0] for url in call.played]
        after = played[3:]  # past the French greeting, the offer and the question
        assert [url for url in after if "/media/fr/" in url] == [
            f"{PUBLIC_URL}/media/fr/language_offer.wav"
        ]
        assert played[-2].endswith("/media/es/please_wait.wav")
    # Out of the conference (the keypad menu, its end), the call goes on in Spanish: the
    # <Dial>'s action carries the language, and nothing follows the <Dial>.
    dial = joined[-1]
    assert dial.tag == "Dial"
    assert "lang=es" in (dial.get("action") or "")
    await call.hangup()


@pytest.mark.parametrize("settings", [SAY], indirect=True)
async def test_silence_after_switching_says_goodbye_in_the_new_language(
    conference: Carrier,
) -> None:
    call = await conference.call(FR_NUMBER, digits=["*"])
    assert said_with_locale(call)[-2:] == [
        ("es-ES", "Seguimos sin recibir ninguna respuesta."),
        ("es-ES", "Gracias por su llamada. Hasta luego."),
    ]


@pytest.mark.parametrize("settings", [SAY], indirect=True)
async def test_a_numbers_own_say_locale_holds_until_the_caller_switches(
    conference: Carrier,
) -> None:
    await numbers.update_number(ES_NUMBER, say_locale="es-MX")
    call = await conference.call(ES_NUMBER, digits=["5555#"], stay=True)
    locales = [locale for locale, _ in said_with_locale(call)]
    assert locales == ["es-MX", "fr-FR", "es-MX", "es-MX", "es-MX", "es-MX"]
    await call.hangup()
    switched = await conference.call(ES_NUMBER, digits=["*", "*"])
    assert [locale for locale, _ in said_with_locale(switched)][3:6] == ["fr-FR", "es-MX", "fr-FR"]


@pytest.mark.parametrize("settings", [SAY, PLAY], indirect=True)
async def test_hold_music_is_ours_looped_and_no_vendor_url_appears(
    conference: Carrier,
) -> None:
    call = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    _, joined = call.documents[-1]
    wait_url = joined.find("Dial/Conference").get("waitUrl")  # type: ignore[union-attr]
    hold = await conference.post(wait_url, {"CallSid": call.call_sid})
    assert hold.status_code == 200
    music = parse(hold.content).find("Play[@loop='0']")
    assert music is not None
    assert (music.text or "").startswith(f"{PUBLIC_URL}/media/hold/music.wav")
    documents = [hold.text, *(str(doc.attrib) + (doc.text or "") for _, doc in call.documents)]
    for _, doc in call.documents:
        documents.extend(f"{el.attrib} {el.text}" for el in doc.iter())
    assert not [text for text in documents if "twimlets" in text or "twilio.com" in text]
    await call.hangup()


@pytest.mark.parametrize("settings", [{"mode": "auto", "media": "copy"}], indirect=True)
async def test_auto_mode_says_what_is_stale_or_missing_and_plays_the_rest(
    conference: Carrier, settings: Settings
) -> None:
    entries = manifest.load(settings.media_dir)
    entries["fr/greeting.wav"] = "0" * 16  # rendered from an older text
    manifest.save(settings.media_dir, entries)
    (settings.media_dir / "es" / "language_offer.wav").unlink()
    call = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    no_errors(call)
    assert said_with_locale(call)[:2] == [
        ("fr-FR", "Bienvenue sur le service de conférence."),
        ("es-ES", "Para continuar en español, marque la tecla asterisco."),
    ]
    played = [url.split("?")[0].removeprefix(f"{PUBLIC_URL}/media/") for url in call.played]
    assert played[0] == "fr/ask_id.wav"
    await assert_played_audio_is_8khz_mono(conference, call)
    await call.hangup()


@pytest.mark.parametrize("settings", [{"mode": "play", "media": "copy"}], indirect=True)
async def test_play_mode_plays_a_stale_file_and_says_a_missing_one(
    conference: Carrier, settings: Settings
) -> None:
    entries = json.loads((settings.media_dir / "manifest.json").read_text())
    stale = entries["fr/greeting.wav"] = "0" * 16
    manifest.save(settings.media_dir, entries)
    (settings.media_dir / "fr" / "ask_id.wav").unlink()
    call = await conference.call(FR_NUMBER)
    no_errors(call)
    assert call.played[0] == f"{PUBLIC_URL}/media/fr/greeting.wav?v={stale}"
    assert ("fr-FR", "Veuillez saisir le numéro de conférence, suivi de la touche dièse.") in (
        said_with_locale(call)
    )


@pytest.mark.parametrize("settings", [{"mode": "play", "media": "empty"}], indirect=True)
async def test_nothing_rendered_still_gives_a_spoken_call_and_hold(conference: Carrier) -> None:
    call = await conference.call(ES_NUMBER, digits=["5555#"], stay=True)
    no_errors(call)
    assert call.played == []
    assert said_with_locale(call)[-1] == (
        "es-ES",
        "Por favor, espere; los demás participantes se unirán en breve.",
    )
    _, joined = call.documents[-1]
    wait_url = joined.find("Dial/Conference").get("waitUrl")  # type: ignore[union-attr]
    hold = parse((await conference.post(wait_url, {"CallSid": call.call_sid})).content)
    assert [verb.tag for verb in hold] == ["Say", "Pause", "Redirect"]
    await call.hangup()

"""The prompt catalog: key -> sentence per language."""

from __future__ import annotations

from collections.abc import Mapping

from voiceapp.models import Language

# key -> {language: sentence}. Placeholders are named: %(count)s.
PROMPTS: dict[str, dict[Language, str]] = {
    "greeting": {
        Language.FR: "Bienvenue sur le service de conférence.",
        Language.ES: "Bienvenido al servicio de conferencias.",
    },
    "language_offer": {
        Language.FR: "Para español, marque asterisco.",
        Language.ES: "Pour le français, appuyez sur étoile.",
    },
    "ask_id": {
        Language.FR: "Veuillez saisir le numéro de la conférence, suivi de la touche dièse.",
        Language.ES: "Marque el número de la conferencia, seguido de la tecla almohadilla.",
    },
    "unknown_id": {
        Language.FR: "Ce numéro de conférence n'existe pas.",
        Language.ES: "Ese número de conferencia no existe.",
    },
    "ask_pin": {
        Language.FR: "Veuillez saisir le code d'accès, suivi de la touche dièse.",
        Language.ES: "Marque el código de acceso, seguido de la tecla almohadilla.",
    },
    "wrong_pin": {
        Language.FR: "Ce code d'accès est incorrect.",
        Language.ES: "El código de acceso no es correcto.",
    },
    "too_many_attempts": {
        Language.FR: "Vous avez dépassé le nombre d'essais autorisés.",
        Language.ES: "Ha superado el número de intentos permitidos.",
    },
    "locked_out": {
        Language.FR: "Trop de codes erronés ont été saisis. Veuillez réessayer plus tard.",
        Language.ES: "Se han marcado demasiados códigos erróneos. Vuelva a intentarlo más tarde.",
    },
    "room_full": {
        Language.FR: "Cette conférence est complète. Veuillez réessayer plus tard.",
        Language.ES: "Esta conferencia está completa. Vuelva a intentarlo más tarde.",
    },
    "joining": {
        Language.FR: "Vous allez rejoindre la conférence.",
        Language.ES: "Le estamos conectando a la conferencia.",
    },
    "first_participant": {
        Language.FR: "Vous êtes le premier participant.",
        Language.ES: "Usted es el primer participante.",
    },
    "participants": {
        Language.FR: "Il y a %(count)s participants dans la conférence.",
        Language.ES: "Hay %(count)s participantes en la conferencia.",
    },
    "no_input": {
        Language.FR: "Nous n'avons rien reçu.",
        Language.ES: "No hemos recibido nada.",
    },
    "no_input_goodbye": {
        Language.FR: "Nous n'avons toujours rien reçu.",
        Language.ES: "Seguimos sin recibir nada.",
    },
    "goodbye": {
        Language.FR: "Merci de votre appel. Au revoir.",
        Language.ES: "Gracias por su llamada. Adiós.",
    },
    "not_in_service": {
        Language.FR: "Le numéro que vous avez composé n'est pas en service.",
        Language.ES: "El número que ha marcado no está en servicio.",
    },
    "technical_problem": {
        Language.FR: "Nous rencontrons un problème technique. Veuillez rappeler plus tard.",
        Language.ES: "Tenemos un problema técnico. Vuelva a llamar más tarde.",
    },
    "please_wait": {
        Language.FR: "Veuillez patienter, les autres participants vont arriver.",
        Language.ES: "Por favor, espere a que lleguen los demás participantes.",
    },
    "receptionist_greeting": {
        Language.FR: "Bienvenue, vous êtes bien sur notre standard.",
        Language.ES: "Bienvenido a nuestra centralita.",
    },
    "ask_extension": {
        Language.FR: "Veuillez composer le numéro de poste de votre correspondant, "
        "suivi de la touche dièse.",
        Language.ES: "Marque el número de extensión de la persona con la que desea hablar, "
        "seguido de la tecla almohadilla.",
    },
    "unknown_extension": {
        Language.FR: "Ce numéro de poste n'existe pas.",
        Language.ES: "Esa extensión no existe.",
    },
    "transferring": {
        Language.FR: "Veuillez patienter, nous transférons votre appel.",
        Language.ES: "Un momento, por favor. Le estamos transfiriendo.",
    },
    "line_busy": {
        Language.FR: "Votre correspondant est déjà en ligne.",
        Language.ES: "La persona con la que desea hablar está en otra llamada.",
    },
    "no_answer": {
        Language.FR: "Votre correspondant ne répond pas.",
        Language.ES: "La persona con la que desea hablar no contesta.",
    },
    "unreachable": {
        Language.FR: "Votre correspondant n'est pas joignable pour le moment.",
        Language.ES: "La persona con la que desea hablar no está disponible en este momento.",
    },
    "leave_message": {
        Language.FR: "Laissez votre message après le bip, puis appuyez sur la touche dièse "
        "ou raccrochez.",
        Language.ES: "Deje su mensaje después de la señal y pulse la tecla almohadilla o cuelgue.",
    },
    "message_saved": {
        Language.FR: "Votre message a bien été enregistré.",
        Language.ES: "Hemos guardado su mensaje.",
    },
}

SAY_LANGUAGES: dict[Language, str] = {Language.FR: "fr-FR", Language.ES: "es-ES"}


def text(key: str, language: Language, params: Mapping[str, object] | None = None) -> str:
    """The sentence for `key` in `language`, placeholders filled."""
    sentence = PROMPTS[key][language]
    return sentence % dict(params) if params else sentence


def say_language(language: Language) -> str:
    """The carrier text-to-speech language for <Say language=...>."""
    return SAY_LANGUAGES[language]

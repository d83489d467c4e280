"""The words of the web pages, Italian first and English second.

A page's language: ``?lang=`` when given (and remembered in a cookie), else the cookie,
else the center's language.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

LANGUAGES = ("it", "en")
LANG_COOKIE = "centralino_lang"

TEXTS: dict[str, tuple[str, str]] = {  # key: (Italian, English)
    "login.title": ("Accesso", "Sign in"),
    "login.user": ("Nome utente", "User name"),
    "login.password": ("Password", "Password"),
    "login.submit": ("Accedi", "Sign in"),
    "login.refused": ("Nome utente o password errati, oppure utenza disattivata.",
                      "Wrong user name or password, or the account is disabled."),
    "login.throttled": ("Troppi tentativi non riusciti: riprova tra {minutes} minuti.",
                        "Too many failed attempts: try again in {minutes} minutes."),
    "login.expired": ("La sessione è scaduta: accedi di nuovo.",
                      "Your session has expired: please sign in again."),
    "login.out": ("Sei uscito.", "You have signed out."),
    "login.other": ("English", "Italiano"),
    "account.title": ("La mia utenza", "My account"),
    "account.name": ("Nome", "Name"),
    "account.role": ("Ruolo", "Role"),
    "account.agent": ("Operatore", "Agent"),
    "account.change": ("Cambia password", "Change password"),
    "account.current": ("Password attuale", "Current password"),
    "account.new": ("Nuova password (almeno 12 caratteri)", "New password (12 characters or more)"),
    "account.again": ("Ripeti la nuova password", "New password again"),
    "account.save": ("Salva la password", "Save the password"),
    "account.saved": ("Password cambiata. Le altre sessioni sono state chiuse.",
                      "Password changed. Your other sessions were closed."),
    "account.mismatch": ("Le due password non coincidono.", "The two passwords differ."),
    "account.live": ("Situazione in tempo reale", "Live view"),
    "account.phone": ("Il telefono nel browser", "The phone in the browser"),
    "nav.logout": ("Esci", "Sign out"),
    "nav.account": ("La mia utenza", "My account"),
    "role.agent": ("operatore", "agent"),
    "role.supervisor": ("supervisore", "supervisor"),
    "role.admin": ("amministratore", "administrator"),
    "admin.title": ("Utenze", "Accounts"),
    "admin.list": ("Utenze esistenti", "Existing accounts"),
    "admin.user": ("Utente", "User"),
    "admin.last": ("Ultimo accesso", "Last sign-in"),
    "admin.state": ("Stato", "State"),
    "admin.actions": ("Azioni", "Actions"),
    "admin.enabled": ("attiva", "enabled"),
    "admin.disabled": ("disattivata", "disabled"),
    "admin.never": ("mai", "never"),
    "admin.disable": ("Disattiva", "Disable"),
    "admin.enable": ("Riattiva", "Enable"),
    "admin.reset": ("Nuova password", "New password"),
    "admin.reset_for": ("Nuova password per {user} (almeno 12 caratteri)",
                        "New password for {user} (12 characters or more)"),
    "admin.add": ("Aggiungi un'utenza", "Add an account"),
    "admin.name": ("Nome visualizzato", "Display name"),
    "admin.agent": ("Operatore guidato (solo per il ruolo operatore)",
                    "Agent driven (agent role only)"),
    "admin.none": ("nessuno", "none"),
    "admin.password": ("Password iniziale (almeno 12 caratteri)",
                       "First password (12 characters or more)"),
    "admin.create": ("Crea l'utenza", "Create the account"),
    "admin.done": ("Fatto.", "Done."),
    "agent.title": ("Postazione operatore", "Agent desk"),
    "agent.state": ("Stato", "State"),
    "state.ready": ("Libero", "Ready"),
    "state.ringing": ("Squilla", "Ringing"),
    "state.on_call": ("In conversazione", "On a call"),
    "state.wrap_up": ("Post-chiamata", "Wrap-up"),
    "state.paused": ("In pausa", "Paused"),
    "state.logged_out": ("Non collegato", "Logged out"),
    "agent.since": ("da", "for"),
    "agent.login": ("Collegati", "Log in"),
    "agent.ready": ("Pronto", "Ready"),
    "agent.pause": ("Pausa", "Pause"),
    "agent.reason": ("Motivo della pausa", "Pause reason"),
    "agent.logout": ("Scollegati", "Log out"),
    "agent.end_wrap": ("Chiudi la post-chiamata", "End wrap-up"),
    "agent.extend": ("Prolunga la post-chiamata", "Extend wrap-up"),
    "agent.pending": ("Pausa dopo la chiamata", "Pause after the call"),
    "agent.telephony_down": ("Centralino telefonico non raggiungibile: nessuna chiamata in arrivo.",
                             "The telephone exchange is unreachable: no calls will come."),
    "pop.title": ("Chiamata", "Call"),
    "pop.caller": ("Chiamante", "Caller"),
    "pop.service": ("Servizio", "Service"),
    "pop.path": ("Percorso nel risponditore", "Path through the IVR"),
    "pop.language": ("Lingua", "Language"),
    "pop.waited": ("Attesa", "Waited"),
    "pop.priority": ("Priorità", "Priority"),
    "pop.act": ("Atto depositato cercato", "Deposited act looked up"),
    "pop.history": ("Ultimi contatti di questo numero", "Last contacts of this number"),
    "pop.none": ("Nessun contatto precedente.", "No earlier contact."),
    "pop.when": ("Quando", "When"),
    "pop.outcome": ("Esito", "Outcome"),
    "pop.by": ("Operatore", "Agent"),
    "pop.disposition": ("Classificazione", "Disposition"),
    "pop.notes": ("Note", "Notes"),
    "reason.ivr": ("scelta nel risponditore", "IVR choice"),
    "reason.service": ("peso del servizio", "service weight"),
    "reason.number": ("numero chiamato", "number dialled"),
    "reason.recall": ("richiamata dopo un abbandono", "called again after being cut off"),
    "wrap.title": ("Esito della chiamata", "Call outcome"),
    "wrap.choose": ("— scegli —", "— choose —"),
    "wrap.save": ("Salva l'esito", "Save the outcome"),
    "wrap.saved": ("Esito salvato.", "Outcome saved."),
    "queues.title": ("Chiamate in attesa nei miei servizi", "Calls waiting in my services"),
    "queues.waiting": ("In attesa", "Waiting"),
    "queues.longest": ("Attesa più lunga", "Longest wait"),
    "today.title": ("Le mie chiamate di oggi", "My calls today"),
    "today.talk": ("Conversazione", "Talk"),
    "outcome.answered": ("risposta", "answered"),
    "outcome.abandoned": ("abbandonata in attesa", "abandoned while waiting"),
    "outcome.overflow": ("deviata a un messaggio", "sent to a message"),
    "outcome.voicemail": ("messaggio vocale", "voice message"),
    "outcome.failed": ("non collegata", "not connected"),
    "outcome.ivr-hangup": ("chiusa nel risponditore", "hung up in the IVR"),
    "phone.title": ("Telefono", "Phone"),
    "phone.note": ("Pagina di prova del telefono nel browser: il pannello dell'operatore la "
                   "sostituirà.", "A page to try the phone in the browser: the agent panel "
                   "will replace it."),
    "phone.registration": ("Linea", "Line"),
    "phone.stopped": ("spenta", "off"),
    "phone.connecting": ("collegamento in corso…", "connecting…"),
    "phone.registered": ("pronta: le chiamate arrivano qui", "ready: calls ring here"),
    "phone.disconnected": ("interrotta, nuovo tentativo in corso…",
                           "interrupted, trying again…"),
    "phone.failed": ("non disponibile, nuovo tentativo tra poco",
                     "unavailable, trying again shortly"),
    "phone.call": ("Chiamata", "Call"),
    "phone.idle": ("nessuna chiamata", "no call"),
    "phone.ringing": ("in arrivo da {caller}", "from {caller}, ringing"),
    "phone.talking": ("in conversazione con {caller}", "talking with {caller}"),
    "phone.unknown": ("numero sconosciuto", "unknown number"),
    "phone.answer": ("Rispondi", "Answer"),
    "phone.hangup": ("Riattacca", "Hang up"),
    "phone.mute": ("Microfono spento", "Microphone off"),
    "phone.keypad": ("Tastiera (toni DTMF)", "Keypad (DTMF tones)"),
    "phone.devices": ("Dispositivi audio", "Audio devices"),
    "phone.input": ("Microfono", "Microphone"),
    "phone.output": ("Altoparlante o cuffia", "Speaker or headset"),
    "phone.default": ("predefinito del sistema", "the system's default"),
    "error.forbidden": ("Non hai accesso a questa pagina.", "You may not open this page."),
}  # fmt: skip


def language(request: web.Request, default: str) -> str:
    asked = request.query.get("lang") or request.cookies.get(LANG_COOKIE) or default
    return asked if asked in LANGUAGES else LANGUAGES[0]


def translator(lang: str) -> Callable[..., str]:
    index = LANGUAGES.index(lang)

    def t(key: str, **values: object) -> str:
        return TEXTS[key][index].format(**values)

    return t

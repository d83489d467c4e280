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
    "reason.transfer": ("trasferita da un collega", "transferred by a colleague"),
    "call.title": ("Comandi della chiamata", "Call controls"),
    "call.talking": ("In linea con il chiamante.", "Talking with the caller."),
    "call.waiting": ("La chiamata non è ancora collegata.", "The call is not connected yet."),
    "call.held": ("Chiamata in attesa: il chiamante ascolta la musica.",
                  "Call on hold: the caller hears music."),
    "call.hold": ("Metti in attesa", "Put on hold"),
    "call.resume": ("Riprendi la chiamata", "Resume the call"),
    "call.hangup": ("Riaggancia", "Hang up"),
    "call.transfer_service": ("Trasferisci al servizio", "Transfer to the service"),
    "call.transfer_agent": ("Trasferisci all'operatore", "Transfer to the agent"),
    "call.to_service": ("Servizio", "Service"),
    "call.to_agent": ("Operatore libero", "Ready agent"),
    "call.nobody_ready": ("nessun operatore libero", "no agent ready"),
    "call.transferred": ("Chiamata trasferita.", "Call transferred."),
    "call.consult": ("Consulta prima", "Consult first"),
    "call.complete": ("Completa il trasferimento", "Complete the transfer"),
    "call.back": ("Torna al chiamante", "Back to the caller"),
    "call.end_consult": ("Chiudi la consultazione", "End the consultation"),
    "call.consult_ringing": ("Il chiamante è in attesa; squilla il telefono di {name}.",
                             "The caller is on hold; {name}'s phone is ringing."),
    "call.consulting": ("Il chiamante è in attesa; sei in linea con {name}.",
                        "The caller is on hold; you are talking with {name}."),
    "call.consulted": ("{name} ti consulta: il suo chiamante è in attesa.",
                       "{name} is consulting you: their caller is on hold."),
    "call.consult_not_answered": ("{name} non ha risposto. Il chiamante è ancora in attesa.",
                                  "{name} did not answer. The caller is still on hold."),
    "call.consult_colleague_left": ("{name} ha chiuso la consultazione. Il chiamante è ancora "
                                    "in attesa.", "{name} ended the consultation. The caller "
                                    "is still on hold."),
    "call.consult_failed": ("Collegamento con {name} non riuscito. Il chiamante è ancora in "
                            "attesa.", "Could not connect you with {name}. The caller is "
                            "still on hold."),
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
    "phone.page": ("Prova del telefono", "Phone test"),
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
    "phone.signed_out": ("spenta: la sessione è finita, accedi di nuovo",
                         "off: your session is over, sign in again"),
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
    "phone.use": ("Ricevi le chiamate in questo browser (altrimenti sul telefono da scrivania)",
                  "Take calls in this browser (else on the desk phone)"),
    "phone.more": ("Tastiera e dispositivi audio", "Keypad and audio devices"),
    "wallboard.title": ("Tabellone", "Wallboard"),
    "wallboard.connecting": ("Connessione in corso…", "Connecting…"),
    "wallboard.lost": ("Connessione persa, nuovo tentativo…", "Connection lost, trying again…"),
    "wallboard.updated": ("Aggiornato alle {time}", "Updated at {time}"),
    "wallboard.summary": ("In attesa: {waiting}. Operatori liberi: {ready}.",
                          "Waiting: {waiting}. Agents ready: {ready}."),
    "wallboard.telephony_down": ("Collegamento con il centralino telefonico interrotto: le "
                                 "chiamate restano in coda finché non torna.",
                                 "The link to the telephone exchange is down: calls stay in "
                                 "their queues until it is back."),
    "wallboard.tv": ("Modalità TV", "TV mode"),
    "wallboard.leave_tv": ("Esci dalla modalità TV (Esc)", "Leave TV mode (Esc)"),
    "wallboard.live": ("Code e operatori in dettaglio", "Queues and agents in detail"),
    "wallboard.services": ("Servizi", "Services"),
    "wallboard.services_caption": ("Code adesso e cifre di oggi per servizio",
                                   "Queues now and today's figures by service"),
    "wallboard.service": ("Servizio", "Service"),
    "wallboard.now": ("Adesso", "Now"),
    "wallboard.agents_now": ("Operatori del servizio", "The service's agents"),
    "wallboard.today": ("Oggi", "Today"),
    "wallboard.waiting": ("In attesa", "Waiting"),
    "wallboard.longest": ("Attesa più lunga", "Longest wait"),
    "wallboard.ready": ("Liberi", "Ready"),
    "wallboard.talking": ("Al telefono", "On a call"),
    "wallboard.wrap_up": ("Post-chiamata", "Wrap-up"),
    "wallboard.paused": ("In pausa", "Paused"),
    "wallboard.offered": ("Offerte", "Offered"),
    "wallboard.answered": ("Risposte", "Answered"),
    "wallboard.abandoned": ("Abbandonate", "Abandoned"),
    "wallboard.short": ("+{n} brevi", "+{n} short"),
    "wallboard.service_level": ("Livello di servizio", "Service level"),
    "wallboard.asa": ("Attesa media", "Average wait"),
    "wallboard.aht": ("Durata media", "Average handling"),
    "wallboard.none": ("nessun dato", "no data"),
    "wallboard.amber": ("attenzione", "warning"),
    "wallboard.red": ("critico", "critical"),
    "wallboard.how": ("Come si leggono le cifre", "How to read the figures"),
    "wallboard.how_level": ("Livello di servizio di {services}: {definition}.",
                            "Service level of {services}: {definition}."),
    "wallboard.how_rest": ("Abbandonate: chi riaggancia in coda dopo i primi {s} secondi (i più "
                           "rapidi sono contati a parte come brevi). Attesa media: delle chiamate "
                           "con risposta. Durata media: conversazione e post-chiamata per "
                           "chiamata con risposta. Oggi: le chiamate entrate in coda da "
                           "mezzanotte e concluse.",
                           "Abandoned: callers who hang up in the queue after the first {s} "
                           "seconds (quicker ones are counted apart as short). Average wait: of "
                           "the answered calls. Average handling: talk and wrap-up per answered "
                           "call. Today: the calls that entered a queue since midnight and "
                           "have ended."),
    "wallboard.def.answered-only": ("risposte entro {t} s / risposte",
                                    "answered within {t} s / answered"),
    "wallboard.def.with-abandons": ("risposte entro {t} s / (risposte + abbandoni dopo {s} s)",
                                    "answered within {t} s / (answered + abandoned after {s} s)"),
    "wallboard.def.with-early-abandons": ("(risposte + abbandoni entro {t} s) / (risposte + "
                                          "abbandoni)", "(answered + abandoned within {t} s) / "
                                          "(answered + abandoned)"),
    "wallboard.def.queue-removal": ("(risposte + abbandoni entro {t} s) / offerte",
                                    "(answered + abandoned within {t} s) / offered"),
    "wallboard.hours": ("Ultime ore, ogni 15 minuti", "The last hours, every 15 minutes"),
    "wallboard.chart_waiting": ("Chiamate in attesa (il massimo nel quarto d'ora)",
                                "Calls waiting (the most in the quarter hour)"),
    "wallboard.chart_level": ("Livello di servizio delle chiamate entrate nel quarto d'ora",
                              "Service level of the calls that entered in the quarter hour"),
    "wallboard.chart_waiting_label": ("{service}, chiamate in attesa dalle {from} alle {to}: al "
                                      "massimo {most}, nell'ultimo quarto d'ora {last}.",
                                      "{service}, calls waiting from {from} to {to}: at most "
                                      "{most}, in the last quarter hour {last}."),
    "wallboard.chart_level_label": ("{service}, livello di servizio dalle {from} alle {to}: il "
                                    "più basso {lowest}, l'ultimo {last}.",
                                    "{service}, service level from {from} to {to}: lowest "
                                    "{lowest}, latest {last}."),
    "wallboard.agents": ("Operatori", "Agents"),
    "wallboard.agents_caption": ("Stato e chiamata di ogni operatore",
                                 "Each agent's state and call"),
    "wallboard.agent": ("Operatore", "Agent"),
    "wallboard.state": ("Stato", "State"),
    "wallboard.for": ("Da", "For"),
    "wallboard.call": ("Chiamata", "Call"),
    "wallboard.held": ("in attesa", "on hold"),
    "wallboard.calls_today": ("Chiamate oggi", "Calls today"),
    "wallboard.then_pause": ("poi pausa: {reason}", "then a pause: {reason}"),
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


def words(lang: str, prefixes: tuple[str, ...]) -> dict[str, str]:
    """The texts whose keys start with ``prefixes``, unformatted: for a page's script."""
    index = LANGUAGES.index(lang)
    return {key: pair[index] for key, pair in TEXTS.items() if key.startswith(prefixes)}

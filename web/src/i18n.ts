// A small typed dictionary: English is the reference, Italian must have every key.
import { createContext, useContext } from "react";

export const LANGUAGES = ["en", "it"] as const;
export type Lang = (typeof LANGUAGES)[number];

const en = {
  "app.name": "Sportello",
  "app.loading": "Loading…",
  "app.configError": "The app configuration could not be loaded.",
  "app.retry": "Retry",
  "app.notFound": "Page not found.",
  "app.backToTickets": "Back to tickets",

  "header.language": "Language",
  "header.signOut": "Sign out",
  "header.signedInAs": "Signed in as {name}",

  "lang.en": "English",
  "lang.it": "Italiano",

  "login.title": "Sign in",
  "login.subtitle": "Help desk for agents",
  "login.email": "Email",
  "login.emailHint": "agent@sportello.local",
  "login.submit": "Sign in",
  "login.submitting": "Signing in…",
  "login.cognito": "Sign in with your account",
  "login.localNote": "Local development sign-in: no password needed.",
  "login.failed": "Sign-in failed: {message}",
  "login.stateMismatch": "The sign-in response did not match this browser session. Please try again.",

  "nav.views": "Views",
  "nav.unassigned": "Unassigned",
  "nav.mine": "My tickets",
  "nav.allOpen": "All open",
  "nav.new": "New",
  "nav.pending": "Pending",
  "nav.solved": "Solved",
  "nav.quarantine": "Quarantine",

  "list.number": "#",
  "list.subject": "Subject",
  "list.requester": "Requester",
  "list.status": "Status",
  "list.priority": "Priority",
  "list.channel": "Channel",
  "list.updated": "Updated",
  "list.empty": "No tickets in this view.",
  "list.loadMore": "Load more",
  "list.loading": "Loading tickets…",
  "list.refresh": "Refresh",
  "list.noSubject": "(no subject)",

  "status.new": "New",
  "status.open": "Open",
  "status.pending": "Pending",
  "status.on-hold": "On hold",
  "status.solved": "Solved",
  "status.closed": "Closed",

  "priority.low": "Low",
  "priority.normal": "Normal",
  "priority.high": "High",
  "priority.urgent": "Urgent",

  "type.none": "—",
  "type.question": "Question",
  "type.incident": "Incident",
  "type.problem": "Problem",
  "type.task": "Task",

  "channel.email": "Email",
  "channel.whatsapp": "WhatsApp",
  "channel.messenger": "Messenger",
  "channel.instagram": "Instagram",
  "channel.telegram": "Telegram",
  "channel.slack": "Slack",
  "channel.sms": "SMS",
  "channel.voice": "Voice",
  "channel.web": "Web",
  "channel.chat": "Chat",

  "ticket.loading": "Loading ticket…",
  "ticket.conversation": "Conversation",
  "ticket.noMessages": "No messages yet.",
  "ticket.internalNote": "Internal note",
  "ticket.system": "System",
  "ticket.customer": "Customer",
  "ticket.showFull": "Show full message",
  "ticket.hideFull": "Hide full message",
  "ticket.attachments": "Attachments",
  "ticket.wholeMessage": "This message is long: read all of it",
  "ticket.omittedAttachments": "{count} more attachments were sent but not kept",
  "ticket.delivery": "Delivery: {status}",
  "ticket.via": "via {channel}",
  "ticket.created": "Created",

  "reply.public": "Public reply",
  "reply.internal": "Internal note",
  "reply.placeholderPublic": "Write a reply to the customer…",
  "reply.placeholderInternal": "Write an internal note (only agents will see it)…",
  "reply.send": "Send",
  "reply.via": "Send via",
  "reply.sending": "Sending…",
  "reply.sent": "Message sent.",
  "reply.noteAdded": "Note added.",

  "props.title": "Properties",
  "props.status": "Status",
  "props.priority": "Priority",
  "props.type": "Type",
  "props.assignee": "Assignee",
  "props.unassigned": "Unassigned",
  "props.group": "Group",
  "props.noGroup": "No group",
  "props.tags": "Tags",
  "props.tagsHint": "comma separated",
  "props.update": "Update",
  "props.updating": "Updating…",
  "props.updated": "Ticket updated.",
  "props.noChanges": "Nothing to update.",

  "requester.title": "Requester",
  "requester.identities": "Contacts",
  "requester.otherTickets": "Other tickets",
  "requester.noOtherTickets": "No other tickets.",
  "requester.addContact": "Add contact",
  "requester.kind": "Type",
  "requester.value": "Address, number or ID",
  "requester.add": "Add",
  "requester.adding": "Adding…",
  "requester.contactAdded": "Contact added.",

  "identity.email": "Email",
  "identity.phone": "Phone",
  "identity.telegram": "Telegram",
  "identity.messenger": "Messenger",
  "identity.instagram": "Instagram",
  "identity.slack": "Slack",

  "merge.open": "Merge customer…",
  "merge.intro": "Find the customer to merge into {name} by one of their contacts. Their contacts and tickets move here.",
  "merge.find": "Find",
  "merge.finding": "Searching…",
  "merge.notFound": "No customer found.",
  "merge.same": "That is this customer already.",
  "merge.found": "Customer found",
  "merge.tickets": "Tickets: {count}",
  "merge.confirm": "Merge into {name}",
  "merge.merging": "Merging…",
  "merge.done": "{source} was merged into {target}.",

  "history.title": "History ({count})",
  "history.empty": "No events.",
  "history.system": "Sportello",
  "event.ticket_created": "Ticket created",
  "event.follow_up_created": "Follow-up of a closed ticket",
  "event.ticket_linked": "Opened from a mail that pointed at another ticket",
  "event.message_added": "Message added",
  "event.status_changed": "Status changed",
  "event.field_changed": "Field changed",
  "event.requester_merged": "Requester merged",
  "event.acknowledgement_sent": "Acknowledgement sent",
  "event.delivery_changed": "Delivery updated",
  "event.delivery_failed": "Delivery failed",
  "event.delivery_reported": "Delivery report",
  "event.message_edited": "Message edited by the customer",
  "event.message_deleted": "Message deleted by the customer",
  "event.reaction": "Reaction",
  "event.call_updated": "Call updated",
  "event.routing_decided": "Routing decision",
  "event.trigger_fired": "Rule applied",
  "event.routing_failed": "Routing failed",

  "quarantine.title": "Quarantine",
  "quarantine.intro": "Inbound messages that were not turned into tickets.",
  "quarantine.received": "Received",
  "quarantine.sender": "Sender",
  "quarantine.subject": "Subject",
  "quarantine.reason": "Reason",
  "quarantine.rawKey": "Raw message",
  "quarantine.empty": "Quarantine is empty.",

  "notice.conflict": "This ticket was changed by someone else; reloaded.",
  "notice.dismiss": "Dismiss",

  "error.network": "The server could not be reached. Check your connection and try again.",
  "error.unauthorized": "Your session has expired. Please sign in again.",
  "error.forbidden": "You are not allowed to do this.",
  "error.not_found": "Not found.",
  "error.server_error": "The server ran into an error. Please try again.",
  "error.rate_limited": "Too many requests. Please wait a moment.",
  "error.generic": "Something went wrong ({code}).",

  "time.justNow": "just now",
} as const;

export type MessageKey = keyof typeof en;
export type Dictionary = Record<MessageKey, string>;

const it: Dictionary = {
  "app.name": "Sportello",
  "app.loading": "Caricamento…",
  "app.configError": "Impossibile caricare la configurazione dell'app.",
  "app.retry": "Riprova",
  "app.notFound": "Pagina non trovata.",
  "app.backToTickets": "Torna ai ticket",

  "header.language": "Lingua",
  "header.signOut": "Esci",
  "header.signedInAs": "Accesso come {name}",

  "lang.en": "English",
  "lang.it": "Italiano",

  "login.title": "Accedi",
  "login.subtitle": "Help desk per gli operatori",
  "login.email": "Email",
  "login.emailHint": "agent@sportello.local",
  "login.submit": "Accedi",
  "login.submitting": "Accesso in corso…",
  "login.cognito": "Accedi con il tuo account",
  "login.localNote": "Accesso di sviluppo locale: nessuna password richiesta.",
  "login.failed": "Accesso non riuscito: {message}",
  "login.stateMismatch": "La risposta di accesso non corrisponde a questa sessione del browser. Riprova.",

  "nav.views": "Viste",
  "nav.unassigned": "Non assegnati",
  "nav.mine": "I miei ticket",
  "nav.allOpen": "Tutti aperti",
  "nav.new": "Nuovi",
  "nav.pending": "In attesa",
  "nav.solved": "Risolti",
  "nav.quarantine": "Quarantena",

  "list.number": "#",
  "list.subject": "Oggetto",
  "list.requester": "Richiedente",
  "list.status": "Stato",
  "list.priority": "Priorità",
  "list.channel": "Canale",
  "list.updated": "Aggiornato",
  "list.empty": "Nessun ticket in questa vista.",
  "list.loadMore": "Carica altri",
  "list.loading": "Caricamento ticket…",
  "list.refresh": "Aggiorna",
  "list.noSubject": "(senza oggetto)",

  "status.new": "Nuovo",
  "status.open": "Aperto",
  "status.pending": "In attesa",
  "status.on-hold": "Sospeso",
  "status.solved": "Risolto",
  "status.closed": "Chiuso",

  "priority.low": "Bassa",
  "priority.normal": "Normale",
  "priority.high": "Alta",
  "priority.urgent": "Urgente",

  "type.none": "—",
  "type.question": "Domanda",
  "type.incident": "Incidente",
  "type.problem": "Problema",
  "type.task": "Attività",

  "channel.email": "Email",
  "channel.whatsapp": "WhatsApp",
  "channel.messenger": "Messenger",
  "channel.instagram": "Instagram",
  "channel.telegram": "Telegram",
  "channel.slack": "Slack",
  "channel.sms": "SMS",
  "channel.voice": "Voce",
  "channel.web": "Web",
  "channel.chat": "Chat",

  "ticket.loading": "Caricamento ticket…",
  "ticket.conversation": "Conversazione",
  "ticket.noMessages": "Ancora nessun messaggio.",
  "ticket.internalNote": "Nota interna",
  "ticket.system": "Sistema",
  "ticket.customer": "Cliente",
  "ticket.showFull": "Mostra messaggio completo",
  "ticket.hideFull": "Nascondi messaggio completo",
  "ticket.attachments": "Allegati",
  "ticket.wholeMessage": "Messaggio lungo: leggilo per intero",
  "ticket.omittedAttachments": "Altri {count} allegati inviati ma non conservati",
  "ticket.delivery": "Consegna: {status}",
  "ticket.via": "tramite {channel}",
  "ticket.created": "Creato",

  "reply.public": "Risposta pubblica",
  "reply.internal": "Nota interna",
  "reply.placeholderPublic": "Scrivi una risposta al cliente…",
  "reply.placeholderInternal": "Scrivi una nota interna (visibile solo agli operatori)…",
  "reply.send": "Invia",
  "reply.via": "Invia tramite",
  "reply.sending": "Invio in corso…",
  "reply.sent": "Messaggio inviato.",
  "reply.noteAdded": "Nota aggiunta.",

  "props.title": "Proprietà",
  "props.status": "Stato",
  "props.priority": "Priorità",
  "props.type": "Tipo",
  "props.assignee": "Assegnatario",
  "props.unassigned": "Non assegnato",
  "props.group": "Gruppo",
  "props.noGroup": "Nessun gruppo",
  "props.tags": "Etichette",
  "props.tagsHint": "separate da virgole",
  "props.update": "Aggiorna",
  "props.updating": "Aggiornamento…",
  "props.updated": "Ticket aggiornato.",
  "props.noChanges": "Nessuna modifica da salvare.",

  "requester.title": "Richiedente",
  "requester.identities": "Contatti",
  "requester.otherTickets": "Altri ticket",
  "requester.noOtherTickets": "Nessun altro ticket.",
  "requester.addContact": "Aggiungi contatto",
  "requester.kind": "Tipo",
  "requester.value": "Indirizzo, numero o ID",
  "requester.add": "Aggiungi",
  "requester.adding": "Aggiunta in corso…",
  "requester.contactAdded": "Contatto aggiunto.",

  "identity.email": "Email",
  "identity.phone": "Telefono",
  "identity.telegram": "Telegram",
  "identity.messenger": "Messenger",
  "identity.instagram": "Instagram",
  "identity.slack": "Slack",

  "merge.open": "Unisci cliente…",
  "merge.intro": "Cerca per contatto il cliente da unire a {name}. I suoi contatti e ticket passeranno qui.",
  "merge.find": "Cerca",
  "merge.finding": "Ricerca in corso…",
  "merge.notFound": "Nessun cliente trovato.",
  "merge.same": "È già questo cliente.",
  "merge.found": "Cliente trovato",
  "merge.tickets": "Ticket: {count}",
  "merge.confirm": "Unisci a {name}",
  "merge.merging": "Unione in corso…",
  "merge.done": "{source} è stato unito a {target}.",

  "history.title": "Cronologia ({count})",
  "history.empty": "Nessun evento.",
  "history.system": "Sportello",
  "event.ticket_created": "Ticket creato",
  "event.follow_up_created": "Seguito di un ticket chiuso",
  "event.ticket_linked": "Aperto da una mail che rimandava a un altro ticket",
  "event.message_added": "Messaggio aggiunto",
  "event.status_changed": "Stato cambiato",
  "event.field_changed": "Campo modificato",
  "event.requester_merged": "Richiedente unito",
  "event.acknowledgement_sent": "Conferma di ricezione inviata",
  "event.delivery_changed": "Consegna aggiornata",
  "event.delivery_failed": "Consegna non riuscita",
  "event.delivery_reported": "Rapporto di consegna",
  "event.message_edited": "Messaggio modificato dal cliente",
  "event.message_deleted": "Messaggio eliminato dal cliente",
  "event.reaction": "Reazione",
  "event.call_updated": "Chiamata aggiornata",
  "event.routing_decided": "Decisione di smistamento",
  "event.trigger_fired": "Regola applicata",
  "event.routing_failed": "Smistamento non riuscito",

  "quarantine.title": "Quarantena",
  "quarantine.intro": "Messaggi in arrivo che non sono diventati ticket.",
  "quarantine.received": "Ricevuto",
  "quarantine.sender": "Mittente",
  "quarantine.subject": "Oggetto",
  "quarantine.reason": "Motivo",
  "quarantine.rawKey": "Messaggio originale",
  "quarantine.empty": "La quarantena è vuota.",

  "notice.conflict": "Questo ticket è stato modificato da qualcun altro; ricaricato.",
  "notice.dismiss": "Chiudi",

  "error.network": "Impossibile raggiungere il server. Controlla la connessione e riprova.",
  "error.unauthorized": "La sessione è scaduta. Accedi di nuovo.",
  "error.forbidden": "Non hai i permessi per questa operazione.",
  "error.not_found": "Non trovato.",
  "error.server_error": "Si è verificato un errore sul server. Riprova.",
  "error.rate_limited": "Troppe richieste. Attendi un momento.",
  "error.generic": "Qualcosa è andato storto ({code}).",

  "time.justNow": "adesso",
};

export const dictionaries: Record<Lang, Dictionary> = { en, it };

export type Vars = Record<string, string | number>;
export type Translate = (key: MessageKey, vars?: Vars) => string;

/** Replaces {name} placeholders; unknown placeholders are left as they are. */
export function interpolate(template: string, vars?: Vars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

export function translator(lang: Lang): Translate {
  const dict = dictionaries[lang];
  return (key, vars) => interpolate(dict[key] ?? en[key] ?? key, vars);
}

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

/** "it-IT" → "it"; anything not Italian → "en". */
export function langFromNavigator(languages: readonly string[] | undefined): Lang {
  for (const l of languages ?? []) {
    const base = l.toLowerCase().split("-")[0];
    if (isLang(base)) return base;
  }
  return "en";
}

export const LANG_STORAGE_KEY = "sportello.lang";

export function initialLang(): Lang {
  try {
    const stored = globalThis.localStorage?.getItem(LANG_STORAGE_KEY);
    if (isLang(stored)) return stored;
  } catch {
    // storage unavailable (privacy mode): fall through to the browser language
  }
  const nav = globalThis.navigator;
  return langFromNavigator(nav ? (nav.languages?.length ? nav.languages : [nav.language]) : undefined);
}

export function storeLang(lang: Lang): void {
  try {
    globalThis.localStorage?.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // ignore
  }
}

/** Key for a value in a family (status, priority, …) when the dictionary has one. */
export function optionKey(family: string, value: string): MessageKey | null {
  const key = `${family}.${value}`;
  return Object.prototype.hasOwnProperty.call(en, key) ? (key as MessageKey) : null;
}

export interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
  /** Label for a status/priority/type/channel value; falls back to the raw value. */
  label: (family: "status" | "priority" | "type" | "channel" | "event", value: string) => string;
}

export function makeI18n(lang: Lang, setLang: (lang: Lang) => void): I18n {
  const t = translator(lang);
  return {
    lang,
    setLang,
    t,
    label: (family, value) => {
      const key = optionKey(family, value);
      return key ? t(key) : value;
    },
  };
}

export const I18nContext = createContext<I18n>(makeI18n("en", () => undefined));

export function useI18n(): I18n {
  return useContext(I18nContext);
}

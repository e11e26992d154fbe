import type { Lang } from "./i18n.tsx";

// The catalogue and the lifecycle steps come from the edge in English by id (GET /api/catalogue;
// an employee carries its step's id, edge/contract/steps.ts); what a German visitor reads is
// looked up here by the same id, falling back to the edge's English.
interface Text {
  name: string;
  description?: string;
}

const de: Record<string, Text> = {
  "role.executive-assistant": {
    name: "Assistenz der Geschäftsführung",
    description: "Hält Posteingang, Kalender und Aufgaben im Griff.",
  },
  "role.customer-support": {
    name: "Kundensupport",
    description: "Antwortet Kunden schnell und freundlich, mit dem, was Sie ihm beigebracht haben.",
  },
  "role.sales": {
    name: "Vertrieb",
    description: "Findet Interessenten, recherchiert sie und schreibt die erste Nachricht.",
  },
  "role.marketing-content": {
    name: "Marketing und Inhalte",
    description: "Plant und schreibt Beiträge, Artikel und Newsletter.",
  },
  "role.researcher": {
    name: "Recherche",
    description: "Geht einer Frage nach und liefert eine belegte Antwort.",
  },
  "role.operations-bookkeeping": {
    name: "Betrieb und Buchhaltung",
    description: "Hält Unterlagen, Zahlen und Listen des Unternehmens in Ordnung.",
  },
  "skill.email-drafting": {
    name: "E-Mails entwerfen",
    description: "Schreibt und beantwortet E-Mails in Ihrem Stil.",
  },
  "skill.calendar": {
    name: "Kalender",
    description: "Schlägt Termine vor, bereitet Treffen vor, erinnert.",
  },
  "skill.web-research": {
    name: "Webrecherche",
    description: "Findet, vergleicht und zitiert Quellen im Web.",
  },
  "skill.browser-tasks": {
    name: "Browseraufgaben",
    description: "Füllt Formulare aus und arbeitet Websites für Sie ab.",
  },
  "skill.customer-replies": {
    name: "Kundenantworten",
    description: "Beantwortet Kundenfragen aus Ihrer Wissensdatenbank.",
  },
  "skill.faq-upkeep": {
    name: "FAQ-Pflege",
    description: "Macht aus wiederkehrenden Fragen Hilfeartikel.",
  },
  "skill.lead-research": {
    name: "Interessentenrecherche",
    description: "Findet und qualifiziert passende Interessenten.",
  },
  "skill.outreach": {
    name: "Erstansprache",
    description: "Schreibt persönliche erste Nachrichten und Nachfassungen.",
  },
  "skill.social-posts": {
    name: "Social-Media-Beiträge",
    description: "Plant und entwirft Beiträge für Ihre Kanäle.",
  },
  "skill.blog-writing": {
    name: "Blogartikel",
    description: "Entwirft Artikel und Newsletter nach Vorgabe.",
  },
  "skill.seo": {
    name: "SEO",
    description: "Recherchiert Suchbegriffe und verbessert Seiten für Suchmaschinen.",
  },
  "skill.report-writing": {
    name: "Berichte",
    description: "Fasst Ergebnisse in klaren Berichten zusammen.",
  },
  "skill.document-summaries": {
    name: "Dokumentzusammenfassungen",
    description: "Liest lange Dokumente und zieht das Wichtige heraus.",
  },
  "skill.bookkeeping": {
    name: "Buchhaltung",
    description: "Sortiert Belege und Rechnungen und hält Bücher sauber.",
  },
  "skill.spreadsheets": {
    name: "Tabellen",
    description: "Erstellt und pflegt Tabellen und Listen.",
  },
  "tone.professional": { name: "Professionell", description: "Klar, höflich und auf den Punkt." },
  "tone.friendly": { name: "Freundlich", description: "Herzlich und zugänglich, trotzdem genau." },
  "tone.concise": { name: "Knapp", description: "So wenige Worte wie nötig." },
  "tone.enthusiastic": { name: "Begeistert", description: "Energisch und positiv." },
  "plan.trial": { name: "Test" },
  "plan.starter": { name: "Starter" },
  "plan.pro": { name: "Pro" },
  "plan.business": { name: "Business" },
  "include.1 AI employee for 7 days": { name: "1 KI-Mitarbeiter für 7 Tage" },
  "include.Web chat and live browser view": { name: "Web-Chat und Live-Browseransicht" },
  "include.No card needed": { name: "Keine Karte nötig" },
  "include.1 AI employee": { name: "1 KI-Mitarbeiter" },
  "include.€20 of AI usage a month": { name: "KI-Nutzung für 20 € im Monat" },
  "include.Knowledge base": { name: "Wissensdatenbank" },
  "include.3 AI employees": { name: "3 KI-Mitarbeiter" },
  "include.€75 of AI usage a month": { name: "KI-Nutzung für 75 € im Monat" },
  "include.Shared team knowledge": { name: "Gemeinsames Teamwissen" },
  "include.10 AI employees": { name: "10 KI-Mitarbeiter" },
  "include.€250 of AI usage a month": { name: "KI-Nutzung für 250 € im Monat" },
  "include.Priority support": { name: "Bevorzugter Support" },
  "step.finding_server": { name: "Server wird gesucht" },
  "step.waiting_for_server": { name: "Warten auf einen Server mit Platz" },
  "step.preparing_workspace": { name: "Arbeitsplatz wird vorbereitet" },
  "step.starting_container": { name: "Container wird gestartet" },
  "step.waiting_until_ready": { name: "Warten, bis der Mitarbeiter bereit ist" },
  "step.restarting": { name: "Neustart" },
  "step.stopping": { name: "Wird angehalten" },
  "step.removing": { name: "Container und Daten werden entfernt" },
  "step.taking_snapshot": { name: "Der aktuelle Stand wird gesichert" },
  "step.waiting_for_lost_server": {
    name: "Server antwortet nicht mehr: Umzug auf einen anderen",
  },
  "step.fetching_snapshot": { name: "Die Sicherung wird geholt" },
  "step.swapping_state": { name: "Der gesicherte Stand wird zurückgespielt" },
  "step.moving_to_new_server": { name: "Er wird auf einen anderen Server verlegt" },
};

export type TextKind = "role" | "skill" | "tone" | "plan" | "include" | "step";

export function catalogueText(lang: Lang, kind: TextKind, id: string, english: Text): Text {
  if (lang === "en") return english;
  const hit = de[`${kind}.${id}`];
  return { name: hit?.name ?? english.name, description: hit?.description ?? english.description };
}

export const germanTextIds = () => Object.keys(de);

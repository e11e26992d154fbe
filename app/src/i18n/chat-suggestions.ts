import type { Lang } from "./i18n.tsx";

// Three first messages for an employee of each catalogue role (templates/catalogue.ts, by id), and
// three for any other: what the empty chat offers. Kept here rather than in en.ts/de.ts, as the
// catalogue's own texts are (catalogue-text.ts), so that only the workspace's page carries them.
const SUGGESTIONS: Record<Lang, Record<string, readonly string[]>> = {
  en: {
    "executive-assistant": [
      "Summarise what needs my attention this week.",
      "Draft a polite reply declining a meeting next Tuesday.",
      "Make a to-do list from the notes I attach.",
    ],
    "customer-support": [
      "Draft a friendly answer to a customer asking about a refund.",
      "Which questions do customers ask most, from what you know?",
      "Write an FAQ entry about our delivery times.",
    ],
    sales: [
      "Find five companies in our area that could need our product.",
      "Research this lead and tell me what they care about.",
      "Write a short first message to a new prospect.",
    ],
    "marketing-content": [
      "Plan next week's social media posts.",
      "Write a blog post outline about our newest offer.",
      "Suggest five headlines for our newsletter.",
    ],
    researcher: [
      "What are the latest trends in our industry? Cite your sources.",
      "Compare the three best-known tools for small-team bookkeeping.",
      "Summarise the document I attach in five bullet points.",
    ],
    "operations-bookkeeping": [
      "Make a spreadsheet of this month's expenses from my receipts.",
      "Which invoices are still open, from the list I attach?",
      "Set up a checklist for closing the month.",
    ],
    default: [
      "Tell me what you can do for me.",
      "Read the files I attach and summarise them.",
      "Research a topic for me and cite your sources.",
    ],
  },
  de: {
    "executive-assistant": [
      "Fass zusammen, was diese Woche meine Aufmerksamkeit braucht.",
      "Entwirf eine höfliche Absage für ein Treffen am nächsten Dienstag.",
      "Mach aus den angehängten Notizen eine Aufgabenliste.",
    ],
    "customer-support": [
      "Entwirf eine freundliche Antwort an einen Kunden, der nach einer Erstattung fragt.",
      "Welche Fragen stellen Kunden am häufigsten, nach deinem Wissen?",
      "Schreib einen FAQ-Eintrag zu unseren Lieferzeiten.",
    ],
    sales: [
      "Finde fünf Firmen in unserer Region, die unser Produkt brauchen könnten.",
      "Recherchiere diesen Interessenten und sag mir, was ihm wichtig ist.",
      "Schreib eine kurze erste Nachricht an einen neuen Interessenten.",
    ],
    "marketing-content": [
      "Plane die Social-Media-Beiträge der nächsten Woche.",
      "Gliedere einen Blogbeitrag über unser neuestes Angebot.",
      "Schlag fünf Überschriften für unseren Newsletter vor.",
    ],
    researcher: [
      "Was sind die neuesten Trends in unserer Branche? Mit Quellen, bitte.",
      "Vergleiche die drei bekanntesten Buchhaltungswerkzeuge für kleine Teams.",
      "Fass das angehängte Dokument in fünf Punkten zusammen.",
    ],
    "operations-bookkeeping": [
      "Erstelle aus meinen Belegen eine Tabelle der Ausgaben dieses Monats.",
      "Welche Rechnungen sind laut angehängter Liste noch offen?",
      "Leg eine Checkliste für den Monatsabschluss an.",
    ],
    default: [
      "Sag mir, was du für mich tun kannst.",
      "Lies die angehängten Dateien und fass sie zusammen.",
      "Recherchiere ein Thema für mich, mit Quellen.",
    ],
  },
};

export const SUGGESTION_ROLES = Object.keys(SUGGESTIONS.en);

/** The three suggestions for a role, in the visitor's language (the general three for others). */
export function chatSuggestions(lang: Lang, role: string): readonly string[] {
  const texts = SUGGESTIONS[lang];
  return texts[role] ?? texts.default ?? [];
}

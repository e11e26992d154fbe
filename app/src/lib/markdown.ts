import type MarkdownIt from "markdown-it";
import { createSignal } from "solid-js";
import { isServer } from "solid-js/web";

// The employee's answers are markdown written by a model that reads the web: never trusted as
// HTML. `html: false` turns any tag into text; links are limited to markdown-it's own safe
// protocols (no javascript:, vbscript:, file:, most data:) and open in a new tab without handing
// this page to the opened one. Images are not rendered (the image syntax stays a link): the
// reader's browser would fetch any address the answer names, a beacon that a page the employee
// read could plant (who reads, when, from where, and whatever the model put in the address).
function create(Markdown: typeof MarkdownIt): (text: string) => string {
  const md = new Markdown({ html: false, linkify: true, breaks: true }).disable("image");
  md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
    const token = tokens[idx];
    if (token) {
      token.attrSet("target", "_blank");
      token.attrSet("rel", "noopener noreferrer");
    }
    return self.renderToken(tokens, idx, options);
  };
  return (text) => md.render(text);
}

// markdown-it (with its table of HTML entities) is about as large as the rest of a page's
// JavaScript, so it is fetched when the first answer is shown, not with the page; until then, and
// on the server, an answer is its plain text.
const [renderer, setRenderer] = createSignal<((text: string) => string) | null>(null);
let loading: Promise<void> | undefined;

/** The markdown renderer once it has loaded; null before (show the plain text). */
export function markdownRenderer(): ((text: string) => string) | null {
  if (!isServer && !loading)
    loading = import("markdown-it").then((m) => void setRenderer(() => create(m.default)));
  return renderer();
}

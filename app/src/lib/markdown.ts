import MarkdownIt from "markdown-it";

// The employee's answers are markdown written by a model that reads the web: never trusted as
// HTML. `html: false` turns any tag into text; links are limited to markdown-it's own safe
// protocols (no javascript:, vbscript:, file:, most data:) and open in a new tab without handing
// this page to the opened one.
const md = new MarkdownIt({ html: false, linkify: true, breaks: true });

md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  const token = tokens[idx];
  if (token) {
    token.attrSet("target", "_blank");
    token.attrSet("rel", "noopener noreferrer");
  }
  return self.renderToken(tokens, idx, options);
};

/** Safe HTML for an answer's markdown. */
export const renderMarkdown = (text: string): string => md.render(text);

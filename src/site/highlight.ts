/**
 * Syntax highlighting of code for the exported site, done at export time with
 * highlight.js (its core plus the few languages a course notebook shows), so
 * pages need no script.
 *
 * @module
 */
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import typescript from "highlight.js/lib/languages/typescript";
import { escapeXml } from "../plots/figure.ts";

/** The languages registered, by the names notebooks and code fences use. */
const LANGUAGES = { bash, javascript, json, python, typescript } as const;
const ALIASES: Record<string, keyof typeof LANGUAGES> = {
  ts: "typescript",
  js: "javascript",
  sh: "bash",
  shell: "bash",
};

for (const [name, language] of Object.entries(LANGUAGES)) {
  if (!hljs.getLanguage(name)) hljs.registerLanguage(name, language);
}

/**
 * Code as HTML: `<span class="hljs-…">` tokens when the language is known,
 * escaped plain text otherwise. Never throws on odd code.
 */
export function highlightCode(code: string, language: string | undefined): string {
  const key = language?.toLowerCase();
  const name = key ? (ALIASES[key] ?? key) : undefined;
  if (!name || !hljs.getLanguage(name)) return escapeXml(code);
  return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
}

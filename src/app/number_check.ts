/**
 * Checks that every number a text writes is one of the numbers of a set of
 * facts, allowing the usual roundings: the guard on a language model's
 * narration of the log report, which is given only the facts and must not
 * make numbers up.
 *
 * The rules:
 * - Every number of the facts counts, including those inside strings (a model
 *   called `cnn-5`, a date). A number of a key ending in `_percent` or
 *   `_points` is a percentage.
 * - A number the text writes with `d` decimals matches a fact that rounds to
 *   it at `d` decimals (75.3 and 75 match 75.32; 75.4 does not).
 * - A number followed by `%`, "percent" or "(percentage) points" must match a
 *   percentage of the facts; a bare number may match any fact, or a
 *   percentage written as a fraction (0.75 for 75%).
 * - Signs are ignored (a difference may be written "−3.2 points" or "3.2
 *   points lower"), and so are list numbers at the start of a line ("1.").
 *
 * What it cannot see: a number written in words ("twelve"), and a right
 * number put next to the wrong fact (the accuracy of one model quoted for
 * the other). The narration is labelled as generated for that reason.
 *
 * @module
 */

/** A number found in a text, where it stands and whether it is a percentage. */
export interface WrittenNumber {
  /** As written, e.g. `75.3`. */
  text: string;
  value: number;
  decimals: number;
  percent: boolean;
  /** The words around it, for a message. */
  context: string;
}

/** What {@link checkNumbers} found. */
export interface NumberCheck {
  /** True when every number of the text matches a fact. */
  ok: boolean;
  /** Every number of the text that was checked. */
  numbers: WrittenNumber[];
  /** Those that match no fact. */
  unsupported: WrittenNumber[];
}

/** Digits with optional thousands separators and decimals: 7, 1,234, 75.32. */
const NUMBER = /\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?/g;
/** What marks a number as a percentage when it follows it. */
const PERCENT_AFTER = /^\s*(?:%|percent\b|per cent\b|percentage points?\b|points?\b|pp\b)/i;
/** A fact key whose number is a percentage (or a difference of percentages). */
const PERCENT_KEY = /_(?:percent|points)$/;
/** A numbered list item's marker at the start of a line. */
const LIST_MARKER = /^(\s*)\d+[.)](?=\s)/gm;
/** Characters of context shown either side of a number. */
const CONTEXT_CHARS = 30;
/** Slack for binary floating point in the rounding comparison. */
const EPSILON = 1e-9;

interface Fact {
  value: number;
  percent: boolean;
}

/** The numbers of a text (see the module comment for what counts as a percentage). */
export function writtenNumbers(text: string): WrittenNumber[] {
  const cleaned = text.replace(LIST_MARKER, (_, space: string) => space);
  const numbers: WrittenNumber[] = [];
  for (const match of cleaned.matchAll(NUMBER)) {
    const raw = match[0];
    const end = match.index + raw.length;
    const plain = raw.replaceAll(",", "");
    const decimals = plain.includes(".") ? plain.length - plain.indexOf(".") - 1 : 0;
    numbers.push({
      text: raw,
      value: Number(plain),
      decimals,
      percent: PERCENT_AFTER.test(cleaned.slice(end)),
      context: cleaned.slice(Math.max(0, match.index - CONTEXT_CHARS), end + CONTEXT_CHARS).replace(/\s+/g, " ")
        .trim(),
    });
  }
  return numbers;
}

/** Every number of a JSON value, marked as a percentage by its key. */
function factsOf(value: unknown, key = "", into: Fact[] = []): Fact[] {
  if (typeof value === "number" && Number.isFinite(value)) {
    into.push({ value: Math.abs(value), percent: PERCENT_KEY.test(key) });
  } else if (typeof value === "string") {
    for (const n of writtenNumbers(value)) into.push({ value: n.value, percent: false });
  } else if (Array.isArray(value)) {
    for (const item of value) factsOf(item, key, into);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) factsOf(v, k, into);
  }
  return into;
}

/** True when `fact` rounded to `decimals` decimals is `written`. */
function roundsTo(fact: number, written: number, decimals: number): boolean {
  return Math.abs(fact - written) <= 0.5 * 10 ** -decimals + EPSILON * Math.max(1, fact);
}

function supported(n: WrittenNumber, facts: Fact[]): boolean {
  return facts.some((f) => {
    if (n.percent) return f.percent && roundsTo(f.value, n.value, n.decimals);
    return roundsTo(f.value, n.value, n.decimals) || (f.percent && roundsTo(f.value / 100, n.value, n.decimals));
  });
}

/**
 * Checks every number of `text` against the numbers of `facts` (any JSON value).
 *
 * @example
 * checkNumbers("75% of 20 drawings", { right: 15, labelled: 20, accuracy_percent: 75 }).ok; // true
 * checkNumbers("80% of 20 drawings", { right: 15, labelled: 20, accuracy_percent: 75 }).unsupported[0].text; // "80"
 */
export function checkNumbers(text: string, facts: unknown): NumberCheck {
  const known = factsOf(facts);
  const numbers = writtenNumbers(text);
  const unsupported = numbers.filter((n) => !supported(n, known));
  return { ok: unsupported.length === 0, numbers, unsupported };
}

/**
 * The course in two languages: English, and Korean for the Korean edition
 * (`notebooks/ko/`) and `reproduce --lang ko`. Figures, tables and what the
 * course prints take their words from here.
 *
 * Strings stay next to the code that uses them, as pairs: `tr({ en: "Images
 * per digit", ko: "숫자별 이미지 수" })` returns the one for the language in
 * force. The language is `en` unless `setLanguage("ko")` was called (the
 * Korean notebooks do it in their setup cell) or `MNIST_LANG=ko` is set.
 * Korean terms follow the report's wording (과적합 정도, 에폭, 배치, 합성곱, ...);
 * `docs/GLOSSARY.md` lists them with their English terms and TF.js names.
 *
 * @module
 */

/** The languages of the course. */
export const LANGUAGES = ["en", "ko"] as const;
/** One of {@link LANGUAGES}. */
export type Language = typeof LANGUAGES[number];
/** Environment variable that chooses the language of figures and tables. */
export const LANGUAGE_ENV_VAR = "MNIST_LANG";

/** A text in both languages. */
export type Bilingual = Readonly<Record<Language, string>>;

let chosen: Language | null = null;

/** Checks a language code, failing with the list of known ones. */
export function checkLanguage(code: string): Language {
  if (!(LANGUAGES as readonly string[]).includes(code)) {
    throw new Error(`unknown language '${code}'; the course speaks: ${LANGUAGES.join(", ")}`);
  }
  return code as Language;
}

/** Chooses the language of figures, tables and messages for this process (a notebook's kernel). */
export function setLanguage(code: Language | string): void {
  chosen = checkLanguage(code);
}

/** The language in force: `setLanguage`'s choice, else `MNIST_LANG`, else English. */
export function language(): Language {
  if (chosen) return chosen;
  let env: string | undefined;
  try {
    env = Deno.env.get(LANGUAGE_ENV_VAR);
  } catch {
    env = undefined;
  }
  return env && (LANGUAGES as readonly string[]).includes(env) ? env as Language : "en";
}

/** The text of `pair` in the language in force. */
export function tr(pair: Bilingual): string {
  return pair[language()];
}

/** Runs `fn` with `code` as the language, then puts the previous choice back (for `reproduce --lang`). */
export function withLanguage<T>(code: Language, fn: () => T): T {
  const before = chosen;
  chosen = code;
  try {
    const result = fn();
    if (result instanceof Promise) return result.finally(() => (chosen = before)) as T;
    chosen = before;
    return result;
  } catch (error) {
    chosen = before;
    throw error;
  }
}

/**
 * The particle 로 or 으로 after a number read aloud in Korean: 으로 after a
 * final consonant other than ㄹ (영, 삼, 육), 로 otherwise (일, 이, 칠, 팔, ...).
 *
 * @example
 * `${x}${roAfterNumber(x)}` // "0.3305로", "0.2160으로"
 */
export function roAfterNumber(written: string): "로" | "으로" {
  const last = written.replace(/[^0-9]/g, "").slice(-1);
  return last === "0" || last === "3" || last === "6" ? "으로" : "로";
}

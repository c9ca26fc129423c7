/**
 * The course's editions: the notebooks in `notebooks/` (English) and, beside
 * them, one folder per translation (`notebooks/ko/` for Korean), each holding
 * numbered notebooks `NN-name.ipynb` in reading order. Executed copies and
 * exported pages keep the same layout under `reports/notebooks/`.
 *
 * @module
 */
import { join } from "node:path";

/** A course notebook's file name: two digits, a dash, a kebab-case name. */
export const NOTEBOOK_FILE_PATTERN = /^\d\d-[a-z0-9-]+\.ipynb$/;

/** The edition of the notebooks directly in `notebooks/`. */
export const MAIN_EDITION = "en";

/** The folder of the solutions notebooks (one per chapter), listed after the editions. */
export const SOLUTIONS_DIR = "solutions";

/** Names shown for editions, by folder (a folder not listed is shown by its name). */
export const EDITION_LABELS: Record<string, string> = {
  en: "English",
  ko: "한국어",
  [SOLUTIONS_DIR]: "Solutions to the exercises",
  [`ko-${SOLUTIONS_DIR}`]: "한국어: 연습 문제 해답",
};

/** One edition of the course. */
export interface Edition {
  /** `en` for the main edition, else the folder name (`ko`). */
  id: string;
  /** Shown on the index page. */
  label: string;
  /** The pages' `lang`. */
  lang: string;
  /** The edition's folder relative to `notebooks/` (and to the site): `""` or `"ko"`. */
  dir: string;
  /** Its notebooks' file names, in reading order. */
  files: string[];
}

/** The numbered notebook files in `dir`, sorted (an empty list when `dir` does not exist). */
export async function numberedNotebooks(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && NOTEBOOK_FILE_PATTERN.test(entry.name)) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return names.sort();
}

/**
 * The editions under `root`: the main one (its numbered notebooks) first,
 * then each sub-folder with numbered notebooks, by name (folders are named
 * by language code, `ko`, which is also the pages' `lang`), then the
 * solutions notebooks of `solutions/`, listed like one more edition.
 */
export async function listEditions(root: string): Promise<Edition[]> {
  const editions: Edition[] = [];
  const main = await numberedNotebooks(root);
  if (main.length > 0) {
    editions.push({ id: MAIN_EDITION, label: EDITION_LABELS[MAIN_EDITION], lang: MAIN_EDITION, dir: "", files: main });
  }
  const solutions = await numberedNotebooks(join(root, SOLUTIONS_DIR));
  if (solutions.length > 0) {
    editions.push({
      id: SOLUTIONS_DIR,
      label: EDITION_LABELS[SOLUTIONS_DIR],
      lang: MAIN_EDITION,
      dir: SOLUTIONS_DIR,
      files: solutions,
    });
  }
  const folders: string[] = [];
  for await (const entry of Deno.readDir(root)) {
    if (entry.isDirectory && /^[a-z]{2,3}(-[A-Za-z]+)?$/.test(entry.name)) folders.push(entry.name);
  }
  for (const folder of folders.sort()) {
    const files = await numberedNotebooks(join(root, folder));
    if (files.length > 0) {
      editions.push({ id: folder, label: EDITION_LABELS[folder] ?? folder, lang: folder, dir: folder, files });
    }
    // a translation's solutions, in its own language
    const translated = await numberedNotebooks(join(root, folder, SOLUTIONS_DIR));
    if (translated.length > 0) {
      const id = `${folder}-${SOLUTIONS_DIR}`;
      editions.push({
        id,
        label: EDITION_LABELS[id] ?? `${EDITION_LABELS[folder] ?? folder}: ${EDITION_LABELS[SOLUTIONS_DIR]}`,
        lang: folder,
        dir: `${folder}/${SOLUTIONS_DIR}`,
        files: translated,
      });
    }
  }
  return editions;
}

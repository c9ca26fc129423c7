/**
 * Reading a Jupyter notebook file (nbformat 4) for the exported site: the
 * parts the site shows (cells, their sources and outputs), checked on read so
 * that a damaged file stops with a message naming it.
 *
 * @module
 */

/** Text that nbformat stores either whole or as a list of lines. */
export type MultilineString = string | string[];

/** One output of a code cell. */
export interface NotebookOutput {
  output_type: "execute_result" | "display_data" | "stream" | "error" | string;
  /** MIME bundle of a rich output (`execute_result`, `display_data`). */
  data?: Record<string, MultilineString | Record<string, unknown>>;
  /** Per-MIME metadata, e.g. `{"image/png": {"width": 400}}`. */
  metadata?: Record<string, unknown>;
  /** `stdout` or `stderr` for a stream output. */
  name?: string;
  text?: MultilineString;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** One cell. */
export interface NotebookCell {
  cell_type: "markdown" | "code" | "raw" | string;
  source: MultilineString;
  outputs?: NotebookOutput[];
  execution_count?: number | null;
  /** Files pasted into a markdown cell, referenced as `attachment:<name>`. */
  attachments?: Record<string, Record<string, string>>;
}

/** A notebook document. */
export interface Notebook {
  nbformat: number;
  cells: NotebookCell[];
  metadata: {
    kernelspec?: { language?: string; name?: string; display_name?: string };
    language_info?: { name?: string };
    [key: string]: unknown;
  };
}

/** The nbformat major version this module reads. */
const NBFORMAT = 4;

/** Joins nbformat's list-of-lines text (or returns a whole string as is). */
export function joinText(value: MultilineString | undefined): string {
  return Array.isArray(value) ? value.join("") : value ?? "";
}

/** Parses notebook JSON, checking the structure the site relies on; `name` is used in errors. */
export function parseNotebook(json: string, name: string): Notebook {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`${name} is not valid JSON (${(error as Error).message}); re-run the notebook to rewrite it`);
  }
  const notebook = value as Partial<Notebook>;
  if (typeof notebook !== "object" || notebook === null || notebook.nbformat !== NBFORMAT) {
    throw new Error(`${name} is not a Jupyter notebook in format ${NBFORMAT} (nbformat: ${notebook?.nbformat})`);
  }
  if (!Array.isArray(notebook.cells)) throw new Error(`${name} has no list of cells`);
  notebook.cells.forEach((cell, index) => {
    if (typeof cell?.cell_type !== "string" || (typeof cell.source !== "string" && !Array.isArray(cell.source))) {
      throw new Error(`${name}: cell ${index + 1} has no cell_type or source`);
    }
    if (cell.outputs !== undefined && !Array.isArray(cell.outputs)) {
      throw new Error(`${name}: cell ${index + 1} has outputs that are not a list`);
    }
  });
  return { ...notebook, metadata: notebook.metadata ?? {} } as Notebook;
}

/** Reads and checks a notebook file. */
export async function readNotebook(path: string): Promise<Notebook> {
  return parseNotebook(await Deno.readTextFile(path), path);
}

/** The MIME types of an output that hold a figure (what a reader must see as an image). */
export const FIGURE_MIME_TYPES = ["image/svg+xml", "image/png", "image/jpeg", "image/gif"] as const;

/** True when an output holds a figure (an image of any kind). */
export function isFigureOutput(output: NotebookOutput): boolean {
  return FIGURE_MIME_TYPES.some((type) => output.data?.[type] !== undefined);
}

/**
 * Reading executed notebooks in tests: their cells, outputs and the text an
 * output shows.
 */

/** One output of a code cell, as nbformat stores it. */
export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}

/** One cell, as nbformat stores it. */
export interface Cell {
  cell_type: "markdown" | "code" | "raw";
  source: string | string[];
  outputs?: Output[];
}

/** A multi-line nbformat string (a string or a list of lines) as one string. */
export function joined(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join("") : value ?? "";
}

/** The cells of a notebook file. */
export async function readCells(path: string): Promise<Cell[]> {
  return JSON.parse(await Deno.readTextFile(path)).cells as Cell[];
}

/** Every output of every code cell. */
export function outputsOf(cells: Cell[]): Output[] {
  return cells.flatMap((c) => c.outputs ?? []);
}

/** The text an output shows: its plain text, stream text, or its HTML without the tags. */
export function outputText(o: Output): string {
  const html = joined(o.data?.["text/html"]).replace(/<[^>]+>/g, " ");
  return [joined(o.data?.["text/plain"]), joined(o.text), html].join("\n");
}

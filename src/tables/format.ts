/**
 * Tables for people and for programs: every table `reproduce` writes goes out
 * as CSV (for spreadsheets and scripts) and Markdown (for REPORT.md and
 * browsing the repository), both written atomically.
 *
 * @module
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { writeFileAtomic } from "../fsutil.ts";

/** How to print a cell: numbers with a fixed number of decimals, everything else as text. */
export type CellFormat = (value: unknown, column: string) => string;

/** Default cell format: integers as they are, other numbers with 4 decimals. */
export const defaultCellFormat: CellFormat = (value) => {
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(4);
  if (typeof value === "bigint") return value.toString();
  return value == null ? "" : String(value);
};

/** A DataFrame as a GitHub-flavoured Markdown table. */
export function markdownTable(frame: pl.DataFrame, format: CellFormat = defaultCellFormat): string {
  const columns = frame.columns;
  const escape = (s: string) => s.replaceAll("|", "\\|");
  const rows = frame.toRecords().map((record) =>
    `| ${columns.map((c) => escape(format((record as Record<string, unknown>)[c], c))).join(" | ")} |`
  );
  return [`| ${columns.map(escape).join(" | ")} |`, `| ${columns.map(() => "---").join(" | ")} |`, ...rows].join("\n") +
    "\n";
}

/** A DataFrame as CSV text (header row, comma-separated, full precision). */
export function csvText(frame: pl.DataFrame): string {
  return frame.writeCSV().toString();
}

/** Writes `<dir>/<name>.csv` and `<dir>/<name>.md`; returns both paths. */
export async function saveTable(
  frame: pl.DataFrame,
  dir: string,
  name: string,
  format: CellFormat = defaultCellFormat,
): Promise<string[]> {
  const csvPath = join(dir, `${name}.csv`);
  const mdPath = join(dir, `${name}.md`);
  await writeFileAtomic(csvPath, csvText(frame));
  await writeFileAtomic(mdPath, markdownTable(frame, format));
  return [csvPath, mdPath];
}

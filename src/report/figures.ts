/** Figures of the report (filled in from src/plots once it lands). */
import type { ReproduceResults } from "./reproduce.ts";
import type { WrittenFigure } from "./markdown.ts";

export function writeReportFigures(_results: ReproduceResults, _dir: string): Promise<WrittenFigure[]> {
  return Promise.resolve([]);
}

/**
 * Notebook 06's side-by-side tables (src/tables/drawing.ts) on a small study
 * whose answers are known: the counts of drawings both models, one of them or
 * neither read right, the accuracies, and the groups by pen width.
 */
import { assertEquals, assertThrows } from "./assert.ts";
import type { StudyResult } from "../src/draw/study.ts";
import { drawingAccuracyTable, penInInput, penWidthTable, sideBySideTable } from "../src/tables/drawing.ts";

const labels = Uint8Array.from([1, 2, 3, 4]);
/** Four drawings; the MLP and the CNN right on the ones marked, under each recipe. */
function study(): StudyResult {
  const answers = (right: boolean[]) => Uint8Array.from(right, (ok, i) => (ok ? labels[i] : (labels[i] + 1) % 10));
  const pens = [{ pen: 8, height: 200 }, { pen: 12, height: 120 }, { pen: 20, height: 120 }, { pen: 26, height: 156 }];
  return {
    prepared: {
      specs: pens.map((p, i) => ({ index: i, label: labels[i], x: 0, y: 0, ...p })),
      labels,
      inputs: {} as StudyResult["prepared"]["inputs"],
      milliseconds: 0,
    },
    predictions: {
      MLP: {
        v1: answers([false, false, false, true]),
        v2: answers([true, false, true, false]),
        v3: answers([true, true, true, false]),
      },
      CNN: {
        v1: answers([false, true, false, true]),
        v2: answers([true, true, true, false]),
        v3: answers([false, true, true, true]),
      },
    },
    mnistAccuracy: { MLP: 0.75, CNN: 1 },
    table: null as unknown as StudyResult["table"],
  };
}

Deno.test("sideBySideTable: per recipe, each accuracy, the difference in points, and who read which drawing", () => {
  assertEquals(sideBySideTable(study(), "MLP", "CNN").toRecords(), [
    {
      preprocessing: "v1",
      MLP: "25.00%",
      CNN: "50.00%",
      "CNN − MLP (points)": "+25.00",
      "both right": 1,
      "only MLP right": 0,
      "only CNN right": 1,
      "both wrong": 2,
    },
    {
      preprocessing: "v2",
      MLP: "50.00%",
      CNN: "75.00%",
      "CNN − MLP (points)": "+25.00",
      "both right": 2,
      "only MLP right": 0,
      "only CNN right": 1,
      "both wrong": 1,
    },
    {
      preprocessing: "v3",
      MLP: "75.00%",
      CNN: "75.00%",
      "CNN − MLP (points)": "0.00",
      "both right": 2,
      "only MLP right": 1,
      "only CNN right": 1,
      "both wrong": 0,
    },
  ]);
  assertThrows(() => sideBySideTable(study(), "MLP", "ResNet"), RangeError, "it has MLP, CNN");
});

Deno.test("drawingAccuracyTable and penWidthTable: percentages per recipe, and per pen width under v3", () => {
  assertEquals(drawingAccuracyTable(study()).getColumn("CNN").toArray(), ["50.00%", "75.00%", "75.00%", "100.00%"]);
  assertEquals(study().prepared.specs.map(penInInput), [0.8, 2, 20 / 6, 10 / 3]);
  assertEquals(penWidthTable(study()).toRecords(), [
    { "pen in the 28×28 input": "under 1.5 px", drawings: 1, MLP: "100.00%", CNN: "0.00%" },
    { "pen in the 28×28 input": "1.5 to 2.5 px", drawings: 1, MLP: "100.00%", CNN: "100.00%" },
    { "pen in the 28×28 input": "2.5 px and wider", drawings: 2, MLP: "50.00%", CNN: "100.00%" },
  ]);
});

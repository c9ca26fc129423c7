/**
 * The course in Korean: `setLanguage("ko")` (or `MNIST_LANG=ko`) puts figures'
 * titles, axes and legends, tables' headers and rows, and the course's
 * messages in Korean, with the report's own wording for table 5.1 and 5.2;
 * English stays the default.
 */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { checkLanguage, language, roAfterNumber, setLanguage, tr, withLanguage } from "../src/i18n.ts";
import { learningCurvesFigure } from "../src/figures/models.ts";
import { comparisonMarkdown, comparisonTable, structuralComparison } from "../src/tables/comparison.ts";
import { historyTable } from "../src/tables/models.ts";
import { restoredLine } from "../src/display/training.ts";
import type { Figure } from "../src/plots/figure.ts";

const rows = [
  { epoch: 1, accuracy: 0.9, loss: 0.3, val_accuracy: 0.95, val_loss: 0.2, seconds: 1.5 },
  { epoch: 2, accuracy: 0.95, loss: 0.2, val_accuracy: 0.96, val_loss: 0.18, seconds: 1.4 },
];
const metrics = { trainAccuracy: 0.99, testAccuracy: 0.98, trainLoss: 0.03, testLoss: 0.06 };

Deno.test("English by default; Korean on request, for one call or for the process", () => {
  assertEquals(language(), Deno.env.get("MNIST_LANG") === "ko" ? "ko" : "en");
  assertEquals(withLanguage("ko", () => tr({ en: "test", ko: "테스트" })), "테스트");
  assertEquals(withLanguage("en", () => tr({ en: "test", ko: "테스트" })), "test");
  assertThrows(() => checkLanguage("fr"), Error, "the course speaks: en, ko");
});

Deno.test("a figure in Korean: its title, axes and series names are Hangul; in English, none", () => {
  const ko = withLanguage("ko", () => learningCurvesFigure("MLP", rows) as Figure).svg;
  for (const word of ["MLP 학습 곡선", "에폭", "정확도", "손실", "학습", "검증"]) assert(ko.includes(word), word);
  const en = withLanguage("en", () => learningCurvesFigure("MLP", rows) as Figure).svg;
  assert(!/[\uac00-\ud7a3]/.test(en), "no Hangul in the English figure");
  assert(en.includes("MLP learning curves") && en.includes("epoch"));
});

Deno.test("table 5.1 and 5.2 in the report's wording in Korean; CSV keys stay English", () => {
  const frame = comparisonTable(5, { mlp: metrics, cnn: metrics });
  assertEquals(frame.getColumn("metric").toArray()[0], "train accuracy");
  const markdown = withLanguage("ko", () => comparisonMarkdown(frame.drop("epochs")));
  for (const word of ["평가 기준", "학습 정확도", "테스트 손실", "과적합 정도", "차이"]) {
    assert(markdown.includes(word), word);
  }
  assert(markdown.includes("99.00%") && markdown.includes("0.0300"), "the report's number formats");
  const structure = withLanguage("ko", () => structuralComparison());
  assertEquals(structure.columns, ["특성", "MLP", "CNN"]);
  assertEquals(structure.getColumn("특성").toArray()[0], "연결 방식");
  const history = withLanguage("ko", () => historyTable(rows));
  assertEquals(history.columns, ["에폭", "accuracy", "loss", "val_accuracy", "val_loss", "초"]);
});

Deno.test("the course's messages in Korean", () => {
  const line = withLanguage(
    "ko",
    () => restoredLine({ path: "data/models/x", savedAt: "2026-12-01T00:00:00Z", seconds: 12.34 }),
  );
  assert(line.startsWith("모델 캐시에서 복원했습니다 (data/models/x)") && line.includes("12.3초"), line);
  setLanguage("en");
});

Deno.test("로 or 으로 after a number, by how its last digit is read", () => {
  assertEquals(["0.3305", "0.2160", "98.63", "12", "7", "1,000"].map(roAfterNumber), [
    "로",
    "으로",
    "으로",
    "로",
    "로",
    "으로",
  ]);
});

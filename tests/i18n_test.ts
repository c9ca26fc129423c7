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
import type { Tile } from "../src/plots/digits.ts";
import pl from "nodejs-polars";
import { confusionTable } from "../src/tables/models.ts";
import {
  firstEpochsTable,
  fivePointRule,
  perDigitChangeTable,
  settingsRow,
  settingsTable,
  source001Table,
  source002Table,
  source003Table,
  testLossTable,
} from "../src/tables/sources.ts";
import { drawingAccuracyTable, penWidthTable, sideBySideTable } from "../src/tables/drawing.ts";
import { disagreementTiles, modeTable, prepareDrawings, type StudyResult } from "../src/draw/study.ts";
import { drawingSpecs } from "../src/draw/drawing_set.ts";
import { augmentationTiles, augmentationTitle, earlyStoppingCurvesFigure } from "../src/figures/extensions.ts";
import { SOURCE_001_AUGMENTATION } from "../src/data/augment.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { getRun, type RunResult, RUNS } from "../src/runs.ts";
import { REPORT_FIGURES, REPORT_TABLES } from "../src/report/reproduce.ts";
import { renderReportMarkdown } from "../src/report/markdown.ts";
import { buildLogReport } from "../src/app/log_report.ts";
import type { LoggedPrediction } from "../src/app/log.ts";
import { SOURCE_FIGURES, SOURCE_TABLES } from "../src/report/sources.ts";
import { markdownTable } from "../src/tables/format.ts";
import { epochRows, fakeResults } from "./report_fixture.ts";

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

/** Latin words a Korean table or figure may show: model and run names, the recipes, units, TF.js's names, n (a count). */
const NAMES = /^(n|MLP|CNN|MNIST|ECE|v[123]|px|patience|adam|rmsprop|Dense|Conv2D|MaxPooling2D|Flatten|(mlp|cnn)_\d+)$/;
const RUN_NAME = /^[a-z0-9]+(-[a-z0-9]+)+$/;

/** The English words in `texts` (anything Latin that is not a name; %p is Korean's percentage point). */
function englishIn(texts: string[]): string[] {
  const words = texts.flatMap((t) => t.match(/(?<![%\w])[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9]+)*/g) ?? []);
  return [...new Set(words.filter((w) => !NAMES.test(w) && !RUN_NAME.test(w)))];
}

/** A table's headers and text cells. */
function textsOf(frame: pl.DataFrame): string[] {
  const cells = frame.toRecords().flatMap((r) => Object.values(r).filter((v) => typeof v === "string") as string[]);
  return [...frame.columns, ...cells];
}

/** The words shown in an SVG figure (its `<text>` elements). */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).concat(
    [...svg.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((m) => m[1]),
  );
}

const score = (accuracy: number, loss: number) => ({ accuracy, loss });

Deno.test("the sources' tables in Korean (notebooks 08 and 09): headers, the source's rows and verdicts; English as before", () => {
  const rows = epochRows(12);
  const build = () => ({
    source002: source002Table([{ run: "이 과정", epochs: "100", train: score(1, 0), test: score(0.98, 0.2) }]),
    testLoss: testLossTable(rows),
    firstEpochs: firstEpochsTable(rows),
    source003: source003Table([{ run: "이 과정", input: "÷ 255", train: score(1, 0), test: score(0.98, 0.07) }]),
    source001: source001Table([{
      run: "source-001-cnn",
      change: "기준 모델",
      trainImages: 60000,
      epochs: "5",
      test: {
        accuracy: 0.99,
        loss: 0.03,
        predictions: Uint8Array.from([1, 8]),
        probabilities: new Float32Array(20),
        count: 2,
      },
      labels: [1, 2],
    }]),
    perDigit: perDigitChangeTable([...Array(10).keys()], { run: "a-b", predictions: [...Array(10).keys()] }, []),
  });
  const ko = withLanguage("ko", build);
  for (const [name, frame] of Object.entries(ko)) assertEquals(englishIn(textsOf(frame)), [], name);
  assertEquals(ko.source002.columns, [
    "실행",
    "에폭",
    "학습 정확도",
    "테스트 정확도",
    "과적합 정도 (%p)",
    "5%p 규칙",
    "학습 손실",
    "테스트 손실",
  ]);
  assertEquals(ko.source002.getColumn("실행").toArray()[0], "자료 002 (출력된 값)");
  assertEquals(ko.source002.getColumn("5%p 규칙").toArray(), ["적절한 일반화 성능", "적절한 일반화 성능"]);
  assertEquals(withLanguage("ko", () => fivePointRule(1, 0.9)), "과적합 가능성");
  assertEquals(ko.source001.columns.at(-1), "8로 잘못 답한 수");
  assert(String(ko.source003.getColumn("테스트 정확도").toArray()[0]).startsWith("약 98%"));
  assert(ko.testLoss.getColumn("비고").toArray().includes("테스트 손실 최저"));

  const en = withLanguage("en", build);
  assertEquals(en.source002.columns, [
    "run",
    "epochs",
    "train_accuracy",
    "test_accuracy",
    "gap_points",
    "five_point_rule",
    "train_loss",
    "test_loss",
  ]);
  assertEquals(en.testLoss.columns, [
    "epoch",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "times_lowest_test_loss",
    "note",
  ]);
  assertEquals(en.firstEpochs.columns, ["epoch", "source_accuracy", "our_accuracy", "source_loss", "our_loss"]);
  assertEquals(en.source003.columns, ["run", "input", "epochs", "train_accuracy", "test_accuracy", "test_loss"]);
  assertEquals(en.source001.columns, [
    "run",
    "change",
    "training_images",
    "epochs",
    "test_accuracy",
    "vs_baseline_points",
    "test_loss",
    "wrong_8_answers",
  ]);
  assertEquals(en.perDigit.columns, ["digit", "test_images", "a-b"]);
});

Deno.test("the overview of every model at its source's settings: Korean headers, sources and the post's claim", () => {
  const row = (name: string) =>
    settingsRow(
      {
        spec: getRun(name),
        model: { countParams: () => 1000 },
        rows: epochRows(5),
        seconds: 10,
      } as unknown as RunResult,
      score(0.98, 0.05),
    );
  const names = Object.keys(RUNS);
  const ko = withLanguage("ko", () => settingsTable(names.map(row)));
  assertEquals(englishIn(textsOf(ko)), []);
  assertEquals(ko.getColumn("출처").toArray().slice(0, 2), ["보고서 §2.2", "보고서 §2.2"]);
  const published = Object.fromEntries(names.map((n, i) => [n, ko.getColumn("출처의 테스트 정확도").toArray()[i]]));
  assertEquals([published["source-003-mlp"], published["mlp-5"]], ["약 98%", "97.70%"]);
  const en = settingsTable(names.map(row));
  assertEquals(en.columns, [
    "model",
    "source",
    "parameters",
    "optimizer",
    "epochs",
    "batch_size",
    "seconds_per_epoch",
    "test_accuracy",
    "test_loss",
    "source_test_accuracy",
  ]);
  assertEquals(en.getColumn("source").toArray(), names.map((n) => getRun(n).source));
  assertEquals(en.getColumn("source_test_accuracy").toArray()[names.indexOf("source-003-mlp")], "about 98%");
});

Deno.test("every table REPORT.ko.md shows is Korean; the English tables (and so the CSV files) are as before", async () => {
  const results = await fakeResults();
  const shown = [
    "class-counts",
    "comparison-5-epochs",
    "per-class-accuracy",
    "agreement",
    "parameters",
    "confusion-cnn-10-epochs",
    // the history CSV files are data for programs, in Keras's names, and no REPORT shows them
    ...SOURCE_TABLES.map((e) => e.name).filter((name) => !name.startsWith("history-")),
  ];
  for (const entry of REPORT_TABLES.filter((e) => shown.includes(e.name))) {
    const markdown = withLanguage("ko", () => {
      const frame = entry.build(results);
      return entry.markdown?.(frame) ?? markdownTable(frame, entry.format);
    });
    assertEquals(englishIn([markdown]), [], entry.name);
    assert(/[\uac00-\ud7a3]/.test(markdown.split("\n")[0]), `${entry.name}: no Korean header`);
    const english = withLanguage("en", () => entry.build(results)).columns;
    assert(!english.some((c) => /[\uac00-\ud7a3]/.test(c)), `${entry.name}: Hangul in the English table`);
  }
  const source001 = withLanguage(
    "en",
    () => REPORT_TABLES.find((e) => e.name === "source-001-results")!.build(results),
  );
  assertEquals(source001.getColumn("change").toArray()[0], "baseline");
  const perClass = REPORT_TABLES.find((e) => e.name === "per-class-accuracy")!;
  const perClassEn = withLanguage("en", () => perClass.markdown!(perClass.build(results)));
  assert(perClassEn.startsWith("| digit | mlp_10 |") && perClassEn.includes("\n| 0 | "), perClassEn);
});

Deno.test("notebook 06's tables in Korean: the recipes side by side, accuracy per recipe and per pen width", () => {
  const study = fakeResults().then((r) => r.sources!.drawings);
  return study.then((s) => {
    const [a, b] = Object.keys(s.predictions);
    const ko = withLanguage(
      "ko",
      () => [sideBySideTable(s, a, b), drawingAccuracyTable(s), penWidthTable(s), modeTable()],
    );
    for (const frame of ko) assertEquals(englishIn(textsOf(frame)), [], frame.columns.join());
    assertEquals(ko[0].columns.slice(3), [
      `${b} − ${a} (%p)`,
      "둘 다 맞음",
      `${a}만 맞음`,
      `${b}만 맞음`,
      "둘 다 틀림",
    ]);
    assertEquals(ko[1].getColumn("전처리").toArray(), ["v1", "v2", "v3", "MNIST 이미지 그대로"]);
    assertEquals(ko[2].columns.slice(0, 2), ["28×28 입력에서의 펜 굵기", "그림 수"]);
    const en = [sideBySideTable(s, a, b), drawingAccuracyTable(s), penWidthTable(s), modeTable()];
    assertEquals(en[0].columns.slice(3), [
      `${b} − ${a} (points)`,
      "both right",
      `only ${a} right`,
      `only ${b} right`,
      "both wrong",
    ]);
    assertEquals(en[1].getColumn("preprocessing").toArray().at(-1), "MNIST image itself");
    assertEquals(en[2].getColumn("pen in the 28×28 input").toArray(), [
      "under 1.5 px",
      "1.5 to 2.5 px",
      "2.5 px and wider",
    ]);
    assertEquals(en[3].columns, ["mode", "recipe"]);
  });
});

Deno.test("the confusion table in Korean: 실제 숫자 and 예측 N, as the confusion figure's axes", () => {
  const matrix = Array.from({ length: 10 }, (_, t) => Array.from({ length: 10 }, (_, p) => (t === p ? 9 : 0)));
  const ko = withLanguage("ko", () => confusionTable(matrix));
  assertEquals(ko.columns.slice(0, 3), ["실제 숫자", "예측 0", "예측 1"]);
  assertEquals(englishIn(ko.columns), []);
  assertEquals(confusionTable(matrix).columns.slice(0, 3), ["true", "pred_0", "pred_1"]);
});

Deno.test("notebook 07's figures in Korean: the augmented copies' title and captions, early stopping's title and mark", async () => {
  const { train } = await loadMnist();
  const options = { ...SOURCE_001_AUGMENTATION, stroke: 0.45 };
  const [title, tiles] = withLanguage(
    "ko",
    () => [augmentationTitle(5, options), augmentationTiles(train, [0], 2, 1, options)],
  );
  assertEquals(title, "숫자마다 무작위 사본 5개 (회전 ≤ 5°, 확대/축소 ≤ 5%, 이동 ≤ 5%, 펜 자르기 0.05–0.95)");
  const captions = (tiles as Tile[]).flatMap((t) => (t.caption ?? []).map((c) => (typeof c === "string" ? c : c.text)));
  assertEquals(captions[0], `원본 ${train.labels[0]}`);
  assertEquals(englishIn(captions), []);
  assertEquals(
    augmentationTitle(5, SOURCE_001_AUGMENTATION),
    "Each digit and 5 random copies (rotation ≤ 5°, zoom ≤ 5%, shift ≤ 5%)",
  );
  assertEquals(augmentationTiles(train, [0], 1)[0].caption, [`original ${train.labels[0]}`]);

  const ko = withLanguage("ko", () => earlyStoppingCurvesFigure(epochRows(10), 6, 3) as Figure).svg;
  assert(ko.includes("조기 종료 (patience 3): 남긴 가중치는 6번째 에폭의 것") && ko.includes(">남김<"));
  assertEquals(englishIn(svgTexts(ko)), []);
  const en = (earlyStoppingCurvesFigure(epochRows(10), 6, 3) as Figure).svg;
  assert(en.includes("Early stopping (patience 3): the weights kept are epoch 6's") && en.includes(">kept<"));
});

Deno.test("the sources' figures of reproduce --lang ko: every title, axis and label Korean; English as before", async () => {
  const results = await fakeResults();
  for (const entry of SOURCE_FIGURES) {
    const ko = withLanguage("ko", () => entry.build(results) as Figure).svg;
    assertEquals(englishIn(svgTexts(ko)), [], entry.name);
  }
  const curves = SOURCE_FIGURES.find((e) => e.name === "source-002-curves")!;
  assert((withLanguage("en", () => curves.build(results)) as Figure).svg.includes("Source 002's MLP, 100 epochs"));
});

/** Names REPORT.ko.md's prose writes in Latin letters, as the report does (its libraries, layers and formats). */
const PROSE_NAMES =
  /^(TypeScript|TensorFlow|js|wasm|cpu|Adam|RMSprop|Keras|Colab|ReLU|Flatten|Dense|Conv2D|MaxPooling|MaxPool|softmax|README|SVG|PNG|CSV|Markdown|json)$/;

Deno.test("REPORT.ko.md: Korean prose in the report's terms, with the sections, figures and tables of REPORT.md", async () => {
  const results = await fakeResults(true);
  const render = (lang: "en" | "ko") =>
    withLanguage(lang, () => {
      const tables = Object.fromEntries(REPORT_TABLES.map((entry) => {
        const frame = entry.build(results);
        return [entry.name, entry.markdown?.(frame) ?? markdownTable(frame, entry.format)];
      }));
      const figures = REPORT_FIGURES.map((f) => ({
        name: f.name,
        title: f.title[lang],
        paths: [`/out/figures/${lang === "en" ? "" : `${lang}/`}${f.name}.svg`],
      }));
      const notebooks = ["/out/notebooks/06-drawing.html"];
      return renderReportMarkdown({ results, tables, figures, notebooks, outDir: "/out" });
    });
  const [en, ko] = [render("en"), render("ko")];
  // the prose: no table rows, code spans, links to files, nor the README section it names in English
  const prose = ko.split("\n").filter((line) => !line.startsWith("|")).join("\n")
    .replace(/`[^`]*`/g, "").replace(`"What a full run gives"`, "")
    // a link keeps its text when that is Korean words (a figure's title), not a file name
    .replace(/\[([^\]]*)\]\([^)]*\)/g, (_, text: string) => (/[\uac00-\ud7a3]/.test(text) ? text : ""));
  assertEquals(englishIn([prose]).filter((w) => !PROSE_NAMES.test(w)), []);
  for (
    const term of [
      "과적합 정도",
      "에폭",
      "테스트 정확도",
      "검증 데이터",
      "희소 범주형 교차 엔트로피",
      "원-핫 레이블",
      "자료 002",
      "기준 모델",
      "조기 종료",
      "미세 조정",
      "빠른 실행 모드",
    ]
  ) {
    assert(ko.includes(term), term);
  }
  // the same outline: headings, figures (from figures/ko/), tables (the same rows), in the same order
  const outline = (text: string) =>
    text.split("\n").filter((l) => l.startsWith("#")).map((l) => l.match(/^#+ (\d[\d.]*)?/)![0]);
  assertEquals(outline(ko), outline(en));
  const images = (text: string) => [...text.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
  assertEquals(images(ko), images(en).map((p) => p.replace("figures/", "figures/ko/")));
  const tableRows = (text: string) => text.split("\n").filter((l) => l.startsWith("|")).length;
  assertEquals(tableRows(ko), tableRows(en));
  assert(!/[\uac00-\ud7a3]/.test(en), "Hangul in REPORT.md");
  assert(en.includes("## 5. Comparison (report section 5)") && en.includes("> **Quick mode.**"));
});

Deno.test("the prediction log's tables and figures in Korean (notebook 06 shows them); English as before", () => {
  const entry = (
    id: string,
    model: string,
    digit: number,
    label: number | null,
    confidence: number,
    second: number,
  ): LoggedPrediction => {
    const probabilities = new Array(10).fill((1 - confidence) / 9);
    probabilities[digit] = confidence;
    return {
      type: "prediction",
      id,
      time: new Date(Date.UTC(2026, 0, 1) + second * 1000).toISOString(),
      model,
      mode: "v3",
      digit,
      confidence,
      probabilities,
      input: Array.from({ length: 784 }, (_, p) => (p * (second + 1)) % 256),
      label,
    };
  };
  // two models on one drawing (they disagree), a low-confidence answer, a mistake, an unlabelled answer
  const predictions: LoggedPrediction[] = [
    entry("a", "mlp-5", 1, 7, 0.6, 0),
    { ...entry("b", "cnn-5", 7, 7, 0.9, 1), input: entry("a", "mlp-5", 1, 7, 0.6, 0).input },
    entry("c", "cnn-5", 3, null, 0.5, 100),
    entry("d", "mlp-5", 4, 4, 0.95, 200),
  ];
  const ko = withLanguage("ko", () => buildLogReport({ predictions, warnings: [] }));
  for (const [name, frame] of Object.entries(ko.tables)) assertEquals(englishIn(textsOf(frame)), [], name);
  for (const [name, figure] of Object.entries(ko.figures)) {
    if (figure && "svg" in figure) assertEquals(englishIn(svgTexts(figure.svg)), [], name);
  }
  assertEquals(ko.tables.summary.getColumn("항목").toArray()[0], "기록된 예측");
  const en = buildLogReport({ predictions, warnings: [] });
  assertEquals(en.tables.summary.columns, ["measure", "value"]);
  assertEquals(en.tables.calibration.columns.at(-1), "expected calibration error (points)");
  assert(!/[\uac00-\ud7a3]/.test(en.markdown), "Hangul in the English log report");
  assert((en.figures.confidence as Figure).svg.includes("How sure the models were"));
});

Deno.test("notebook 06's gallery of drawings the recipes disagree on: its captions in Korean", async () => {
  const { test } = await loadMnist();
  const specs = drawingSpecs(test, { count: 2 });
  const prepared = prepareDrawings(test, specs);
  const answers = Uint8Array.from(prepared.labels);
  const study = {
    prepared,
    predictions: { CNN: { v1: answers.map((d) => (d + 1) % 10), v2: answers, v3: answers } },
    mnistAccuracy: { CNN: 1 },
    table: null as unknown as StudyResult["table"],
  };
  const captions = (tiles: Tile[]) =>
    tiles.flatMap((t) => (t.caption ?? []).map((c) => (typeof c === "string" ? c : c.text)));
  const ko = captions(withLanguage("ko", () => disagreementTiles(study, test, "CNN", [0])));
  assertEquals(ko.slice(0, 2), [`그린 숫자 ${specs[0].label}`, `${specs[0].height}px, 펜 ${specs[0].pen}`]);
  assertEquals(englishIn(ko), []);
  assertEquals(captions(disagreementTiles(study, test, "CNN", [0]))[0], `drawn ${specs[0].label}`);
});

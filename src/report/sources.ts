/**
 * The second group of `reproduce`'s outputs: the sources' runs at their own
 * settings (source 002's 100 epochs at batch 128 and the same model with early
 * stopping, source 003's Dense-512 with and without `/ 255`, source 001's
 * deeper CNN at batch 64 and its three extensions), trained through the same
 * registry and cache as notebooks 08 and 09, evaluated, and written as tables,
 * figures and REPORT.md's section "The sources' runs", with each source's own
 * numbers beside ours. `reproduce --no-sources` leaves the group out.
 *
 * @module
 */
import type { CourseMnist } from "../data/course_data.ts";
import { tf } from "../tf.ts";
import { getRun, type RunResult, trainRun, type TrainRunOptions } from "../runs.ts";
import { evaluateModel, type Evaluation } from "../evaluate.ts";
import { SOURCE_001_REDUCTION } from "../data/rebalance.ts";
import { sliceSplit } from "../data/splits.ts";
import { drawingSpecs } from "../draw/drawing_set.ts";
import { prepareDrawings, runPreprocessingStudy, type StudyResult } from "../draw/study.ts";
import { imageTensor, oneHotTensor } from "../data/tensors.ts";
import { createWideMlp } from "../models/presets.ts";
import { historyFrame } from "../tables/models.ts";
import {
  drawingAccuracyTable,
  firstEpochsTable,
  inputScaleTable,
  lowestLossEpoch,
  perDigitChangeTable,
  type SettingsRow,
  settingsRow,
  settingsTable,
  source001Table,
  source002Table,
  source003Table,
  testLossTable,
} from "../tables/sources.ts";
import { perDigitChangeFigure, rawPixelsFigure, testCurvesFigure } from "../figures/sources.ts";
import { earlyStoppingCurvesFigure } from "../figures/extensions.ts";
import { SOURCE_001, SOURCE_002, SOURCE_003 } from "../sources.ts";
import { EARLY_STOPPING } from "../runs.ts";
import type { FigureEntry, ReproduceResults, TableEntry } from "./results.ts";
import { QUICK_SIZES } from "../course_env.ts";
import { overfittingGap } from "../evaluate.ts";
import { tr } from "../i18n.ts";

/** The sources' runs, in the order `reproduce` trains them (one step per source). */
export const SOURCE_STEPS = [
  {
    name: "train source 002's runs (100 epochs at batch 128; then with early stopping)",
    runs: ["source-002-mlp", "source-002-early-stopping"],
  },
  {
    name: "train source 003's runs (10 epochs at batch 128, with and without / 255)",
    runs: ["source-003-mlp", "source-003-mlp-raw"],
  },
  {
    name: "train source 001's runs (its CNN, 5 epochs at batch 64, and its three extensions)",
    runs: [
      "source-001-cnn",
      "source-001-cnn-fewer-eights",
      "source-001-cnn-augmented-069",
      "source-001-cnn-fine-tuned",
    ],
  },
] as const;

/** Every source run, by its one name. */
export const SOURCE_RUNS = SOURCE_STEPS.flatMap((s) => s.runs);
/** One of {@link SOURCE_RUNS}. */
export type SourceRun = typeof SOURCE_RUNS[number];

/** The runs measured on the training images too (the ones whose tables show the train–test gap). */
const TRAIN_EVALUATED: readonly SourceRun[] = [
  "source-002-mlp",
  "source-002-early-stopping",
  "source-003-mlp",
  "source-003-mlp-raw",
];

/** A source run with its evaluations (on the training images only where a table needs them). */
export interface EvaluatedSourceRun {
  run: RunResult;
  train: Evaluation | null;
  test: Evaluation;
}

/** What the sources' tables, figures and section of REPORT.md are made from. */
export interface SourceResults {
  runs: Record<SourceRun, EvaluatedSourceRun>;
  /** Source 001's four models on the drawing set of notebook 06. */
  drawings: StudyResult;
}

/** Trains (or restores) the runs of one step of {@link SOURCE_STEPS}. */
export async function trainSourceStep(
  step: typeof SOURCE_STEPS[number],
  data: CourseMnist,
  options: TrainRunOptions,
  log: (line: string) => void,
): Promise<Partial<Record<SourceRun, RunResult>>> {
  const trained: Partial<Record<SourceRun, RunResult>> = {};
  for (const name of step.runs) {
    const result = await trainRun(name, data, options);
    log(
      result.fromCache
        ? `  ${name}: restored from the model cache (${result.history.path}; trained in ${result.seconds.toFixed(1)} s)`
        : `  ${name}: trained in ${result.seconds.toFixed(1)} s`,
    );
    trained[name] = result;
  }
  return trained;
}

/** Evaluates every source run on the test images (and some on the training images) and source 001's on the drawings. */
export function evaluateSourceRuns(trained: Record<SourceRun, RunResult>, data: CourseMnist): SourceResults {
  const runs = {} as Record<SourceRun, EvaluatedSourceRun>;
  for (const name of SOURCE_RUNS) {
    const run = trained[name];
    const options = { pixels: run.spec.pixels };
    runs[name] = {
      run,
      train: TRAIN_EVALUATED.includes(name) ? evaluateModel(run.model, data.train, options) : null,
      test: evaluateModel(run.model, data.test, options),
    };
  }
  const specs = drawingSpecs(data.test, { count: Math.min(DRAWINGS, data.test.count) });
  const models = Object.fromEntries(SOURCE_001_RUNS.map((name) => [name, runs[name].run.model]));
  const drawings = runPreprocessingStudy(models, data.test, prepareDrawings(data.test, specs));
  return { runs, drawings };
}

/** Drawings of notebook 06's set that source 001's models are measured on (all of the test set's in quick mode). */
const DRAWINGS = 2000;
/** Source 001's baseline and extensions, baseline first. */
const SOURCE_001_RUNS = SOURCE_STEPS[2].runs;

const sources = (r: ReproduceResults): SourceResults => {
  if (!r.sources) throw new Error("the sources' entries need the sources' runs (reproduce without --no-sources)");
  return r.sources;
};

/** The early-stopping run's epochs: how many ran and which one was kept. */
function stoppedAt(run: RunResult): { kept: number; ran: number } {
  return { kept: run.bestEpoch ?? run.rows.length, ran: run.rows.length };
}

const figures: FigureEntry[] = [
  {
    name: "source-002-curves",
    title: {
      en: "Source 002's MLP: 100 epochs at batch 128, the test set measured after each",
      ko: "자료 002의 MLP: 배치 128로 100 에폭, 에폭마다 테스트 데이터로 측정",
    },
    build: (r) => {
      const s = sources(r);
      return testCurvesFigure(
        tr({
          en: `Source 002's MLP, ${SOURCE_002.epochs} epochs (test set after each epoch)`,
          ko: `자료 002의 MLP, ${SOURCE_002.epochs} 에폭 (에폭마다 테스트 데이터로 측정)`,
        }),
        s.runs["source-002-mlp"].run.rows,
        { markLowest: true, keptEpoch: stoppedAt(s.runs["source-002-early-stopping"].run).kept },
      );
    },
  },
  {
    name: "source-002-early-stopping-curves",
    title: {
      en: "Source 002's MLP with early stopping on a validation split",
      ko: "검증 데이터로 조기 종료한 자료 002의 MLP",
    },
    build: (r) => {
      const { run } = sources(r).runs["source-002-early-stopping"];
      return earlyStoppingCurvesFigure(run.rows, stoppedAt(run).kept, EARLY_STOPPING.patience);
    },
  },
  {
    name: "source-003-curves",
    title: { en: "Source 003's MLP with and without / 255", ko: "/ 255가 있을 때와 없을 때의 자료 003 MLP" },
    build: (r) => {
      const s = sources(r);
      return rawPixelsFigure(s.runs["source-003-mlp"].run.rows, s.runs["source-003-mlp-raw"].run.rows);
    },
  },
  {
    name: "source-001-curves",
    title: {
      en: "Source 001's CNN: 5 epochs at batch 64, validated on the test set",
      ko: "자료 001의 CNN: 배치 64로 5 에폭, 테스트 데이터로 검증",
    },
    build: (r) =>
      testCurvesFigure(
        tr({ en: "Source 001's CNN (validation = test set)", ko: "자료 001의 CNN (검증 = 테스트 데이터)" }),
        sources(r).runs["source-001-cnn"].run.rows,
      ),
  },
  {
    name: "source-001-per-digit",
    title: {
      en: "Source 001's extensions against its CNN, per digit",
      ko: "자료 001의 확장 실험과 기본 CNN의 숫자별 비교",
    },
    build: (r) => {
      const s = sources(r);
      const [base, ...others] = SOURCE_001_RUNS.map((name) => ({
        run: name,
        predictions: s.runs[name].test.predictions,
      }));
      return perDigitChangeFigure(r.data.test.labels, base, others);
    },
  },
];

/** The figures of the sources' group, in the order REPORT.md shows them. */
export const SOURCE_FIGURES: FigureEntry[] = figures.map((e) => ({ ...e, group: "sources" }));

/** The rows of source 002's table: our 100-epoch run and the early-stopping run. */
function source002Rows(s: SourceResults) {
  const full = s.runs["source-002-mlp"];
  const stopped = s.runs["source-002-early-stopping"];
  const { kept, ran } = stoppedAt(stopped.run);
  return [
    {
      run: tr({ en: "ours, 100 epochs", ko: "이 과정, 100 에폭" }),
      epochs: String(full.run.rows.length),
      train: full.train!,
      test: full.test,
    },
    {
      run: tr({ en: "ours, early stopping", ko: "이 과정, 조기 종료" }),
      epochs: tr({ en: `${kept} (stopped after ${ran})`, ko: `${kept} (${ran} 에폭 뒤 멈춤)` }),
      train: stopped.train!,
      test: stopped.test,
    },
  ];
}

/** The untrained source 003 model on the first test images, scaled and raw. */
function untrainedScaleTable(r: ReproduceResults) {
  const part = sliceSplit(r.data.test, 0, UNTRAINED_IMAGES);
  const model = createWideMlp(getRun("source-003-mlp").seed);
  const x = imageTensor(part, [28, 28]);
  const xRaw = imageTensor(part, [28, 28], "raw");
  const y = oneHotTensor(part);
  try {
    return inputScaleTable(model, { "÷ 255": [x, y], [tr({ en: "raw 0-255", ko: "원래 값 0-255" })]: [xRaw, y] });
  } finally {
    tf.dispose([x, xRaw, y]);
    model.dispose();
  }
}
/** Test images the untrained model is shown. */
const UNTRAINED_IMAGES = 1000;

/** The runs of the overview table: the report's two, then each source's own model. */
const SETTINGS_RUNS = ["mlp-5", "cnn-5", "source-002-mlp", "source-003-mlp", "source-001-cnn"] as const;

/** The models at their sources' settings, the report's two first. */
function settingsRows(r: ReproduceResults): SettingsRow[] {
  const s = sources(r);
  return SETTINGS_RUNS.map((name) => {
    const evaluated = name === "mlp-5" || name === "cnn-5" ? r.runs[name] : s.runs[name];
    return settingsRow(evaluated.run, evaluated.test);
  });
}

/** The rows of source 001's table. */
function source001Rows(r: ReproduceResults) {
  const s = sources(r);
  const share = `${SOURCE_001_REDUCTION.minFraction * 100}-${SOURCE_001_REDUCTION.maxFraction * 100}%`;
  const changes: Record<string, string> = {
    "source-001-cnn": tr({ en: "baseline", ko: "기준 모델" }),
    "source-001-cnn-fewer-eights": tr({ en: `a random ${share} of the 8s removed`, ko: `8을 무작위로 ${share} 제거` }),
    "source-001-cnn-augmented-069": tr({
      en: "a new augmented copy of the 0s, 6s and 9s every epoch",
      ko: "에폭마다 0, 6, 9의 새 증강 사본",
    }),
    "source-001-cnn-fine-tuned": tr({
      en: `the baseline saved, loaded and trained ${SOURCE_001.fineTuneEpochs} more epochs on augmented images`,
      ko: `기준 모델을 저장하고 불러와 증강한 이미지로 ${SOURCE_001.fineTuneEpochs} 에폭 더 학습`,
    }),
  };
  return SOURCE_001_RUNS.map((name) => {
    const { run, test } = s.runs[name];
    return {
      run: name,
      change: changes[name],
      trainImages: run.train.count,
      epochs: run.spec.fineTuneFrom ? `${SOURCE_001.epochs} + ${run.rows.length}` : String(run.rows.length),
      test,
      labels: r.data.test.labels,
    };
  });
}

const tables: TableEntry[] = [
  { name: "source-002-results", build: (r) => source002Table(source002Rows(sources(r))) },
  { name: "source-002-test-loss", build: (r) => testLossTable(sources(r).runs["source-002-mlp"].run.rows) },
  { name: "source-002-first-epochs", build: (r) => firstEpochsTable(sources(r).runs["source-002-mlp"].run.rows) },
  { name: "history-source-002", build: (r) => historyFrame(sources(r).runs["source-002-mlp"].run.rows) },
  {
    name: "source-003-results",
    build: (r) => {
      const s = sources(r);
      return source003Table([
        {
          run: tr({ en: "ours", ko: "이 과정" }),
          input: tr({ en: "÷ 255 (0 to 1)", ko: "÷ 255 (0~1)" }),
          train: s.runs["source-003-mlp"].train!,
          test: s.runs["source-003-mlp"].test,
        },
        {
          run: tr({ en: "ours, the post's code", ko: "이 과정, 글의 코드 그대로" }),
          input: tr({ en: "raw (0 to 255)", ko: "원래 값 (0~255)" }),
          train: s.runs["source-003-mlp-raw"].train!,
          test: s.runs["source-003-mlp-raw"].test,
        },
      ]);
    },
  },
  { name: "source-003-untrained", build: untrainedScaleTable },
  { name: "source-001-results", build: (r) => source001Table(source001Rows(r)) },
  {
    name: "source-001-per-digit",
    build: (r) => {
      const s = sources(r);
      const [base, ...others] = SOURCE_001_RUNS.map((name) => ({
        run: name,
        predictions: s.runs[name].test.predictions,
      }));
      return perDigitChangeTable(r.data.test.labels, base, others);
    },
  },
  { name: "source-001-drawings", build: (r) => drawingAccuracyTable(sources(r).drawings) },
  { name: "sources-settings", build: (r) => settingsTable(settingsRows(r)) },
];

/** The tables of the sources' group. */
export const SOURCE_TABLES: TableEntry[] = tables.map((e) => ({ ...e, group: "sources" }));

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const count = (n: number) => n.toLocaleString("en-US");

/** REPORT.md's section on the sources' runs (empty without them), in the language in force. */
export function sourcesMarkdown(
  r: ReproduceResults,
  table: (name: string) => string,
  figure: (name: string) => string,
): string {
  if (!r.sources) return "";
  const s = r.sources;
  const lines: string[] = [];
  lines.push(tr({ en: `## 6. The sources' runs\n`, ko: `## 6. 자료들의 실행\n` }));
  if (r.quick) {
    const [trainCount, testCount] = [count(QUICK_SIZES.trainCount), count(QUICK_SIZES.testCount)];
    lines.push(tr({
      en: `> **Quick mode.** The sources' runs below trained on the first ${trainCount} training images ` +
        `at their own epochs and batch sizes, and were measured on the first ${testCount} test images: a dry run.\n`,
      ko:
        `> **빠른 실행 모드.** 아래 자료들의 실행은 각자의 에폭과 배치 크기로 학습 이미지의 처음 ${trainCount}장에서 ` +
        `학습하고, 테스트 이미지의 처음 ${testCount}장에서 측정했습니다. 시험 삼아 돌려 본 것입니다.\n`,
    }));
  }
  lines.push(tr({
    en: `The course's other sources trained their own models at their own settings. Each is rerun here as its source ` +
      `wrote it (the runs' names are those of \`src/runs.ts\`; notebooks 08 and 09 show their code), with the ` +
      `source's own numbers beside ours where it printed any. The seed is 1234 throughout.\n`,
    ko: `이 과정의 다른 자료들은 각자의 모델을 각자의 설정으로 학습했습니다. 여기서는 각 자료가 쓴 그대로 다시 ` +
      `실행하고(실행 이름은 \`src/runs.ts\`의 이름이며, 코드는 08, 09 노트북에 있습니다), 자료가 숫자를 출력한 ` +
      `곳에서는 그 숫자를 이 과정의 숫자 옆에 둡니다. 시드는 모두 1234입니다.\n`,
  }));

  const full = s.runs["source-002-mlp"];
  const stopped = s.runs["source-002-early-stopping"];
  const rows = full.run.rows;
  const lowest = lowestLossEpoch(rows);
  const { kept, ran } = stoppedAt(stopped.run);
  const gap = overfittingGap(full.train!.accuracy, full.test.accuracy);
  const trainedIn = full.run.seconds.toFixed(0);
  lines.push(tr({
    en: `### 6.1 Source 002: a deeper MLP for 100 epochs\n`,
    ko: `### 6.1 자료 002: 100 에폭 동안 학습한 더 깊은 MLP\n`,
  }));
  lines.push(tr({
    en:
      `Dense 256-256-128-64 with ReLU, RMSprop, sparse labels, ${SOURCE_002.epochs} epochs at batch ${SOURCE_002.batchSize}, ` +
      `no validation. Its verdict comes from one rule: a train–test accuracy gap under 5 points means the model ` +
      `generalises well. We measured the test set after every epoch (this does not change training; a test checks it). ` +
      `Training took ${trainedIn} s on this machine (the source's log: about ` +
      `${SOURCE_002.publishedSecondsPerEpoch} s per epoch).\n`,
    ko: `ReLU를 쓰는 Dense 256-256-128-64, RMSprop, 정수 레이블, 배치 ${SOURCE_002.batchSize}로 ` +
      `${SOURCE_002.epochs} 에폭, 검증 데이터 없음. 이 자료의 판정은 규칙 하나에서 나옵니다. 학습 정확도와 테스트 ` +
      `정확도의 차이(과적합 정도)가 5%p보다 작으면 모델이 잘 일반화한다는 것입니다. 이 과정은 에폭마다 테스트 ` +
      `데이터로 측정했습니다(그래도 학습은 달라지지 않으며, 테스트가 이를 확인합니다). 이 컴퓨터에서 학습에 ` +
      `${trainedIn}초가 걸렸습니다(자료의 로그: 에폭당 약 ${SOURCE_002.publishedSecondsPerEpoch}초).\n`,
  }));
  lines.push(table("source-002-results"));
  lines.push(figure("source-002-curves"));
  const [trainAccuracy, testAccuracy] = [pct(full.train!.accuracy), pct(full.test.accuracy)];
  const [sourceTrain, sourceTest] = [pct(SOURCE_002.published.trainAccuracy), pct(SOURCE_002.published.testAccuracy)];
  const points = (gap.gap * 100).toFixed(2);
  const [lowestLoss, lastLoss] = [rows[lowest - 1].val_loss.toFixed(4), rows.at(-1)!.val_loss.toFixed(4)];
  const times = (rows.at(-1)!.val_loss / rows[lowest - 1].val_loss).toFixed(1);
  const sourceLoss = SOURCE_002.published.testLoss.toFixed(4);
  lines.push(tr({
    en: `Our run ends at ${trainAccuracy} train and ${testAccuracy} test accuracy ` +
      `(source: ${sourceTrain} and ${sourceTest}); the gap of ` +
      `${points} points ${gap.overfitting ? "fails" : "passes"} the rule. The test loss tells another story: ` +
      `it was lowest after epoch ${lowest} (${lowestLoss}) and ends at ${lastLoss}, ` +
      `${times} times as high (source: ${sourceLoss}). The model grows ever more confident, including on the test ` +
      `images it gets wrong; the accuracy gap cannot see that, the loss can.\n`,
    ko: `이 과정의 실행은 학습 정확도 ${trainAccuracy}, 테스트 정확도 ${testAccuracy}로 끝납니다` +
      `(자료: ${sourceTrain}와 ${sourceTest}). 과적합 정도 ${points}%p는 이 규칙을 ` +
      `${gap.overfitting ? "통과하지 못합니다" : "통과합니다"}. 테스트 손실은 다른 이야기를 합니다. ` +
      `${lowest}번째 에폭 뒤에 가장 낮았고(${lowestLoss}), 마지막에는 그 ${times}배인 ${lastLoss}입니다` +
      `(자료: ${sourceLoss}). 모델은 틀리는 테스트 이미지에서까지 점점 더 확신하게 됩니다. 정확도의 차이로는 ` +
      `이것을 볼 수 없지만 손실로는 볼 수 있습니다.\n`,
  }));
  lines.push(table("source-002-test-loss"));
  const [stoppedAccuracy, stoppedLoss] = [pct(stopped.test.accuracy), stopped.test.loss.toFixed(4)];
  const stoppedIn = stopped.run.seconds.toFixed(0);
  lines.push(tr({
    en:
      `With source 004's early stopping (patience ${EARLY_STOPPING.patience}, the best weights restored) on the last ` +
      `10% of the training images, the same model stopped after epoch ${ran} and kept epoch ${kept}: test accuracy ` +
      `${stoppedAccuracy} and test loss ${stoppedLoss}, in ${stoppedIn} s.\n`,
    ko: `자료 004의 조기 종료(patience ${EARLY_STOPPING.patience}, 가장 좋은 가중치로 되돌림)를 학습 이미지의 마지막 ` +
      `10%에 적용하면, 같은 모델이 ${ran}번째 에폭 뒤에 멈추고 ${kept}번째 에폭의 가중치를 남깁니다. 테스트 ` +
      `정확도는 ${stoppedAccuracy}, 테스트 손실은 ${stoppedLoss}이고, 학습에 ${stoppedIn}초가 걸렸습니다.\n`,
  }));
  lines.push(figure("source-002-early-stopping-curves"));
  lines.push(tr({
    en: `Our first epochs beside the source's log (running averages over each epoch):\n`,
    ko: `이 과정의 처음 몇 에폭과 자료의 로그(각 에폭 동안의 누적 평균):\n`,
  }));
  lines.push(table("source-002-first-epochs"));

  const scaled = s.runs["source-003-mlp"];
  const raw = s.runs["source-003-mlp-raw"];
  const stated = (SOURCE_003.publishedTestAccuracy * 100).toFixed(0);
  const [scaledAccuracy, rawAccuracy] = [pct(scaled.test.accuracy), pct(raw.test.accuracy)];
  const [rawLoss, scaledLoss] = [raw.test.loss.toFixed(4), scaled.test.loss.toFixed(4)];
  lines.push(tr({
    en: `### 6.2 Source 003: Dense 512 and the missing / 255\n`,
    ko: `### 6.2 자료 003: Dense 512와 빠진 / 255\n`,
  }));
  lines.push(tr({
    en: `Dense(512, ReLU) → Dense(10, softmax), Adam, one-hot labels and categorical cross-entropy, ` +
      `${SOURCE_003.epochs} epochs at batch ${SOURCE_003.batchSize}, validated on the test set. The post says the model ` +
      `reaches about ${stated}%, but its code never divides the grey levels ` +
      `by 255. We ran both: with / 255 the model reaches ${scaledAccuracy}; on raw 0–255 pixels ` +
      `${rawAccuracy}, with a test loss of ${rawLoss} against ${scaledLoss}.\n`,
    ko: `Dense(512, ReLU) → Dense(10, softmax), Adam, 원-핫 레이블과 범주형 교차 엔트로피, 배치 ` +
      `${SOURCE_003.batchSize}로 ${SOURCE_003.epochs} 에폭, 테스트 데이터로 검증. 글은 모델이 약 ${stated}%에 ` +
      `이른다고 하지만, 코드는 밝기 값을 255로 나누지 않습니다. 이 과정은 두 가지를 모두 실행했습니다. / 255를 ` +
      `하면 모델은 ${scaledAccuracy}에 이르고, 0–255의 원래 픽셀 값에서는 ${rawAccuracy}, 테스트 손실은 ` +
      `${rawLoss}입니다(/ 255를 했을 때는 ${scaledLoss}).\n`,
  }));
  lines.push(table("source-003-results"));
  lines.push(figure("source-003-curves"));
  const shown = Math.min(UNTRAINED_IMAGES, r.data.test.count);
  lines.push(tr({
    en:
      `Why: the initial weights are drawn for inputs near 1. With inputs up to 255 the hidden layer's weighted sums are ` +
      `255 times larger, so the untrained model is already near-certain of one digit for most images, and every ` +
      `step of Adam (which moves each weight by about the learning rate) changes those sums 255 times as much as it ` +
      `would on scaled inputs: training behaves as if the learning rate were far too large. The untrained model, ` +
      `on the first ${shown} test images:\n`,
    ko: `이유: 초기 가중치는 1 근처의 입력을 전제로 뽑습니다. 입력이 255까지 커지면 은닉층의 가중합도 255배 ` +
      `커지므로, 학습하기 전의 모델이 이미 대부분의 이미지에서 한 숫자를 거의 확신합니다. 그리고 Adam의 스텝 ` +
      `하나하나(가중치를 대략 학습률만큼 움직임)가 그 가중합을 정규화한 입력에서보다 255배 크게 바꿉니다. ` +
      `학습률이 너무 큰 것처럼 학습이 진행되는 셈입니다. 학습하기 전의 모델을 처음 ${shown}장의 테스트 ` +
      `이미지에 적용한 결과:\n`,
  }));
  lines.push(table("source-003-untrained"));

  const base = s.runs["source-001-cnn"];
  const baseAccuracy = pct(base.test.accuracy);
  const perDigit = count(Math.round(r.data.test.count / 10));
  lines.push(tr({
    en: `### 6.3 Source 001: its deeper CNN and its extensions\n`,
    ko: `### 6.3 자료 001: 더 깊은 CNN과 확장 실험\n`,
  }));
  lines.push(tr({
    en: `Conv2D 32 → MaxPool → Conv2D 64 → MaxPool → Conv2D 64 → Dense 64 → Dense 10, Adam, sparse labels, ` +
      `${SOURCE_001.epochs} epochs at batch ${SOURCE_001.batchSize}, validated on the test set: ` +
      `${baseAccuracy} test accuracy (the source printed no number). Then its three proposals, each ` +
      `measured against that baseline: removing a random 10–20% of the 8s (seeded), a new augmented copy of the ` +
      `0s, 6s and 9s every epoch (both trained from scratch at the baseline's settings), and the saved baseline ` +
      `loaded and trained ${SOURCE_001.fineTuneEpochs} more epochs on augmented images of every digit. ` +
      `One seed's run against another's differs by a few tenths of a point overall and more per digit ` +
      `(about ${perDigit} test images each), so read small differences as noise.\n`,
    ko: `Conv2D 32 → MaxPool → Conv2D 64 → MaxPool → Conv2D 64 → Dense 64 → Dense 10, Adam, 정수 레이블, 배치 ` +
      `${SOURCE_001.batchSize}로 ${SOURCE_001.epochs} 에폭, 테스트 데이터로 검증. 테스트 정확도는 ${baseAccuracy}입니다` +
      `(자료는 숫자를 출력하지 않았습니다). 이어서 자료가 제안한 세 가지를 각각 이 기준 모델과 비교해 측정합니다. ` +
      `8의 10–20%를 무작위로(시드를 정해) 지우기, 에폭마다 0, 6, 9의 새 증강 사본 만들기(둘 다 기준 모델의 ` +
      `설정으로 처음부터 학습), 그리고 저장한 기준 모델을 불러와 모든 숫자의 증강 이미지로 ` +
      `${SOURCE_001.fineTuneEpochs} 에폭 더 학습하기(미세 조정)입니다. 시드가 다른 두 실행은 전체 정확도에서 ` +
      `0.몇 %p, 숫자별로는 그보다 더 차이가 나므로(숫자마다 테스트 이미지 약 ${perDigit}장), 작은 차이는 ` +
      `잡음으로 읽으세요.\n`,
  }));
  lines.push(figure("source-001-curves"));
  lines.push(table("source-001-results"));
  lines.push(table("source-001-per-digit"));
  lines.push(figure("source-001-per-digit"));
  const drawings = s.drawings.prepared.labels.length;
  lines.push(tr({
    en: `On the canvas-like drawings of notebook 06 (${drawings} drawings; v1, v2 and v3 are ` +
      `the preprocessing recipes):\n`,
    ko: `06 노트북의 캔버스 입력 같은 그림에서(그림 ${drawings}장, v1, v2, v3는 전처리 방법):\n`,
  }));
  lines.push(table("source-001-drawings"));

  lines.push(tr({
    en: `### 6.4 Every model at its source's settings\n`,
    ko: `### 6.4 각 자료의 설정으로 학습한 모든 모델\n`,
  }));
  lines.push(tr({
    en: `Seconds per epoch are those of the run when it trained (on this machine, shared with other jobs: noisy).\n`,
    ko:
      `에폭당 초는 각 실행이 학습했을 때 잰 값입니다(다른 작업과 함께 쓰는 이 컴퓨터에서 잰 것이라 잡음이 있습니다).\n`,
  }));
  lines.push(table("sources-settings"));
  return lines.filter((l) => l !== "").join("\n");
}

/** The manifest's record of each source run: its settings, cache entry, training time and test accuracy. */
export function sourceRunsManifest(s: SourceResults, rel: (path: string) => string): Record<string, unknown> {
  return Object.fromEntries(
    SOURCE_RUNS.map((name) => {
      const { run, train, test } = s.runs[name];
      return [name, {
        ...run.spec,
        cache: rel(run.history.path),
        trainedSeconds: run.seconds,
        epochsRun: run.rows.length,
        ...(run.bestEpoch !== undefined ? { bestEpoch: run.bestEpoch } : {}),
        metrics: {
          ...(train ? { trainAccuracy: train.accuracy, trainLoss: train.loss } : {}),
          testAccuracy: test.accuracy,
          testLoss: test.loss,
        },
      }];
    }),
  );
}

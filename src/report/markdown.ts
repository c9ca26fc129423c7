/**
 * REPORT.md: the report's comparison rebuilt from one `reproduce` run, in the
 * report's section order, with our figures and the report's published numbers
 * beside ours.
 *
 * @module
 */
import { relative } from "node:path";
import type { ReproduceResults } from "./results.ts";
import { gapOf, type ModelMetrics, overfittingVerdict, REPORT_PUBLISHED } from "../tables/comparison.ts";
import { metricsOf } from "../tables/comparison.ts";
import { backendName } from "../tf.ts";
import { BATCH_SIZE } from "../runs.ts";
import { DEFAULT_SEED } from "../random.ts";
import { QUICK_SIZES } from "../course_env.ts";
import { sourcesMarkdown } from "./sources.ts";
import { tr } from "../i18n.ts";

/** A figure written to disk, as the report embeds it. */
export interface WrittenFigure {
  /** File name stem, e.g. `mlp-learning-curves`. */
  name: string;
  /** One-line caption. */
  title: string;
  /** Every file written for it (SVG and/or PNG). */
  paths: string[];
}

/** What REPORT.md is made from. */
export interface ReportInput {
  results: ReproduceResults;
  /** Markdown of each table, by name. */
  tables: Record<string, string>;
  figures: WrittenFigure[];
  /** Exported notebooks (HTML), if any. */
  notebooks: string[];
  /** The folder REPORT.md goes to (links are relative to it). */
  outDir: string;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const epochsText = (n: number) => tr({ en: `${n} epoch${n === 1 ? "" : "s"}`, ko: `${n} 에폭` });

/** Builds the text of REPORT.md, in the language in force (REPORT.ko.md in Korean, in the report's terms). */
export function renderReportMarkdown(input: ReportInput): string {
  const { results: r, tables, outDir } = input;
  const figure = (name: string): string => {
    const f = input.figures.find((x) => x.name === name);
    if (!f) return "";
    const image = f.paths.find((p) => p.endsWith(".svg")) ?? f.paths.find((p) => p.endsWith(".png")) ?? f.paths[0];
    return `![${f.title}](${relative(outDir, image)})\n\n*${f.title}*\n\n`;
  };
  const drawingNotebook = input.notebooks.find((p) => p.endsWith("06-drawing.html"));
  const drawingLink = drawingNotebook
    ? ` ([${tr({ en: "executed copy", ko: "실행한 사본" })}](${relative(outDir, drawingNotebook)}))`
    : "";
  const table = (name: string) => (tables[name] ? `${tables[name]}\n` : "");
  const early = 5;
  const late = 10;
  const m = (name: keyof ReproduceResults["runs"]): ModelMetrics => metricsOf(r.runs[name].train, r.runs[name].test);
  const mlpE = m("mlp-5"), cnnE = m("cnn-5");
  const mlpL = m("mlp-10"), cnnL = m("cnn-10");
  const verdict = (e: ModelMetrics, l: ModelMetrics, at: "early" | "late") =>
    overfittingVerdict(gapOf(at === "early" ? e : l), { from: e.testLoss, to: l.testLoss, epochs: [early, late] });
  const quickNote = r.quick
    ? tr({
      en:
        `> **Quick mode.** Trained on the first ${QUICK_SIZES.trainCount} training images and evaluated on the first ${QUICK_SIZES.testCount} test images: a dry run of the pipeline. These numbers are not comparable with the report's.\n\n`,
      ko:
        `> **빠른 실행 모드.** 학습 이미지의 처음 ${QUICK_SIZES.trainCount}장으로 학습하고 테스트 이미지의 처음 ${QUICK_SIZES.testCount}장으로 평가했습니다. 파이프라인을 시험 삼아 돌려 본 것이므로, 이 숫자는 보고서의 숫자와 비교할 수 없습니다.\n\n`,
    })
    : "";
  const published = REPORT_PUBLISHED;
  const lines: string[] = [];
  const command = `deno task reproduce${r.quick ? " --quick" : ""}`;
  lines.push(
    tr({
      en: `# MNIST handwritten digits: MLP against CNN, reproduced in TypeScript\n`,
      ko: `# MNIST 손글씨 숫자: MLP와 CNN의 비교를 TypeScript로 재현\n`,
    }),
  );
  lines.push(quickNote);
  lines.push(tr({
    en: `Rebuilt by \`${command}\` from one run: TensorFlow.js on the ${backendName()} backend, ` +
      `seed ${DEFAULT_SEED} for weight initialisation and shuffling (so every run gives these numbers), ` +
      `batch size ${BATCH_SIZE}, Adam. The versions, the machine, the time of each step and a hash of every file are in ` +
      `[manifest.json](manifest.json). The numbers in the "report" columns are the ones the original course report published ` +
      `(Keras on Colab); ours come from this run.\n`,
    ko:
      `이 보고서는 한 번의 실행(\`${command}\`)으로 다시 만든 것입니다. TensorFlow.js의 ${backendName()} 백엔드에서 ` +
      `배치 크기 ${BATCH_SIZE}, Adam으로 학습했고, 가중치 초기화와 데이터 섞기의 시드는 ${DEFAULT_SEED}입니다` +
      `(그래서 몇 번을 실행해도 이 숫자가 나옵니다). 버전, 컴퓨터, 단계별 시간, 모든 파일의 해시는 ` +
      `[manifest.json](manifest.json)에 있습니다. "보고서" 열의 숫자는 원래 과정 보고서가 발표한 값(Colab의 Keras)이고, ` +
      `이 과정의 숫자는 이번 실행에서 나온 값입니다.\n`,
  }));

  lines.push(tr({ en: `## 1. The data (report section 1.3)\n`, ko: `## 1. 데이터 (보고서 1.3절)\n` }));
  lines.push(tr({
    en:
      `MNIST holds 60,000 training and 10,000 test images of handwritten digits, 28×28 grey levels from 0 (background) to 255 (ink). ` +
      `The classes are nearly balanced:\n`,
    ko: `MNIST에는 손글씨 숫자의 학습 이미지 60,000장과 테스트 이미지 10,000장이 있습니다. 각 이미지는 0(배경)부터 ` +
      `255(잉크)까지의 밝기 값으로 된 28×28 그레이스케일 이미지입니다. 클래스는 거의 균형을 이룹니다.\n`,
  }));
  lines.push(table("class-counts"));
  lines.push(
    figure("class-counts"),
    figure("sample-digits"),
    figure("mean-digits"),
    figure("pixel-histogram"),
    figure("first-image-pixels"),
  );

  // after N epochs, how many images a model classifies correctly, against the report's numbers
  const scores = (model: "MLP" | "CNN", e: ModelMetrics, p: { trainAccuracy: number; testAccuracy: number }) =>
    tr({
      en:
        `After ${epochsText(early)} the ${model} classifies ${pct(e.trainAccuracy)} of the training images and ${
          pct(e.testAccuracy)
        } of the test images ` +
        `correctly (report: ${pct(p.trainAccuracy)} and ${pct(p.testAccuracy)}). `,
      ko:
        `${early} 에폭 뒤 ${model}${model === "CNN" ? "은" : "는"} 학습 이미지의 ${
          pct(e.trainAccuracy)
        }, 테스트 이미지의 ${pct(e.testAccuracy)}를 ` +
        `맞게 분류합니다(보고서: ${pct(p.trainAccuracy)}와 ${pct(p.testAccuracy)}). `,
    });
  const overfitting = tr({ en: "Overfitting", ko: "과적합" });

  lines.push(tr({ en: `## 2. The MLP (report section 2)\n`, ko: `## 2. MLP (보고서 2장)\n` }));
  lines.push(tr({
    en: `Flatten → Dense(128, ReLU) → Dense(10, softmax), sparse categorical cross-entropy on integer labels, ` +
      `trained on the first 90% of the training images with the last 10% held out for validation, as Keras's \`validation_split=0.1\` does.\n`,
    ko: `Flatten → Dense(128, ReLU) → Dense(10, softmax) 구조에 정수 레이블과 희소 범주형 교차 엔트로피를 씁니다. ` +
      `Keras의 \`validation_split=0.1\`처럼 학습 이미지의 앞 90%로 학습하고 마지막 10%는 검증 데이터로 남겨 둡니다.\n`,
  }));
  lines.push(figure("mlp-learning-curves"));
  lines.push(`${scores("MLP", mlpE, published[5].mlp)}${overfitting}: ${verdict(mlpE, mlpL, "early")}.\n`);
  lines.push(figure("mlp-test-predictions"), figure("mlp-probabilities"));

  lines.push(tr({
    en: `## 3. Preprocessing drawn digits (report section 3)\n`,
    ko: `## 3. 그린 숫자의 전처리 (보고서 3장)\n`,
  }));
  lines.push(tr({
    en:
      `The report's user interface turns a drawing into a 28×28 input: v1 inverts and resizes; v2 also crops to the bounding box, adds 20% padding and centres. ` +
      `\`deno task app\` serves the drawing page, and notebook 06${drawingLink} measures how much each step helps ` +
      `on canvas-like drawings made from MNIST test digits.\n`,
    ko:
      `보고서의 사용자 인터페이스는 그림을 28×28 입력으로 바꿉니다. v1은 색 반전과 리사이즈만 하고, v2는 여기에 더해 ` +
      `바운딩 박스로 자르고 20% 패딩을 넣어 중앙 정렬합니다. \`deno task app\`이 그림판 페이지를 띄우고, ` +
      `06 노트북${drawingLink}은 MNIST 테스트 숫자로 만든 캔버스 입력 같은 그림에서 각 단계가 얼마나 도움이 되는지 잽니다.\n`,
  }));

  lines.push(tr({ en: `## 4. The CNN (report section 4)\n`, ko: `## 4. CNN (보고서 4장)\n` }));
  lines.push(tr({
    en:
      `Conv2D(32, 3×3, ReLU) → MaxPooling(2×2) → Flatten → Dense(100, ReLU) → Dense(10, softmax), categorical cross-entropy on one-hot labels, ` +
      `with the test set as validation data, as the report did.\n`,
    ko: `Conv2D(32, 3×3, ReLU) → MaxPooling(2×2) → Flatten → Dense(100, ReLU) → Dense(10, softmax) 구조에 ` +
      `원-핫 레이블과 범주형 교차 엔트로피를 쓰며, 보고서처럼 테스트 데이터를 검증 데이터로 씁니다.\n`,
  }));
  lines.push(figure("cnn-learning-curves"));
  lines.push(`${scores("CNN", cnnE, published[5].cnn)}${overfitting}: ${verdict(cnnE, cnnL, "early")}.\n`);
  lines.push(
    figure("cnn-test-predictions"),
    figure("cnn-filters"),
    figure("cnn-feature-maps"),
    figure("cnn-confusion-matrix"),
  );

  const [trainCount, testCount] = [r.data.train.count.toLocaleString("en"), r.data.test.count.toLocaleString("en")];
  lines.push(tr({ en: `## 5. Comparison (report section 5)\n`, ko: `## 5. 비교 (보고서 5장)\n` }));
  lines.push(tr({
    en: `### 5.1 After ${early} and ${epochsText(late)}\n`,
    ko: `### 5.1 ${early} 에폭과 ${late} 에폭 뒤\n`,
  }));
  lines.push(tr({
    en:
      `Each model was trained once for ${
        epochsText(late)
      }; the ${early}-epoch figures come from its state after epoch ${early}, cached on the way, ` +
      `which is the same computation as a separate ${early}-epoch run with the same seed (same start, same shuffles). ` +
      `Train figures are measured on all ${trainCount} training images and test figures on ${testCount} test images ` +
      `with \`model.evaluate\`, as the report's \`evaluate\` calls did. Differences are CNN minus MLP. ` +
      `Another seed moves the test accuracies by a few tenths of a point (README, "What a full run gives"), so ` +
      `differences from the report of that size are noise.\n`,
    ko: `각 모델은 ${late} 에폭 동안 한 번 학습했습니다. ${early} 에폭의 수치는 학습 도중 캐시에 저장한 ` +
      `${early}번째 에폭 뒤의 상태에서 나온 것으로, 같은 시드로 따로 ${early} 에폭 동안 학습하는 것과 같은 계산입니다` +
      `(같은 시작, 같은 섞기). 학습 수치는 학습 이미지 ${trainCount}장 전체에서, 테스트 수치는 테스트 이미지 ` +
      `${testCount}장에서 보고서의 \`evaluate\` 호출처럼 \`model.evaluate\`로 쟀습니다. 차이는 CNN에서 MLP를 뺀 값입니다. ` +
      `시드만 바꿔도 테스트 정확도가 0.몇 %p씩 움직이므로(README의 "What a full run gives"), 보고서와 그 정도 ` +
      `차이가 나는 것은 잡음입니다.\n`,
  }));
  lines.push(`**${epochsText(early)}**\n\n` + table(`comparison-${early}-epochs`));
  lines.push(`**${epochsText(late)}**\n\n` + table(`comparison-${late}-epochs`));
  lines.push(
    figure("comparison-accuracy"),
    figure("comparison-error"),
    figure("comparison-loss"),
    figure("comparison-gap"),
    figure("held-out-curves"),
  );
  const cnnAhead = ((cnnL.testAccuracy - mlpL.testAccuracy) * 100).toFixed(2);
  const cnnAheadEarly = ((cnnE.testAccuracy - mlpE.testAccuracy) * 100).toFixed(2);
  const [gapMlp, gapCnn] = [(gapOf(mlpL) * 100).toFixed(2), (gapOf(cnnL) * 100).toFixed(2)];
  lines.push(tr({
    en: `What we see: the CNN is ahead on test accuracy by ${cnnAhead} points after ${epochsText(late)} ` +
      `(${cnnAheadEarly} after ${early}); its overfitting gap is ${gapCnn} points against the MLP's ${gapMlp}. ` +
      `Overfitting after ${epochsText(late)}: for the MLP, ${verdict(mlpE, mlpL, "late")}; for the CNN, ${
        verdict(cnnE, cnnL, "late")
      }. ` +
      `The report found the CNN more resistant to overfitting; judge that claim by both signs, the gap and the test loss.\n`,
    ko: `결과를 보면, ${late} 에폭 뒤 CNN이 테스트 정확도에서 ${cnnAhead}%p 앞서고(${early} 에폭 뒤에는 ` +
      `${cnnAheadEarly}%p), 과적합 정도는 CNN이 ${gapCnn}%p, MLP가 ${gapMlp}%p입니다. ${late} 에폭 뒤의 과적합: ` +
      `MLP의 경우 ${verdict(mlpE, mlpL, "late")}. CNN의 경우 ${verdict(cnnE, cnnL, "late")}. ` +
      `보고서는 CNN이 과적합에 더 강하다고 보았습니다. 이 주장은 과적합 정도와 테스트 손실, 두 신호를 함께 보고 판단하세요.\n`,
  }));
  lines.push(tr({
    en: `Per-class test accuracy after ${early} and ${epochsText(late)}:\n`,
    ko: `${early} 에폭과 ${late} 에폭 뒤의 숫자별 테스트 정확도:\n`,
  }));
  lines.push(table("per-class-accuracy"));
  lines.push(figure("per-class-error"));
  lines.push(tr({
    en: `How the two models' answers on the test images relate (after ${epochsText(late)}):\n`,
    ko: `테스트 이미지에서 두 모델의 답이 서로 어떻게 맞고 틀렸는지(${late} 에폭 뒤):\n`,
  }));
  lines.push(table("agreement"));
  lines.push(figure("mlp-mistakes"), figure("cnn-mistakes"), figure("disagreements"));
  lines.push(tr({ en: `Parameters per layer:\n`, ko: `층별 파라미터 수:\n` }));
  lines.push(table("parameters"));
  lines.push(figure("parameter-counts"));
  const ratio = (r.runs["cnn-10"].run.model.countParams() / r.runs["mlp-10"].run.model.countParams()).toFixed(1);
  lines.push(tr({
    en: `The CNN has ${ratio} times the MLP's parameters; ` +
      `nearly all of them (540,900) sit in the dense layer after the convolution, while the convolution itself has only 320, shared across every position of the image.\n`,
    ko: `CNN의 파라미터는 MLP의 ${ratio}배입니다. 그 거의 전부(540,900개)가 합성곱 뒤의 완전연결층에 있고, ` +
      `합성곱층 자체의 파라미터는 320개뿐이며 이미지의 모든 위치에서 공유됩니다(가중치 공유).\n`,
  }));
  lines.push(tr({
    en: `### 5.2 Structural differences (report table 5.2)\n`,
    ko: `### 5.2 구조적 차이 (보고서 표 5.2)\n`,
  }));
  const lossMlp = `${mlpE.testLoss.toFixed(4)} → ${mlpL.testLoss.toFixed(4)}`;
  const lossCnn = `${cnnE.testLoss.toFixed(4)} → ${cnnL.testLoss.toFixed(4)}`;
  lines.push(tr({
    en: `| property | MLP | CNN |\n| --- | --- | --- |\n` +
      `| connections | every input to every unit | each unit sees a 3×3 neighbourhood |\n` +
      `| weight sharing | none | one 3×3 filter slides over the whole image |\n` +
      `| spatial structure | lost when the image is flattened | kept through convolution and pooling |\n` +
      `| parameters per feature | one weight per pixel | nine weights per filter |\n` +
      `| suited to images | limited | well |\n` +
      `| overfitting (gap after ${epochsText(late)} here) | ${gapMlp} points | ${gapCnn} points |\n` +
      `| test loss from ${early} to ${late} epochs here | ${lossMlp} | ${lossCnn} |\n`,
    // the report's own rows (특성, 연결 방식, 가중치 공유, ...), with what each means here
    ko: `| 특성 | MLP | CNN |\n| --- | --- | --- |\n` +
      `| 연결 방식 | 완전 연결: 모든 입력이 모든 유닛에 연결 | 지역적 연결: 유닛마다 3×3 이웃만 봄 |\n` +
      `| 가중치 공유 | 없음 | 있음: 3×3 필터 하나가 이미지 전체를 훑음 |\n` +
      `| 공간적 정보 보존 | 없음: 이미지를 평탄화할 때 잃음 | 있음: 합성곱과 풀링을 거쳐도 남음 |\n` +
      `| 특징 하나의 파라미터 | 픽셀마다 가중치 하나 | 필터마다 가중치 9개 |\n` +
      `| 이미지 처리 적합성 | 제한적 | 우수 |\n` +
      `| 과적합 (여기서 ${late} 에폭 뒤의 과적합 정도) | ${gapMlp}%p | ${gapCnn}%p |\n` +
      `| 여기서 ${early} 에폭부터 ${late} 에폭까지의 테스트 손실 | ${lossMlp} | ${lossCnn} |\n`,
  }));
  lines.push(sourcesMarkdown(r, table, figure));
  lines.push(tr({ en: `## Files\n`, ko: `## 파일\n` }));
  lines.push(tr({
    en: `- Tables (CSV and Markdown): [tables/](tables/)\n- Figures (SVG and PNG): [figures/](figures/)\n`,
    ko: `- 표 (CSV와 Markdown, 프로그램이 읽도록 영어 열 이름): [tables/](tables/)\n` +
      `- 그림 (SVG와 PNG): [figures/ko/](figures/ko/) (영어판은 [figures/](figures/))\n`,
  }));
  if (input.notebooks.length > 0) {
    lines.push(
      `- ${tr({ en: "Executed notebooks", ko: "실행한 노트북" })}: ${
        input.notebooks.map((p) => `[${relative(outDir, p)}](${relative(outDir, p)})`).join(", ")
      }\n`,
    );
  }
  return lines.filter((l) => l !== "").join("\n");
}

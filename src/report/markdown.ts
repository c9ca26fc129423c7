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
const epochsText = (n: number) => `${n} epoch${n === 1 ? "" : "s"}`;

/** Builds the text of REPORT.md. */
export function renderReportMarkdown(input: ReportInput): string {
  const { results: r, tables, outDir } = input;
  const figure = (name: string): string => {
    const f = input.figures.find((x) => x.name === name);
    if (!f) return "";
    const image = f.paths.find((p) => p.endsWith(".svg")) ?? f.paths.find((p) => p.endsWith(".png")) ?? f.paths[0];
    return `![${f.title}](${relative(outDir, image)})\n\n*${f.title}*\n\n`;
  };
  const drawingNotebook = input.notebooks.find((p) => p.endsWith("06-drawing.html"));
  const drawingLink = drawingNotebook ? ` ([executed copy](${relative(outDir, drawingNotebook)}))` : "";
  const table = (name: string) => (tables[name] ? `${tables[name]}\n` : "");
  const early = 5;
  const late = 10;
  const m = (name: keyof ReproduceResults["runs"]): ModelMetrics => metricsOf(r.runs[name].train, r.runs[name].test);
  const mlpE = m("mlp-5"), cnnE = m("cnn-5");
  const mlpL = m("mlp-10"), cnnL = m("cnn-10");
  const verdict = (e: ModelMetrics, l: ModelMetrics, at: "early" | "late") =>
    overfittingVerdict(gapOf(at === "early" ? e : l), { from: e.testLoss, to: l.testLoss, epochs: [early, late] });
  const quickNote = r.quick
    ? `> **Quick mode.** Trained on the first ${QUICK_SIZES.trainCount} training images and evaluated on the first ${QUICK_SIZES.testCount} test images: a dry run of the pipeline. These numbers are not comparable with the report's.\n\n`
    : "";
  const published = REPORT_PUBLISHED;
  const lines: string[] = [];
  lines.push(`# MNIST handwritten digits: MLP against CNN, reproduced in TypeScript\n`);
  lines.push(quickNote);
  lines.push(
    `Rebuilt by \`deno task reproduce${
      r.quick ? " --quick" : ""
    }\` from one run: TensorFlow.js on the ${backendName()} backend, ` +
      `seed ${DEFAULT_SEED} for weight initialisation and shuffling (so every run gives these numbers), ` +
      `batch size ${BATCH_SIZE}, Adam. The versions, the machine, the time of each step and a hash of every file are in ` +
      `[manifest.json](manifest.json). The numbers in the "report" columns are the ones the original course report published ` +
      `(Keras on Colab); ours come from this run.\n`,
  );

  lines.push(`## 1. The data (report section 1.3)\n`);
  lines.push(
    `MNIST holds 60,000 training and 10,000 test images of handwritten digits, 28×28 grey levels from 0 (background) to 255 (ink). ` +
      `The classes are nearly balanced:\n`,
  );
  lines.push(table("class-counts"));
  lines.push(
    figure("class-counts"),
    figure("sample-digits"),
    figure("mean-digits"),
    figure("pixel-histogram"),
    figure("first-image-pixels"),
  );

  lines.push(`## 2. The MLP (report section 2)\n`);
  lines.push(
    `Flatten → Dense(128, ReLU) → Dense(10, softmax), sparse categorical cross-entropy on integer labels, ` +
      `trained on the first 90% of the training images with the last 10% held out for validation, as Keras's \`validation_split=0.1\` does.\n`,
  );
  lines.push(figure("mlp-learning-curves"));
  lines.push(
    `After ${epochsText(early)} the MLP classifies ${pct(mlpE.trainAccuracy)} of the training images and ${
      pct(mlpE.testAccuracy)
    } of the test images ` +
      `correctly (report: ${pct(published[5].mlp.trainAccuracy)} and ${pct(published[5].mlp.testAccuracy)}). ` +
      `Overfitting: ${verdict(mlpE, mlpL, "early")}.\n`,
  );
  lines.push(figure("mlp-test-predictions"), figure("mlp-probabilities"));

  lines.push(`## 3. Preprocessing drawn digits (report section 3)\n`);
  lines.push(
    `The report's user interface turns a drawing into a 28×28 input: v1 inverts and resizes; v2 also crops to the bounding box, adds 20% padding and centres. ` +
      `\`deno task app\` serves the drawing page, and notebook 06${drawingLink} measures how much each step helps ` +
      `on canvas-like drawings made from MNIST test digits.\n`,
  );

  lines.push(`## 4. The CNN (report section 4)\n`);
  lines.push(
    `Conv2D(32, 3×3, ReLU) → MaxPooling(2×2) → Flatten → Dense(100, ReLU) → Dense(10, softmax), categorical cross-entropy on one-hot labels, ` +
      `with the test set as validation data, as the report did.\n`,
  );
  lines.push(figure("cnn-learning-curves"));
  lines.push(
    `After ${epochsText(early)} the CNN classifies ${pct(cnnE.trainAccuracy)} of the training images and ${
      pct(cnnE.testAccuracy)
    } of the test images ` +
      `correctly (report: ${pct(published[5].cnn.trainAccuracy)} and ${pct(published[5].cnn.testAccuracy)}). ` +
      `Overfitting: ${verdict(cnnE, cnnL, "early")}.\n`,
  );
  lines.push(
    figure("cnn-test-predictions"),
    figure("cnn-filters"),
    figure("cnn-feature-maps"),
    figure("cnn-confusion-matrix"),
  );

  lines.push(`## 5. Comparison (report section 5)\n`);
  lines.push(`### 5.1 After ${early} and ${epochsText(late)}\n`);
  lines.push(
    `Each model was trained once for ${
      epochsText(late)
    }; the ${early}-epoch figures come from its state after epoch ${early}, cached on the way, ` +
      `which is the same computation as a separate ${early}-epoch run with the same seed (same start, same shuffles). ` +
      `Train figures are measured on all ${
        r.data.train.count.toLocaleString("en")
      } training images and test figures on ${
        r.data.test.count.toLocaleString("en")
      } test images with \`model.evaluate\`, as the report's \`evaluate\` calls did. Differences are CNN minus MLP. ` +
      `Another seed moves the test accuracies by a few tenths of a point (README, "What a full run gives"), so ` +
      `differences from the report of that size are noise.\n`,
  );
  lines.push(`**${epochsText(early)}**\n\n` + table(`comparison-${early}-epochs`));
  lines.push(`**${epochsText(late)}**\n\n` + table(`comparison-${late}-epochs`));
  lines.push(
    figure("comparison-accuracy"),
    figure("comparison-error"),
    figure("comparison-loss"),
    figure("comparison-gap"),
    figure("held-out-curves"),
  );
  const cnnAhead = cnnL.testAccuracy - mlpL.testAccuracy;
  lines.push(
    `What we see: the CNN is ahead on test accuracy by ${(cnnAhead * 100).toFixed(2)} points after ${
      epochsText(late)
    } ` +
      `(${((cnnE.testAccuracy - mlpE.testAccuracy) * 100).toFixed(2)} after ${early}); its overfitting gap is ` +
      `${(gapOf(cnnL) * 100).toFixed(2)} points against the MLP's ${(gapOf(mlpL) * 100).toFixed(2)}. ` +
      `Overfitting after ${epochsText(late)}: for the MLP, ${verdict(mlpE, mlpL, "late")}; for the CNN, ${
        verdict(cnnE, cnnL, "late")
      }. ` +
      `The report found the CNN more resistant to overfitting; judge that claim by both signs, the gap and the test loss.\n`,
  );
  lines.push(`Per-class test accuracy after ${early} and ${epochsText(late)}:\n`);
  lines.push(table("per-class-accuracy"));
  lines.push(figure("per-class-error"));
  lines.push(`How the two models' answers on the test images relate (after ${epochsText(late)}):\n`);
  lines.push(table("agreement"));
  lines.push(figure("mlp-mistakes"), figure("cnn-mistakes"), figure("disagreements"));
  lines.push(`Parameters per layer:\n`);
  lines.push(table("parameters"));
  lines.push(figure("parameter-counts"));
  lines.push(
    `The CNN has ${
      (r.runs["cnn-10"].run.model.countParams() / r.runs["mlp-10"].run.model.countParams()).toFixed(1)
    } times the MLP's parameters; ` +
      `nearly all of them (540,900) sit in the dense layer after the convolution, while the convolution itself has only 320, shared across every position of the image.\n`,
  );
  lines.push(`### 5.2 Structural differences (report table 5.2)\n`);
  lines.push(
    `| property | MLP | CNN |\n| --- | --- | --- |\n` +
      `| connections | every input to every unit | each unit sees a 3×3 neighbourhood |\n` +
      `| weight sharing | none | one 3×3 filter slides over the whole image |\n` +
      `| spatial structure | lost when the image is flattened | kept through convolution and pooling |\n` +
      `| parameters per feature | one weight per pixel | nine weights per filter |\n` +
      `| suited to images | limited | well |\n` +
      `| overfitting (gap after ${epochsText(late)} here) | ${(gapOf(mlpL) * 100).toFixed(2)} points | ${
        (gapOf(cnnL) * 100).toFixed(2)
      } points |\n` +
      `| test loss from ${early} to ${late} epochs here | ${mlpE.testLoss.toFixed(4)} → ${mlpL.testLoss.toFixed(4)} | ${
        cnnE.testLoss.toFixed(4)
      } → ${cnnL.testLoss.toFixed(4)} |\n`,
  );
  lines.push(sourcesMarkdown(r, table, figure));
  lines.push(`## Files\n`);
  lines.push(`- Tables (CSV and Markdown): [tables/](tables/)\n- Figures (SVG and PNG): [figures/](figures/)\n`);
  if (input.notebooks.length > 0) {
    lines.push(
      `- Executed notebooks: ${
        input.notebooks.map((p) => `[${relative(outDir, p)}](${relative(outDir, p)})`).join(", ")
      }\n`,
    );
  }
  return lines.filter((l) => l !== "").join("\n");
}

/**
 * The experiments of the report, as training configs shared by the notebooks,
 * `reproduce` and the app, so that all of them hit the same cached models.
 *
 * The report trained 5- and 10-epoch runs separately. Here each model is
 * trained once for 10 epochs with a snapshot after epoch 5: with the same
 * seed and the same shuffles, the snapshot *is* the 5-epoch run (the test
 * suite checks this equivalence on a small run).
 *
 * @module
 */
import { makeTrainConfig, type TrainConfig } from "./train.ts";
import { DEFAULT_SEED } from "./random.ts";

/** Environment variable of quick mode (small slices, few epochs), honoured everywhere. */
export const QUICK_ENV_VAR = "MNIST_QUICK";

/** True when quick mode is switched on (`MNIST_QUICK=1`). */
export function isQuickMode(): boolean {
  try {
    const value = Deno.env.get(QUICK_ENV_VAR);
    return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
  } catch {
    return false;
  }
}

/** Sizes used in quick mode. */
export const QUICK = { trainCount: 2000, testCount: 500, earlyEpochs: 1, lateEpochs: 2 } as const;
/** The report's two comparison points. */
export const FULL = { earlyEpochs: 5, lateEpochs: 10 } as const;

/** The four runs of the report's comparison, and the epochs they stop at. */
export interface ExperimentPlan {
  quick: boolean;
  earlyEpochs: number;
  lateEpochs: number;
  /** MLP: validation split 0.1, sparse labels (report section 2.2). */
  mlpEarly: TrainConfig;
  mlpLate: TrainConfig;
  /** CNN: the test set as validation data, one-hot labels (report section 4.1). */
  cnnEarly: TrainConfig;
  cnnLate: TrainConfig;
  /** How many training / test images the evaluation uses (all in full mode). */
  trainCount: number | null;
  testCount: number | null;
}

/** The report's experiments, full or quick. */
export function experimentPlan(quick: boolean = isQuickMode(), seed: number = DEFAULT_SEED): ExperimentPlan {
  const sizes = quick ? QUICK : { ...FULL, trainCount: null, testCount: null };
  const mlp = (epochs: number) =>
    makeTrainConfig({ preset: "mlp", epochs, seed, trainCount: sizes.trainCount, testCount: sizes.testCount });
  const cnn = (epochs: number) =>
    makeTrainConfig({
      preset: "cnn",
      epochs,
      seed,
      validation: { kind: "test" },
      trainCount: sizes.trainCount,
      testCount: sizes.testCount,
    });
  return {
    quick,
    earlyEpochs: sizes.earlyEpochs,
    lateEpochs: sizes.lateEpochs,
    mlpEarly: mlp(sizes.earlyEpochs),
    mlpLate: mlp(sizes.lateEpochs),
    cnnEarly: cnn(sizes.earlyEpochs),
    cnnLate: cnn(sizes.lateEpochs),
    trainCount: sizes.trainCount,
    testCount: sizes.testCount,
  };
}

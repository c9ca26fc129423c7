/**
 * The fast path for any compiled model on the wasm backend: the fused
 * cross-entropy and accuracy (`fused_loss.ts`) in place of the op chains
 * `compile` chose, then the direct training step (`direct_step.ts`) for a
 * model it can plan.
 *
 * `src/tf.ts` calls {@link installFastPath} after every `compile`, so a model
 * a student writes in a notebook with plain `tf.sequential` trains exactly as
 * fast as the course's own, and a model the fast path does not know (dropout,
 * batch normalisation, other losses or activations) keeps TensorFlow.js's stock
 * functions and trains correctly on the stock kernels. The switches are in
 * {@link OVERRIDES_OFF_ENV_VAR} (`Loss`, `Step`, `all`).
 *
 * @module
 */
import type { FusedLabels } from "./fused_loss.ts";
import { installFusedLoss } from "./fused_loss.ts";
import { type DirectStepPlan, installDirectStep } from "./direct_step.ts";
import { directStepEnabled, fusedLossEnabled, OVERRIDES_OFF_ENV_VAR } from "./overrides.ts";

/** What {@link installFastPath} did for one model, for tests and the bench. */
export interface FastPathReport {
  /** The fused loss and metric were installed (with this label encoding), or why not. */
  loss: { installed: true; labels: FusedLabels } | { installed: false; reason: string };
  /** The direct training step's plan (ok, or the reason it falls back), or why it was not tried. */
  step: DirectStepPlan | { ok: false; reason: string };
}

/** Names TensorFlow.js accepts for the two cross-entropies, by the label encoding they expect. */
const CROSS_ENTROPY_NAMES: Readonly<Record<string, FusedLabels>> = {
  sparseCategoricalCrossentropy: "sparse",
  sparse_categorical_crossentropy: "sparse",
  categoricalCrossentropy: "onehot",
  categorical_crossentropy: "onehot",
};

/** The label encoding of a compile `loss` argument the fused loss can replace, or null. */
export function fusedLabelsFor(loss: unknown): FusedLabels | null {
  const name = Array.isArray(loss) && loss.length === 1 ? loss[0] : loss;
  return typeof name === "string" ? CROSS_ENTROPY_NAMES[name] ?? null : null;
}

const reports = new WeakMap<object, FastPathReport>();

/**
 * Installs the fast path on a model that `compile` has just compiled with
 * `args`. Call it only on the wasm backend (the cpu backend is the reference
 * and keeps the stock functions).
 */
export function installFastPath(model: object, args: { loss?: unknown }): FastPathReport {
  const labels = fusedLabelsFor(args.loss);
  let report: FastPathReport;
  if (!fusedLossEnabled()) {
    const reason = `switched off by ${OVERRIDES_OFF_ENV_VAR}`;
    report = { loss: { installed: false, reason }, step: { ok: false, reason } };
  } else if (labels === null) {
    const reason = "the loss is not a categorical cross-entropy given by name";
    report = { loss: { installed: false, reason }, step: { ok: false, reason } };
  } else if (!installFusedLoss(model as { outputs: unknown[] }, labels)) {
    const reason = "not one output with one loss";
    report = { loss: { installed: false, reason }, step: { ok: false, reason } };
  } else {
    report = {
      loss: { installed: true, labels },
      step: directStepEnabled()
        ? installDirectStep(model)
        : { ok: false, reason: `switched off by ${OVERRIDES_OFF_ENV_VAR}` },
    };
  }
  reports.set(model, report);
  return report;
}

/**
 * What the fast path did at the model's last `compile`, or null when it was
 * never installed (cpu backend, not compiled). A `Sequential` model answers for
 * the `LayersModel` it wraps.
 */
export function fastPathReport(model: object): FastPathReport | null {
  const inner = (model as { model?: object }).model;
  return reports.get(model) ?? (inner ? reports.get(inner) ?? null : null);
}

/**
 * Adam's update as one pass over the wasm heap per variable, instead of the
 * dozen tensor ops (`mul`, `add`, `square`, `div`, `sqrt`, …) that
 * `tf.train.adam` runs per variable per step.
 *
 * Why it exists: on the wasm backend each of those ops is a kernel call with
 * its own allocation and JavaScript bookkeeping, a large share of a step. One
 * pass that reads the weight, gradient and both moments and writes the new
 * values does the same arithmetic in a fraction of that.
 *
 * What it is: `AdamOptimizer.prototype.applyGradients` replaced by a version
 * that, while the wasm backend is active and every variable is float32,
 * computes the stock formulas (each intermediate rounded to float32 as the
 * stock ops do, except that the divisions by the bias corrections `1 − β^t`
 * are multiplications by their reciprocals, because the pass is bound by
 * division and square-root throughput: a result may differ from the stock ops'
 * in its last bit), creates the moment variables the same way (so
 * `getWeights`/`setWeights` and saving work unchanged), writes the new weights
 * to a new tensor (never in place: a caller may hold the old values) and
 * updates the two moments, which only the optimizer holds, in place. On more
 * cores the elements are shared out (`kernel_threads.ts`). Otherwise it runs
 * the stock method. Not a kernel (tfjs has no Adam kernel); installed by
 * `registerWasmOverrides`, switched off with `MNIST_FUSED_ADAM=0`,
 * `MNIST_WASM_OVERRIDES_OFF=Adam` or {@link setFusedAdam}.
 *
 * @module
 */
import type { NamedTensorMap, Tensor, TensorInfo, Variable } from "@tensorflow/tfjs-core";

/** A gradient as `applyGradients` receives it in a list. */
interface NamedTensor {
  name: string;
  tensor: Tensor;
}
import { AdamOptimizer, engine, getBackend, mul, tidy, zerosLike } from "@tensorflow/tfjs-core";
import { type AnyBackend, asWasm, heapF32, heapOffset } from "./wasm_util.ts";
import { simdKernels } from "./simd_kernels.ts";
import { fusedAdamEnabled } from "./switches.ts";
// Adam is bound by memory (7 arrays per variable), so it counts as a pass over memory: the MLP's 100,352-weight
// kernel stays on one thread (a worker's wake-up cost more than it saved), the CNN's 540,800 are shared out.
import { kernelThreads, PASS_WORK, runInParts } from "./kernel_threads.ts";

/** Alignment of the blocks Adam's pass is cut into on several threads (whole 4-float vectors). */
const ADAM_THREAD_ALIGN = 64;

/** The fields of tfjs-core 4.22's `AdamOptimizer` the fused update uses. */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: Variable;
  accBeta2: Variable;
  accumulatedFirstMoment: { originalName: string; variable: Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: Variable }[];
  incrementIterations(): void;
}

type ApplyGradients = (this: AdamOptimizer, grads: NamedTensorMap | NamedTensor[]) => void;

const proto = AdamOptimizer.prototype as unknown as { applyGradients: ApplyGradients };
const stockApplyGradients: ApplyGradients = proto.applyGradients;
let enabled = true;

/** Turns the fused update on or off (it is on once installed); returns the previous setting. */
export function setFusedAdam(on: boolean): boolean {
  const old = enabled;
  enabled = on;
  return old;
}

/**
 * One Adam step on plain arrays, as the SIMD kernel computes it (exported for
 * tests): writes the new moments to `m2`, `v2` and the new weights to `w2`.
 */
export function adamStepInto(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  w2: Float32Array,
  m2: Float32Array,
  v2: Float32Array,
  h: { lr: number; beta1: number; beta2: number; epsilon: number; oneMinusAccBeta1: number; oneMinusAccBeta2: number },
): void {
  const f = Math.fround;
  const b1 = f(h.beta1), c1 = f(1 - h.beta1), b2 = f(h.beta2), c2 = f(1 - h.beta2);
  const d1 = f(h.oneMinusAccBeta1), d2 = f(h.oneMinusAccBeta2), eps = f(h.epsilon), negLr = f(-h.lr);
  const r1 = f(1 / d1), r2 = f(1 / d2); // reciprocals: see simd_kernels.wat's adam
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const mi = f(f(m[i] * b1) + f(gi * c1));
    const vi = f(f(v[i] * b2) + f(f(gi * gi) * c2));
    m2[i] = mi;
    v2[i] = vi;
    const step = f(f(mi * r1) / f(f(Math.sqrt(f(vi * r2))) + eps));
    w2[i] = f(step * negLr) + w[i];
  }
}

function fusedApplyGradients(this: AdamOptimizer, grads: NamedTensorMap | NamedTensor[]): void {
  const self = this as unknown as AdamInternals;
  const names = Array.isArray(grads) ? grads.map((g) => g.name) : Object.keys(grads);
  const eng = engine();
  const variables = names.map((name) => eng.registeredVariables[name]);
  const gradients = names.map((name, i) => Array.isArray(grads) ? grads[i].tensor : grads[name]);
  const usable = enabled && getBackend() === "wasm" &&
    variables.every((v, i) => v.dtype === "float32" && (gradients[i] == null || gradients[i].dtype === "float32"));
  if (!usable) return stockApplyGradients.call(this, grads);
  const backend = eng.backend as unknown as AnyBackend;
  const wasm = asWasm(backend);
  const simd = simdKernels(backend);
  const threads = kernelThreads(backend);
  tidy(() => {
    const acc1 = self.accBeta1.dataSync()[0], acc2 = self.accBeta2.dataSync()[0];
    const hyper = {
      lr: self.learningRate,
      beta1: self.beta1,
      beta2: self.beta2,
      epsilon: self.epsilon,
      oneMinusAccBeta1: 1 - acc1,
      oneMinusAccBeta2: 1 - acc2,
    };
    variables.forEach((value, i) => {
      const name = names[i];
      if (self.accumulatedFirstMoment[i] == null) {
        self.accumulatedFirstMoment[i] = {
          originalName: `${name}/m`,
          variable: tidy(() => zerosLike(value).variable(false)),
        };
      }
      if (self.accumulatedSecondMoment[i] == null) {
        self.accumulatedSecondMoment[i] = {
          originalName: `${name}/v`,
          variable: tidy(() => zerosLike(value).variable(false)),
        };
      }
      const gradient = gradients[i];
      if (gradient == null) return;
      const firstMoment = self.accumulatedFirstMoment[i].variable;
      const secondMoment = self.accumulatedSecondMoment[i].variable;
      const shape = value.shape;
      if (simd != null) {
        // The moments are the optimizer's own: updated in place (the kernel reads each element before it
        // writes it). The weights get a new tensor (never in place: XNNPACK caches packed weights by
        // tensor, and a caller may hold the old values).
        const newValue = wasm.makeOutput(shape, "float32");
        const f = Math.fround;
        const [pw, pg, pm, pv, pw2] = [value, gradient, firstMoment, secondMoment, newValue].map((t) =>
          heapOffset(backend, t)
        );
        // Elementwise: on more threads, each takes blocks of elements (whole vectors).
        runInParts(threads, "simd.adam", simd.adam, value.size, ADAM_THREAD_ALIGN, value.size * PASS_WORK, (
          i,
          count,
        ) => [
          pw + 4 * i,
          pg + 4 * i,
          pm + 4 * i,
          pv + 4 * i,
          pw2 + 4 * i,
          pm + 4 * i,
          pv + 4 * i,
          count,
          hyper.beta1,
          f(1 - hyper.beta1),
          hyper.beta2,
          f(1 - hyper.beta2),
          f(hyper.oneMinusAccBeta1),
          f(hyper.oneMinusAccBeta2),
          hyper.epsilon,
          -hyper.lr,
        ]);
        value.assign(eng.makeTensorFromTensorInfo(newValue) as Tensor);
        return;
      }
      {
        const infos: TensorInfo[] = [0, 1, 2].map(() => wasm.makeOutput(shape, "float32"));
        // Views only after the allocations (an allocation can grow the heap).
        const [w2, m2, v2] = infos.map((info) => heapF32(backend, info));
        adamStepInto(
          heapF32(backend, value),
          heapF32(backend, gradient),
          heapF32(backend, firstMoment),
          heapF32(backend, secondMoment),
          w2,
          m2,
          v2,
          hyper,
        );
        const [newValue, newFirst, newSecond] = infos.map((info) => eng.makeTensorFromTensorInfo(info) as Tensor);
        firstMoment.assign(newFirst);
        secondMoment.assign(newSecond);
        value.assign(newValue);
      }
    });
    self.accBeta1.assign(mul(self.accBeta1, self.beta1));
    self.accBeta2.assign(mul(self.accBeta2, self.beta2));
  });
  self.incrementIterations();
}

/** Installs the fused update on `AdamOptimizer` (idempotent), unless `MNIST_FUSED_ADAM=0`. */
export function installFusedAdam(): void {
  if (!fusedAdamEnabled()) enabled = false;
  proto.applyGradients = fusedApplyGradients as ApplyGradients;
}

/** Puts the stock `applyGradients` back. */
export function uninstallFusedAdam(): void {
  proto.applyGradients = stockApplyGradients;
}

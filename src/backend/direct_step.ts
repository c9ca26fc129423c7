/**
 * The training step of `model.fit` without the engine's bookkeeping: the same
 * kernels, called directly, in the order the engine would call them.
 *
 * Why it exists: a training step of the report's MLP is about 50 kernel calls
 * through TensorFlow.js's engine (forward ops, the tape, the backward ops,
 * scopes, tensor tracking) plus the layers' own machinery around them, and on
 * the wasm backend that bookkeeping, not the arithmetic, was most of the step
 * (`deno task bench --models mlp4`, a 4-unit MLP with almost no arithmetic,
 * shows a step's fixed cost).
 *
 * What it is: `compileFor` (`src/models/presets.ts`) replaces the compiled
 * model's train function (the one `fit` and `trainOnBatch` call once per
 * batch) with one that, for a model it can plan, runs the forward pass, the
 * loss, the backward pass and the optimizer's update by calling the wasm
 * backend's registered kernel functions (the project's overrides and the stock
 * kernels) on the backend's tensors, with no tape and no tensors for the
 * intermediate values. It calls exactly the kernels the engine's path calls,
 * with the same inputs and attributes, and the loss and metric through the same
 * code as `fused_loss.ts`; the update is the optimizer's own `applyGradients`.
 * So the weights, losses and metrics are bit for bit those of the engine's path
 * (`tests/direct_step_test.ts` trains every preset both ways and compares).
 * Passes over a convolution's output are merged where the merged pass gives
 * the same bits: the convolution, its bias `Add` and its `Relu` run as one
 * pass of the direct kernel (`conv2dBiasReluDirect`: the bias added after the
 * sums, each output row finished while it is in the cache; or, where that
 * kernel does not run, `Add` and `Relu` as one pass, `addBiasRelu`), and,
 * backwards, `MaxPoolGrad` and the ReLU gradient below it
 * (`maxPoolReluGrad2x2`, for 2×2 windows covering the input). The ReLU
 * gradient then reads the ReLU's output rather than its input (which is not
 * kept): the same mask (output > 0 exactly where input > 0, NaN where a NaN
 * input had its sign bit clear), except for a NaN input with the sign bit set,
 * whose gradient is 0 here and NaN on the engine's path; such a NaN only
 * arises once training has already diverged.
 * `fit` itself is unchanged: shuffling, batches, callbacks, validation, logs.
 *
 * What it plans: a `Sequential` model of Flatten, Conv2D (ReLU, channels last,
 * no dilation), MaxPooling2D (channels last) and Dense (ReLU, or softmax on the
 * last layer) layers, without regularizers or constraints, all weights
 * trainable, compiled with the fused cross-entropy and accuracy of
 * `fused_loss.ts`, trained without sample or class weights, on the wasm
 * backend with the `MnistReluGrad` and `MnistSoftmaxGrad` gradients on (other
 * overrides may be off: the registered kernel is called either way). Anything
 * else (dropout, another activation, the cpu backend) takes the stock train
 * function, and {@link directStepPlan} says why. `MNIST_WASM_OVERRIDES_OFF=Step`
 * (or `all`) turns it off.
 *
 * @module
 */
import type { DataType, KernelFunc, NamedAttrMap, Scalar, Tensor, TensorInfo } from "@tensorflow/tfjs-core";
import { engine, getBackend, getKernel } from "@tensorflow/tfjs-core";
import { accuracyInto, batchFromValues, crossEntropyWithGradient, fusedKind, type FusedLabels } from "./fused_loss.ts";
import { directStepEnabled } from "./overrides.ts";
import { maxPoolGradConfig } from "./max_pool_grad.ts";
import { conv2dBiasReluDirect } from "./conv2d.ts";
import { RELU_GRAD, reluGradConfig } from "./relu_grad.ts";
import { simdKernels } from "./simd_kernels.ts";
import { kernelThreads, PASS_WORK, runInParts } from "./kernel_threads.ts";
import { SOFTMAX_GRAD } from "./softmax_grad.ts";
import { type AnyBackend, asWasm, heapF32, heapOffset, sizeOf, view } from "./wasm_util.ts";

/** One layer of a planned model. */
type Stage =
  | { kind: "flatten" }
  | { kind: "dense"; layer: WeightedLayer; softmax: boolean }
  | { kind: "conv"; layer: WeightedLayer; attrs: ConvAttrs }
  | { kind: "maxpool"; attrs: PoolAttrs };

interface ConvAttrs {
  strides: [number, number];
  pad: "valid" | "same";
  dataFormat: "NHWC";
  dilations: [number, number];
  dimRoundingMode: undefined;
}

interface PoolAttrs {
  filterSize: [number, number];
  strides: [number, number];
  pad: "valid" | "same";
  dimRoundingMode: undefined;
}

/** The parts of a tfjs-layers `LayerVariable` used here. */
interface LayerVariable {
  read(): Tensor & { name: string };
  trainable: boolean;
}

/** The parts of a tfjs-layers Dense or Conv2D layer used here. */
interface WeightedLayer {
  kernel: LayerVariable;
  bias: LayerVariable | null;
}

/** A model the direct step can train, or the reason it cannot. */
export type DirectStepPlan = { ok: true; stages: Stage[]; labels: FusedLabels; metrics: number } | {
  ok: false;
  reason: string;
};

/** The parts of a compiled tfjs-layers `LayersModel` (4.22) used here. */
interface CompiledModel {
  layers: AnyLayer[];
  inputs: unknown[];
  outputs: unknown[];
  lossFunctions?: unknown[];
  metricsTensors?: [unknown, number][];
  collectedTrainableWeights?: LayerVariable[];
  optimizer_?: { applyGradients(grads: { name: string; tensor: Tensor }[]): void };
  makeTrainFunction(): (data: Tensor[]) => Scalar[];
}

// deno-lint-ignore no-explicit-any
type AnyLayer = any;

const pair = (v: number | number[]): [number, number] => Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v];
const ones = (v: number | number[] | undefined) => v == null || pair(v).every((d) => d === 1);

function noExtras(layer: AnyLayer): boolean {
  return layer.kernelRegularizer == null && layer.biasRegularizer == null && layer.activityRegularizer == null &&
    layer.kernelConstraint == null && layer.biasConstraint == null;
}

/** Plans the direct step for a compiled model (the `LayersModel` a `Sequential` wraps, or the model itself). */
export function directStepPlan(model: unknown): DirectStepPlan {
  const inner = ((model as { model?: unknown }).model ?? model) as CompiledModel;
  const fail = (reason: string): DirectStepPlan => ({ ok: false, reason });
  if (inner.inputs?.length !== 1 || inner.outputs?.length !== 1) return fail("not one input and one output");
  const loss = fusedKind(inner.lossFunctions?.[0]);
  if (loss?.kind !== "loss") return fail("the loss is not the fused cross-entropy (src/backend/fused_loss.ts)");
  const metrics = inner.metricsTensors ?? [];
  if (metrics.length > 1 || metrics.some(([fn]) => fusedKind(fn)?.kind !== "metric")) {
    return fail("metrics other than one fused accuracy");
  }
  const stages: Stage[] = [];
  const weights: LayerVariable[] = [];
  const layers = inner.layers.filter((l: AnyLayer) => l.getClassName() !== "InputLayer");
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    const name = layer.getClassName();
    const last = i === layers.length - 1;
    const activation = layer.activation?.getClassName?.();
    const rank = (layer.input as { shape?: unknown[] } | undefined)?.shape?.length;
    if ((name === "Dense" && rank !== 2) || ((name === "Conv2D" || name === "MaxPooling2D") && rank !== 4)) {
      return fail(`layer ${layer.name}: ${name} on an input of rank ${rank}`);
    }
    if (name === "Flatten") {
      stages.push({ kind: "flatten" });
    } else if (name === "Dense") {
      if (!noExtras(layer) || !layer.useBias) return fail(`layer ${layer.name}: regularizer, constraint or no bias`);
      if (last ? activation !== "softmax" : activation !== "relu") {
        return fail(`layer ${layer.name}: activation ${activation}`);
      }
      stages.push({ kind: "dense", layer, softmax: last });
      weights.push(layer.kernel, layer.bias);
    } else if (name === "Conv2D") {
      if (!noExtras(layer) || !layer.useBias) return fail(`layer ${layer.name}: regularizer, constraint or no bias`);
      if (activation !== "relu" || layer.dataFormat !== "channelsLast" || !ones(layer.dilationRate)) {
        return fail(`layer ${layer.name}: activation, data format or dilation`);
      }
      if (layer.padding !== "valid" && layer.padding !== "same") return fail(`layer ${layer.name}: padding`);
      stages.push({
        kind: "conv",
        layer,
        attrs: {
          strides: pair(layer.strides),
          pad: layer.padding,
          dataFormat: "NHWC",
          dilations: pair(layer.dilationRate),
          dimRoundingMode: undefined,
        },
      });
      weights.push(layer.kernel, layer.bias);
    } else if (name === "MaxPooling2D") {
      if (layer.dataFormat !== "channelsLast") return fail(`layer ${layer.name}: data format`);
      stages.push({
        kind: "maxpool",
        attrs: {
          filterSize: pair(layer.poolSize),
          strides: pair(layer.strides),
          pad: layer.padding === "same" ? "same" : "valid",
          dimRoundingMode: undefined,
        },
      });
    } else {
      return fail(`layer ${layer.name}: ${name} is not planned`);
    }
  }
  if (stages.at(-1)?.kind !== "dense") return fail("the last layer is not a softmax Dense layer");
  const trainable = inner.collectedTrainableWeights ?? [];
  if (trainable.length !== weights.length || trainable.some((w, i) => w !== weights[i] || !w.trainable)) {
    return fail("the trainable weights are not all the layers' kernels and biases");
  }
  return { ok: true, stages, labels: loss.labels, metrics: metrics.length };
}

/** Why the direct step would not run now (environment), or null if it can. */
function environmentBlocks(): string | null {
  if (getBackend() !== "wasm") return "not the wasm backend";
  if (!directStepEnabled()) return "MNIST_WASM_OVERRIDES_OFF names Step or all";
  // Without these the engine's path takes other gradient formulas (Step, Multiply, Sum, Sub) than the ones called here.
  if (getKernel(RELU_GRAD, "wasm") == null || getKernel(SOFTMAX_GRAD, "wasm") == null) {
    return "the MnistReluGrad or MnistSoftmaxGrad kernel is switched off";
  }
  return null;
}

/** Calls the registered wasm kernels and owns what they return until {@link Kernels.release}. */
class Kernels {
  readonly temps: TensorInfo[] = [];
  constructor(readonly backend: AnyBackend) {}

  run(name: string, inputs: Record<string, TensorInfo | null>, attrs: Record<string, unknown> = {}): TensorInfo {
    const kernel = getKernel(name, "wasm");
    if (kernel == null) throw new Error(`the wasm backend has no '${name}' kernel`);
    const out = (kernel.kernelFunc as KernelFunc)({
      // deno-lint-ignore no-explicit-any
      inputs: inputs as any,
      backend: this.backend as never,
      attrs: attrs as NamedAttrMap,
    }) as TensorInfo;
    this.temps.push(out);
    return out;
  }

  /** Takes ownership of a tensor a kernel function made (released with the step's other temporaries). */
  own(info: TensorInfo): TensorInfo {
    this.temps.push(info);
    return info;
  }

  alloc(shape: number[], dtype: DataType = "float32"): TensorInfo {
    const out = asWasm(this.backend).makeOutput(shape, dtype);
    this.temps.push(out);
    return out;
  }

  /** Hands `info`'s data (or a view's) to the caller: it is no longer released here. */
  take(info: TensorInfo): TensorInfo {
    const i = this.temps.findIndex((t) => t.dataId === info.dataId);
    if (i < 0) throw new Error("direct step: a result was released twice");
    this.temps.splice(i, 1);
    return info;
  }

  release(): void {
    const wasm = asWasm(this.backend);
    for (const info of this.temps) wasm.disposeData(info.dataId);
    this.temps.length = 0;
  }
}

/**
 * Whether the pooling's gradient and the ReLU gradient below it can run as one
 * pass: 2×2 windows, stride 2, covering the input exactly, channels a multiple
 * of 4, and the registered `MaxPoolGrad` and `MnistReluGrad` the project's own
 * (whose results the fused pass reproduces).
 */
function fusablePool(input: TensorInfo, output: TensorInfo, attrs: PoolAttrs): boolean {
  const [, inH, inW, ch] = input.shape, [, outH, outW] = output.shape;
  return attrs.filterSize[0] === 2 && attrs.filterSize[1] === 2 && attrs.strides[0] === 2 &&
    attrs.strides[1] === 2 && inH === 2 * outH && inW === 2 * outW && ch % 4 === 0 &&
    getKernel("MaxPoolGrad", "wasm")?.kernelFunc === maxPoolGradConfig.kernelFunc &&
    getKernel(RELU_GRAD, "wasm")?.kernelFunc === reluGradConfig.kernelFunc;
}

/** What the backward pass needs of a stage's forward pass. */
interface Saved {
  input: TensorInfo;
  /** Dense/Conv2D: the pre-activation (product + bias); MaxPool: the output. */
  pre?: TensorInfo;
  out: TensorInfo;
}

const mm = (transposeA: boolean, transposeB: boolean) => ({ transposeA, transposeB });

/**
 * One training step on a batch: the forward pass, the loss and metric, the
 * backward pass and the optimizer's update. Returns `[loss, ...metrics]` as
 * scalars, like tfjs-layers' train function.
 */
function directStep(
  inner: CompiledModel,
  plan: Extract<DirectStepPlan, { ok: true }>,
  x: Tensor,
  y: Tensor,
): Scalar[] {
  const eng = engine();
  const backend = eng.backend as unknown as AnyBackend;
  const k = new Kernels(backend);
  const simd = simdKernels(backend);
  const threads = kernelThreads(backend);
  const grads: { name: string; tensor: Tensor }[] = [];
  try {
    // Forward, as tfjs-layers' layers call the ops while a gradient is being recorded.
    const saved: Saved[] = [];
    let h: TensorInfo = x;
    for (const stage of plan.stages) {
      const input = h;
      if (stage.kind === "flatten") {
        h = view(input, [input.shape[0], sizeOf(input.shape.slice(1))]);
        saved.push({ input, out: h });
      } else if (stage.kind === "maxpool") {
        h = k.run("MaxPool", { x: input }, { ...stage.attrs });
        saved.push({ input, out: h });
      } else {
        const w = stage.layer.kernel.read(), b = stage.layer.bias!.read();
        if (stage.kind === "conv") {
          // Conv2D, Add and Relu in one pass where the direct kernel runs (bit for bit the three kernels).
          const fused = conv2dBiasReluDirect({ inputs: { x: input, filter: w, bias: b }, backend, attrs: stage.attrs });
          if (fused != null) {
            h = k.own(fused);
            // ReLU's gradient reads its output instead of its input: out > 0 exactly where pre > 0, and
            // out is NaN where pre is a NaN with the sign bit clear (see the module comment).
            saved.push({ input, pre: h, out: h });
            continue;
          }
        }
        let product: TensorInfo;
        if (stage.kind === "conv") product = k.run("Conv2D", { x: input, filter: w }, { ...stage.attrs });
        else if (stage.softmax) {
          // The output layer's activation has no fused kernel: a linear _FusedMatMul, then a bias Add.
          product = k.run("_FusedMatMul", { a: input, b: w, bias: null, preluActivationWeights: null }, {
            ...mm(false, false),
            activation: "linear",
            leakyreluAlpha: 0.2,
          });
        } else product = k.run("BatchMatMul", { a: input, b: w }, mm(false, false));
        const ch = product.shape[product.shape.length - 1];
        if (stage.kind === "conv" && simd != null && ch % 4 === 0 && b.size === ch) {
          // Add then Relu in one pass, the bias added in place (the product is not needed again).
          const out = k.alloc(product.shape);
          const p = heapOffset(backend, product), pb = heapOffset(backend, b), po = heapOffset(backend, out);
          const rows = sizeOf(product.shape) / ch;
          runInParts(threads, "simd.addBiasRelu", simd.addBiasRelu, rows, 1, PASS_WORK * rows * ch, (r, count) => [
            p + 4 * ch * r,
            pb,
            p + 4 * ch * r,
            po + 4 * ch * r,
            count,
            ch,
          ]);
          h = out;
          saved.push({ input, pre: product, out: h });
          continue;
        }
        const pre = k.run("Add", { a: product, b });
        h = stage.kind === "dense" && stage.softmax
          ? k.run("Softmax", { logits: pre }, { dim: pre.shape.length - 1 })
          : k.run("Relu", { x: pre });
        saved.push({ input, pre, out: h });
      }
    }
    // Loss and metric: fused_loss.ts's formulas on the same values.
    const probsInfo = h;
    const rows = probsInfo.shape[0], classes = probsInfo.shape[probsInfo.shape.length - 1];
    const perRowLoss = k.alloc([rows]);
    const perRowAcc = plan.metrics > 0 ? k.alloc([rows]) : null;
    const dProbs = k.alloc(probsInfo.shape);
    {
      // Views only after the allocations (an allocation can grow the heap).
      const probs = heapF32(backend, probsInfo);
      const labels = asWasm(backend).typedArrayFromHeap(y);
      const batch = batchFromValues(probs, probsInfo.shape, labels, y.shape, plan.labels);
      const { loss, grad } = crossEntropyWithGradient(batch);
      heapF32(backend, perRowLoss).set(loss);
      if (perRowAcc != null) {
        accuracyInto(probs, labels, rows, classes, plan.labels, heapF32(backend, perRowAcc));
      }
      // d(mean)/d(row) = 1/rows (tfjs-core's Mean gradient: 1·1/rows in float32), times d(row loss)/d(probs).
      const up = Math.fround(1 / rows), d = heapF32(backend, dProbs);
      for (let i = 0; i < grad.length; i++) d[i] = up * grad[i];
    }
    const meanLoss = k.run("Mean", { x: perRowLoss }, { axis: null, keepDims: false });
    const meanAcc = perRowAcc == null ? null : k.run("Mean", { x: perRowAcc }, { axis: null, keepDims: false });

    // Backward, layer by layer from the output; a layer's input gradient only where a weight lies below it.
    const firstWeighted = plan.stages.findIndex((s) => s.kind === "dense" || s.kind === "conv");
    const byVariable = new Map<LayerVariable, TensorInfo>();
    let dy: TensorInfo = dProbs;
    /** True when `dy` already went through the ReLU below it (the fused pooling gradient). */
    let throughRelu = false;
    for (let i = plan.stages.length - 1; i >= firstWeighted; i--) {
      const stage = plan.stages[i], s = saved[i];
      const needInput = i > firstWeighted;
      if (stage.kind === "flatten") {
        dy = view(dy, s.input.shape);
      } else if (stage.kind === "maxpool") {
        const below = plan.stages[i - 1];
        if (below?.kind === "conv" && simd != null && fusablePool(s.input, s.out, stage.attrs)) {
          // MaxPoolGrad then the ReLU gradient below it, in one pass (bit for bit the two kernels).
          const dx = k.alloc(s.input.shape);
          const [batch, inH, inW, ch] = s.input.shape, [, outH, outW] = s.out.shape;
          const [px, pre, pdy, pdx] = [s.input, saved[i - 1].pre!, dy, dx].map((t) => heapOffset(backend, t));
          const inImage = 4 * inH * inW * ch, outImage = 4 * outH * outW * ch;
          runInParts(
            threads,
            "simd.maxPoolReluGrad2x2",
            simd.maxPoolReluGrad2x2,
            batch,
            1,
            PASS_WORK * sizeOf(s.input.shape),
            (
              image,
              images,
            ) => [
              px + image * inImage,
              pre + image * inImage,
              pdy + image * outImage,
              pdx + image * inImage,
              images,
              inH,
              inW,
              ch,
              outH,
              outW,
            ],
          );
          dy = dx;
          throughRelu = true;
        } else {
          dy = k.run("MaxPoolGrad", { dy, input: s.input, output: s.out }, { ...stage.attrs });
        }
      } else {
        const dPre = stage.kind === "dense" && stage.softmax
          ? k.run(SOFTMAX_GRAD, { dy, y: s.out })
          : throughRelu
          ? dy
          : k.run(RELU_GRAD, { dy, x: s.pre! });
        throughRelu = false;
        const rank = dPre.shape.length;
        const dBias = k.run("Sum", { x: dPre }, { axis: [...Array(rank - 1).keys()], keepDims: false });
        const w = stage.layer.kernel.read();
        let dW: TensorInfo;
        let dx: TensorInfo | null = null;
        if (stage.kind === "conv") {
          const attrs = {
            strides: stage.attrs.strides,
            pad: stage.attrs.pad,
            dataFormat: "NHWC",
            dimRoundingMode: undefined,
          };
          if (needInput) {
            dx = k.run("Conv2DBackpropInput", { dy: dPre, filter: w }, { ...attrs, inputShape: s.input.shape });
          }
          dW = k.run("Conv2DBackpropFilter", { x: s.input, dy: dPre }, { ...attrs, filterShape: w.shape });
        } else {
          if (needInput) dx = k.run("BatchMatMul", { a: dPre, b: w }, mm(false, true));
          dW = k.run("BatchMatMul", { a: s.input, b: dPre }, mm(true, false));
        }
        byVariable.set(stage.layer.kernel, view(dW, w.shape));
        byVariable.set(stage.layer.bias!, dBias);
        if (dx != null) dy = dx;
      }
    }
    // The update: the optimizer's own, with the gradients as tensors, in the order of the trainable weights.
    for (const variable of inner.collectedTrainableWeights!) {
      const info = k.take(byVariable.get(variable)!);
      grads.push({ name: variable.read().name, tensor: eng.makeTensorFromTensorInfo(info) as Tensor });
    }
    inner.optimizer_!.applyGradients(grads);
    const out: Scalar[] = [eng.makeTensorFromTensorInfo(k.take(meanLoss)) as Scalar];
    if (meanAcc != null) out.push(eng.makeTensorFromTensorInfo(k.take(meanAcc)) as Scalar);
    return out;
  } finally {
    for (const g of grads) g.tensor.dispose();
    k.release();
  }
}

const installed = new WeakSet<object>();
let stepsTaken = 0;

/** How many batches the direct step has trained since the program started (for tests and the bench). */
export function directStepCount(): number {
  return stepsTaken;
}

/**
 * Replaces the compiled model's train function with the direct step where
 * {@link directStepPlan} plans the model and the environment allows it (checked
 * at every `fit`), the stock train function otherwise. Returns the plan.
 */
export function installDirectStep(model: unknown): DirectStepPlan {
  const inner = ((model as { model?: unknown }).model ?? model) as CompiledModel;
  const plan = directStepPlan(model);
  if (installed.has(inner)) return plan;
  installed.add(inner);
  const stock = Object.getPrototypeOf(inner).makeTrainFunction as CompiledModel["makeTrainFunction"];
  inner.makeTrainFunction = function (this: CompiledModel) {
    const stockStep = stock.call(this);
    const now = directStepPlan(this);
    if (!now.ok || environmentBlocks() != null) return stockStep;
    return (data: Tensor[]) => {
      const [x, y, ...rest] = data;
      if (rest.some((t) => t != null) || x.dtype !== "float32" || getBackend() !== "wasm") return stockStep(data);
      const out = directStep(this, now, x, y);
      stepsTaken++;
      return out;
    };
  };
  return plan;
}

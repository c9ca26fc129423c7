/**
 * Where a training step's time goes: trains the report's CNN (or MLP) through
 * `model.fit` as the bench does and times every kernel the step calls (each
 * registered wasm kernel, the direct step's fused passes, Adam's update), per
 * step, at each batch size. The rest (the loss, `fit`'s loop and callbacks,
 * JavaScript between kernels) is the step's time minus those.
 *
 * usage: deno run -A src/cli/profile_step.ts [--model cnn|mlp] [--batch 32,128] [--samples 6400] [--json]
 *
 * Timing each call adds about a microsecond per kernel; `MNIST_KERNEL_THREADS=1`
 * profiles one thread.
 *
 * @module
 */
import { AdamOptimizer, getKernelsForBackend, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs-core";
import { backendSummary, tf } from "../tf.ts";
import { loadMnist, PIXELS_PER_IMAGE } from "../data/mnist.ts";
import { imageTensor, labelTensor, oneHotTensor } from "../data/tensors.ts";
import { createReportCnn, createReportMlp, inputShapeOf } from "../models/presets.ts";
import { withSeed } from "../random.ts";
import { type KernelFunction, setKernelProfiler } from "../backend/kernel_threads.ts";
import { maxPoolGradConfig } from "../backend/max_pool_grad.ts";
import { RELU_GRAD } from "../backend/relu_grad.ts";

/** Floating-point operations per training sample of the report's CNN (forward, filter gradient, dense backward). */
export const CNN_FLOP_PER_SAMPLE = 2 * (26 * 26 * 32 * 9 + 5408 * 100 + 100 * 10) + // forward
  2 * 26 * 26 * 32 * 9 + // filter gradient (the first layer needs no input gradient)
  2 * 2 * (5408 * 100 + 100 * 10); // dense weight and input gradients

/**
 * Kernels the direct step compares by identity (`fusablePool`, `conv2dBiasReluDirect`): wrapping them would
 * change its path. Their work is timed at the wasm call instead ({@link WASM_PARTS}).
 */
const UNWRAPPED = new Set([maxPoolGradConfig.kernelName, RELU_GRAD, "Conv2D"]);
/** Wasm functions timed through the threads' profiler hook, with the name they get in the profile. */
const WASM_PARTS: Partial<Record<KernelFunction, string>> = {
  "simd.addBiasRelu": "direct step: addBiasRelu (conv bias + ReLU)",
  "simd.maxPoolReluGrad2x2": "direct step: maxPoolReluGrad2x2 (pooling + ReLU gradient)",
  "conv.conv2dForward": "conv2dForward (Conv2D; in the direct step with bias + ReLU)",
};

/** One line of the profile. */
export interface ProfileEntry {
  part: string;
  calls: number;
  msPerStep: number;
  /** Floating-point operations per second, for products and convolutions. */
  gflops: number | null;
}

/** The profile of one batch size. */
export interface StepProfile {
  model: "cnn" | "mlp";
  batch: number;
  steps: number;
  msPerStep: number;
  samplesPerSecond: number;
  entries: ProfileEntry[];
  restMsPerStep: number;
}

const shapeText = (t: TensorInfo | undefined) => t == null ? "?" : `[${t.shape.join(",")}]`;

/** A readable name for a kernel call, with the operands' shapes where they tell products apart. */
function describe(name: string, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>): string {
  if (name === "BatchMatMul" || name === "_FusedMatMul") {
    return `${name} ${shapeText(inputs.a)}${attrs.transposeA ? "ᵀ" : ""}·${shapeText(inputs.b)}${
      attrs.transposeB ? "ᵀ" : ""
    }`;
  }
  if (name.startsWith("Conv2D")) return `${name} ${shapeText(inputs.x ?? inputs.dy)}`;
  return name;
}

function flops(name: string, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>): number {
  const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
  if (name === "BatchMatMul" || name === "_FusedMatMul") {
    const a = inputs.a.shape, b = inputs.b.shape;
    const m = attrs.transposeA ? a[a.length - 1] : a[a.length - 2];
    const k = attrs.transposeA ? a[a.length - 2] : a[a.length - 1];
    const n = attrs.transposeB ? b[b.length - 2] : b[b.length - 1];
    return 2 * m * n * k;
  }
  if (name === "Conv2D" || name === "FusedConv2D") {
    const f = inputs.filter.shape; // [kh, kw, inC, outC]
    const out = size(inputs.x) / inputs.x.shape[3] * f[3]; // about: valid padding shrinks it a little
    return 2 * out * f[0] * f[1] * f[2];
  }
  if (name === "Conv2DBackpropFilter") {
    const f = attrs.filterShape as number[];
    return 2 * size(inputs.dy) * f[0] * f[1] * f[2];
  }
  return 0;
}

interface Tally {
  calls: number;
  ms: number;
  flop: number;
}

/** Trains one epoch with every kernel timed; returns the tallies and the epoch's wall time. */
async function profiledEpoch(net: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, batch: number) {
  const tallies = new Map<string, Tally>();
  const add = (part: string, ms: number, flop: number) => {
    const t = tallies.get(part) ?? { calls: 0, ms: 0, flop: 0 };
    t.calls++;
    t.ms += ms;
    t.flop += flop;
    tallies.set(part, t);
  };
  const restore: (() => void)[] = [];
  for (const kernel of getKernelsForBackend("wasm") as KernelConfig[]) {
    if (UNWRAPPED.has(kernel.kernelName)) continue;
    const original = kernel.kernelFunc;
    const name = kernel.kernelName;
    // deno-lint-ignore no-explicit-any
    kernel.kernelFunc = ((args: any) => {
      const start = performance.now();
      const out = original(args);
      add(
        describe(name, args.inputs, args.attrs ?? {}),
        performance.now() - start,
        flops(name, args.inputs, args.attrs ?? {}),
      );
      return out;
    }) as typeof original;
    restore.push(() => void (kernel.kernelFunc = original));
  }
  const proto = AdamOptimizer.prototype as unknown as { applyGradients: (...args: unknown[]) => void };
  const applyGradients = proto.applyGradients;
  proto.applyGradients = function (this: unknown, ...args: unknown[]) {
    const start = performance.now();
    applyGradients.apply(this, args);
    add("Adam (applyGradients)", performance.now() - start, 0);
  };
  restore.push(() => void (proto.applyGradients = applyGradients));
  const oldProfiler = setKernelProfiler((fn, ms, work) => {
    const part = WASM_PARTS[fn];
    if (part != null) add(part, ms, fn === "conv.conv2dForward" ? 2 * work : 0);
  });
  restore.push(() => void setKernelProfiler(oldProfiler));
  try {
    const start = performance.now();
    await withSeed(1234, () => net.fit(x, y, { batchSize: batch, epochs: 1, shuffle: true, verbose: 0 }));
    return { tallies, ms: performance.now() - start };
  } finally {
    for (const undo of restore.reverse()) undo();
  }
}

/** Profiles one epoch of `model` at `batch` on the first `samples` training images, after one unprofiled epoch. */
export async function profileStep(model: "cnn" | "mlp", batch: number, samples: number): Promise<StepProfile> {
  const data = await loadMnist();
  const split = {
    images: data.train.images.subarray(0, samples * PIXELS_PER_IMAGE),
    labels: data.train.labels.subarray(0, samples),
    count: samples,
  };
  const net = model === "cnn" ? createReportCnn(1234) : createReportMlp(1234);
  const x = imageTensor(split, inputShapeOf(net)), y = model === "cnn" ? oneHotTensor(split) : labelTensor(split);
  try {
    // An unprofiled epoch first: V8's optimisation of TensorFlow.js's JavaScript, the optimizer's slots.
    await net.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
    const { tallies, ms } = await profiledEpoch(net, x, y, batch);
    const steps = Math.ceil(samples / batch);
    const entries = [...tallies].map(([part, t]) => ({
      part,
      calls: t.calls / steps,
      msPerStep: t.ms / steps,
      gflops: t.flop > 0 ? t.flop / (t.ms * 1e6) : null,
    })).sort((a, b) => b.msPerStep - a.msPerStep);
    const msPerStep = ms / steps;
    const accounted = entries.reduce((sum, e) => sum + e.msPerStep, 0);
    return {
      model,
      batch,
      steps,
      msPerStep,
      samplesPerSecond: samples / (ms / 1000),
      entries,
      restMsPerStep: msPerStep - accounted,
    };
  } finally {
    tf.dispose([x, y]);
    net.dispose();
  }
}

/** The profile as a Markdown table. */
export function formatProfile(p: StepProfile): string {
  const pct = (ms: number) => `${(100 * ms / p.msPerStep).toFixed(0)}%`;
  const lines = [
    `${p.model}, batch ${p.batch}: ${p.msPerStep.toFixed(2)} ms per step, ${p.samplesPerSecond.toFixed(0)} samples/s` +
    (p.model === "cnn"
      ? ` (${(CNN_FLOP_PER_SAMPLE * p.samplesPerSecond / 1e9).toFixed(1)} GFLOP/s at ${
        (CNN_FLOP_PER_SAMPLE / 1e6).toFixed(2)
      } MFLOP per sample)`
      : ""),
    "",
    "| part of the step | calls | ms per step | share | GFLOP/s |",
    "| --- | ---: | ---: | ---: | ---: |",
  ];
  for (const e of p.entries) {
    if (e.msPerStep < 0.005) continue;
    lines.push(
      `| ${e.part} | ${e.calls.toFixed(0)} | ${e.msPerStep.toFixed(3)} | ${pct(e.msPerStep)} | ${
        e.gflops == null ? "" : e.gflops.toFixed(1)
      } |`,
    );
  }
  lines.push(
    `| the rest (loss, \`fit\`'s loop, JavaScript between kernels) | | ${p.restMsPerStep.toFixed(3)} | ${
      pct(p.restMsPerStep)
    } | |`,
  );
  return lines.join("\n");
}

if (import.meta.main) {
  let model: "cnn" | "mlp" = "cnn", batches = [32, 128], samples = 6400, json = false;
  for (let i = 0; i < Deno.args.length; i++) {
    const [flag, inline] = Deno.args[i].split("=", 2);
    const value = () => inline ?? Deno.args[++i];
    if (flag === "--model") model = value() === "mlp" ? "mlp" : "cnn";
    else if (flag === "--batch") batches = value().split(",").map(Number);
    else if (flag === "--samples") samples = Number(value());
    else if (flag === "--json") json = true;
    else {
      console.error(
        "usage: deno run -A src/cli/profile_step.ts [--model cnn|mlp] [--batch 32,128] [--samples N] [--json]",
      );
      Deno.exit(2);
    }
  }
  if (!(samples >= 1 && samples <= 60000) || batches.some((b) => !(b >= 1))) {
    console.error("--samples must be 1..60000 and --batch sizes ≥ 1");
    Deno.exit(2);
  }
  const profiles: StepProfile[] = [];
  if (!json) console.log(`${backendSummary()}\n`);
  for (const batch of batches) {
    const p = await profileStep(model, batch, samples);
    profiles.push(p);
    if (!json) console.log(formatProfile(p) + "\n");
  }
  if (json) console.log(JSON.stringify(profiles, null, 2));
}

/** The benchmark's plumbing (`deno task bench`): options, report formatting, locating the PyTorch reference. */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { type BenchReport, formatReport, parseBenchArgs } from "../src/cli/bench.ts";
import { type TorchResult, torchScriptPath, unfairBlas } from "../src/cli/bench/torch.ts";
import { benchInference, simpleResize, syntheticDrawing } from "../src/cli/bench/inference.ts";
import { tf } from "../src/tf.ts";
import { peakRssMiB } from "../src/cli/bench/machine.ts";

Deno.test("bench options: defaults and every flag", () => {
  const d = parseBenchArgs([]);
  assertEquals([d.samples, d.batches, d.json, d.torch, d.models, d.repeat], [6000, [32, 128], false, true, [
    "mlp",
    "cnn",
  ], 1]);
  const o = parseBenchArgs([
    "--samples",
    "2000",
    "--batch=32",
    "--json",
    "--no-torch",
    "--models",
    "cnn",
    "--repeat",
    "3",
    "--torch-threads",
    "2,1",
  ]);
  assertEquals([o.samples, o.batches, o.json, o.torch, o.models, o.repeat, o.torchThreads], [
    2000,
    [32],
    true,
    false,
    ["cnn"],
    3,
    [2, 1],
  ]);
  assertThrows(() => parseBenchArgs(["--samples", "0"]), Error, "--samples");
  assertThrows(() => parseBenchArgs(["--batch", "32,x"]), Error, "--batch");
  assertThrows(() => parseBenchArgs(["--models", "rnn"]), Error, "--models");
  assertEquals(parseBenchArgs(["--models", "mlp4,mlp"]).models, ["mlp4", "mlp"]);
  assertEquals(parseBenchArgs([]).warmup, 1);
  assertEquals(parseBenchArgs(["--warmup", "500"]).warmup, 500);
  assertThrows(() => parseBenchArgs(["--warmup", "0"]), Error, "--warmup");
  assertThrows(() => parseBenchArgs(["--frobnicate"]), Error, "unknown option");
});

Deno.test("bench finds the PyTorch reference in shared/bench/ above the repository, or at $TORCH_REFERENCE", () => {
  const found = torchScriptPath();
  assert(found.endsWith("/shared/bench/torch_reference.py"), found);
  const repoRoot = decodeURIComponent(new URL("../", import.meta.url).pathname);
  assert(repoRoot.startsWith(found.slice(0, found.length - "shared/bench/torch_reference.py".length)), found);
  const old = Deno.env.get("TORCH_REFERENCE");
  Deno.env.set("TORCH_REFERENCE", "/elsewhere/torch_reference.py");
  try {
    assertEquals(torchScriptPath(), "/elsewhere/torch_reference.py");
  } finally {
    if (old === undefined) Deno.env.delete("TORCH_REFERENCE");
    else Deno.env.set("TORCH_REFERENCE", old);
  }
});

const torchRun = (blas: string | undefined): TorchResult => ({
  framework: "torch 1.13.0a0",
  model: "cnn",
  threads: 1,
  blas,
  batch: 32,
  samples: 6000,
  seconds: 3,
  samples_per_s: 2000,
  train_acc: 0.8,
});

Deno.test("bench refuses a ratio against PyTorch on the reference BLAS and says how to install OpenBLAS", () => {
  assertEquals(unfairBlas([torchRun("openblas"), torchRun("openblas")]), null);
  assertEquals(unfairBlas([torchRun("mkl")]), null);
  const reference = unfairBlas([torchRun("openblas"), torchRun("reference")]);
  assert(reference != null && reference.includes("reference"), String(reference));
  assert(reference.includes("apt-get install -y libopenblas0-pthread"), reference);
  // A reference script too old to name its BLAS is not trusted either.
  assert(unfairBlas([torchRun(undefined)])?.includes("unknown"));
});

Deno.test("bench report formats training, torch ratio and inference rows", () => {
  const report: BenchReport = {
    machine: { cores: 2, cpu: "Test CPU", os: "linux", deno: "2", tfjs: "4.22.0", backend: "wasm" },
    command: "deno task bench",
    samples: 6000,
    repeat: 1,
    warmup: 200,
    training: [{
      model: "cnn",
      batch: 32,
      samples: 6000,
      seconds: 3,
      samplesPerSecond: 2000,
      accuracy: 0.9,
      tensorGrowth: 0,
      peakRssMiB: 300,
      runs: [2000],
      torchSamplesPerSecond: 1000,
      torchThreads: 1,
      torchRuns: [{ threads: 1, samplesPerSecond: 1000 }],
      ratio: 2,
    }],
    torch: { ran: false, note: "torch comparison skipped: --no-torch", results: [], blas: null, unfair: null },
    inference: [{ model: "cnn", preprocess: "simple", runs: 200, medianMs: 1.5, p95Ms: 2.5 }],
    peakRssMiB: 300,
    loadAverage: { start: 0.2, end: 2.5 },
  };
  const text = formatReport(report);
  assert(text.includes("2.00x"), text);
  assert(text.includes("torch comparison skipped"), text);
  assert(/cnn\s+1\.500\s+2\.500/.test(text), text);
  const sideBySide = formatReport({
    ...report,
    inference: [{ model: "mlp+cnn", preprocess: "simple", runs: 200, medianMs: 2.25, p95Ms: 3 }],
  });
  assert(/mlp\+cnn\s+2\.250\s+3\.000/.test(sideBySide) && sideBySide.includes("read by both models"), sideBySide);
  assert(text.includes("other processes competed"), text);
  assert(text.includes("after a warm-up of 200 batches (PyTorch: one batch)"), text);
  // With PyTorch on the reference BLAS: its BLAS is named, its figure shown, and no ratio.
  const unfair = unfairBlas([torchRun("reference")]);
  const refReport: BenchReport = {
    ...report,
    training: [{ ...report.training[0], ratio: null }],
    torch: { ran: true, note: null, results: [torchRun("reference")], blas: "reference", unfair },
  };
  const refText = formatReport(refReport);
  assert(refText.includes("PyTorch: torch 1.13.0a0, BLAS: reference"), refText);
  assert(!refText.includes("2.00x"), refText);
  assert(refText.includes("libopenblas0-pthread"), refText);
});

Deno.test("synthetic drawing and simple resize give ink in the middle, paper at the corners", () => {
  const input = simpleResize(syntheticDrawing());
  assertEquals(input.length, 784);
  assertEquals(input[0], 0);
  let ink = 0;
  for (const v of input) ink += v;
  assert(ink > 20, `ink ${ink}`);
  assert(peakRssMiB() > 0);
});

Deno.test("inference latency side by side: one drawing, both models, no tensor left behind", () => {
  const before = tf.memory().numTensors;
  const both = benchInference("mlp+cnn", 5, 1);
  assertEquals([both.model, both.runs], ["mlp+cnn", 5]);
  assert(both.medianMs > 0 && both.p95Ms >= both.medianMs, JSON.stringify(both));
  assertEquals(tf.memory().numTensors, before);
  assertThrows(() => benchInference("mlp+resnet", 1, 0), RangeError, "known: mlp, cnn, deep-cnn");
});

/**
 * The training displays (src/display/training.ts) with a fake Jupyter API:
 * one log and one chart, each updated in place, Keras's lines, a restored run
 * said in one line; and the note's HTML surviving a sanitizer.
 */
import { assert, assertEquals } from "./assert.ts";
import {
  barLine,
  briefTrainingDisplay,
  epochLines,
  notebookTrainingDisplay,
  terminalTrainingDisplay,
} from "../src/display/training.ts";
import { inJupyter } from "../src/display/jupyter.ts";
import { Note } from "../src/display/note.ts";
import { JUPYTER_DISPLAY } from "../src/plots/figure.ts";

type Sent = { type: string; content: { data: Record<string, string>; transient: { display_id: string } } };

function fakeJupyter(sent: Sent[]) {
  return {
    broadcast: (type: string, content: Record<string, unknown>) => {
      sent.push({ type, content: content as Sent["content"] });
      return Promise.resolve();
    },
  };
}

const row = (epoch: number) => ({ epoch, accuracy: 0.9 + epoch / 100, loss: 0.3, val_accuracy: 0.95, val_loss: 0.2 });

Deno.test("the notebook display: one log and one chart, each updated in place, with Keras's epoch lines", async () => {
  const sent: Sent[] = [];
  const display = notebookTrainingDisplay("MLP learning curves", {}, fakeJupyter(sent));
  display.start({ epochs: 2, initialEpoch: 0, batches: 10, trainSamples: 320, validationSamples: 32 });
  for (const epoch of [1, 2]) {
    display.epochStart(epoch);
    for (let b = 0; b < 10; b++) display.batchEnd(b);
    await display.epochEnd(row(epoch), 1.5);
  }
  await display.finish();
  const ids = [...new Set(sent.map((m) => m.content.transient.display_id))];
  assertEquals(ids.length, 2, "a log and a chart");
  for (const id of ids) {
    const messages = sent.filter((m) => m.content.transient.display_id === id);
    assertEquals(messages[0].type, "display_data");
    assert(messages.slice(1).every((m) => m.type === "update_display_data"), "later messages update it in place");
  }
  const log = sent.filter((m) => m.content.data["text/plain"]?.startsWith("Epoch")).at(-1)!.content.data["text/plain"];
  assertEquals(log.split("\n"), [
    "Epoch 1/2",
    "10/10 - 2s 150ms/step - accuracy: 0.9100 - loss: 0.3000 - val_accuracy: 0.9500 - val_loss: 0.2000",
    "Epoch 2/2",
    "10/10 - 2s 150ms/step - accuracy: 0.9200 - loss: 0.3000 - val_accuracy: 0.9500 - val_loss: 0.2000",
  ]);
  const chart = sent.filter((m) => m.content.data["image/png"]).at(-1)!.content.data;
  assert(chart["image/svg+xml"].startsWith("<svg") && chart["image/png"].length > 1000, "the chart is SVG and PNG");
});

Deno.test("many short epochs redraw the chart at most once a second, and the last chart has every epoch", async () => {
  const sent: Sent[] = [];
  const display = notebookTrainingDisplay("100 epochs", {}, fakeJupyter(sent));
  display.start({ epochs: 40, initialEpoch: 0, batches: 2, trainSamples: 64, validationSamples: 8 });
  for (let epoch = 1; epoch <= 40; epoch++) {
    display.epochStart(epoch);
    await display.epochEnd(row(epoch), 0.01);
  }
  await display.finish();
  const charts = sent.filter((m) => m.content.data["image/png"]);
  assert(charts.length >= 2 && charts.length < 20, `${charts.length} charts for 40 epochs`);
  assertEquals(charts.at(-1)!.content.data["text/plain"], "[learning curves: 40 epochs]");
  const log = sent.filter((m) => m.content.data["text/plain"]?.startsWith("Epoch")).at(-1)!.content.data["text/plain"];
  assertEquals(log.split("\n").length, 80, "every epoch's two lines");
});

Deno.test("a restored run says so in one line above its recorded epochs; the brief display is one line", async () => {
  const sent: Sent[] = [];
  const display = notebookTrainingDisplay(undefined, {}, fakeJupyter(sent));
  const from = { path: "data/models/abc", savedAt: "2026-12-01T10:00:00Z", seconds: 12.34 };
  await display.restored([row(1), row(2)], 2, 1688, from);
  await display.finish();
  const log = sent.filter((m) => !m.content.data["image/png"]).at(-1)!.content.data["text/plain"];
  const lines = log.split("\n");
  assertEquals(lines.length, 5);
  assert(
    lines[0].startsWith("Restored from the model cache (data/models/abc): trained 2026-12-01 in 12.3 s"),
    lines[0],
  );
  assertEquals(lines[1], "Epoch 1/2");

  // one fit per epoch (augmentation), each restored: one line, with every fit's seconds added up
  const loop: Sent[] = [];
  const epochs = notebookTrainingDisplay(undefined, { epochs: 3 }, fakeJupyter(loop));
  for (let epoch = 1; epoch <= 3; epoch++) {
    await epochs.restored([row(epoch)], epoch, 938, { ...from, seconds: 10 + epoch });
  }
  await epochs.finish();
  const loopLog = loop.filter((m) => !m.content.data["image/png"]).at(-1)!.content.data["text/plain"].split("\n");
  assertEquals(loopLog.filter((l) => l.startsWith("Restored")).length, 1, loopLog.join("\n"));
  assert(loopLog[0].includes("in 36.0 s"), loopLog[0]);
  assertEquals(loopLog.length, 7);

  const brief: Sent[] = [];
  const one = briefTrainingDisplay("mlp-5", fakeJupyter(brief));
  await one.restored([row(1)], 5, 1688, from);
  await one.finish();
  assertEquals(brief.length, 1);
  assert(brief[0].content.data["text/plain"].startsWith("mlp-5: Restored from the model cache"));
});

Deno.test("outside Jupyter: lines on the terminal; Keras's bar and epoch lines", async () => {
  assert(!inJupyter(), "tests do not run inside the kernel");
  const written: string[] = [];
  const display = terminalTrainingDisplay((t) => written.push(t), false);
  display.start({ epochs: 1, initialEpoch: 0, batches: 4, trainSamples: 128, validationSamples: 0 });
  display.epochStart(1);
  await display.epochEnd({ epoch: 1, loss: 0.5 }, 0.25);
  assertEquals(written.join(""), "Epoch 1/1\n4/4 - 0s 63ms/step - loss: 0.5000\n");
  assertEquals(barLine(844, 1688, 10), " 844/1688 [==============>...............] - ETA: 10s");
  assertEquals(epochLines({ epoch: 3, accuracy: 0.5 }, 5, 100)[0], "Epoch 3/5");
});

Deno.test("a note keeps its line breaks in a <pre> (what a sanitizer keeps) and escapes HTML", () => {
  const shown = new Note("line one\n<b>two</b>")[JUPYTER_DISPLAY]();
  assert(shown["text/html"].startsWith("<pre") && shown["text/html"].includes("line one\n&lt;b&gt;two"));
  assertEquals(shown["text/plain"], "line one\n<b>two</b>");
});

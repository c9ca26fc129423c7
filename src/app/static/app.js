// The draw-a-digit page: a canvas to draw on, and everything else from the server's API.
// Plain browser JavaScript, no build step: the server sends this file as it is.

const PAD_SIZE = 280;
const LIVE_INTERVAL_MS = 250; // at most four live predictions a second while drawing
const STATUS_POLL_MS = 1000;
const STEP_BOX = 140; // CSS pixels of each step image's longer side
const SMALL_CHART_LABEL_MIN = 0.01; // side by side, bars under 1% go without their percentage

const $ = (id) => document.getElementById(id);
const pad = $("pad");
const ctx = pad.getContext("2d");
const state = {
  drawing: false,
  last: null,
  hasInk: false,
  sequence: 0, // answers older than the latest request are ignored
  inFlight: false,
  lastLive: 0,
  pendingLive: false,
  lastLoggedIds: [],
  models: [],
  labels: {}, // model name -> the short name the page shows
};

/** The models the Model choice stands for: one name, or several (side by side) separated by commas. */
function chosenModels() {
  return $("model").value.split(",");
}

function clearPad() {
  ctx.fillStyle = "white";
  ctx.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
  state.hasInk = false;
  state.sequence++;
  showMessage("Draw a digit first.");
  resetCards();
  $("feedback").hidden = true;
  for (const id of ["step-inverted", "step-framed", "step-final"]) {
    const c = $(id);
    c.getContext("2d").clearRect(0, 0, c.width, c.height);
  }
  copyDrawn();
}

function showMessage(text) {
  $("message").textContent = text;
}

// --- one card per model: its answer, confidence and probability chart ---
function card(model) {
  return $("results").querySelector(`.card[data-model="${model}"]`);
}

/** One card per chosen model, each showing "?" (side by side: the cards sit next to each other). */
function buildCards() {
  const models = chosenModels();
  $("results").replaceChildren();
  $("results").classList.toggle("side-by-side", models.length > 1);
  for (const model of models) {
    const el = document.createElement("div");
    el.className = "card";
    el.dataset.model = model;
    el.innerHTML = `<h3></h3><div class="result"><div class="digit">?</div><div class="confidence"></div></div>` +
      `<svg class="chart" viewBox="0 0 360 200" role="img"></svg>`;
    el.querySelector("h3").textContent = state.labels[model] ?? model;
    el.querySelector("svg").setAttribute("aria-label", `probability of each digit, ${state.labels[model] ?? model}`);
    $("results").appendChild(el);
  }
  resetCards();
}

function resetCards() {
  for (const el of $("results").querySelectorAll(".card")) {
    el.querySelector(".digit").textContent = "?";
    el.dataset.state = "none";
    el.querySelector(".confidence").textContent = "";
    drawChart(el.querySelector("svg"), null);
  }
}

// --- drawing: pointer events cover mouse, touch and pen alike ---
function point(event) {
  const rect = pad.getBoundingClientRect();
  return {
    x: (event.clientX - rect.left) * (PAD_SIZE / rect.width),
    y: (event.clientY - rect.top) * (PAD_SIZE / rect.height),
  };
}

function stroke(from, to) {
  ctx.strokeStyle = "black";
  ctx.fillStyle = "black";
  ctx.lineWidth = Number($("pen").value);
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(from.x, from.y);
  ctx.lineTo(to.x, to.y);
  ctx.stroke();
  state.hasInk = true;
}

pad.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  state.drawing = true;
  state.last = point(event);
  stroke(state.last, state.last); // a dot for a tap
});
pad.addEventListener("pointermove", (event) => {
  if (!state.drawing) return;
  event.preventDefault();
  const next = point(event);
  stroke(state.last, next);
  state.last = next;
  copyDrawn();
  maybeLive();
});
function endStroke(event) {
  if (!state.drawing) return;
  state.drawing = false;
  state.last = null;
  if (event.pointerId !== undefined && pad.hasPointerCapture(event.pointerId)) {
    pad.releasePointerCapture(event.pointerId);
  }
  copyDrawn();
  if ($("live").checked) requestPrediction({ log: false });
}
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

function copyDrawn() {
  const target = $("step-drawn").getContext("2d");
  target.drawImage(pad, 0, 0);
}

function maybeLive() {
  if (!$("live").checked) return;
  const now = performance.now();
  if (state.inFlight || now - state.lastLive < LIVE_INTERVAL_MS) {
    state.pendingLive = true;
    return;
  }
  state.lastLive = now;
  requestPrediction({ log: false });
}

// --- talking to the server ---
function padPng() {
  return new Promise((resolve) => pad.toBlob(resolve, "image/png"));
}

async function requestPrediction({ log }) {
  const model = $("model").value;
  const mode = $("mode").value;
  const sequence = ++state.sequence;
  if (!state.hasInk) {
    showMessage("Draw a digit first.");
    return;
  }
  state.inFlight = true;
  try {
    const body = await padPng();
    const response = await fetch(
      `/api/predict?model=${encodeURIComponent(model)}&mode=${encodeURIComponent(mode)}&steps=1&log=${log ? 1 : 0}`,
      { method: "POST", headers: { "content-type": "image/png" }, body },
    );
    const answer = await response.json();
    if (sequence !== state.sequence) return; // a newer request (or Clear) came since
    if (!response.ok) {
      if (answer.steps) showSteps(answer.steps);
      showMessage(answer.code === "empty_drawing" ? "Draw a digit first." : answer.error);
      resetCards();
      if (answer.code === "model_not_ready" || answer.code === "model_failed") pollModels();
      return;
    }
    showPrediction(answer);
    if (log) showFeedback(answer);
  } catch (error) {
    if (sequence === state.sequence) showMessage(`The server did not answer: ${error.message}`);
  } finally {
    state.inFlight = false;
    if (state.pendingLive && !state.drawing) {
      state.pendingLive = false;
      requestPrediction({ log: false });
    } else if (state.pendingLive) {
      state.pendingLive = false;
      maybeLive();
    }
  }
}

function showPrediction(answer) {
  const name = (p) => state.labels[p.model] ?? p.model;
  const digits = answer.predictions.map((p) => p.digit);
  if (answer.predictions.length === 1) showMessage(`It looks like a ${answer.digit}.`);
  else if (digits.every((d) => d === digits[0])) {
    showMessage(`All ${digits.length} models read a ${digits[0]}.`);
  } else {
    showMessage(`The models disagree: ${answer.predictions.map((p) => `${name(p)} reads ${p.digit}`).join(", ")}.`);
  }
  for (const p of answer.predictions) {
    const el = card(p.model);
    if (!el) continue; // the choice changed while the answer was on its way
    el.querySelector(".digit").textContent = String(p.digit);
    el.dataset.state = "predicted";
    el.querySelector(".confidence").textContent = `confidence ${(p.confidence * 100).toFixed(1)}% · ${answer.mode} · ${
      (answer.timing.preprocessMs + p.predictMs).toFixed(1)
    } ms`;
    drawChart(el.querySelector("svg"), p.probabilities);
  }
  if (answer.steps) showSteps(answer.steps);
}

function showSteps(steps) {
  drawGrey($("step-inverted"), steps.inverted);
  drawGrey($("step-framed"), steps.framed);
  drawGrey($("step-final"), steps.final);
}

function drawGrey(canvas, image) {
  const bytes = Uint8Array.from(atob(image.data), (c) => c.charCodeAt(0));
  canvas.width = image.width;
  canvas.height = image.height;
  const c = canvas.getContext("2d");
  const pixels = c.createImageData(image.width, image.height);
  for (let i = 0; i < bytes.length; i++) {
    pixels.data[4 * i] = pixels.data[4 * i + 1] = pixels.data[4 * i + 2] = bytes[i];
    pixels.data[4 * i + 3] = 255;
  }
  c.putImageData(pixels, 0, 0);
  // Keep the aspect ratio in a 140-pixel box; show small images with hard pixel edges.
  const scale = STEP_BOX / Math.max(image.width, image.height);
  canvas.style.width = `${Math.round(image.width * scale)}px`;
  canvas.style.height = `${Math.round(image.height * scale)}px`;
  canvas.classList.toggle("pixelated", Math.max(image.width, image.height) < STEP_BOX);
}

// --- the probability chart: ten bars, the most probable one highlighted, percentages above ---
const SVG = "http://www.w3.org/2000/svg";
function drawChart(svg, probabilities) {
  svg.replaceChildren();
  const width = 360, height = 200, left = 30, bottom = 24, top = 18;
  const plotHeight = height - bottom - top;
  const slot = (width - left) / 10;
  const add = (name, attrs, text) => {
    const el = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    svg.appendChild(el);
    return el;
  };
  add("line", { x1: left, x2: width, y1: height - bottom, y2: height - bottom, stroke: "#9ca3af" });
  if (!svg.closest(".side-by-side")) {
    add(
      "text",
      { x: 2, y: top + plotHeight / 2, transform: `rotate(-90 8 ${top + plotHeight / 2})` },
      "probability (%)",
    );
  }
  const values = probabilities ?? new Array(10).fill(0);
  const best = probabilities ? values.indexOf(Math.max(...values)) : -1;
  values.forEach((p, digit) => {
    const h = p * plotHeight;
    const x = left + digit * slot + slot * 0.15;
    add("rect", {
      class: digit === best ? "bar top" : "bar",
      x,
      y: height - bottom - h,
      width: slot * 0.7,
      height: h,
      "data-digit": digit,
    });
    add("text", { x: x + slot * 0.35, y: height - 8, "text-anchor": "middle" }, String(digit));
    // side by side the charts are small: only the bars worth reading get their percentage
    const labelled = !svg.closest(".side-by-side") || p >= SMALL_CHART_LABEL_MIN;
    if (probabilities && labelled) {
      add(
        "text",
        { x: x + slot * 0.35, y: height - bottom - h - 4, "text-anchor": "middle" },
        `${(p * 100).toFixed(1)}%`,
      );
    }
  });
}

// --- confirming or correcting a logged prediction ---
function showFeedback(answer) {
  // side by side, one label is for every model's answer to the drawing
  state.lastLoggedIds = answer.ids;
  const digits = answer.predictions.map((p) => p.digit);
  const agreed = digits.every((d) => d === digits[0]);
  $("feedback-question").textContent = agreed ? "Was it a " : "Which digit did you draw?";
  if (agreed) {
    const strong = document.createElement("strong");
    strong.id = "feedback-digit";
    strong.textContent = String(digits[0]);
    $("feedback-question").append(strong, "?");
  }
  $("confirm").hidden = !agreed;
  $("feedback-or").textContent = agreed ? "or it was:" : "";
  $("confirm").dataset.label = String(digits[0]);
  $("feedback-done").textContent = "";
  $("feedback").hidden = answer.ids.length === 0;
  // a prediction that could not be logged is still shown; say why it cannot be confirmed
  if (!answer.logged && answer.logError) showMessage(`${$("message").textContent} (${answer.logError})`);
}

/** What the log keeps and where, from the server (it knows the file and whether logging is on). */
function describeLog(log) {
  const mib = (bytes) => `${Math.round(bytes / 2 ** 20)} MiB`;
  $("log-note").textContent = log.enabled
    ? `Each time you press Predict, this app keeps a record on this computer in ${log.shownPath}: the time, ` +
      "the model and preprocessing, the ten probabilities, the 28×28 image the model saw, and the digit you confirm " +
      "or correct. Predictions made while you draw are not kept. The file is readable by its owner only; past " +
      `${mib(log.maxBytes)} it moves to ${log.rotatedPath.split("/").pop()}, replacing the older one. ` +
      "Delete the files to forget everything."
    : "This app keeps no record of what you draw (it runs with --no-log).";
}

async function sendLabel(label) {
  if (state.lastLoggedIds.length === 0) return;
  const response = await fetch("/api/label", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ids: state.lastLoggedIds, label }),
  });
  const answer = await response.json();
  $("feedback-done").textContent = response.ok ? `Thanks: logged as a ${label}.` : answer.error;
}

$("confirm").addEventListener("click", () => sendLabel(Number($("confirm").dataset.label)));
for (let d = 0; d < 10; d++) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = String(d);
  b.addEventListener("click", () => sendLabel(d));
  $("corrections").appendChild(b);
}

// --- models: choice, status, training progress ---
async function pollModels() {
  const response = await fetch("/api/models");
  const answer = await response.json();
  state.models = answer.models;
  const names = chosenModels();
  const chosen = names.map((name) => answer.models.find((m) => m.name === name)).filter(Boolean);
  const status = $("model-status");
  const bar = $("training");
  const training = chosen.find((m) => m.status === "training" && m.progress);
  const label = (m) => state.labels[m.name] ?? m.name;
  if (training) {
    const p = training.progress;
    status.textContent = `Training ${
      label(training)
    } (first use): epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}`;
    bar.hidden = false;
    bar.value = p.fraction;
  } else {
    bar.hidden = true;
    status.textContent = chosen.map((m) =>
      m.status === "ready"
        ? `${label(m)} ready: ${m.description}.`
        : m.status === "failed"
        ? `${label(m)} failed: ${m.error}.`
        : `${label(m)}: ${m.status}…`
    ).join(" ");
  }
  // e.g. "the cached model was damaged and is being retrained": said on the page, not only in the terminal
  for (const m of chosen) if (m.notice) status.textContent += ` Note (${label(m)}): ${m.notice}`;
  const pending = chosen.some((m) => ["training", "loading", "queued"].includes(m.status));
  if (pending) setTimeout(pollModels, STATUS_POLL_MS);
  else if (
    chosen.every((m) => m.status === "ready") && state.hasInk &&
    card(names[0])?.dataset.state !== "predicted"
  ) {
    requestPrediction({ log: false });
  }
  return answer;
}

async function prepareChosen() {
  for (const name of chosenModels()) {
    await fetch(`/api/models/${encodeURIComponent(name)}/prepare`, { method: "POST" });
  }
  await pollModels();
}

const FRAMED_CAPTIONS = {
  v1: "③ whole canvas (v1)",
  v2: "③ cropped, padded 20%, centred (v2)",
  v3: "③ fitted into 20×20 (v3)",
};

async function start() {
  const answer = await (await fetch("/api/models")).json();
  for (const m of answer.models) {
    state.labels[m.name] = m.label;
    const option = new Option(m.label, m.name, m.name === answer.defaultModel, m.name === answer.defaultModel);
    $("model").appendChild(option);
  }
  // the comparisons: one drawing, several models, their answers and charts next to each other
  const group = document.createElement("optgroup");
  group.label = "side by side";
  for (const view of answer.sideBySide) group.appendChild(new Option(`${view.label} (side by side)`, view.value));
  $("model").appendChild(group);
  for (const m of answer.modes) {
    $("mode").appendChild(new Option(m.name, m.name, m.name === answer.defaultMode, m.name === answer.defaultMode));
  }
  const describeMode = () => {
    const mode = answer.modes.find((m) => m.name === $("mode").value);
    $("mode-description").textContent = mode.description;
    $("framed-caption").textContent = FRAMED_CAPTIONS[mode.name];
  };
  describeMode();
  $("backend").textContent = answer.backend + (answer.quick ? " · quick mode (models trained on small slices)" : "");
  describeLog(answer.log);
  $("mode").addEventListener("change", () => {
    describeMode();
    requestPrediction({ log: false });
  });
  $("model").addEventListener("change", async () => {
    buildCards();
    $("feedback").hidden = true;
    await prepareChosen();
    requestPrediction({ log: false });
  });
  $("clear").addEventListener("click", clearPad);
  $("predict").addEventListener("click", () => requestPrediction({ log: true }));
  buildCards();
  clearPad();
  await prepareChosen();
  document.body.dataset.ready = "true";
}

start();

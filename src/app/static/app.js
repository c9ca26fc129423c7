// The draw-a-digit page: a canvas to draw on, and everything else from the server's API.
// Plain browser JavaScript, no build step: the server sends this file as it is.
// Its words are in strings.js, in English and Korean: the page speaks the language the address names
// (?lang=ko), else the one its 한국어 / English switch last chose, else the first of the browser's languages it
// speaks, else English. Every text it shows is set through show()/say(), which remember how to write it, so
// the switch rewrites the whole page, answers and messages included, without asking the server again.
import { ERRORS, PAGE_LANGUAGES, STRINGS } from "./strings.js";

const PAD_SIZE = 280;
const LIVE_INTERVAL_MS = 250; // at most four live predictions a second while drawing
const STATUS_POLL_MS = 1000;
const STEP_BOX = 140; // CSS pixels of each step image's longer side
const SMALL_CHART_LABEL_MIN = 0.01; // side by side, bars under 1% go without their percentage
const LANGUAGE_PARAM = "lang"; // ?lang=ko in the address
const LANGUAGE_STORAGE_KEY = "mnist-draw-a-digit.language"; // the switch's last choice, in localStorage

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
  info: null, // GET /api/models, once
  lang: chooseLanguage(),
  message: () => t().drawFirst, // how the message is written, in any language
};

// --- language: which one, and every text written so that it can be written again in the other ---
/** The page's words in its language. */
function t() {
  return STRINGS[state.lang];
}

function storedLanguage() {
  try {
    return localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    return null; // storage may be off (a sandboxed frame, a private window's policy)
  }
}

function chooseLanguage() {
  const named = new URLSearchParams(location.search).get(LANGUAGE_PARAM);
  if (PAGE_LANGUAGES.includes(named)) return named;
  const stored = storedLanguage();
  if (PAGE_LANGUAGES.includes(stored)) return stored;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (PAGE_LANGUAGES.includes(base)) return base;
  }
  return PAGE_LANGUAGES[0];
}

const renderers = new Map(); // element -> how to write its text
/** Writes `element`'s text with `render(element)` now, and again whenever the language changes. */
function show(element, render) {
  renderers.set(element, render);
  render(element);
}
/** Sets `element`'s text to `text()`, now and in the other language when it is chosen. */
function say(element, text) {
  show(element, (el) => (el.textContent = text()));
}

function applyLanguage() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t()[el.dataset.i18n];
  for (const el of document.querySelectorAll("[data-i18n-aria-label]")) {
    el.setAttribute("aria-label", t()[el.dataset.i18nAriaLabel]);
  }
  for (const button of document.querySelectorAll("[data-language]")) {
    button.setAttribute("aria-pressed", String(button.dataset.language === state.lang));
  }
  for (const [el, render] of renderers) {
    if (el.isConnected) render(el);
    else renderers.delete(el); // a card of an earlier choice
  }
}

function switchLanguage(lang) {
  state.lang = lang;
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, lang);
  } catch {
    // not remembered; this page still speaks it
  }
  // an address that names a language would win again at the next reload: make it name this one
  const url = new URL(location.href);
  if (url.searchParams.has(LANGUAGE_PARAM)) {
    url.searchParams.set(LANGUAGE_PARAM, lang);
    history.replaceState(null, "", url);
  }
  applyLanguage();
}

for (const button of document.querySelectorAll("[data-language]")) {
  button.addEventListener("click", () => switchLanguage(button.dataset.language));
}
applyLanguage();

/** A model's short name in the page's language. */
function label(name) {
  const model = state.info?.models.find((m) => m.name === name);
  return model?.labelByLanguage?.[state.lang] ?? model?.label ?? name;
}

/** A model's status in words, with the epoch while it trains. */
function statusWords(model) {
  const words = t().status[model.status] ?? model.status;
  return model.status === "training" && model.progress
    ? t().statusEpoch(words, model.progress.epoch, model.progress.epochs)
    : words;
}

/** The page's message for an error answer of the API, in its language (the answer's `error` is English). */
function errorMessage(answer) {
  const message = ERRORS[state.lang][answer.code];
  if (!message) return answer.error ?? String(answer.code); // a code this page does not know (a newer server)
  const model = typeof answer.model === "object" && answer.model ? answer.model : null;
  const limits = state.info?.limits;
  return message({
    model: model ? label(model.name) : "",
    status: model ? statusWords(model) : "",
    reason: model?.error ?? "",
    detail: answer.error ?? "",
    limit: limits ? t().limit(Math.round(limits.maxBytes / 2 ** 20), limits.maxSide) : "",
  });
}

/** The models the Model choice stands for: one name, or several (side by side) separated by commas. */
function chosenModels() {
  return $("model").value.split(",");
}

function clearPad() {
  ctx.fillStyle = "white";
  ctx.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
  state.hasInk = false;
  state.sequence++;
  showMessage(() => t().drawFirst);
  resetCards();
  $("feedback").hidden = true;
  for (const id of ["step-inverted", "step-framed", "step-final"]) {
    const c = $(id);
    c.getContext("2d").clearRect(0, 0, c.width, c.height);
  }
  copyDrawn();
}

/** Shows `text()` as the message (a function, so that the language switch can write it again). */
function showMessage(text) {
  state.message = text;
  say($("message"), text);
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
    $("results").appendChild(el);
    say(el.querySelector("h3"), () => label(model));
  }
  resetCards();
}

function resetCards() {
  for (const el of $("results").querySelectorAll(".card")) {
    el.querySelector(".digit").textContent = "?";
    el.dataset.state = "none";
    say(el.querySelector(".confidence"), () => "");
    show(el.querySelector("svg"), (svg) => drawChart(svg, null, el.dataset.model));
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
    showMessage(() => t().drawFirst);
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
      showMessage(() => errorMessage(answer));
      resetCards();
      if (answer.code === "model_not_ready" || answer.code === "model_failed") pollModels();
      return;
    }
    showPrediction(answer);
    if (log) showFeedback(answer);
  } catch (error) {
    if (sequence === state.sequence) showMessage(() => t().noAnswer(error.message));
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
  const digits = answer.predictions.map((p) => p.digit);
  if (answer.predictions.length === 1) showMessage(() => t().looksLike(answer.digit));
  else if (digits.every((d) => d === digits[0])) {
    showMessage(() => t().allAgree(digits.length, digits[0]));
  } else {
    showMessage(() => t().disagree(answer.predictions.map((p) => t().reading(label(p.model), p.digit)).join(", ")));
  }
  for (const p of answer.predictions) {
    const el = card(p.model);
    if (!el) continue; // the choice changed while the answer was on its way
    el.querySelector(".digit").textContent = String(p.digit);
    el.dataset.state = "predicted";
    const ms = (answer.timing.preprocessMs + p.predictMs).toFixed(1);
    say(el.querySelector(".confidence"), () => t().confidence((p.confidence * 100).toFixed(1), answer.mode, ms));
    show(el.querySelector("svg"), (svg) => drawChart(svg, p.probabilities, p.model));
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
function drawChart(svg, probabilities, model) {
  svg.replaceChildren();
  svg.setAttribute("aria-label", t().chartLabel(label(model)));
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
      t().chartAxis,
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
  show($("feedback-question"), (el) => {
    if (!agreed) {
      el.textContent = t().whichDigit;
      return;
    }
    const strong = document.createElement("strong");
    strong.id = "feedback-digit";
    strong.textContent = String(digits[0]);
    el.replaceChildren(t().wasItBefore, strong, t().wasItAfter);
  });
  $("confirm").hidden = !agreed;
  say($("feedback-or"), () => agreed ? t().orItWas : "");
  $("confirm").dataset.label = String(digits[0]);
  say($("feedback-done"), () => "");
  $("feedback").hidden = answer.ids.length === 0;
  // a prediction that could not be logged is still shown; say why it cannot be confirmed
  if (!answer.logged && answer.logError) {
    const shown = state.message;
    showMessage(() => t().notLogged(shown(), answer.logError));
  }
}

/** What the log keeps and where, from the server (it knows the file and whether logging is on). */
function describeLog(log) {
  const mib = `${Math.round(log.maxBytes / 2 ** 20)} MiB`;
  say(
    $("log-note"),
    () => log.enabled ? t().logKept(log.shownPath, mib, log.rotatedPath.split("/").pop()) : t().logOff,
  );
}

async function sendLabel(digit) {
  if (state.lastLoggedIds.length === 0) return;
  const response = await fetch("/api/label", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ids: state.lastLoggedIds, label: digit }),
  });
  const answer = await response.json();
  say($("feedback-done"), () => response.ok ? t().thanks(digit) : errorMessage(answer));
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
/** What the status line says about the chosen models (`chosen`: their entries of GET /api/models). */
function describeStatus(chosen) {
  const training = chosen.find((m) => m.status === "training" && m.progress);
  let text;
  if (training) {
    const p = training.progress;
    text = t().training(label(training.name), p.epoch, p.epochs, p.batch, p.batches);
  } else {
    text = chosen.map((m) =>
      m.status === "ready"
        ? t().ready(label(m.name), m.descriptionByLanguage?.[state.lang] ?? m.description)
        : m.status === "failed"
        ? t().failed(label(m.name), m.error)
        : t().pending(label(m.name), t().status[m.status] ?? m.status)
    ).join(" ");
  }
  // e.g. "the cached model was damaged and is being retrained": said on the page, not only in the terminal
  for (const m of chosen) if (m.notice) text += t().notice(label(m.name), m.notice);
  return text;
}

async function pollModels() {
  const response = await fetch("/api/models");
  const answer = await response.json();
  state.models = answer.models;
  const names = chosenModels();
  const chosen = names.map((name) => answer.models.find((m) => m.name === name)).filter(Boolean);
  const status = $("model-status");
  const bar = $("training");
  const training = chosen.find((m) => m.status === "training" && m.progress);
  bar.hidden = !training;
  if (training) bar.value = training.progress.fraction;
  say(status, () => describeStatus(chosen));
  const pending = chosen.some((m) => ["training", "loading", "queued"].includes(m.status));
  // for whoever waits for the models without reading the words (a screenshot, a test)
  status.dataset.pending = String(pending);
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

async function start() {
  const answer = await (await fetch("/api/models")).json();
  state.info = answer;
  for (const m of answer.models) {
    const option = new Option(m.label, m.name, m.name === answer.defaultModel, m.name === answer.defaultModel);
    $("model").appendChild(option);
    show(option, (o) => (o.text = label(m.name)));
  }
  // the comparisons: one drawing, several models, their answers and charts next to each other
  const group = document.createElement("optgroup");
  show(group, (g) => (g.label = t().sideBySide));
  for (const view of answer.sideBySide) {
    const option = new Option(view.label, view.value);
    group.appendChild(option);
    show(option, (o) => (o.text = t().sideBySideOption(view.labelByLanguage?.[state.lang] ?? view.label)));
  }
  $("model").appendChild(group);
  for (const m of answer.modes) {
    $("mode").appendChild(new Option(m.name, m.name, m.name === answer.defaultMode, m.name === answer.defaultMode));
  }
  const describeMode = () => {
    const mode = answer.modes.find((m) => m.name === $("mode").value);
    say($("mode-description"), () => mode.descriptionByLanguage?.[state.lang] ?? mode.description);
    say($("framed-caption"), () => t().framed[mode.name]);
  };
  describeMode();
  say(
    $("backend"),
    () => (answer.backendByLanguage?.[state.lang] ?? answer.backend) + (answer.quick ? ` · ${t().quickMode}` : ""),
  );
  describeLog(answer.log);
  $("mode").addEventListener("change", () => {
    describeMode();
    requestPrediction({ log: false });
  });
  $("model").addEventListener("change", async () => {
    $("model-status").dataset.pending = "true"; // until the new choice's models say otherwise
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

start().catch((error) => showMessage(() => t().noAnswer(error.message)));

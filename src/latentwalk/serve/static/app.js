// latentwalk explorer: plain JavaScript over the server's HTTP API (README: "Explore in the browser").
// No framework, no build step, nothing loaded from elsewhere.
"use strict";

const $ = (sel) => document.querySelector(sel);
const SVG_NS = "http://www.w3.org/2000/svg";

const COLOURS = {crossfade: "#6f6f6f", lerp: "#d2691e", slerp: "#1f63c6", matched: "#1e8f50",
                 spline: "#8a4fd0", geodesic: "#c8334a"};
const EXTRA_COLOURS = ["#b8860b", "#008b8b", "#a0522d", "#4b0082"];

// What each number means (shown on hover).
const METRIC_HELP = {
  "smoothness.evenness": "Evenness: 1 − Gini of the step sizes between frames. 1 = every step changes the frame equally (AID, He et al. 2024).",
  "smoothness.max_step_ratio": "Largest step ÷ mean step. Near 1: no jump; above ~3: the walk jumps somewhere.",
  "smoothness.jumps": "Number of steps larger than 3 × the median step.",
  "smoothness.path_length": "Sum of the steps between frames (rms distance): how much the walk changes in all.",
  "realism.max_nn_distance": "Worst distance from a frame to its nearest real training item. A double exposure is far from every real item.",
  "realism.mean_nn_distance": "Mean distance from the frames to their nearest real training items.",
  "realism.middle_excess": "How much further from real items the middle of the walk is than its ends (garbage in the middle).",
  "typicality.mid_norm_ratio": "‖z‖ in the middle ÷ ‖z‖ at the ends. LERP dips to ≈ 0.71 under a Gaussian prior; SLERP and matched stay ≈ 1.",
  "typicality.min_norm_ratio": "Smallest ‖z‖ along the walk ÷ the ends' ‖z‖.",
  "typicality.frac_in_shell": "Fraction of the codes inside the χ(d) shell where N(0, I) codes live.",
  "typicality.chi_low": "Lower edge of the χ(d) shell (1st percentile of ‖z‖ under the prior).",
  "typicality.chi_high": "Upper edge of the χ(d) shell (99th percentile of ‖z‖ under the prior).",
  "reconstruction.recon_error_start": "How far decode(encode(A)) is from A (rms): the model's own error at the start.",
  "reconstruction.recon_error_end": "How far decode(encode(B)) is from B (rms): the model's own error at the end.",
  "ppl.mean": "Perceptual path length along the walk: the mean squared change per unit of t (StyleGAN's measure).",
  "acai.mean_distance": "ACAI's Mean Distance: cosine distance of the frames to the nearest clean line (lines only).",
  "acai.smoothness": "ACAI's Smoothness: how evenly the recovered angle turns.",
};
const SHOWN = ["smoothness.evenness", "smoothness.max_step_ratio", "realism.max_nn_distance", "typicality.mid_norm_ratio"];
const PROFILES = {
  step: "Step: distance between consecutive frames (rms). A spike is a jump; a flat line is an even walk.",
  realism: "Realism: each frame's distance to the nearest real training item. A hump in the middle is a double exposure or garbage.",
  norm: "Norm: ‖z‖ of each code. Gaussian codes live near a shell of radius ≈ √d; LERP's middle dips inside it.",
};
const FPS = 8;

const S = {
  cat: null, model: null, info: null, slots: {A: "", B: "", C: ""}, pickFor: "A", offset: 0, count: 0, limit: 24,
  dataset: null, factors: [], factorsFor: null, itemsURL: "", dirURL: "", walk: null, walkKey: "", edits: new Map(), weights: [1 / 3, 1 / 3, 1 / 3], playing: null,
  walkTimer: null, frameQueued: false, mixQueued: false,
};

// --- small helpers --------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) node.append(c);
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function status(text) { $("#status").textContent = text; }

function showError(message) {
  const box = $("#error");
  box.textContent = message;
  box.hidden = false;
}

function clearError() { $("#error").hidden = true; }

async function api(url, options) {
  const r = await fetch(url, options);
  if (!r.ok) {
    let message = `${r.status} ${r.statusText}`;
    try { message = (await r.json()).error || message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return r;
}

function fmt(x) {
  if (x === null || x === undefined) return "–";
  if (typeof x !== "number") return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 0.001 || a >= 10000) ? x.toExponential(2) : x.toFixed(3);
}

function colour(method, i) { return COLOURS[method] || EXTRA_COLOURS[i % EXTRA_COLOURS.length]; }

function methodInfo(name) { return S.cat.methods.find((m) => m.name === name); }

function checkedMethods() {
  return [...document.querySelectorAll("#methods input:checked")].map((c) => c.value);
}

function tValue() { return Number($("#t").value); }

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of params) q.append(k, v);
  return q.toString();
}

function editParams() {
  const out = [];
  for (const [id, alpha] of S.edits) if (alpha !== 0) out.push(["dir", id], ["alpha", alpha.toFixed(2)]);
  return out;
}

// --- URLs of the API ------------------------------------------------------------------------

function frameSchedule() {
  const s = S.cat.schedules.find((x) => x.name === $("#schedule").value);
  return s && s.frame ? s.name : "uniform";  // a decoded schedule's walk reports positions as its t
}

function frameURL(method, format = "png") {
  return "/api/frame?" + query([["model", S.model], ["from", S.slots.A], ["to", S.slots.B], ["method", method],
    ["t", tValue().toFixed(3)], ["schedule", frameSchedule()], ["format", format], ...editParams()]);
}

function itemURL(spec, format = "png") {
  return "/api/item?" + query([["model", S.model], ["item", spec], ["format", format]]);
}

function mixURL(format = "png") {
  const items = ["A", "B", "C"].map((k) => ["item", S.slots[k]]);
  const ws = S.weights.map((w) => ["w", w.toFixed(3)]);
  return "/api/mix?" + query([["model", S.model], ...items, ...ws, ["mode", "matched"], ["format", format], ...editParams()]);
}

// An <img> whose request fails shows the server's one-line reason.
function watchImage(img) {
  img.addEventListener("error", async () => {
    if (!img.src) return;
    try { await api(img.src); } catch (e) { showError(e.message); }
  });
  img.addEventListener("load", () => { img.classList.remove("loading"); });
}

function playSound(url) {
  const audio = new Audio(url);
  audio.play().catch((e) => showError(`Could not play the sound: ${e.message}`));
}

// --- models ----------------------------------------------------------------------------------

async function init() {
  try {
    S.cat = await (await api("/api/models")).json();
  } catch (e) { showError(e.message); return; }
  const select = $("#model");
  for (const m of S.cat.models) select.append(el("option", {value: m.name, text: m.name}));
  select.addEventListener("change", () => selectModel(select.value));

  const box = $("#methods");
  for (const m of S.cat.methods) {
    const on = ["crossfade", "lerp", "slerp", "matched"].includes(m.name);
    const input = el("input", {type: "checkbox", value: m.name, checked: on});
    input.addEventListener("change", () => { buildPanels(); scheduleWalk(); });
    const tip = m.description + (m.frame ? "" : " (no frame at a single t: the nearest step of the walk is shown)");
    box.append(el("label", {class: "method", title: tip}, input, el("span", {class: "swatch"}), ` ${m.name}`));
    box.lastChild.querySelector(".swatch").style.background = colour(m.name, 0);
  }
  for (const s of S.cat.schedules) $("#schedule").append(el("option", {value: s.name, text: s.name}));
  $("#schedule").value = "uniform";
  for (const k of S.cat.direction_kinds) $("#dir-kind").append(el("option", {value: k, text: k}));

  buildSlots();
  wireControls();
  setWeights([1 / 3, 1 / 3, 1 / 3]);
  await selectModel(S.cat.models[0].name);
}

function buildSlots() {
  const tpl = $("#slot-template");
  const labels = {A: "A (from)", B: "B (to)", C: "C (plane)"};
  for (const name of ["A", "B", "C"]) {
    const node = tpl.content.firstElementChild.cloneNode(true);
    node.dataset.slot = name;
    const radio = node.querySelector("input[type=radio]");
    radio.value = name;
    radio.checked = name === "A";
    radio.addEventListener("change", () => { S.pickFor = name; });
    node.querySelector(".slot-name").textContent = labels[name];
    const spec = node.querySelector(".spec");
    spec.id = `slot-${name}`;
    spec.setAttribute("aria-label", `Item ${labels[name]}`);
    spec.addEventListener("change", () => setSlot(name, spec.value.trim()));
    const img = node.querySelector(".preview");
    img.alt = `Item ${name}`;
    watchImage(img);
    node.querySelector(".listen").addEventListener("click", () => playSound(itemURL(S.slots[name], "wav")));
    $("#slots").append(node);
  }
}

async function selectModel(name) {
  stopPlay();
  S.model = name;
  S.info = S.cat.models.find((m) => m.name === name);
  $("#model").value = name;
  const shape = S.info.data_shape.join("×");
  $("#model-info").textContent = `${S.info.family} · ${S.info.modality} ${shape} · latent ${S.info.latent_shape.join("×")} · prior ${S.info.prior}`;
  $("#model-info").title = "Family, kind of data and its shape, code shape, and the prior the codes are drawn from.";
  document.body.classList.toggle("sound", S.info.modality === "audio");
  for (const b of document.querySelectorAll(".listen")) b.hidden = S.info.modality !== "audio";
  S.walk = null;
  S.edits.clear();
  S.offset = 0;
  S.factors = [];
  S.factorsFor = null;
  $("#factors").replaceChildren();
  const ex = S.info.examples;
  S.slots = {A: ex[0], B: ex[1], C: ex[2]};
  for (const k of ["A", "B", "C"]) showSlot(k);
  buildPanels();
  updateMix();
  await Promise.all([loadItems(), loadDirections(), runWalk()]);
}

// --- items -----------------------------------------------------------------------------------

function showSlot(name) {
  const node = document.querySelector(`.slot[data-slot="${name}"]`);
  node.querySelector(".spec").value = S.slots[name];
  node.querySelector(".preview").src = itemURL(S.slots[name]);
}

function setSlot(name, spec) {
  if (!spec) return;
  clearError();
  S.slots[name] = spec;
  showSlot(name);
  status(`${name} is ${spec}`);
  if (name === "C") { updateMix(); return; }
  updateFrames();
  updateMix();
  scheduleWalk();
}

async function loadItems() {
  const url = "/api/items?" + query([["model", S.model], ["offset", S.offset], ["limit", S.limit]]);
  S.itemsURL = url;
  let page;
  try { page = await (await api(url)).json(); } catch (e) { if (S.itemsURL === url) showError(e.message); return; }
  if (S.itemsURL !== url) return;  // another model or page was asked for meanwhile
  S.count = page.count;
  S.dataset = page.dataset;
  const box = $("#thumbs");
  box.replaceChildren();
  for (const it of page.items) {
    const b = el("button", {type: "button", class: "thumb", role: "listitem", title: `${it.id}: ${it.label}`,
                            "aria-label": `${it.id}, ${it.label}`, "data-item": it.id},
                 el("img", {src: it.thumb, alt: ""}));
    b.addEventListener("click", () => setSlot(S.pickFor, it.id));
    box.append(b);
  }
  $("#page-info").textContent = `${page.dataset} ${S.offset + 1}–${S.offset + page.items.length} of ${page.count}`;
  $("#prev").disabled = S.offset === 0;
  $("#next").disabled = S.offset + S.limit >= S.count;
  if (S.factorsFor !== S.model) buildFactors(page.factors);
}

function buildFactors(factors) {
  S.factors = factors;
  S.factorsFor = S.model;
  const box = $("#factors");
  box.replaceChildren();
  factors.forEach((f, i) => {
    const id = `factor-${f.name}`;
    const use = el("input", {type: "checkbox", id: `${id}-use`, checked: i === 0, title: `Include ${f.name} in the item.`});
    let control;
    if (f.kind === "choice") {
      control = el("select", {id, title: `${f.name}: one of the values the dataset holds.`});
      for (const v of f.values) control.append(el("option", {value: v, text: String(v)}));
    } else {
      const mid = (f.min + f.max) / 2;
      control = el("input", {type: "range", id, min: f.min, max: f.max, step: f.step, value: mid,
                             title: `${f.name}: from ${fmt(f.min)} to ${fmt(f.max)} in the dataset.`});
    }
    const out = el("output", {for: id, text: f.kind === "choice" ? "" : fmt(Number(control.value)),
                              title: `The value of ${f.name} in the item (in the dataset's own units).`});
    control.addEventListener("input", () => { out.textContent = f.kind === "choice" ? "" : fmt(Number(control.value)); use.checked = true; });
    box.append(el("div", {class: "factor"}, use, el("label", {for: id, text: f.name}), control, out));
  });
}

function factorSpec() {
  const parts = [];
  for (const f of S.factors) {
    const id = `factor-${f.name}`;
    if (!document.getElementById(`${id}-use`).checked) continue;
    const v = Number(document.getElementById(id).value);
    parts.push(`${f.name}=${Number.isInteger(v) ? v : v.toFixed(3)}`);
  }
  return parts.length ? `${S.dataset}:${parts.join(",")}` : "";
}

async function upload(file) {
  clearError();
  if (file.size > S.cat.upload_limit) {
    showError(`'${file.name}' is ${file.size.toLocaleString()} bytes, over the server's limit of ${S.cat.upload_limit.toLocaleString()} bytes.`);
    return;
  }
  status(`uploading ${file.name}…`);
  try {
    const url = "/api/upload?" + query([["name", file.name], ["model", S.model]]);
    const up = await (await api(url, {method: "POST", body: file})).json();
    setSlot(S.pickFor, up.id);
    status(`${file.name} is ${up.id}, now in ${S.pickFor}`);
  } catch (e) { showError(e.message); status(""); }
}

// --- frames at t -----------------------------------------------------------------------------

function buildPanels() {
  const box = $("#frames");
  box.replaceChildren();
  checkedMethods().forEach((m, i) => {
    const info = methodInfo(m);
    const img = el("img", {class: "frame", alt: `${m} at t`, "data-method": m});
    watchImage(img);
    const caption = el("figcaption", {title: info.description},
                       el("span", {class: "swatch"}), ` ${m}`, el("span", {class: "nearest muted"}));
    caption.querySelector(".swatch").style.background = colour(m, i);
    const fig = el("figure", {class: "panel", "data-method": m}, img, caption);
    if (S.info && S.info.modality === "audio") {
      const atT = el("button", {type: "button", title: `Play ${m}'s sound at t.`, text: "▶ t"});
      atT.addEventListener("click", () => playSound(info.frame ? frameURL(m, "wav") : nearestStepURL(m, "wav")));
      const whole = el("button", {type: "button", title: `Play ${m}'s whole walk (its steps joined with 50 ms crossfades).`, text: "▶ walk"});
      whole.addEventListener("click", () => {
        const w = S.walk && S.walk.methods[m];
        if (w && w.sound) playSound(w.sound); else showError("Walk first: the whole walk's sound comes from the walk.");
      });
      fig.append(el("div", {class: "sound-buttons"}, atT, whole));
    }
    box.append(fig);
  });
  updateFrames();
}

function nearestIndex(ts, t) {
  let best = 0;
  for (let i = 1; i < ts.length; i++) if (Math.abs(ts[i] - t) < Math.abs(ts[best] - t)) best = i;
  return best;
}

function nearestStepURL(m, format = "png") {
  const w = S.walk && S.walk.methods[m];
  if (!w) return "";
  const url = w.frames[nearestIndex(w.ts, tValue())];
  return format === "png" ? url : `${url}?format=${format}`;
}

function updateFrames() {
  if (S.frameQueued) return;
  S.frameQueued = true;
  requestAnimationFrame(() => {
    S.frameQueued = false;
    const t = tValue();
    $("#t-out").textContent = t.toFixed(3);
    for (const fig of document.querySelectorAll("#frames .panel")) {
      const m = fig.dataset.method;
      const img = fig.querySelector("img");
      const info = methodInfo(m);
      const url = info.frame ? frameURL(m) : nearestStepURL(m);
      if (url && img.getAttribute("src") !== url) { img.classList.add("loading"); img.src = url; }
      const note = fig.querySelector(".nearest");
      const unmoved = info.space === "data" && editParams().length;
      note.textContent = info.frame ? (unmoved ? " (pixels: no direction moves it)" : "") : " (nearest step)";
    }
    updateMarkers();
  });
}

function setT(t) {
  $("#t").value = t;
  updateFrames();
}

// --- the walk: metrics, profiles, play -------------------------------------------------------

function walkRequest() {
  return {model: S.model, from: S.slots.A, to: S.slots.B, methods: checkedMethods(),
          steps: Number($("#steps").value), schedule: $("#schedule").value};
}

function scheduleWalk() {
  for (const id of ["#metrics", "#profiles"]) $(id).classList.add("stale");
  clearTimeout(S.walkTimer);
  S.walkTimer = setTimeout(runWalk, 250);
}

async function runWalk() {
  const req = walkRequest();
  if (!req.methods.length) { showError("Choose at least one method."); return; }
  const key = JSON.stringify(req);
  S.walkKey = key;
  status("walking…");
  for (const id of ["#metrics", "#profiles"]) $(id).classList.add("stale");  // until the new walk is in
  let walk;
  try {
    walk = await (await api("/api/walk", {method: "POST", headers: {"Content-Type": "application/json"}, body: key})).json();
  } catch (e) { if (S.walkKey === key) { showError(e.message); status(""); } return; }
  if (S.walkKey !== key) return;  // a newer walk was asked for meanwhile
  clearError();
  S.walk = walk;
  for (const id of ["#metrics", "#profiles"]) $(id).classList.remove("stale");
  status(`walked ${walk.items.join(" → ")}: ${walk.steps} steps, ${walk.schedule}`);
  $("#walk-note").textContent = walk.notes.join(" ");
  renderMetrics();
  renderProfiles();
  updateFrames();
}

function renderMetrics() {
  const box = $("#metrics");
  box.replaceChildren();
  if (!S.walk) return;
  const methods = Object.keys(S.walk.methods);
  const table = el("table", {class: "metric-table"});
  const head = el("tr", {}, el("th", {text: "method", scope: "col", title: "The path method (crossfade: the raw data mixed)."}));
  for (const key of SHOWN) {
    head.append(el("th", {scope: "col", title: METRIC_HELP[key], text: key.split(".")[1].replaceAll("_", " ")}));
  }
  table.append(el("thead", {}, head));
  const body = el("tbody");
  methods.forEach((m, i) => {
    const row = el("tr", {}, el("th", {scope: "row", title: methodInfo(m).description}, el("span", {class: "swatch"}), ` ${m}`));
    row.querySelector(".swatch").style.background = colour(m, i);
    for (const key of SHOWN) {
      const [metric, name] = key.split(".");
      const v = (S.walk.methods[m].metrics[metric] || {})[name];
      const tip = v === undefined ? `${metric} does not apply to ${m}.` : `${METRIC_HELP[key]} Value: ${v}`;
      row.append(el("td", {title: tip, text: v === undefined ? "–" : fmt(v)}));
    }
    body.append(row);
  });
  table.append(body);
  box.append(table);
  // every number, for those who want them all
  const all = el("details", {}, el("summary", {text: "All numbers"}));
  for (const m of methods) {
    const list = el("dl", {class: "all-metrics"});
    for (const [metric, summary] of Object.entries(S.walk.methods[m].metrics)) {
      for (const [name, v] of Object.entries(summary)) {
        const key = `${metric}.${name}`;
        const tip = METRIC_HELP[key] || `${metric}: ${name.replaceAll("_", " ")}`;
        list.append(el("dt", {title: tip, text: key}), el("dd", {title: `${tip} Value: ${v}`, text: fmt(v)}));
      }
    }
    all.append(el("h4", {text: m}), list);
  }
  box.append(all);
}

function renderProfiles() {
  const box = $("#profiles");
  box.replaceChildren();
  if (!S.walk) return;
  const methods = Object.keys(S.walk.methods);
  for (const [name, help] of Object.entries(PROFILES)) {
    const series = [];
    methods.forEach((m, i) => {
      const w = S.walk.methods[m];
      const ys = w.profiles[name];
      if (!ys || !ys.length) return;
      const xs = ys.length === w.ts.length - 1 ? ys.map((_, k) => (w.ts[k] + w.ts[k + 1]) / 2) : w.ts;
      series.push({m, colour: colour(m, i), xs, ys});
    });
    if (!series.length) continue;
    box.append(plot(name, help, series));
  }
  updateMarkers();
}

function plot(name, help, series) {
  const W = 300, H = 150, L = 44, R = 8, T = 10, B = 22;
  const all = series.flatMap((s) => s.ys).filter((y) => y !== null && Number.isFinite(y));
  let lo = Math.min(0, ...all), hi = Math.max(...all);
  if (!(hi > lo)) hi = lo + 1;
  const x = (v) => L + v * (W - L - R);
  const y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const chart = svg("svg", {viewBox: `0 0 ${W} ${H}`, class: "plot", role: "img", "aria-label": help});
  const title = svg("title");
  title.textContent = help;
  chart.append(title);
  chart.append(svg("line", {x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis"}));
  chart.append(svg("line", {x1: L, y1: T, x2: L, y2: H - B, class: "axis"}));
  const label = (text, attrs) => { const t = svg("text", attrs); t.textContent = text; chart.append(t); };
  label(fmt(hi), {x: L - 4, y: T + 4, "text-anchor": "end", class: "tick"});
  label(fmt(lo), {x: L - 4, y: H - B, "text-anchor": "end", class: "tick"});
  label("0", {x: L, y: H - 6, "text-anchor": "middle", class: "tick"});
  label("1", {x: W - R, y: H - 6, "text-anchor": "middle", class: "tick"});
  label("t", {x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle", class: "tick"});
  for (const s of series) {
    const pts = s.xs.map((xv, k) => (s.ys[k] === null ? null : `${x(xv).toFixed(1)},${y(s.ys[k]).toFixed(1)}`)).filter(Boolean);
    const line = svg("polyline", {points: pts.join(" "), class: "series"});
    line.style.stroke = s.colour;
    chart.append(line);
    if (s.xs.length <= 64) {
      s.xs.forEach((xv, k) => {
        if (s.ys[k] === null) return;
        const dot = svg("circle", {cx: x(xv), cy: y(s.ys[k]), r: 2.2, class: "dot"});
        dot.style.fill = s.colour;
        const tip = svg("title");
        tip.textContent = `${s.m}: ${name} ${fmt(s.ys[k])} at t = ${xv.toFixed(3)}`;
        dot.append(tip);
        chart.append(dot);
      });
    }
  }
  const marker = svg("line", {x1: x(tValue()), x2: x(tValue()), y1: T, y2: H - B, class: "marker"});
  marker.dataset.left = L;
  marker.dataset.width = W - L - R;
  chart.append(marker);
  const caption = el("figcaption", {title: help}, el("strong", {text: name}), ` — ${help.split(": ")[1]}`);
  return el("figure", {class: "profile", "data-profile": name}, chart, caption);
}

function updateMarkers() {
  const t = tValue();
  for (const m of document.querySelectorAll(".plot .marker")) {
    const px = Number(m.dataset.left) + t * Number(m.dataset.width);
    m.setAttribute("x1", px);
    m.setAttribute("x2", px);
  }
}

function stopPlay() {
  if (S.playing) clearInterval(S.playing);
  S.playing = null;
  $("#play").textContent = "▶ Play";
  $("#play").setAttribute("aria-pressed", "false");
}

function togglePlay() {
  if (S.playing) { stopPlay(); return; }
  $("#play").textContent = "❚❚ Pause";
  $("#play").setAttribute("aria-pressed", "true");
  S.playing = setInterval(() => {
    const first = S.walk && Object.values(S.walk.methods)[0];
    const ts = first ? first.ts : Array.from({length: 16}, (_, i) => i / 15);
    let i = nearestIndex(ts, tValue()) + 1;
    if (i >= ts.length) {
      if (!$("#loop").checked) { stopPlay(); return; }
      i = 0;
    }
    setT(ts[i]);
  }, 1000 / FPS);
}

async function exportWalk() {
  clearError();
  status("exporting…");
  try {
    const r = await api("/api/export", {method: "POST", headers: {"Content-Type": "application/json"},
                                        body: JSON.stringify(walkRequest())});
    const blob = await r.blob();
    const disposition = r.headers.get("Content-Disposition") || "";
    const match = disposition.match(/filename="?([^";]+)"?/);
    const name = match ? match[1] : "latentwalk-walk.zip";
    const link = $("#export-link");
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(blob);
    link.download = name;
    link.textContent = `Download ${name}`;
    link.hidden = false;
    link.click();
    status(`exported ${name} (${blob.size.toLocaleString()} bytes): unzip it and \`latentwalk rerun\` re-creates it`);
  } catch (e) { showError(e.message); status(""); }
}

// --- the plane of A, B, C --------------------------------------------------------------------

const CORNERS = [[10, 172], [190, 172], [100, 12]];  // A, B, C in the triangle's coordinates

function weightsAt(px, py) {
  const [[ax, ay], [bx, by], [cx, cy]] = CORNERS;
  const det = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy);
  let wa = ((by - cy) * (px - cx) + (cx - bx) * (py - cy)) / det;
  let wb = ((cy - ay) * (px - cx) + (ax - cx) * (py - cy)) / det;
  let wc = 1 - wa - wb;
  [wa, wb, wc] = [wa, wb, wc].map((w) => Math.max(0, w));  // outside: the nearest point inside
  const s = wa + wb + wc;
  return [wa / s, wb / s, wc / s];
}

function pointOf(w) {
  return [0, 1].map((k) => w[0] * CORNERS[0][k] + w[1] * CORNERS[1][k] + w[2] * CORNERS[2][k]);
}

function setWeights(w) {
  S.weights = w;
  const [px, py] = pointOf(w);
  $("#mix-point").setAttribute("cx", px.toFixed(1));
  $("#mix-point").setAttribute("cy", py.toFixed(1));
  const text = `A ${w[0].toFixed(2)}, B ${w[1].toFixed(2)}, C ${w[2].toFixed(2)}`;
  $("#triangle").setAttribute("aria-valuetext", text);
  $("#mix-weights").textContent = text;
  updateMix();
}

function updateMix() {
  if (S.mixQueued || !S.model) return;
  S.mixQueued = true;
  requestAnimationFrame(() => {
    S.mixQueued = false;
    const url = mixURL();
    const img = $("#mix-img");
    if (img.getAttribute("src") !== url) img.src = url;
  });
}

function wirePlane() {
  const tri = $("#triangle");
  let dragging = false;
  const move = (e) => {
    const p = tri.createSVGPoint();
    p.x = e.clientX;
    p.y = e.clientY;
    const q = p.matrixTransform(tri.getScreenCTM().inverse());
    setWeights(weightsAt(q.x, q.y));
  };
  tri.addEventListener("pointerdown", (e) => { dragging = true; tri.setPointerCapture(e.pointerId); move(e); });
  tri.addEventListener("pointermove", (e) => { if (dragging) move(e); });
  tri.addEventListener("pointerup", () => { dragging = false; });
  tri.addEventListener("keydown", (e) => {
    const step = e.shiftKey ? 20 : 5;
    const d = {ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step]}[e.key];
    if (e.key === "Home") setWeights([1 / 3, 1 / 3, 1 / 3]);
    else if (d) {
      const [px, py] = pointOf(S.weights);
      setWeights(weightsAt(px + d[0], py + d[1]));
    } else return;
    e.preventDefault();
  });
  watchImage($("#mix-img"));
}

// --- directions ------------------------------------------------------------------------------

async function loadDirections() {
  const box = $("#dir-sliders");
  box.replaceChildren();
  S.edits.clear();
  $("#dir-note").textContent = "finding the directions (the first time encodes the dataset)…";
  const url = "/api/directions?" + query([["model", S.model], ["kind", $("#dir-kind").value]]);
  S.dirURL = url;
  let ds;
  try { ds = await (await api(url)).json(); } catch (e) {
    if (S.dirURL === url) { showError(e.message); $("#dir-note").textContent = ""; }
    return;
  }
  if (S.dirURL !== url) return;  // another model or kind was asked for meanwhile
  $("#dir-note").textContent = ds.note || `${ds.directions.length} directions of kind ${ds.kind}.`;
  for (const d of ds.directions) {
    const id = `dir-${d.id.replace(/[^a-z0-9]/gi, "_")}`;
    const input = el("input", {type: "range", id, min: -3, max: 3, step: 0.1, value: 0, "data-dir": d.id,
                               title: `Move the codes along “${d.label}” by α·σ (σ = ${fmt(d.sigma)}: the spread of the dataset's codes along it).`});
    const out = el("output", {for: id, text: "0.0σ", title: "α, in units of σ."});
    input.addEventListener("input", () => {
      const a = Number(input.value);
      out.textContent = `${a.toFixed(1)}σ`;
      if (a === 0) S.edits.delete(d.id); else S.edits.set(d.id, a);
      updateFrames();
      updateMix();
    });
    box.append(el("div", {class: "dir"}, el("label", {for: id, text: d.label}), input, out));
  }
  updateFrames();
  updateMix();
}

// --- wiring ----------------------------------------------------------------------------------

function wireControls() {
  $("#t").addEventListener("input", updateFrames);
  $("#play").addEventListener("click", togglePlay);
  $("#walk-btn").addEventListener("click", runWalk);
  $("#export-btn").addEventListener("click", exportWalk);
  $("#steps").addEventListener("change", scheduleWalk);
  $("#schedule").addEventListener("change", () => { updateFrames(); scheduleWalk(); });
  $("#prev").addEventListener("click", () => { S.offset = Math.max(0, S.offset - S.limit); loadItems(); });
  $("#next").addEventListener("click", () => { S.offset += S.limit; loadItems(); });
  $("#random-page").addEventListener("click", () => {
    S.offset = S.limit * Math.floor(Math.random() * Math.ceil(S.count / S.limit));
    loadItems();
  });
  $("#use-factors").addEventListener("click", () => {
    const spec = factorSpec();
    if (spec) setSlot(S.pickFor, spec); else showError("Check at least one factor.");
  });
  $("#upload").addEventListener("change", (e) => { if (e.target.files.length) upload(e.target.files[0]); e.target.value = ""; });
  $("#dir-kind").addEventListener("change", loadDirections);
  $("#dir-reset").addEventListener("click", () => {
    for (const input of document.querySelectorAll("#dir-sliders input")) {
      input.value = 0;
      input.dispatchEvent(new Event("input"));
    }
  });
  wirePlane();
}

document.addEventListener("DOMContentLoaded", init);

// gdviz player: one frame index drives every chart, read-out and sentence in the browser.
//
// The data contract is described in gdviz/views/playback.py. Each figure is drawn once;
// per frame, only the moving traces change (Plotly.animate without redraw for 2-D charts,
// Plotly.restyle for 3-D ones) and read-outs change through textContent (never innerHTML:
// every text here may come from a person). A WebGL redraw costs ~65-100 ms with software
// rendering, so 3-D charts follow at the rate the machine affords (a gap of three times the
// measured cost, at most GAP_MAX_MS) instead of holding the 2-D charts back, and catch up at
// once when playing stops. Pausing or stepping hands the step back through setStateValue.
//
// Runs as a Streamlit components-v2 module (export default below) and, unchanged, inside
// the offline HTML file, which calls mountPlayer with a component-like object.

const TYPED = {
  f8: Float64Array, f4: Float32Array, i4: Int32Array, i2: Int16Array, i1: Int8Array,
  u1: Uint8Array, u2: Uint16Array, u4: Uint32Array,
};
const GL_TYPES = new Set(["scatter3d", "surface", "mesh3d", "cone", "streamtube",
  "isosurface", "volume"]);
const GAP_FACTOR = 3;   // 3-D redraws take at most a quarter of the time while playing
const GAP_MAX_MS = 300; // ... but never wait longer than this: the lag stays under ~0.5 s
const HAND_BACK_MS = 250; // held arrow keys or a scrub send one step, not dozens
const STEP_FORMAT = new Intl.NumberFormat("en-US");
const players = new Set(); // mounted players, for keys pressed on the page body
let lastUsed = null;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) { node.className = className; }
  if (text !== undefined) { node.textContent = text; }
  return node;
}

// Frame rows of a moving attribute: typed array JSON of shape "F, n", or a list of lists.
function frameRows(spec, frames) {
  if (spec && typeof spec === "object" && !Array.isArray(spec) && "bdata" in spec) {
    const raw = atob(spec.bdata);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    const Kind = TYPED[spec.dtype];
    if (!Kind) { throw new Error("unknown dtype " + spec.dtype); }
    const flat = new Kind(bytes.buffer);
    // Plotly draws from float arrays; a row is a view, no copy.
    const values = Kind === Float64Array ? flat : Float64Array.from(flat);
    const width = values.length / frames;
    const rows = [];
    for (let f = 0; f < frames; f++) { rows.push(values.subarray(f * width, (f + 1) * width)); }
    return rows;
  }
  return spec.map((row) => Float64Array.from(Array.isArray(row) ? row : [row]));
}

// A host may start plotly.js with the page itself (deploy/nginx.conf.template puts an async
// script tag with the id "gdviz-plotly", whose onload and onerror set data-done, first in the
// page's head), so the browser parses it while Streamlit starts. The player then waits for that copy
// rather than load a second (two copies would be parsed twice); if it has come and gone
// without defining Plotly (a 404, or a page of HTML where the file should be), or fails
// later, the player loads its own.
const EARLY_PLOTLY = "gdviz-plotly";

function scriptLoaded(script) {
  return new Promise((resolve, reject) => {
    script.addEventListener("load", () => (window.Plotly ? resolve(window.Plotly)
      : reject(new Error("plotly.js loaded but did not define Plotly"))));
    script.addEventListener("error", () => reject(
      new Error("plotly.js could not be loaded from " + script.src)));
  });
}

function addScript(src) {
  const script = document.createElement("script");
  script.src = src;
  script.async = true;
  document.head.appendChild(script);
  return scriptLoaded(script);
}

// Streamlit gzips a component's files again on every request (0.08 s of its CPU for
// plotly.js) but sends a .gz file as it is: fetch that and unzip it here.
async function unzippedScript(url) {
  const response = await fetch(url);
  if (!response.ok || !response.body) { throw new Error("HTTP " + response.status); }
  const text = response.body.pipeThrough(new DecompressionStream("gzip"));
  const blob = new Blob([await new Response(text).arrayBuffer()], { type: "text/javascript" });
  const blobUrl = URL.createObjectURL(blob);
  try { return await addScript(blobUrl); } finally { URL.revokeObjectURL(blobUrl); }
}

// plotly.js: the host's early copy (deploy/nginx.conf.template) if the page has one, else the
// gzipped file unzipped here, else the plain file.
function loadPlotly(src, gzipSrc) {
  if (window.Plotly) { return Promise.resolve(window.Plotly); }
  if (window.__gdvizPlotlyLoad) { return window.__gdvizPlotlyLoad; }
  const ownCopy = () => {
    if (!src) { return Promise.reject(new Error("plotly.js is not on this page")); }
    if (gzipSrc && window.DecompressionStream) {
      return unzippedScript(gzipSrc).catch(() => addScript(src));
    }
    return addScript(src);
  };
  const early = document.getElementById(EARLY_PLOTLY);
  const load = early && !early.dataset.done ? scriptLoaded(early).catch(ownCopy) : ownCopy();
  window.__gdvizPlotlyLoad = load.catch((err) => {
    window.__gdvizPlotlyLoad = null; // a later mount may try again
    throw err;
  });
  return window.__gdvizPlotlyLoad;
}

// The plotly.js the page serves (gdviz.plotly_bundle) hands over its trace types unloaded, as
// Plotly.gdvizLazyTypes: register those a figure uses just before it is first drawn (~30 ms
// for the 3-D ones here; ~0.35 s inside the file's first run). plotly's own bundle has them all.
function registerTypes(Plotly, specs) {
  const lazy = Plotly.gdvizLazyTypes;
  if (!lazy) { return; }
  const wanted = new Set();
  specs.forEach((spec) => spec.data.forEach((t) => wanted.add(t.type || "scatter")));
  const modules = [...wanted].filter((type) => lazy[type]).map((type) => {
    const load = lazy[type];
    delete lazy[type];
    return load();
  });
  if (modules.length) { Plotly.register(modules); }
}

function isGL(spec) {
  return Boolean((spec.layout && spec.layout.scene)
    || spec.data.some((trace) => GL_TYPES.has(trace.type)));
}

function trace(event) {
  // Benchmarks set window.__gdvizTrace = [] to record what was drawn when.
  if (window.__gdvizTrace) { window.__gdvizTrace.push(event); }
}

function reducedMotion() {
  return Boolean(window.matchMedia
    && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
}

function isTextEntry(target) {
  if (!target || !target.tagName) { return false; }
  const tag = target.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select" || target.isContentEditable) { return true; }
  return tag === "input" && !["range", "button", "checkbox", "radio"].includes(target.type);
}

class Player {
  constructor(root, component) {
    this.root = root;
    this.setStateValue = component.setStateValue || (() => {});
    this.frame = 0;
    this.playing = false;
    this.raf = 0;
    this.pending2d = null;
    this.lastAdvance = 0;
    this.handTimer = 0;
    this.handedBack = null;
    this.recentSteps = [];
    this.gl = { busy: false, pending: null, urgent: false, cost: 0, lastEnd: 0, timer: 0,
      shown: -1 };
    this.listeners = [];
    this.build();
  }

  on(target, type, handler, options) {
    target.addEventListener(type, handler, options);
    this.listeners.push(() => target.removeEventListener(type, handler, options));
  }

  build() {
    const root = this.root;
    root.className = "gdp";
    root.setAttribute("role", "region");
    root.setAttribute("aria-label", "Player: Space plays or pauses; arrow keys step");
    this.figuresBox = el("div", "gdp-figures");
    this.bar = el("div", "gdp-bar");
    const buttons = el("div", "gdp-buttons");
    const button = (text, label, keys, onClick) => {
      const b = el("button", "gdp-button", text);
      b.type = "button";
      b.setAttribute("aria-label", label);
      b.setAttribute("aria-keyshortcuts", keys);
      b.title = label + " (" + keys + ")";
      this.on(b, "click", onClick);
      buttons.appendChild(b);
      return b;
    };
    this.firstButton = button("« First", "First step", "Home", () => this.stepTo(0));
    this.backButton = button("◀ Back", "Step back", "ArrowLeft", () => this.stepBy(-1));
    this.playButton = button("▶ Play", "Play", "Space", () => this.toggle());
    this.playButton.classList.add("gdp-primary");
    this.forwardButton = button("Next ▶", "Step forward", "ArrowRight", () => this.stepBy(1));
    this.lastButton = button("Last »", "Last step", "End", () => this.stepTo(Infinity));
    this.bar.appendChild(buttons);

    this.slider = el("input", "gdp-slider");
    this.slider.type = "range";
    this.slider.min = "0";
    this.slider.step = "1";
    this.slider.setAttribute("aria-label", "Step");
    this.on(this.slider, "input", () => { this.stopPlaying(); this.show(+this.slider.value); });
    this.on(this.slider, "change", () => this.show(+this.slider.value, true));
    this.bar.appendChild(this.slider);
    this.stepText = el("span", "gdp-step");
    this.stepText.setAttribute("aria-hidden", "true");
    this.bar.appendChild(this.stepText);

    this.speedBox = el("div", "gdp-speeds");
    this.speedBox.setAttribute("role", "group");
    this.speedBox.setAttribute("aria-label", "Speed");
    this.bar.appendChild(this.speedBox);

    this.readoutBox = el("dl", "gdp-readouts");
    this.live = el("div", "gdp-sr");
    this.live.setAttribute("role", "status");
    this.live.setAttribute("aria-live", "polite");
    this.error = el("p", "gdp-error");
    this.error.hidden = true;
    root.append(this.figuresBox, this.bar, this.readoutBox, this.live, this.error);

    this.on(root, "keydown", (e) => this.onKey(e));
    // A button activates on Space's keyup; Space already played or paused on keydown.
    this.on(root, "keyup", (e) => { if (e.key === " " && !isTextEntry(e.target)) {
      e.preventDefault(); } });
    this.on(root, "pointerdown", () => { lastUsed = this; });
    this.on(root, "focusin", () => { lastUsed = this; });
  }

  // (Re)load data. Charts are drawn again only when the figures changed.
  async load(data, Plotly) {
    this.Plotly = Plotly;
    const steps = data.steps;
    const frames = steps.length;
    const figuresKey = JSON.stringify([data.figures, data.moving, data.labels, data.widths]);
    const sameCharts = figuresKey === this.figuresKey;
    const startChanged = data.start_frame !== this.startFrame;
    this.data = data;
    this.steps = steps;
    this.startFrame = data.start_frame;
    this.slider.max = String(frames - 1);
    this.buildSpeeds(data);
    this.buildReadouts(data);
    this.moving = data.moving.map((m) => ({
      figure: m.figure, trace: m.trace,
      attrs: Object.entries(m.attrs).map(([name, spec]) => [name, frameRows(spec, frames)]),
    }));
    const start = Math.min(Math.max(0, data.start_frame | 0), frames - 1);
    if (!sameCharts) {
      this.stopPlaying();
      this.frame = start;
      this.recentSteps = [];
      this.figuresKey = figuresKey;
      await this.drawCharts(data, start);
      // A step taken while the 3-D scene was being drawn stays; the scene then catches up
      // (flush3d marks frame3d itself when that redraw is done).
      this.label(this.frame);
      if (!this.gl.busy) { this.root.dataset.frame3d = String(this.gl.shown); }
    } else if (startChanged && !this.playing && !this.recentSteps.includes(steps[start])) {
      // A page that reads the step from the URL at the top and writes it at the end sends
      // back, one run late, the steps this player handed it: those are echoes, not requests.
      this.show(start, true, false);
    }
    this.showText(this.frame, !sameCharts);
    this.root.dataset.ready = "1";
    if (!sameCharts && data.autoplay && !reducedMotion()) { this.play(); }
  }

  buildSpeeds(data) {
    this.speedBox.replaceChildren();
    this.speeds = data.speeds;
    const wanted = reducedMotion() ? data.speeds[0].name : data.speed;
    if (!this.speeds.some((s) => s.name === this.speed)) { this.speed = wanted; }
    const label = el("span", "gdp-speed-label", "Speed");
    label.setAttribute("aria-hidden", "true");
    this.speedBox.appendChild(label);
    this.speedButtons = this.speeds.map((s) => {
      const b = el("button", "gdp-button gdp-speed", s.name);
      b.type = "button";
      b.setAttribute("aria-label", "Speed " + s.name);
      b.setAttribute("aria-pressed", String(s.name === this.speed));
      this.on(b, "click", () => {
        this.speed = s.name;
        this.speedButtons.forEach((o) => o.setAttribute("aria-pressed", String(o === b)));
      });
      this.speedBox.appendChild(b);
      return b;
    });
  }

  buildReadouts(data) {
    this.readoutBox.replaceChildren();
    this.readoutCells = data.readouts.map((r) => {
      const cell = el("div", r.wide ? "gdp-readout gdp-wide" : "gdp-readout");
      const value = el("dd", "gdp-value");
      value.dataset.id = r.id;
      cell.append(el("dt", "gdp-label", r.label), value);
      this.readoutBox.appendChild(cell);
      return { values: r.values, node: value };
    });
  }

  async drawCharts(data, start) {
    const Plotly = this.Plotly;
    (this.charts || []).forEach((c) => Plotly.purge(c.gd));
    this.figuresBox.replaceChildren();
    // Draw each chart at the start frame directly: no extra redraw after the first one.
    for (const m of this.moving) {
      const target = data.figures[m.figure].data[m.trace];
      for (const [name, rows] of m.attrs) { target[name] = Array.from(rows[start]); }
    }
    this.charts = data.figures.map((spec, i) => {
      const box = el("figure", "gdp-figure");
      box.style.flexGrow = String(data.widths[i]);
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", data.labels[i]);
      const gd = el("div", "gdp-chart");
      const sentence = el("figcaption", "gdp-sr");
      box.append(gd, sentence);
      this.figuresBox.appendChild(box);
      const moving = this.moving.filter((m) => m.figure === i);
      return { gd, sentence, spec, gl: isGL(spec), moving };
    });
    const sentences = new Map(data.sentences.map((s) => [s.figure, s]));
    this.charts.forEach((c, i) => { c.sentenceSpec = sentences.get(i) || null; });
    // Plotly renders WebGL at twice the screen's resolution by default: four times the pixels
    // (and the software-rendering time) of what a 1x screen shows.
    const glRatio = Math.min(2, Math.max(1, window.devicePixelRatio || 1));
    const config = { displaylogo: false, responsive: true, plotGlPixelRatio: glRatio };
    const draw = (c) => Plotly.newPlot(c.gd, c.spec.data, c.spec.layout, config).then(() => trace(
      { t: performance.now(), kind: "chart", chart: this.charts.indexOf(c), gl: c.gl }));
    // The 2-D charts first, painted before the 3-D scene's first render (~0.35 s in software
    // GL) begins: the lesson is on screen that much sooner. Until the scene is drawn, the 3-D
    // marker's updates wait (gl.busy) and then catch up with the latest frame asked for.
    // New data while this drawing waits (a quick second change) starts a newer drawing; this
    // one then stops and leaves the scene to it.
    const g = this.gl;
    const drawing = (this.drawing || 0) + 1;
    this.drawing = drawing;
    g.busy = true;
    g.shown = start;
    const charts = this.charts;
    registerTypes(Plotly, charts.filter((c) => !c.gl).map((c) => c.spec));
    await Promise.all(charts.filter((c) => !c.gl).map(draw));
    trace({ t: performance.now(), kind: "drawn2d", frame: start });
    await new Promise((resolve) => window.requestAnimationFrame(() => setTimeout(resolve, 0)));
    if (drawing !== this.drawing) { return; }
    registerTypes(Plotly, charts.filter((c) => c.gl).map((c) => c.spec));
    trace({ t: performance.now(), kind: "registered3d" });
    await Promise.all(charts.filter((c) => c.gl).map(draw));
    if (drawing !== this.drawing) { return; }
    g.busy = false;
    trace({ t: performance.now(), kind: "drawn", frame: start });
    if (g.pending !== null) { this.request3d(g.pending, true); }
  }

  // Show frame i everywhere. `final`: playing stopped here (sentences, live read-out, the 3-D
  // catching up, the step handed back).
  show(i, final = false, handBack = true) {
    const frame = this.label(i);
    this.draw2d(frame);
    this.request3d(frame, final);
    if (final) {
      this.showText(frame, true);
      if (handBack) { this.handBack(frame); }
    }
  }

  // The slider, the step and the read-outs at frame i (no chart drawn); returns the frame.
  label(i) {
    const last = this.steps.length - 1;
    const frame = Math.min(Math.max(0, Math.round(i)), last);
    this.frame = frame;
    this.slider.value = String(frame);
    this.slider.setAttribute("aria-valuetext", "step " + STEP_FORMAT.format(this.steps[frame])
      + " of " + STEP_FORMAT.format(this.steps[last]));
    this.stepText.textContent = "step " + STEP_FORMAT.format(this.steps[frame]) + " / "
      + STEP_FORMAT.format(this.steps[last]);
    for (const cell of this.readoutCells) { cell.node.textContent = cell.values[frame]; }
    this.root.dataset.frame = String(frame);
    this.root.dataset.step = String(this.steps[frame]);
    return frame;
  }

  showText(frame, announce) {
    const values = { step: STEP_FORMAT.format(this.steps[frame]) };
    this.data.readouts.forEach((r) => { values[r.id] = r.values[frame]; });
    for (const c of this.charts || []) {
      const s = c.sentenceSpec;
      if (!s) { continue; }
      c.sentence.textContent = "template" in s
        ? s.template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, k) => (k in values
          ? values[k] : m))
        : s.values[frame];
    }
    this.stepText.textContent = "step " + values.step + " / "
      + STEP_FORMAT.format(this.steps[this.steps.length - 1]);
    if (announce) {
      const parts = ["Step " + values.step + "."];
      this.data.readouts.forEach((r) => parts.push(r.label + " " + r.values[frame] + "."));
      this.live.textContent = parts.join(" ");
    }
  }

  // Plotly.animate draws a frame at once when no animation is running and otherwise at the
  // next screen refresh; its promise settles one refresh later. Waiting for that promise would
  // halve the frame rate, so a frame is started whenever the previous one has left Plotly's
  // queue (a frame still queued would be dropped by the next call).
  draw2d(frame) {
    const charts = (this.charts || []).filter((c) => !c.gl && c.moving.length);
    const queued = charts.some((c) => {
      const queue = c.gd._transitionData && c.gd._transitionData._frameQueue;
      return Boolean(queue && queue.length);
    });
    if (queued) {
      if (this.pending2d === null) {
        window.requestAnimationFrame(() => {
          const next = this.pending2d;
          this.pending2d = null;
          if (next !== null) { this.draw2d(next); }
        });
      }
      this.pending2d = frame;
      return;
    }
    const options = { mode: "immediate", frame: { duration: 0, redraw: false },
      transition: { duration: 0 } };
    for (const c of charts) {
      const update = { data: c.moving.map((m) => Object.fromEntries(
        m.attrs.map(([name, rows]) => [name, rows[frame]]))),
      traces: c.moving.map((m) => m.trace) };
      this.Plotly.animate(c.gd, update, options).catch(() => {});
    }
    trace({ t: performance.now(), kind: "2d", frame });
  }

  request3d(frame, urgent) {
    const g = this.gl;
    if (!(this.charts || []).some((c) => c.gl && c.moving.length)) { return; }
    g.pending = frame;
    g.urgent = g.urgent || urgent;
    if (g.busy) { return; }
    const wait = g.urgent ? 0 : g.lastEnd + Math.min(GAP_FACTOR * g.cost, GAP_MAX_MS)
      - performance.now();
    if (wait <= 0) {
      clearTimeout(g.timer);
      g.timer = 0;
      this.flush3d();
    } else if (!g.timer) {
      g.timer = setTimeout(() => { g.timer = 0; this.flush3d(); }, wait);
    }
  }

  flush3d() {
    const g = this.gl;
    if (g.busy || g.pending === null || !this.charts) { return; }
    const frame = g.pending;
    g.pending = null;
    g.urgent = false;
    if (frame === g.shown) { return; }
    g.busy = true;
    const started = performance.now();
    const jobs = this.charts.filter((c) => c.gl && c.moving.length).map((c) => {
      // One restyle per chart: a GL scene redraws once whatever changed.
      const names = [...new Set(c.moving.flatMap((m) => m.attrs.map(([n]) => n)))];
      const update = {};
      for (const name of names) {
        update[name] = c.moving.map((m) => {
          const found = m.attrs.find(([n]) => n === name);
          return found ? found[1][frame] : c.gd.data[m.trace][name];
        });
      }
      return this.Plotly.restyle(c.gd, update, c.moving.map((m) => m.trace));
    });
    const done = () => window.requestAnimationFrame(() => {
      // The GL scene paints on the next animation frame: count that in the cost.
      const now = performance.now();
      g.cost = now - started;
      g.lastEnd = now;
      g.busy = false;
      g.shown = frame;
      this.root.dataset.frame3d = String(frame);
      trace({ t: now, kind: "3d", frame, cost: g.cost });
      if (g.pending !== null) { this.request3d(g.pending, g.urgent || !this.playing); }
    });
    Promise.all(jobs).then(done, done);
  }

  handBack(frame) {
    clearTimeout(this.handTimer);
    // A page that does not use the step (no on_step) is not rerun for it.
    if (this.data.hand_back === false) { return; }
    this.handTimer = setTimeout(() => {
      const step = this.steps[frame];
      if (step === this.handedBack) { return; }
      this.handedBack = step;
      this.recentSteps = [...this.recentSteps.slice(-4), step];
      this.setStateValue("step", step);
    }, HAND_BACK_MS);
  }

  loop(now) {
    if (!this.playing) { return; }
    this.raf = window.requestAnimationFrame((t) => this.loop(t));
    this.advance(now);
  }

  // Move on one frame if the chosen speed says it is time and the 2-D charts are drawn.
  advance(now) {
    if (this.pending2d !== null || !this.playing) { return; }
    const speed = this.speeds.find((s) => s.name === this.speed) || this.speeds[0];
    const interval = 1000 / speed.fps;
    // 2 ms early is on time: animation frames arrive every ~16.7 ms, not on the dot.
    if (now - this.lastAdvance < interval - 2) { return; }
    if (this.frame >= this.steps.length - 1) { this.pause(); return; }
    this.lastAdvance = now;
    this.show(this.frame + 1);
  }

  play() {
    if (this.playing) { return; }
    if (this.frame >= this.steps.length - 1) { this.show(0); }
    this.playing = true;
    this.root.dataset.playing = "1";
    this.playButton.textContent = "❚❚ Pause";
    this.playButton.setAttribute("aria-label", "Pause");
    this.lastAdvance = performance.now();
    this.raf = window.requestAnimationFrame((t) => this.loop(t));
  }

  stopPlaying() {
    if (!this.playing) { return false; }
    this.playing = false;
    this.root.dataset.playing = "0";
    window.cancelAnimationFrame(this.raf);
    this.playButton.textContent = "▶ Play";
    this.playButton.setAttribute("aria-label", "Play");
    return true;
  }

  pause() {
    this.stopPlaying();
    this.show(this.frame, true);
  }

  toggle() {
    lastUsed = this;
    if (this.playing) { this.pause(); } else { this.play(); }
  }

  stepTo(frame) {
    lastUsed = this;
    this.stopPlaying();
    this.show(Math.min(frame, this.steps.length - 1), true);
  }

  stepBy(delta) { this.stepTo(this.frame + delta); }

  onKey(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || isTextEntry(e.target)) {
      return;
    }
    // The slider moves itself with arrows, Home and End (its input event shows the frame).
    const onSlider = e.target === this.slider;
    const keys = {
      " ": () => this.toggle(),
      ArrowRight: onSlider ? null : () => this.stepBy(1),
      ArrowLeft: onSlider ? null : () => this.stepBy(-1),
      Home: onSlider ? null : () => this.stepTo(0),
      End: onSlider ? null : () => this.stepTo(Infinity),
    };
    const action = keys[e.key];
    if (!action) { return; }
    e.preventDefault();
    action();
  }

  destroy() {
    this.stopPlaying();
    clearTimeout(this.handTimer);
    clearTimeout(this.gl.timer);
    this.listeners.forEach((off) => off());
    (this.charts || []).forEach((c) => { if (this.Plotly) { this.Plotly.purge(c.gd); } });
    this.charts = null;
    this.root.replaceChildren();
    players.delete(this);
    if (lastUsed === this) { lastUsed = null; }
  }
}

// Keys pressed with the focus on the page itself (not in a field, not in a player) go to the
// player used last, or the first one on the page.
const WIDGET = "a[href], button, input, select, textarea, summary, [contenteditable='true'], "
  + "[role=button], [role=slider], [role=tab], [role=checkbox], [role=radio], [role=switch], "
  + "[role=menuitem], [role=option], [role=combobox], [role=listbox], [role=textbox], "
  + "[role=spinbutton], .js-plotly-plot";

function onPageKey(e) {
  const target = e.target;
  // Keys belong to whatever control has the focus; only keys pressed on the page itself
  // (its body or a plain container) drive a player.
  const onPage = !target || !target.closest || !target.closest(WIDGET);
  if (!onPage || !players.size || [...players].some((p) => p.root.contains(target))) {
    return;
  }
  const player = lastUsed && players.has(lastUsed) ? lastUsed : players.values().next().value;
  player.onKey(e);
}

function mountPlayer(component) {
  const { data, parentElement } = component;
  let player = parentElement.__gdvizPlayer;
  if (!player) {
    const root = el("div");
    parentElement.appendChild(root);
    player = new Player(root, component);
    parentElement.__gdvizPlayer = player;
    if (!players.size) { document.addEventListener("keydown", onPageKey); }
    players.add(player);
  }
  player.setStateValue = component.setStateValue || (() => {});
  trace({ t: performance.now(), kind: "mount" });
  loadPlotly(data.plotly_src, data.plotly_gzip)
    .then((Plotly) => { trace({ t: performance.now(), kind: "plotly" }); return player.load(data, Plotly); })
    .catch((err) => {
      player.error.textContent = "The player could not start: " + err.message;
      player.error.hidden = false;
    });
  return () => {
    player.destroy();
    if (parentElement.__gdvizPlayer === player) { delete parentElement.__gdvizPlayer; }
    if (!players.size) { document.removeEventListener("keydown", onPageKey); }
  };
}

export default mountPlayer;

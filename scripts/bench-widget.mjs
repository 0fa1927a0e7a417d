// Prints how long a consumer waits for the widget's status headline, and how many bytes cross
// the wire, on a phone on slow 4G, the same phone on a quick line, and unthrottled. It starts
// `trackline demo` on a free loopback port (release binary if built, else debug) with the release
// widget in dist/, drives headless Chromium through each parcel's link with the cache off, and
// prints the median and range of each figure. It prints; it never fails on a figure.
//
//   scripts/bench-widget [--runs N] [--binary PATH] [--widget-dir DIR]
//
// Profiles (Chrome DevTools' protocol):
// - "slow 4G, 4x CPU": 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up
//   (Network.emulateNetworkConditions), the CPU slowed 4x (Emulation.setCPUThrottlingRate);
// - "quick line, 4x CPU": the same phone on Wi-Fi: loopback, the CPU slowed 4x; the page's files
//   are in before the page has been read, and the CPU alone sets the pace;
// - "unthrottled": loopback, the machine's CPU.
// Each with a 390 x 844 viewport (a phone) and the browser cache disabled.
//
// Time to headline: from navigation start (the page's time origin) to the first animation frame
// in which the status headline ([data-testid=status-title], inside the widget's shadow root)
// has text and is visible. Bytes on the wire: the encoded sizes (headers and bodies, as
// received) of every response finished when the headline shows: the page, the widget's files
// and the carrier call. What comes after the headline (the map's tiles, when the map is in
// view) is left out: how much of it arrives depends on when one stops counting.
// Main wasm arrived: when the last byte of trackline-widget_bg.wasm had come (its resource
// timing's responseEnd, on the same clock), so that the table shows how much of the wait is that
// download and how much comes after it (the carrier call, reading the answer, rendering).
// Layout shift: every layout-shift entry of the page (the Layout Instability API) added up, from
// the navigation until the details below the headline are shown (their module comes after the
// headline in a release build): the widget starting, its placeholder giving way to the headline,
// the details filling in. Each shift counts the share of the viewport that moved times how far it
// moved. Core Web Vitals' CLS adds up the shifts of one window of them, so it is at most this
// total; 0.1 and less is what it calls good.
// Main thread after the wasm: from one more run per row, traced (Chromium's timeline events), how
// long the page's main thread was busy between the main wasm's arrival and the headline, and of
// that how long V8 spent compiling the wasm's functions as each is first called and how long
// style and layout took (see mainThreadAfterWasm below).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { emulate, launchBrowser, QUICK_LINE, ROOT, SLOW_4G, startTrackline } from "../tests/e2e/harness.mjs";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    binary: { type: "string" },
    "widget-dir": { type: "string", default: join(ROOT, "dist") },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log("usage: scripts/bench-widget [--runs N] [--binary PATH] [--widget-dir DIR]");
  process.exit(0);
}
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench-widget: --runs wants a whole number of at least 1, not ${JSON.stringify(values.runs)}`);
  process.exit(2);
}
const binary =
  values.binary ??
  [join(ROOT, "target/release/trackline"), join(ROOT, "target/debug/trackline")].find((path) => existsSync(path));
if (!binary) {
  console.error("bench-widget: no trackline binary; build it with `cargo build -p trackline --bin trackline`");
  process.exit(2);
}
const widgetDir = values["widget-dir"];
if (!existsSync(join(widgetDir, "trackline-widget_bg.wasm"))) {
  console.error(`bench-widget: ${widgetDir} holds no built widget; build it with \`trunk build --release\``);
  process.exit(2);
}

const PARCELS = [
  { name: "InPost 520000011395200025009871", query: "tracking=520000011395200025009871" },
  // Di and TrackOnline are `signed` by default: these are the demo's signed case links (its fixed
  // demo secret and far expiry, as the README lists them).
  {
    name: "Di 370724760010119754 (SSCC)",
    query: "sscc=370724760010119754&exp=4102444800&sig=04c81bda24ba3e57676c14a1093275363dcddcc24fc7a3f8a78b0fb252de7347",
  },
  {
    name: "TrackOnline KD-REF-10001 (cref)",
    query: "cref=KD-REF-10001&exp=4102444800&sig=03d818ac8f4f8d7118d2ef8d0af7a7477fbaa630a11cc929ae6e170b7a2b802b",
  },
];

const PROFILES = [SLOW_4G, QUICK_LINE, { name: "unthrottled", network: null, cpuRate: 1 }];

const HEADLINE_TIMEOUT_MS = 60_000;

// Runs in the page before any of its scripts: notes the time of the first frame that shows the
// headline. Polled per frame, because the shadow root's changes are not observable from outside.
// Also keeps the page's layout shifts (the Layout Instability API, of which Core Web Vitals' CLS
// is made): how far the widget moves the page's own content, and itself, as it starts and fills.
function watchHeadline() {
  window.__tracklineShifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput) window.__tracklineShifts.push({ time: entry.startTime, value: entry.value });
    }
  }).observe({ type: "layout-shift", buffered: true });
  const look = () => {
    const title = document
      .querySelector("trackline-widget")
      ?.shadowRoot?.querySelector("[data-testid=status-title]");
    if (title && title.textContent.trim() !== "" && title.checkVisibility()) {
      window.__tracklineHeadline = performance.now();
    } else {
      requestAnimationFrame(look);
    }
  };
  requestAnimationFrame(look);
}

// Waits until the page has noted its headline. Asked through the DevTools protocol in the page's
// own world, a small expression every 50 ms: Playwright's `waitForFunction` would first put its
// own scripts into the page, about a tenth of a second of a slowed CPU while the page starts,
// which on a quick line is the time being measured.
async function headlineShown(cdp) {
  const until = Date.now() + HEADLINE_TIMEOUT_MS;
  for (;;) {
    // Right after the navigation is committed, the page may have no context to evaluate in yet.
    const shown = await cdp
      .send("Runtime.evaluate", { expression: "window.__tracklineHeadline !== undefined", returnByValue: true })
      .then(({ result }) => result.value === true, () => false);
    if (shown) return;
    if (Date.now() > until) throw new Error(`no headline within ${HEADLINE_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function measure(browser, url, profile, { trace = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const cdp = await emulate(page, profile);
  let bytes = 0;
  cdp.on("Network.loadingFinished", (event) => {
    bytes += event.encodedDataLength;
  });
  await page.addInitScript(watchHeadline);
  try {
    // Traced on this page's own DevTools session: the trace ends with the context at the latest,
    // so nothing of it carries over to the next run.
    if (trace) {
      await cdp.send("Tracing.start", {
        traceConfig: { includedCategories: TRACE_CATEGORIES },
        transferMode: "ReturnAsStream",
      });
    }
    await page.goto(url, { waitUntil: "commit" });
    await headlineShown(cdp);
    const bytesAtHeadline = bytes;
    // When the main wasm had arrived, on the same clock: how much of the wait is its download.
    const { headline, wasm } = await page.evaluate(() => ({
      headline: window.__tracklineHeadline,
      wasm: performance
        .getEntriesByType("resource")
        .find((entry) => new URL(entry.name).pathname.endsWith("/trackline-widget_bg.wasm"))?.responseEnd,
    }));
    if (wasm === undefined) return { error: "the page fetched no trackline-widget_bg.wasm" };
    // A traced run gives the main thread's figures and nothing else.
    if (trace) return mainThreadAfterWasm(await stopTracing(cdp), url, wasm, headline);
    // The details below the headline (fetched after it in a release build), then two frames for
    // the layout and its shift entries.
    await page.waitForFunction(
      () =>
        document
          .querySelector("trackline-widget")
          ?.shadowRoot?.querySelector("[data-testid=timeline], [data-testid=timeline-empty]") != null,
      null,
      { timeout: HEADLINE_TIMEOUT_MS, polling: 50 },
    );
    const shifts = await page.evaluate(
      () =>
        new Promise((resolve) =>
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(window.__tracklineShifts))),
        ),
    );
    const shift = shifts.reduce((sum, entry) => sum + entry.value, 0);
    return { headline, wasm, bytes: bytesAtHeadline, shift };
  } catch (error) {
    return { error: error.message.split("\n")[0] };
  } finally {
    await context.close();
  }
}

// What the page's main thread does from the main wasm's arrival to the headline, from a trace of
// the run (Chromium's own timeline events, as DevTools records them): how long it was busy, and of
// that, how long V8 compiled the wasm's functions (Liftoff compiles each on its first call, on the
// main thread: `wasm.CompileLazy`) and how long style and layout took. Between the wasm and the
// headline this thread, not the network, sets the pace: the start of the module, mounting the
// widget, the answers read and the view built.
const TRACE_CATEGORIES = ["blink.user_timing", "devtools.timeline", "disabled-by-default-devtools.timeline", "v8.wasm"];

const TRACE_STOP_TIMEOUT_MS = 30_000;

// Ends the trace of `cdp`'s page and reads it back (the DevTools protocol's stream).
async function stopTracing(cdp) {
  const complete = new Promise((resolve) => cdp.once("Tracing.tracingComplete", resolve));
  await cdp.send("Tracing.end");
  let timer;
  const { stream } = await Promise.race([
    complete,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error("the trace did not end")), TRACE_STOP_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  const chunks = [];
  for (;;) {
    const { data, eof, base64Encoded } = await cdp.send("IO.read", { handle: stream });
    chunks.push(base64Encoded ? Buffer.from(data, "base64").toString("utf8") : data);
    if (eof) break;
  }
  await cdp.send("IO.close", { handle: stream });
  return JSON.parse(chunks.join(""));
}

function mainThreadAfterWasm({ traceEvents }, url, from, to) {
  const navigation = traceEvents.find(
    (event) => event.name === "navigationStart" && event.args?.data?.documentLoaderURL === url,
  );
  if (!navigation) return { error: "the trace has no navigationStart of the page" };
  // Trace times are microseconds; the page's clock starts at its navigation.
  const start = navigation.ts + from * 1000;
  const end = navigation.ts + to * 1000;
  // The time covered by the named events within the window, each instant counted once: a task
  // can run inside another (a nested loop), and style and layout inside each other.
  const on = (names) => {
    const spans = traceEvents
      .filter((event) => event.ph === "X" && event.pid === navigation.pid && event.tid === navigation.tid)
      .filter((event) => names.includes(event.name))
      .map((event) => [Math.max(start, event.ts), Math.min(end, event.ts + event.dur)])
      .filter(([begins, ends]) => ends > begins)
      .sort((a, b) => a[0] - b[0]);
    let sum = 0;
    let reached = -Infinity;
    for (const [begins, ends] of spans) {
      if (ends <= reached) continue;
      sum += ends - Math.max(begins, reached);
      reached = ends;
    }
    return sum / 1000;
  };
  return {
    after: to - from,
    busy: on(["RunTask"]),
    compile: on(["wasm.CompileLazy"]),
    layout: on(["UpdateLayoutTree", "Layout"]),
  };
}

function summary(values, unit) {
  if (values.length === 0) return "-";
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  const format =
    unit === "ms" ? (v) => `${Math.round(v)}` : unit === "KB" ? (v) => (v / 1000).toFixed(1) : (v) => v.toFixed(3);
  return sorted.length === 1
    ? `${format(median)}`
    : `${format(median)} (${format(sorted[0])}–${format(sorted[sorted.length - 1])})`;
}

const server = await startTrackline(["demo"], { binary, widgetDir });
const browser = await launchBrowser();
const rows = [];
const failures = [];
try {
  for (const profile of PROFILES) {
    for (const parcel of PARCELS) {
      const results = [];
      for (let run = 0; run < runs; run += 1) {
        const result = await measure(browser, `${server.url}?${parcel.query}`, profile);
        if (result.error) failures.push(`${profile.name}, ${parcel.name}, run ${run + 1}: ${result.error}`);
        else results.push(result);
      }
      // Tracing slows the page down (by a tenth to a third), so the main thread's figures come
      // from one more run of their own, left out of the other columns.
      const tracedRun = await measure(browser, `${server.url}?${parcel.query}`, profile, { trace: true });
      if (tracedRun.error) failures.push(`${profile.name}, ${parcel.name}, traced run: ${tracedRun.error}`);
      const traced = tracedRun.error ? [] : [tracedRun];
      rows.push({
        profile: profile.name,
        parcel: parcel.name,
        headline: summary(results.map((r) => r.headline), "ms"),
        wasm: summary(results.map((r) => r.wasm), "ms"),
        bytes: summary(results.map((r) => r.bytes), "KB"),
        shift: summary(results.map((r) => r.shift), "score"),
        after: summary(traced.map((r) => r.after), "ms"),
        busy: summary(traced.map((r) => r.busy), "ms"),
        compile: summary(traced.map((r) => r.compile), "ms"),
        layout: summary(traced.map((r) => r.layout), "ms"),
        runs: `${results.length}/${runs}`,
      });
    }
  }
} finally {
  await browser.close();
  await server.stop();
}

console.log(`trackline demo (${binary.replace(`${ROOT}/`, "")}), widget from ${widgetDir.replace(`${ROOT}/`, "")}`);
console.log(`${runs} run(s) a row; median (min–max). Time in ms, bytes on the wire in KB (1000 bytes).`);
console.log("Layout shift: every layout shift of the page added up until the details below the headline are");
console.log("shown (at least the page's CLS, which calls 0.1 and less good).\n");
console.log(
  "| profile | parcel | time to headline, ms | main wasm arrived, ms | KB on the wire by then | layout shift | runs |",
);
console.log("|---|---|---:|---:|---:|---:|---:|");
for (const row of rows) {
  console.log(
    `| ${row.profile} | ${row.parcel} | ${row.headline} | ${row.wasm} | ${row.bytes} | ${row.shift} | ${row.runs} |`,
  );
}
console.log("\nThe page's main thread from the main wasm's arrival to the headline, in one more run per row,");
console.log("traced: how long that took, how long the thread was busy, and of that how long V8 compiled the");
console.log("wasm's functions on their first call, and how long style and layout took. In ms.\n");
console.log("| profile | parcel | wasm to headline | main thread busy | of which compiling wasm | of which style and layout |");
console.log("|---|---|---:|---:|---:|---:|");
for (const row of rows) {
  console.log(`| ${row.profile} | ${row.parcel} | ${row.after} | ${row.busy} | ${row.compile} | ${row.layout} |`);
}
if (failures.length > 0) {
  console.log("\nRuns without a figure:");
  for (const failure of failures) console.log(`- ${failure}`);
}
// A parcel whose headline never showed in any run is no slow run but a broken page (a link the
// proxy refuses, a widget that does not start): the benchmark measured nothing, so it says so.
const unmeasured = rows.filter((row) => row.runs.startsWith("0/"));
if (unmeasured.length > 0) {
  console.error(`\nbench-widget: no figure at all for ${unmeasured.map((row) => `${row.profile}, ${row.parcel}`).join("; ")}`);
  process.exit(1);
}

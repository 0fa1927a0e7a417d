// End-to-end harness: starts the real `trackline` binary, drives Debian's Chromium with
// playwright-core, reads what a user sees inside the widget's shadow root, and saves screenshots
// under target/e2e/.
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BINARY = process.env.TRACKLINE_BIN ?? join(ROOT, "target/debug/trackline");
const WIDGET_DIR = process.env.TRACKLINE_WIDGET_DIR ?? join(ROOT, "dist");
export const SCREENSHOTS = join(ROOT, "target/e2e");

/// Starts `trackline <args> --port 0` and resolves once it prints the address it listens on.
/// `binary` and `widgetDir` default to the debug build and dist/ (or TRACKLINE_BIN and
/// TRACKLINE_WIDGET_DIR).
export async function startTrackline(
  args = ["demo"],
  { timeoutMs = 30_000, binary = BINARY, widgetDir = WIDGET_DIR } = {},
) {
  const child = spawn(binary, [...args, "--port", "0", "--widget-dir", widgetDir], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs = [];
  child.stderr.on("data", (chunk) => logs.push(chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`trackline did not start: ${logs.join("")}`)), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`trackline exited with ${code}: ${logs.join("")}`));
    });
    lines.on("line", (line) => {
      const match = line.match(/https?:\/\/[^\s]+?\//);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[0]);
      }
    });
  });
  return {
    url,
    logs,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/// Debian's Chromium, headless, with the flags this machine needs (no sandbox as root, and no
/// background traffic to the closed network).
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/// A new page that fails the test on any uncaught error or console error.
export async function newPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (error) => page.errors.push(error.message));
  page.on("console", (message) => {
    // Chromium logs every non-2xx fetch as "Failed to load resource". The widget asks every
    // carrier that may know a number, and with Di and TrackOnline protected by default those
    // that do not hold it answer 401 or 404, which the widget handles: that log is no error.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      page.errors.push(message.text());
    }
  });
  return page;
}

/// The phone of the widget's time targets, `scripts/bench-widget`'s "slow 4G": 150 ms round
/// trip, 1.6 Mbit/s down and 750 kbit/s up, and the CPU slowed 4x (DevTools protocol settings).
export const SLOW_4G = {
  name: "slow 4G, 4x CPU",
  network: {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1_000_000) / 8,
    uploadThroughput: (750 * 1_000) / 8,
  },
  cpuRate: 4,
};

/// The same phone on a quick line (Wi-Fi): no network emulation, the CPU slowed 4x. The page's
/// files come before the page has been read, and the CPU alone sets the pace.
export const QUICK_LINE = { name: "quick line, 4x CPU", network: null, cpuRate: SLOW_4G.cpuRate };

/// Puts `page` on `profile` (its network, when it has one, and its CPU rate), with the
/// browser's cache off, through the DevTools protocol; returns the protocol session.
export async function emulate(page, profile = SLOW_4G) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  if (profile.network) await cdp.send("Network.emulateNetworkConditions", profile.network);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: profile.cpuRate });
  return cdp;
}

/// Gives `page` a 100 ms round trip and `bytesPerSecond` down, through the DevTools protocol;
/// returns the protocol session.
export async function slowNetwork(page, bytesPerSecond) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 100,
    downloadThroughput: bytesPerSecond,
    uploadThroughput: -1,
  });
  return cdp;
}

/// The text of the first element matching `selector` inside the shadow root of the
/// `index`-th `<trackline-widget>`, or null. Evaluated in the page, so it proves the text is
/// really inside the shadow root.
export async function shadowText(page, selector, index = 0) {
  return page.evaluate(
    ([selector, index]) => {
      const host = document.querySelectorAll("trackline-widget")[index];
      const node = host?.shadowRoot?.querySelector(selector);
      return node ? node.textContent : null;
    },
    [selector, index],
  );
}

/// Waits until the widget's shadow root shows `selector`.
export async function waitForShadow(page, selector, index = 0, timeout = 10_000) {
  await page.waitForFunction(
    ([selector, index]) =>
      document.querySelectorAll("trackline-widget")[index]?.shadowRoot?.querySelector(selector) != null,
    [selector, index],
    { timeout },
  );
}

/// Puts the embed example (the merchant's snippet alone, examples/embed.html) beside the widget
/// files the demo serves, as a merchant would host it: `/embed.html`.
export function serveEmbedExample() {
  copyFileSync(join(ROOT, "examples/embed.html"), join(WIDGET_DIR, "embed.html"));
}

/// Makes the demo's proxy one without answers ahead (an older proxy, or a front proxy that
/// forwards only `/carriers/`): the loader's `POST /answers` gets a 404 and the widget asks for
/// itself, so that a test can hold, fail or change the widget's own requests.
export async function withoutAnswersAhead(page) {
  await page.route(
    (url) => new URL(url).pathname === "/answers",
    (route) => route.fulfill({ status: 404, contentType: "application/problem+json", body: '{"status":404}' }),
  );
}

/// Holds every request whose path `matches` until the returned function is called.
export async function hold(page, matches) {
  let release;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  await page.route(
    (url) => matches(new URL(url).pathname),
    async (route) => {
      await held;
      // The page may be gone by then.
      await route.continue().catch(() => {});
    },
  );
  return release;
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/// The demo proxy's link secret and the far expiry of the demo's signed links (see
/// crates/server/src/sandbox/demo_cases.rs). Public by design; the demo's only.
export const DEMO_LINK_SECRET = "trackline-demo-link-secret-not-for-production";
export const DEMO_LINK_EXPIRES = 4102444800;

/// Makes the sandbox answer requests about `number` with `fault` (its fault plan: `429:3`,
/// `503:1`, ...), `times` times, through the demo `server`'s sandbox.
export async function armSandboxFault(server, number, fault, times) {
  const response = await fetch(`${server.url}sandbox/_sandbox/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ number, fault, times }),
  });
  if (!response.ok) throw new Error(`the sandbox refused the fault ${fault} for ${number}: HTTP ${response.status}`);
}

/// `?query&exp=…&sig=…`: `query` (such as `sscc=370724760010119754`) signed as a shop signs the
/// links it mails (docs/access.md): HMAC-SHA256 over `trackline-link-v1` and every parameter but
/// `sig` and `id`, decoded and sorted by name, then value.
export function signed(query, expires = DEMO_LINK_EXPIRES, secret = DEMO_LINK_SECRET) {
  const params = new URLSearchParams(query.replace(/^\?/, ""));
  params.append("exp", String(expires));
  const pairs = [...params].filter(([name]) => name !== "id" && name !== "sig");
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const text = "trackline-link-v1\n" + pairs.map(([name, value]) => `${name}=${value}\n`).join("");
  const sig = createHmac("sha256", secret).update(text).digest("hex");
  return `?${query.replace(/^\?/, "")}&exp=${expires}&sig=${sig}`;
}

/// The sandbox's test credentials, as the demo's proxy configuration has them.
export const SANDBOX_CREDENTIALS = `username = "wssandbox"
password = "sandbox-only-password"`;
export const SANDBOX_TRACKONLINE_KEY = "sandbox.trackonline.demo-key";

function stopChild(child) {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
  child.kill("SIGTERM");
  return exited;
}

/// A free loopback port (the proxy takes an address to listen on, not port 0).
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/// Starts a standalone `trackline proxy` with the configuration `configText` (written to
/// `dir/proxy.toml`; relative paths in it are relative to `dir`) and resolves once it answers
/// /healthz. `url` has no trailing slash.
export async function startProxy(dir, configText, { binary = BINARY } = {}) {
  const config = join(dir, "proxy.toml");
  writeFileSync(config, configText);
  const port = await freePort();
  const child = spawn(binary, ["proxy", "--config", config, "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const logs = [];
  child.stderr.on("data", (chunk) => logs.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the proxy exited with ${child.exitCode}: ${logs.join("")}`);
    const healthy = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (healthy) return { url, logs, stop: () => stopChild(child) };
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}

/// A copy of the built widget in `dir`, for a server that serves it beside a shop page.
export function copyWidget(dir) {
  cpSync(WIDGET_DIR, dir, { recursive: true });
  return dir;
}

/// Writes `name` into the widget directory `dir`: a plain shop page whose one widget asks the
/// proxy at `proxyUrl` (another origin than the page's).
export function writeShopPage(dir, name, proxyUrl) {
  writeFileSync(
    join(dir, name),
    `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer"><title>My shipments</title></head>
<body><script type="module" src="/trackline.js"></script>
<trackline-widget id="shop" proxy="${proxyUrl}" refresh="off"></trackline-widget></body></html>`,
  );
}

/// One language's catalog from `locales/`, `key -> text`.
export function catalog(tag) {
  return Object.fromEntries(
    readFileSync(join(ROOT, `locales/${tag}.txt`), "utf8")
      .split("\n")
      .filter((line) => line.trim() && !line.trim().startsWith("#") && line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")).trim(), line.slice(line.indexOf("=") + 1).trim()]),
  );
}

/// Serves the demo page with extra attributes on its <trackline-widget>, as a merchant would
/// write them.
export async function withAttributes(page, server, attributes) {
  const attrs = Object.entries(attributes)
    .map(([name, value]) => `${name}="${value}"`)
    .join(" ");
  await page.route(
    (url) => url.origin === new URL(server.url).origin && (url.pathname === "/" || url.pathname === "/index.html"),
    async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace("<trackline-widget", `<trackline-widget ${attrs}`);
      await route.fulfill({ response, body });
    },
  );
}

/// The parcel details once complete: a release build fetches what is below the headline (the
/// pickup point, the map, the timeline) as a second wasm module, and the timeline (or its "no
/// events yet") is always part of it.
export const DETAILS_COMPLETE = "[data-testid=details] :is([data-testid=timeline], [data-testid=timeline-empty])";

/// Opens `query` on `server` and waits for the parcel details, worded in the language `tag`.
export async function openDetails(browser, server, query, tag) {
  const page = await newPage(browser);
  await page.goto(`${server.url}${query}`);
  await waitForShadow(page, DETAILS_COMPLETE, 0, 15_000);
  await page.waitForFunction(
    (tag) => document.querySelector("trackline-widget")?.shadowRoot?.querySelector("[data-testid=widget]")?.lang === tag,
    tag,
    { timeout: 15_000 },
  );
  return page;
}

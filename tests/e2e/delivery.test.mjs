// How the demo delivers the widget to a real browser: the wasm arrives as brotli and decompresses
// to a widget that works, and it is requested at once, beside the glue, not at the end of a chain
// of modules; with the demo page's preload hints, already with the page's head, and once.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { launchBrowser, newPage, ROOT, shadowText, startTrackline, waitForShadow } from "./harness.mjs";

const INPOST = "520000011395200025009871";

describe("delivery of the widget's files", () => {
  let server;
  let browser;
  before(async () => {
    server = await startTrackline(["demo"]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  /// A file as the demo serves it (decompressed).
  const served = async (file) => Buffer.from(await (await fetch(`${server.url}/${file}`)).arrayBuffer());

  test("the browser gets the wasm, the glue and the loader as brotli and the widget works", async () => {
    const page = await newPage(browser);
    const encodingOf = (file) =>
      page
        .waitForResponse((response) => new URL(response.url()).pathname === file)
        .then(async (response) => (await response.allHeaders())["content-encoding"] ?? "identity");
    const encodings = Promise.all(["/trackline.js", "/trackline-widget.js", "/trackline-widget_bg.wasm"].map(encodingOf));
    await page.goto(`${server.url}?tracking=${INPOST}`);
    assert.deepEqual(await encodings, ["br", "br", "br"]);
    await waitForShadow(page, "[data-testid=status-title]");
    assert.match(await shadowText(page, "[data-testid=status-title]"), /\S/);
    // What crossed the wire is the brotli copy, a fraction of the file.
    const wasm = await page.evaluate(() =>
      performance.getEntriesByType("resource").find((entry) => entry.name.endsWith(".wasm")),
    );
    assert.ok(wasm.encodedBodySize > 0 && wasm.encodedBodySize < wasm.decodedBodySize / 2, JSON.stringify(wasm));
    assert.deepEqual(page.errors, []);
  });

  /// Opens a parcel page on a 100 ms round trip, long enough that a chain of requests shows in
  /// the timings, and returns each file's request start and end (the loader's, the glue's and the
  /// wasm's apart) and the paths requested in order.
  /// `withoutHints` takes the demo page's preload hints out, leaving what a merchant pastes.
  async function openParcelPage({ withoutHints }) {
    const page = await newPage(browser);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 100,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    if (withoutHints) {
      await page.route(
        (url) => url.pathname === "/",
        async (route) => {
          const response = await route.fetch();
          const html = await response.text();
          const body = html.replace(/<link\b[^>]*\brel="?(?:modulepreload|preload)\b[^>]*>/g, "");
          assert.notEqual(body, html, "the demo page has preload hints to take out");
          await route.fulfill({ response, body });
        },
      );
    }
    const requested = [];
    page.on("request", (request) => requested.push(new URL(request.url()).pathname));
    await page.goto(`${server.url}?tracking=${INPOST}`);
    await waitForShadow(page, "[data-testid=status-title]");
    const timings = await page.evaluate(() =>
      Object.fromEntries(
        performance
          .getEntriesByType("resource")
          .map((entry) => [new URL(entry.name).pathname, { start: entry.startTime, end: entry.responseEnd }]),
      ),
    );
    const files = {
      loader: timings["/trackline.js"],
      glue: timings["/trackline-widget.js"],
      wasm: timings["/trackline-widget_bg.wasm"],
    };
    assert.ok(files.loader && files.glue && files.wasm, JSON.stringify(timings));
    return { page, timings, requested, ...files };
  }

  test("with only the script tag, the wasm is requested before the glue has arrived, and no snippet module is requested", async () => {
    const { page, timings, requested, loader, glue, wasm } = await openParcelPage({ withoutHints: true });
    // The glue and the wasm both wait for the loader, and for nothing else: the wasm's request
    // leaves while the glue is still on its way.
    assert.ok(wasm.start >= loader.end && glue.start >= loader.end, JSON.stringify(timings));
    assert.ok(wasm.start < glue.end, `the wasm waited for the glue: ${JSON.stringify(timings)}`);
    assert.deepEqual(
      requested.filter((path) => path.includes("/snippets/")),
      [],
      "the snippets are part of the glue",
    );
    // Two scripts (the split modules' loader is folded into the glue as well); the main wasm,
    // then only the pack of the module that reads the proxy's readings of the carriers' answers
    // and that of the details, which the page fetches once the headline is shown.
    assert.deepEqual(
      requested.filter((path) => path.endsWith(".js")).sort(),
      ["/trackline-widget.js", "/trackline.js"],
    );
    // Each later module comes in one file with the chunks of code it needs (a pack).
    const wasmFiles = requested.filter((path) => /\.(wasm|pack)$/.test(path));
    assert.equal(wasmFiles[0], "/trackline-widget_bg.wasm", wasmFiles.join());
    assert.ok(
      wasmFiles.slice(1).every((path) => /^\/split_(details|reading)\.pack$/.test(path)),
      wasmFiles.join(),
    );
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("the demo page's hints start the glue and the wasm with the loader, and each is requested once", async () => {
    const { page, timings, requested, loader, glue, wasm } = await openParcelPage({ withoutHints: false });
    // Both leave before the loader has arrived: nothing waits for it.
    assert.ok(wasm.start < loader.end && glue.start < loader.end, JSON.stringify(timings));
    // The hint's request is the one the loader uses (same mode and credentials), not a second.
    assert.equal(requested.filter((path) => path === "/trackline-widget_bg.wasm").length, 1, requested.join());
    assert.equal(requested.filter((path) => path === "/trackline-widget.js").length, 1, requested.join());
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("the wasm imports the glue's functions by short names, which the served glue defines", async () => {
    const module = new WebAssembly.Module(await served("trackline-widget_bg.wasm"));
    const fromGlue = WebAssembly.Module.imports(module).filter((entry) => entry.module === "./trackline-widget_bg.js");
    assert.ok(fromGlue.length > 100, `${fromGlue.length} imports from the glue`);
    const long = fromGlue.filter((entry) => entry.name.length > 2).map((entry) => entry.name);
    assert.deepEqual(long, []);
    const glue = (await served("trackline-widget.js")).toString("utf8");
    assert.deepEqual(glue.match(/__wbg_\w+_[0-9a-f]{16}/g) ?? [], [], "wasm-bindgen's hashed import names");
    for (const { name } of fromGlue) {
      assert.match(glue, new RegExp(`[{,]${name}:function\\(`), `the glue defines ${name}`);
    }
  });

  test("every class of the glue can have an instance, and the wasm exports nothing named by a hash", async () => {
    const glue = (await served("trackline-widget.js")).toString("utf8");
    // wasm-bindgen's classes of Rust types: an instance comes from `new` or from Rust (`__wrap`);
    // a class neither makes (wasm-streams' adapters, which Leptos brings) is dead code, and so
    // are the wasm's exports that only its methods call.
    const classes = [...glue.matchAll(/\bclass (\w+)\s*\{/g)].map(([, name]) => name);
    assert.ok(classes.includes("Handle"), classes.join());
    for (const name of classes) {
      assert.match(glue, new RegExp(`(\\bnew ${name}\\(|\\b${name}\\.__wrap\\()`), `nothing makes a ${name}`);
    }
    const exported = WebAssembly.Module.exports(new WebAssembly.Module(await served("trackline-widget_bg.wasm")));
    const names = exported.map(({ name }) => name);
    assert.ok(names.includes("mount") && names.includes("memory"), names.join());
    assert.deepEqual(names.filter((name) => /_h[0-9a-f]{16}|intounderlying/i.test(name)), []);
    for (const { name, kind } of exported.filter((entry) => entry.kind === "function")) {
      assert.match(glue, new RegExp(`\\.${name}\\b`), `the glue does not call the wasm's ${kind} ${name}`);
    }
  });

  test("the glue asks V8 to compile it as it arrives, and the loader does not", async () => {
    // The hint counts only as the file's first line; the wasm calls the glue's functions after
    // its arrival, the loader's run as they arrive anyway.
    assert.match((await served("trackline-widget.js")).toString("utf8"), /^\/\/# allFunctionsCalledOnLoad\n/);
    assert.doesNotMatch((await served("trackline.js")).toString("utf8"), /allFunctionsCalledOnLoad/);
  });

  test("no file the demo serves names a path of the machine that built the widget", async () => {
    const widgetDir = process.env.TRACKLINE_WIDGET_DIR ?? join(ROOT, "dist");
    const files = readdirSync(widgetDir).filter((name) => /\.(wasm|pack|js)$/.test(name));
    assert.ok(files.includes("trackline-widget_bg.wasm") && files.includes("split_details.pack"), files.join());
    // Panic locations name source files; a dependency's lie under the builder's cargo home.
    const machinePaths = [process.env.CARGO_HOME ?? join(homedir(), ".cargo"), ROOT, "/.cargo/registry/"];
    for (const file of files) {
      const response = await fetch(`${server.url}/${file}`);
      assert.equal(response.status, 200, file);
      const text = Buffer.from(await response.arrayBuffer()).toString("latin1");
      for (const path of machinePaths) {
        assert.ok(!text.includes(path), `${file} names ${path}`);
      }
    }
  });
});

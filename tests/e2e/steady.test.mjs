// A widget that holds still and lets go, end to end against `trackline demo`: what the consumer
// did (zoom, pan, "show all") survives another parcel's countdown; cosmetic attributes ask no
// carrier; a pan adds tiles instead of rebuilding them; the page around the widget does not move
// when the widget starts; and mounting and unmounting many times leaves the page's DOM nodes, JS
// heap and wasm memory where they were.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { hold, newPage, serveEmbedExample, startTrackline, waitForShadow, withoutAnswersAhead } from "./harness.mjs";

const LOCKER_READY = "520000011395200025009871";
/// The sandbox answers this one with 503 and Retry-After: 30, every time.
const ALWAYS_503 = "520000011395200000000503";
/// The demo user's personal key: a link with it alone shows the key's overview.
const DEMO_USER_KEY = "DemoAnnaSeesAllThreeCarriers0001";
/// The demo page's widget draws the demo's own tiles; so do the widgets mounted here.
const LOCAL_TILES = "/tiles/{z}/{x}/{y}.png";

let server;
let browser;

before(async () => {
  // The embed example (the merchant's snippet alone) is served beside the widget files.
  serveEmbedExample();
  server = await startTrackline(["demo"]);
  // --expose-gc: the leak test collects garbage before each measurement.
  browser = await chromium.launch({
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
      "--js-flags=--expose-gc",
    ],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/// Evaluates `fn(root, arg)` with the first widget's shadow root.
function inShadow(page, fn, arg) {
  return page.evaluate(
    ([source, arg]) =>
      new Function("root", "arg", `return (${source})(root, arg)`)(
        document.querySelector("trackline-widget").shadowRoot,
        arg,
      ),
    [fn.toString(), arg],
  );
}

/// Where the first widget's placeholder outline stands (`selector` inside its shadow root), and
/// whether the widget drew it: the loader's copy carries none of the widget's test hooks.
function outline(page, selector) {
  return inShadow(
    page,
    (root, selector) => {
      const drawn = root?.querySelector(selector);
      if (!drawn) return null;
      const { top, left, width, height } = drawn.getBoundingClientRect();
      return { top, left, width, height, byWidget: root.querySelector("[data-testid]") !== null };
    },
    selector,
  );
}

/// Waits until `fn(root, arg)` is true inside the first widget's shadow root.
function untilInShadow(page, fn, arg, timeout = 15_000) {
  return page.waitForFunction(
    ([source, arg]) => {
      const root = document.querySelector("trackline-widget")?.shadowRoot;
      return root != null && new Function("root", "arg", `return (${source})(root, arg)`)(root, arg);
    },
    [fn.toString(), arg],
    { timeout, polling: 50 },
  );
}

/// Counts the requests the page sends for carriers' answers: to the carrier routes of the proxy,
/// and to its answers ahead.
function countCarrierRequests(page) {
  const seen = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith("/carriers/") || path === "/answers") seen.push(request.url());
  });
  return seen;
}

/// Scrolls the map into view and waits for its tiles.
async function showMap(page) {
  await waitForShadow(page, "[data-testid=map]", 0, 15_000);
  await inShadow(page, (root) => root.querySelector("[data-testid=map]").scrollIntoView());
  await untilInShadow(page, (root) => root.querySelectorAll("[data-testid=tile]").length > 0);
}

describe("the widget holds still", () => {
  test("zoom, pan and show all survive another parcel's countdown", async () => {
    const page = await newPage(browser, { viewport: { width: 768, height: 900 } });
    // The failing parcel's requests wait until the other parcel is shown: its 503 with Retry-After
    // makes the proxy stay away from InPost for that long, for every parcel, so an answer that
    // came first would hold the other one back too.
    // The widget's own requests, so that the failing parcel's can be held apart.
    await withoutAnswersAhead(page);
    const releaseFailing = await hold(page, (path) => path.includes(ALWAYS_503));
    await page.goto(`${server.url}?tracking=${LOCKER_READY},${ALWAYS_503}`);
    await waitForShadow(page, "[data-testid=parcel]", 0, 20_000);
    releaseFailing();
    await waitForShadow(page, "[data-testid=parcel-tab][data-state=retrying]", 0, 20_000);
    await showMap(page);
    // What the consumer did: zoomed in, panned, opened the whole history.
    await inShadow(page, (root) => root.querySelector("[data-testid=zoom-in]").click());
    await inShadow(page, (root) => root.querySelector("[data-testid=map]").focus());
    await page.keyboard.press("ArrowRight");
    await inShadow(page, (root) => root.querySelector("[data-testid=timeline-toggle]").click());
    const state = () =>
      inShadow(page, (root) => ({
        marker: root.querySelector("[data-testid=marker]").style.left,
        zoomTiles: [...root.querySelectorAll("[data-testid=tile]")].map((t) => new URL(t.src).pathname.split("/")[2]),
        events: root.querySelectorAll("[data-testid=event]").length,
        expanded: root.querySelector("[data-testid=timeline-toggle]")?.getAttribute("aria-expanded"),
      }));
    const shown = await state();
    assert.equal(shown.events, 8, "show all shows every event");
    // The other parcel counts down in its tab; wait until it ticked five times (five seconds).
    await page.evaluate(() => {
      window.ticks = new Set();
    });
    await page.waitForFunction(
      () => {
        const tab = document
          .querySelector("trackline-widget")
          .shadowRoot.querySelector("[data-testid=parcel-tab][data-state=retrying]");
        const left = tab?.getAttribute("data-seconds-left");
        if (left) window.ticks.add(left);
        return window.ticks.size >= 6;
      },
      null,
      { timeout: 20_000, polling: 100 },
    );
    const kept = await state();
    assert.deepEqual(kept, shown);
    // The browser reports the failing parcel's server errors; nothing else may fail.
    assert.deepEqual(page.errors.filter((e) => !/status of 50\d/.test(e)), []);
    await page.context().close();
  });

  test("a theme, tiles or refresh change asks no carrier, and tiles off takes the map away", async () => {
    const page = await newPage(browser, { viewport: { width: 768, height: 900 } });
    const requests = countCarrierRequests(page);
    await page.goto(`${server.url}?tracking=${LOCKER_READY}`);
    await showMap(page);
    const asked = requests.length;
    assert.ok(asked >= 1, "the parcel was asked for");
    await page.evaluate(() => {
      const widget = document.querySelector("trackline-widget");
      widget.setAttribute("theme", "dark");
      widget.setAttribute("tiles", "/tiles/{z}/{x}/{y}.png?v=2");
      widget.setAttribute("refresh", "10m");
    });
    // The change is shown: the card is dark and the map's tiles come from the new template.
    await untilInShadow(
      page,
      (root) =>
        root.querySelector("[data-testid=widget]").getAttribute("data-theme") === "dark" &&
        [...root.querySelectorAll("[data-testid=tile]")].some((t) => t.src.endsWith("?v=2")),
    );
    // `off` takes the map away (no tile server is asked) and leaves the pickup point's card.
    await page.evaluate(() => document.querySelector("trackline-widget").setAttribute("tiles", "off"));
    await untilInShadow(
      page,
      (root) => root.querySelector("[data-testid=pickup]") != null && root.querySelector("[data-testid=map]") == null,
    );
    await waitForShadow(page, "[data-testid=parcel]");
    // One more round trip through the page, for any request the change started to be seen.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
    assert.deepEqual(requests.slice(asked), [], "no carrier was asked again");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("a pan adds the tiles that come into view and keeps the others", async () => {
    const page = await newPage(browser, { viewport: { width: 768, height: 900 } });
    await page.goto(`${server.url}?tracking=${LOCKER_READY}`);
    await showMap(page);
    await inShadow(page, (root) => root.querySelector("[data-testid=map]").focus());
    let added = 0;
    // Sixteen steps of 64 pixels: four tile widths, so that several tile edges are crossed.
    for (let step = 0; step < 16; step += 1) {
      const before = await inShadow(page, (root) => {
        const tiles = [...root.querySelectorAll("[data-testid=tile]")];
        tiles.forEach((t) => {
          t.dataset.kept = "yes";
        });
        return tiles.map((t) => t.src);
      });
      const marker = await inShadow(page, (root) => root.querySelector("[data-testid=marker]").style.left);
      await page.keyboard.press("ArrowRight");
      await untilInShadow(page, (root, marker) => root.querySelector("[data-testid=marker]").style.left !== marker, marker);
      const after = await inShadow(page, (root) =>
        [...root.querySelectorAll("[data-testid=tile]")].map((t) => ({ src: t.src, kept: t.dataset.kept === "yes" })),
      );
      // Every tile still in view is the node it was.
      const rebuilt = after.filter((t) => before.includes(t.src) && !t.kept);
      assert.deepEqual(rebuilt, [], `step ${step}: tiles still in view were rebuilt`);
      // New nodes only for tiles new to the view: one column at most (the map is under two tiles high).
      const fresh = after.filter((t) => !t.kept);
      assert.ok(fresh.every((t) => !before.includes(t.src)), `step ${step}`);
      assert.ok(fresh.length <= 2, `step ${step}: ${fresh.length} tiles added`);
      added += fresh.length;
    }
    assert.ok(added >= 3, `crossing tile edges added tiles (${added})`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

/// The height of the page's first `<trackline-widget>`, in CSS pixels.
function widgetHeight(page) {
  return page.evaluate(() => document.querySelector("trackline-widget").getBoundingClientRect().height);
}

/// Records the page's layout shifts from its start (see `shiftsSoFar`).
function recordShifts(page) {
  return page.addInitScript(() => {
    window.shifts = [];
    window.shiftObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.shifts.push({ time: entry.startTime, value: entry.value });
    });
    window.shiftObserver.observe({ type: "layout-shift", buffered: true });
  });
}

/// Two frames after the last change, for its layout; then every shift entry the browser has, those
/// not yet handed to the observer's callback too.
function shiftsSoFar(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) =>
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            const pending = window.shiftObserver.takeRecords().map((entry) => ({ time: entry.startTime, value: entry.value }));
            resolve([...window.shifts, ...pending]);
          }),
        ),
      ),
  );
}

describe("the page around the widget holds still", () => {
  // A phone, where the placeholder's steps stand upright, and a wide window, where they are a row.
  for (const width of [390, 1280]) {
    test(`before the wasm runs, the loader keeps the height the widget first shows (${width}px)`, async () => {
      const page = await newPage(browser, { viewport: { width, height: 844 } });
      const releaseWasm = await hold(page, (path) => path === "/trackline-widget_bg.wasm");
      const releaseCarriers = await hold(page, (path) => path.startsWith("/carriers/") || path === "/answers");
      // The merchant's snippet alone: no rule of the page's own keeps the widget's place.
      await page.goto(`${server.url}/embed.html?tracking=${LOCKER_READY}`);
      await page.waitForFunction(() => document.adoptedStyleSheets.length > 0);
      const reserved = await page.evaluate(() => ({
        defined: customElements.get("trackline-widget") !== undefined,
        height: document.querySelector("trackline-widget").getBoundingClientRect().height,
      }));
      assert.equal(reserved.defined, false, "the wasm is held, so the element is not defined yet");
      assert.ok(reserved.height > 0, "the undefined element keeps a place");
      // The loader has drawn the placeholder already, with the widget's stylesheet: the card
      // with a parcel's outline, in the kept place.
      const early = await outline(page, ".tl-skel-outline");
      assert.ok(early && early.height > 0, "the loader draws the outline while the wasm is held");
      assert.equal(early.byWidget, false);
      assert.equal(Math.round(await widgetHeight(page)), Math.round(reserved.height), "the loader's placeholder fills the kept place");
      releaseWasm();
      await waitForShadow(page, "[data-testid=state-loading]");
      assert.equal(Math.round(await widgetHeight(page)), Math.round(reserved.height), "the placeholder fills the kept place");
      // The widget's own placeholder stands where the loader's stood, styled by the same text.
      const late = await outline(page, ".tl-skel-outline");
      assert.equal(late.byWidget, true);
      for (const side of ["top", "left", "width", "height"]) {
        assert.equal(Math.round(late[side]), Math.round(early[side]), `the outline's ${side} at the handover`);
      }
      assert.equal(
        await inShadow(page, (root) => root.querySelector("style").textContent === globalThis[Symbol.for("trackline.placeholder")].style),
        true,
        "the widget's stylesheet is the loader's text",
      );
      releaseCarriers();
      await waitForShadow(page, "[data-testid=status-title]");
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });

    test(`the loader draws the placeholder in the direction the widget writes, whatever the page's (${width}px)`, async () => {
      // A page written right to left with a widget that speaks English, and a page written left
      // to right with a widget in the pseudo locale (right to left, built into the wasm).
      for (const [pageDir, lang, widgetDir] of [["rtl", "en", "ltr"], ["ltr", "ar-XB", "rtl"]]) {
        const page = await newPage(browser, { viewport: { width, height: 844 } });
        await page.route(
          (url) => new URL(url).pathname.endsWith("/embed.html"),
          async (route) => {
            const response = await route.fetch();
            const html = (await response.text()).replace('<html lang="en">', `<html lang="en" dir="${pageDir}">`);
            await route.fulfill({ response, body: html });
          },
        );
        const releaseWasm = await hold(page, (path) => path === "/trackline-widget_bg.wasm");
        const releaseCarriers = await hold(page, (path) => path.startsWith("/carriers/") || path === "/answers");
        await page.goto(`${server.url}/embed.html?tracking=${LOCKER_READY}&lang=${lang}`);
        assert.equal(await page.evaluate(() => getComputedStyle(document.body).direction), pageDir, "the page's direction");
        // The status icon stands at the start of its line: left in a card written left to right,
        // right in one written right to left.
        const early = await outline(page, ".tl-status-icon");
        assert.ok(early && early.width > 0, "the loader draws the outline while the wasm is held");
        assert.equal(early.byWidget, false);
        assert.equal(await inShadow(page, (root) => root.querySelector(".tl-card").dir), widgetDir, `the loader's card on a ${pageDir} page, lang=${lang}`);
        releaseWasm();
        await waitForShadow(page, "[data-testid=state-loading]");
        assert.equal(await inShadow(page, (root) => root.querySelector(".tl-card").dir), widgetDir, `the widget's card on a ${pageDir} page, lang=${lang}`);
        const late = await outline(page, ".tl-status-icon");
        assert.equal(late.byWidget, true);
        for (const side of ["top", "left", "width"]) {
          assert.equal(Math.round(late[side]), Math.round(early[side]), `the status icon's ${side} at the handover, ${pageDir} page, lang=${lang}`);
        }
        releaseCarriers();
        await waitForShadow(page, "[data-testid=status-title]");
        assert.deepEqual(page.errors, []);
        await page.context().close();
      }
    });

    test(`on a page whose address names nothing to track, the form takes the kept place and moves nothing (${width}px)`, async () => {
      const page = await newPage(browser, { viewport: { width, height: 844 } });
      await recordShifts(page);
      const releaseWasm = await hold(page, (path) => path === "/trackline-widget_bg.wasm");
      // A release build's form is in the states' module; a build of one module has none to hold.
      const releaseModule = await hold(page, (path) => path === "/split_states.pack");
      // The merchant's snippet alone, on a page whose address names only a language.
      await page.goto(`${server.url}/embed.html?lang=en`);
      await page.waitForFunction(() => document.adoptedStyleSheets.length > 0);
      const kept = Math.round(await widgetHeight(page));
      assert.ok(kept > 100 && kept < 300, `the form's height, not a parcel's, is kept (${kept}px)`);
      // The loader draws the form's outline, not a parcel's.
      const early = await outline(page, ".tl-skel-form");
      assert.ok(early && early.height > 0 && !early.byWidget, "the loader draws the form's outline");
      assert.equal(await outline(page, ".tl-skel-outline"), null);
      // The snippet alone moves the page once, when the loader's rule comes; from then on, nothing.
      const keptFrom = await shiftsSoFar(page);
      releaseWasm();
      await waitForShadow(page, "[data-testid=state-loading], [data-testid=no-reference]");
      assert.equal(Math.round(await widgetHeight(page)), kept, "while the form's code is on its way");
      const late = await outline(page, ".tl-skel-form");
      for (const side of ["top", "left", "width", "height"]) {
        assert.equal(Math.round(late[side]), Math.round(early[side]), `the form's outline's ${side} at the handover`);
      }
      releaseModule();
      await waitForShadow(page, "[data-testid=no-reference]");
      assert.equal(Math.round(await widgetHeight(page)), kept, "the form fills the kept place");
      assert.deepEqual(await shiftsSoFar(page), keptFrom, "nothing moved once the loader's rule came");
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });

    test(`a widget that cannot start keeps no empty place (${width}px)`, async () => {
      const page = await newPage(browser, { viewport: { width, height: 844 } });
      let asked = false;
      await page.route(
        (url) => new URL(url).pathname === "/trackline-widget_bg.wasm",
        (route) => {
          asked = true;
          return route.abort("connectionrefused");
        },
      );
      // The loader's fetch of the wasm fails, and with it the loader: the page reports an error.
      const failed = new Promise((resolve) => page.once("pageerror", resolve));
      await page.goto(`${server.url}/embed.html?tracking=${LOCKER_READY}`);
      await failed;
      assert.ok(asked, "the wasm was asked for");
      // The loader kept the place while the wasm was on its way, and takes its rule back.
      await page.waitForFunction(() => document.adoptedStyleSheets.length === 0);
      const left = await page.evaluate(() => ({
        defined: customElements.get("trackline-widget") !== undefined,
        height: document.querySelector("trackline-widget").getBoundingClientRect().height,
      }));
      assert.deepEqual(left, { defined: false, height: 0 });
      // Nor the loader's placeholder: the shadow root it drew shows the element's own content.
      assert.deepEqual(await inShadow(page, (root) => [...root.children].map((child) => child.localName)), ["slot"]);
      await page.context().close();
    });

    test(`on the demo page, which keeps the widget's place in its own CSS, the widget's start moves nothing (${width}px)`, async () => {
      const page = await newPage(browser, { viewport: { width, height: 844 } });
      await recordShifts(page);
      const releaseCarriers = await hold(page, (path) => path.startsWith("/carriers/") || path === "/answers");
      await page.goto(`${server.url}?tracking=${LOCKER_READY}`);
      await waitForShadow(page, "[data-testid=state-loading]");
      assert.deepEqual(await shiftsSoFar(page), []);
      releaseCarriers();
      await waitForShadow(page, "[data-testid=status-title]");
      await page.context().close();
    });

    test(`a key's overview keeps the kept place until its first page of shipments is shown (${width}px)`, async () => {
      const page = await newPage(browser, { viewport: { width, height: 844 } });
      await recordShifts(page);
      const releaseWasm = await hold(page, (path) => path === "/trackline-widget_bg.wasm");
      // A release build's overview is a module of its own; a build of one module has none to hold.
      const releaseModule = await hold(page, (path) => path === "/split_overview.pack");
      const releaseList = await hold(page, (path) => path.startsWith("/access/"));
      // The merchant's snippet alone: the place is the loader's rule's.
      await page.goto(`${server.url}/embed.html?id=${DEMO_USER_KEY}`);
      await page.waitForFunction(() => document.adoptedStyleSheets.length > 0);
      const kept = Math.round(await widgetHeight(page));
      assert.ok(kept > 0, "the undefined element keeps a place");
      // The snippet alone moves the page once, when the loader's rule comes; from then on, nothing.
      const keptFrom = await shiftsSoFar(page);
      releaseWasm();
      await waitForShadow(page, "[data-testid=state-loading]");
      assert.equal(Math.round(await widgetHeight(page)), kept, "while the overview's code is on its way");
      releaseModule();
      await waitForShadow(page, "[data-testid=overview] [data-testid=state-loading]");
      assert.equal(Math.round(await widgetHeight(page)), kept, "while its first page is on its way");
      assert.deepEqual(await shiftsSoFar(page), keptFrom, "nothing moved before the list");
      releaseList();
      await waitForShadow(page, "[data-testid=overview-row]");
      assert.equal(
        await inShadow(page, (root) => root.querySelector("[data-testid=state-loading]") === null),
        true,
        "the placeholder gave way to the list",
      );
      // A reload: the key has left the address bar for the tab's storage, and the page's address
      // names nothing; the loader still keeps the overview's place, not the form's.
      assert.equal(new URL(page.url()).search, "", "the key left the address bar");
      const releaseAgain = await hold(page, (path) => path === "/trackline-widget_bg.wasm");
      await page.reload({ waitUntil: "commit" });
      await page.waitForFunction(() => document.adoptedStyleSheets.length > 0);
      assert.equal(Math.round(await widgetHeight(page)), kept, "after a reload");
      releaseAgain();
      await waitForShadow(page, "[data-testid=overview-row]");
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });
  }
});

describe("the widget lets go", () => {
  /// DOM nodes and JS heap from Chromium's performance metrics, and the wasm memory, after a
  /// forced garbage collection.
  async function measure(page, cdp) {
    await page.evaluate(() => {
      window.gc();
      window.gc();
    });
    await cdp.send("HeapProfiler.collectGarbage");
    const { metrics } = await cdp.send("Performance.getMetrics");
    const metric = (name) => metrics.find((m) => m.name === name).value;
    const wasm = await page.evaluate(async () => {
      const glue = await import(new URL("trackline-widget.js", document.querySelector("script[src$='trackline.js']").src).href);
      const exports = await glue.default();
      return exports.memory.buffer.byteLength;
    });
    return { nodes: metric("Nodes"), heap: metric("JSHeapUsedSize"), listeners: metric("JSEventListeners"), wasm };
  }

  /// Mounts a widget for the ready-for-pickup parcel, waits for its headline and map, and
  /// unmounts it, `cycles` times, one way or the other.
  async function cycle(page, way, cycles) {
    await page.evaluate(
      async ([way, cycles, number, tiles]) => {
        const shown = (host) =>
          new Promise((resolve, reject) => {
            const started = performance.now();
            const check = () => {
              const root = host.shadowRoot;
              if (root?.querySelector("[data-testid=parcel]") && root.querySelector("[data-testid=map]")) resolve();
              else if (performance.now() - started > 10_000) reject(new Error(`${way}: no parcel within 10 s`));
              else setTimeout(check, 5);
            };
            check();
          });
        for (let i = 0; i < cycles; i += 1) {
          if (way === "api") {
            const target = document.createElement("div");
            document.body.append(target);
            const handle = window.Trackline.mount(target, { number, carrier: "inpost", tiles });
            await shown(target);
            handle.unmount();
            target.remove();
          } else {
            const element = document.createElement("trackline-widget");
            element.setAttribute("number", number);
            element.setAttribute("carrier", "inpost");
            element.setAttribute("tiles", tiles);
            document.body.append(element);
            await shown(element);
            element.remove();
          }
        }
      },
      [way, cycles, LOCKER_READY, LOCAL_TILES],
    );
  }

  for (const way of ["api", "element"]) {
    test(`200 mount and unmount cycles (${way}) leave DOM nodes, JS heap and wasm memory where they were`, async () => {
      const page = await newPage(browser);
      // A page with the widget's script and no widget of its own.
      await page.goto(`${server.url}?tracking=${LOCKER_READY}`);
      await waitForShadow(page, "[data-testid=parcel]", 0, 15_000);
      await page.evaluate(() => document.querySelector("trackline-widget").remove());
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Performance.enable");
      // Warm up: the first cycles fill caches (catalog, tiles, the allocator's first pages).
      await cycle(page, way, 10);
      const start = await measure(page, cdp);
      await cycle(page, way, 200);
      const end = await measure(page, cdp);
      console.log(`${way}: start ${JSON.stringify(start)}, after 200 cycles ${JSON.stringify(end)}`);
      // Within noise: a leak of one widget per cycle is about 300 nodes, tens of kilobytes of
      // heap and of wasm memory each, that is 60,000 nodes and megabytes after 200 cycles.
      assert.ok(end.nodes <= start.nodes + 50, `DOM nodes ${start.nodes} -> ${end.nodes}`);
      assert.ok(end.heap <= start.heap + 1_000_000, `JS heap ${start.heap} -> ${end.heap} bytes`);
      assert.ok(end.wasm <= start.wasm + 1_048_576, `wasm memory ${start.wasm} -> ${end.wasm} bytes`);
      assert.ok(end.listeners <= start.listeners + 20, `event listeners ${start.listeners} -> ${end.listeners}`);
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });
  }
});

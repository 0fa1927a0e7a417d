// The consumer's catalog leaves with the wasm: the loader (trackline.js) picks the language the
// widgets on the page will speak, as the widget picks it, and starts that catalog's download before
// the wasm has arrived; the widget then reads that response instead of asking again. English is
// built in: an English page fetches no catalog. Meanwhile the glue makes the date formatters the
// headline uses, in the language the widget will give Intl.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  catalog,
  DETAILS_COMPLETE,
  launchBrowser,
  newPage,
  shadowText,
  startTrackline,
  slowNetwork,
  waitForShadow,
  withAttributes,
} from "./harness.mjs";

const INPOST_AT_LOCKER = "520000011395200025009871";

/// Records, through the DevTools protocol, every request of `page`: its path, the script that
/// started it (the top of the initiator's stack) and when it left, and when each response ended.
async function recordRequests(page) {
  // A round trip long enough that the order of the loader, the glue and the wasm shows, and a
  // download speed at which the wasm takes longer than one: the demo page's preload hint starts
  // the wasm with the page's head, before the loader has arrived, and on loopback speed it can
  // be in before the loader has run at all.
  const cdp = await slowNetwork(page, 500_000);
  const requests = new Map();
  cdp.on("Network.requestWillBeSent", (event) => {
    const frames = event.initiator?.stack?.callFrames ?? [];
    let stack = event.initiator?.stack;
    while (frames.length === 0 && stack?.parent) {
      stack = stack.parent;
      frames.push(...stack.callFrames);
    }
    requests.set(event.requestId, {
      path: new URL(event.request.url).pathname,
      initiator: frames[0] ? new URL(frames[0].url).pathname : event.initiator?.type,
      sent: event.timestamp,
      finished: null,
    });
  });
  cdp.on("Network.loadingFinished", (event) => {
    const request = requests.get(event.requestId);
    if (request) request.finished = event.timestamp;
  });
  return {
    all: () => [...requests.values()],
    to: (path) => [...requests.values()].filter((request) => request.path === path),
  };
}

/// Waits until the first widget's words are in `tag` and its headline is shown.
async function shownIn(page, tag) {
  await page.waitForFunction(
    (tag) => document.querySelector("trackline-widget")?.shadowRoot?.querySelector("[data-testid=widget]")?.lang === tag,
    tag,
    { timeout: 15_000 },
  );
  await waitForShadow(page, "[data-testid=status-title]", 0, 15_000);
}

/// Asserts that the one request for `catalogPath` was started by the loader and left before the
/// wasm had arrived.
function assertStartedBesideTheWasm(requests, catalogPath) {
  const [wasm] = requests.to("/trackline-widget_bg.wasm");
  const catalogs = requests.to(catalogPath);
  assert.equal(catalogs.length, 1, `${catalogPath} requested ${catalogs.length} times`);
  const [started] = catalogs;
  assert.equal(started.initiator, "/trackline.js", JSON.stringify(started));
  assert.ok(wasm?.finished, JSON.stringify(wasm));
  assert.ok(
    started.sent < wasm.finished,
    `the catalog left at ${started.sent}, after the wasm had arrived at ${wasm.finished}`,
  );
}

describe("the consumer's catalog, fetched beside the wasm", () => {
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

  test("a widget with lang=\"pl\" gets its catalog from the loader, once, before the wasm has arrived", async () => {
    const page = await newPage(browser);
    await withAttributes(page, server, { lang: "pl" });
    const requests = await recordRequests(page);
    await page.goto(`${server.url}?tracking=${INPOST_AT_LOCKER}`);
    await shownIn(page, "pl");
    assert.equal(await shadowText(page, "[data-testid=status-title]"), catalog("pl")["status.ready_for_pickup"]);
    await waitForShadow(page, DETAILS_COMPLETE, 0, 15_000);
    assertStartedBesideTheWasm(requests, "/locales/pl.txt");
    assert.deepEqual(
      requests.all().filter((request) => request.path.startsWith("/locales/")).map((request) => request.path),
      ["/locales/pl.txt"],
    );
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("a Polish browser (navigator.languages) gets the Polish catalog the same way", async () => {
    const page = await newPage(browser, { locale: "pl-PL" });
    const requests = await recordRequests(page);
    await page.goto(`${server.url}?tracking=${INPOST_AT_LOCKER}`);
    assert.deepEqual(await page.evaluate(() => navigator.languages), ["pl-PL"]);
    await shownIn(page, "pl");
    assert.equal(await shadowText(page, "[data-testid=status-title]"), catalog("pl")["status.ready_for_pickup"]);
    assertStartedBesideTheWasm(requests, "/locales/pl.txt");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("the link's lang parameter is read as the widget reads it, Norwegian Nynorsk getting Bokmål", async () => {
    const page = await newPage(browser);
    const requests = await recordRequests(page);
    await page.goto(`${server.url}?tracking=${INPOST_AT_LOCKER}&lang=nn-NO`);
    await shownIn(page, "nb");
    assert.equal(await shadowText(page, "[data-testid=status-title]"), catalog("nb")["status.ready_for_pickup"]);
    assertStartedBesideTheWasm(requests, "/locales/nb.txt");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("the link's language under core's other names, in the query or the fragment, is started by the loader too", async () => {
    for (const [query, language] of [
      [`?tracking=${INPOST_AT_LOCKER}&Language=de`, "de"],
      [`?tracking=${INPOST_AT_LOCKER}#/track?lo_cale=fi`, "fi"],
    ]) {
      const page = await newPage(browser, { locale: "en-GB" });
      const requests = await recordRequests(page);
      await page.goto(`${server.url}${query}`);
      await shownIn(page, language);
      assert.equal(await shadowText(page, "[data-testid=status-title]"), catalog(language)["status.ready_for_pickup"]);
      assertStartedBesideTheWasm(requests, `/locales/${language}.txt`);
      assert.deepEqual(page.errors, []);
      await page.context().close();
    }
  });

  test("the headline's date formatters are made in the widget's Intl language while the wasm downloads, and the widget uses them", async () => {
    const page = await newPage(browser);
    // Every Intl formatter the page makes, with its language, options and time.
    await page.addInitScript(() => {
      window.__intlMade = [];
      for (const kind of ["DateTimeFormat", "RelativeTimeFormat"]) {
        Intl[kind] = new Proxy(Intl[kind], {
          construct(target, args) {
            window.__intlMade.push({ kind, lang: String(args[0]), options: JSON.stringify(args[1] ?? {}), at: performance.now() });
            return Reflect.construct(target, args);
          },
        });
      }
    });
    // A phone's download speed: the wasm takes over a second, the glue a fraction of it.
    await slowNetwork(page, 200_000);
    // Portuguese, whose dates the widget asks of Intl as `pt-PT`, not as the catalog's `pt`.
    await page.goto(`${server.url}?tracking=${INPOST_AT_LOCKER}&lang=pt`);
    await shownIn(page, "pt");
    await waitForShadow(page, "[data-testid=last-update-relative]", 0, 15_000);
    const { made, wasmArrived } = await page.evaluate(() => ({
      made: window.__intlMade,
      wasmArrived: performance
        .getEntriesByType("resource")
        .find((entry) => new URL(entry.name).pathname === "/trackline-widget_bg.wasm").responseEnd,
    }));
    const full = made.filter((m) => m.kind === "DateTimeFormat" && m.options.includes('"dateStyle":"full"'));
    const relative = made.filter((m) => m.kind === "RelativeTimeFormat");
    // One of each, in the widget's Intl language: the widget wrote its headline with them.
    assert.deepEqual(full.map((m) => m.lang), ["pt-PT"], JSON.stringify(made));
    assert.deepEqual(relative.map((m) => m.lang), ["pt-PT"], JSON.stringify(made));
    assert.ok(
      full[0].at < wasmArrived && relative[0].at < wasmArrived,
      `made at ${full[0].at} and ${relative[0].at} ms, the wasm arrived at ${wasmArrived} ms`,
    );
    assert.equal(await shadowText(page, "[data-testid=status-title]"), catalog("pt")["status.ready_for_pickup"]);
    assert.match(await shadowText(page, "[data-testid=last-update-relative]"), /\S/);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("an English page fetches no catalog", async () => {
    const page = await newPage(browser, { locale: "en-GB" });
    const requests = await recordRequests(page);
    await page.goto(`${server.url}?tracking=${INPOST_AT_LOCKER}`);
    await shownIn(page, "en");
    assert.equal(await shadowText(page, "[data-testid=status-title]"), catalog("en")["status.ready_for_pickup"]);
    await waitForShadow(page, DETAILS_COMPLETE, 0, 15_000);
    assert.deepEqual(
      requests.all().filter((request) => request.path.startsWith("/locales/")),
      [],
    );
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("a widget added later in another language fetches its own catalog, and each catalog comes once", async () => {
    const page = await newPage(browser);
    await withAttributes(page, server, { lang: "pl" });
    const requests = await recordRequests(page);
    await page.goto(`${server.url}?tracking=${INPOST_AT_LOCKER}`);
    await shownIn(page, "pl");
    await page.evaluate(() => {
      const later = document.createElement("trackline-widget");
      later.setAttribute("lang", "de-AT");
      later.setAttribute("number", "520000011395200025009871");
      document.querySelector("trackline-widget").after(later);
    });
    await page.waitForFunction(
      () => document.querySelectorAll("trackline-widget")[1]?.shadowRoot?.querySelector("[data-testid=widget]")?.lang === "de",
      null,
      { timeout: 15_000 },
    );
    await waitForShadow(page, "[data-testid=status-title]", 1, 15_000);
    assert.equal(await shadowText(page, "[data-testid=status-title]", 1), catalog("de")["status.ready_for_pickup"]);
    assertStartedBesideTheWasm(requests, "/locales/pl.txt");
    // German was not on the page when the loader ran: the widget fetched it, once.
    const german = requests.to("/locales/de.txt");
    assert.equal(german.length, 1);
    assert.equal(german[0].initiator === "/trackline.js", false, JSON.stringify(german));
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("a catalog the loader could not fetch leaves the widget in English and says why, as a failed fetch does", async () => {
    const page = await newPage(browser);
    await withAttributes(page, server, { lang: "pl" });
    const requests = await recordRequests(page);
    await page.route((url) => url.pathname === "/locales/pl.txt", (route) => route.abort("internetdisconnected"));
    const expected = `Trackline: could not load the Polish catalog from ${server.url}locales/pl.txt: network error (TypeError: Failed to fetch)`;
    const reported = page.waitForEvent("console", { predicate: (message) => message.text() === expected, timeout: 15_000 });
    await page.goto(`${server.url}?tracking=${INPOST_AT_LOCKER}`);
    await reported;
    await waitForShadow(page, "[data-testid=status-title]", 0, 15_000);
    assert.deepEqual(
      page.errors.filter((error) => !error.includes("Failed to load resource")),
      [expected],
    );
    assert.equal(await shadowText(page, "[data-testid=status-title]"), catalog("en")["status.ready_for_pickup"]);
    assert.equal(
      await page.evaluate(() => document.querySelector("trackline-widget").shadowRoot.querySelector("[data-testid=widget]").lang),
      "en",
    );
    assert.equal(requests.to("/locales/pl.txt").length, 1, "the failed catalog is not asked for again");
    await page.context().close();
  });
});

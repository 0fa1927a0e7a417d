// The parcel details end to end: the real demo server, the built widget, headless Chromium.
// Every test here needs the widget's flow (fetching through the proxy, then rendering
// ShipmentDetails); the map tests also need the demo to serve the tiles router
// (crates/server/src/tiles.rs) at /tiles/{z}/{x}/{y}.png.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { mkdirSync, readFileSync } from "node:fs";
import {
  DETAILS_COMPLETE,
  launchBrowser,
  newPage,
  ROOT,
  screenshot,
  SCREENSHOTS,
  signed,
  startTrackline,
  waitForShadow,
  withAttributes,
  withoutAnswersAhead,
} from "./harness.mjs";

const WIDTHS = [320, 768, 1280];
const AXE = join(ROOT, "node_modules/axe-core/axe.min.js");
const LOCAL_TILES = "/tiles/{z}/{x}/{y}.png";
// Nothing listens on the discard port.
const TILES_DOWN = "http://127.0.0.1:9/{z}/{x}/{y}.png";
const LOCKER_READY = "520000011395200025009871";
// DETAILS_CASES=<regex> narrows the demo cases to those whose link text matches (e.g. "^inpost").
const ONLY = process.env.DETAILS_CASES ? new RegExp(process.env.DETAILS_CASES, "i") : null;

/// One language's catalog, `key -> text`.
const catalog = (tag) =>
  Object.fromEntries(
    readFileSync(join(ROOT, `locales/${tag}.txt`), "utf8")
      .split("\n")
      .filter((line) => line.trim() && !line.trim().startsWith("#") && line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")).trim(), line.slice(line.indexOf("=") + 1).trim()]),
  );

/// The English catalog, for the words a status must show.
const english = catalog("en");
/// Every language the widget speaks, the pseudo right-to-left one last.
const LANGUAGES = ["en", "de", "nl", "pl", "nb", "fr", "it", "es", "pt", "sv", "da", "fi", "uk", "ar-XB"];
/// A well-formed InPost number the sandbox does not know.
const UNKNOWN_INPOST = "?tracking=520000011395200099999999&carrier=inpost";

/// Runs axe-core on the widget (its open shadow root included) and returns the violations.
async function axeViolations(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const result = await window.axe.run(
      { include: [["trackline-widget"]] },
      { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } },
    );
    return result.violations.map(
      (v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(" ")} (${n.failureSummary})`).join(", ")}`,
    );
  });
}

/// Evaluates `fn(root)` with the widget's shadow root.
function inShadow(page, fn, arg) {
  return page.evaluate(
    ([source, arg]) => new Function("root", "arg", `return (${source})(root, arg)`)(
      document.querySelector("trackline-widget").shadowRoot,
      arg,
    ),
    [fn.toString(), arg],
  );
}

/// The texts the widget itself writes (not the carrier's words, numbers or times), and the
/// accessible names of its icon buttons and map.
const uiTexts = (page) =>
  inShadow(page, (root) =>
    [...root.querySelectorAll(
      ".tl-status-title, .tl-fact dt, .tl-button, .tl-step-label, .tl-section-title, .tl-event-title, .tl-link, .tl-hours, [data-testid=map]",
    )]
      .map((el) => (el.matches(".tl-icon-button, [data-testid=map]") ? el.getAttribute("aria-label") : el.textContent).trim())
      .filter(Boolean),
  );

/// The words of a consumer state (title, body, next step), not the number it shows.
const stateTexts = (page) =>
  inShadow(page, (root) =>
    [...root.querySelectorAll("[data-state] .tl-state-title, [data-state] .tl-state-body, [data-state] .tl-actions > *")]
      .map((el) => el.textContent.trim())
      .filter(Boolean),
  );

/// Records the widget's catalog requests (`/locales/*.txt`) of a page, with the content type
/// each was answered with. `list.splice(0)` reads and clears them.
function catalogRequests(page) {
  const list = [];
  page.on("response", (response) => {
    const path = new URL(response.url()).pathname;
    if (path.startsWith("/locales/")) list.push({ path, status: response.status(), type: response.headers()["content-type"] });
  });
  return list;
}

/// The catalog a language tag needs fetched, or none for the built-in English and pseudo locale.
const catalogFile = (lang) => (lang === "en" || lang === "ar-XB" ? [] : [`/locales/${lang}.txt`]);

/// Waits until the widget's card says its words are in `tag` (the catalog arrived and applied).
const cardLanguage = (page, tag) =>
  page.waitForFunction(
    (tag) => document.querySelector("trackline-widget")?.shadowRoot?.querySelector("[data-testid=widget]")?.lang === tag,
    tag,
    { timeout: 15_000 },
  );

describe("the parcel details on the demo page", () => {
  let server;
  let browser;
  let cases;
  before(async () => {
    server = await startTrackline(["demo"]);
    browser = await launchBrowser();
    const page = await newPage(browser);
    await page.goto(server.url);
    // Demo cases with a status and no fault: each must show its details.
    cases = await page.evaluate(() =>
      [...document.querySelectorAll("[data-testid=demo-cases] li")]
        .map((li) => ({
          href: li.querySelector("a").getAttribute("href"),
          label: li.querySelector("a").textContent,
          status: li.querySelector("span")?.textContent ?? "",
        }))
        .filter((c) => c.status && !c.status.includes("fault")),
    );
    if (ONLY) cases = cases.filter((c) => ONLY.test(c.label));
    await page.context().close();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("every demo case renders its header, stepper and timeline, at 320, 768 and 1280 pixels", async () => {
    assert.ok(cases.length >= (ONLY ? 1 : 8), `demo cases: ${cases.length}`);
    for (const demo of cases) {
      const page = await newPage(browser);
      await withAttributes(page, server, { tiles: LOCAL_TILES });
      await page.goto(new URL(demo.href, server.url).href);
      await waitForShadow(page, DETAILS_COMPLETE, 0, 15_000);
      const status = demo.status.replaceAll(" ", "_");
      const shown = await inShadow(page, (root) => ({
        title: root.querySelector("[data-testid=status-title]")?.textContent,
        live: root.querySelector("[data-testid=status]")?.getAttribute("aria-live"),
        carrier: root.querySelector("[data-testid=carrier]")?.textContent,
        number: root.querySelector("[data-testid=details-tracking-number]")?.textContent,
        steps: root.querySelectorAll("[data-testid=step]").length,
        timeline: root.querySelector("[data-testid=timeline], [data-testid=timeline-empty]") !== null,
        timelineTag: root.querySelector("[data-testid=timeline]")?.tagName ?? "OL",
      }));
      const expected = english[`status.${status}`];
      if (status === "unknown" && shown.title !== expected) {
        // A thing with positions rather than a status (a load carrier) says where it was seen.
        assert.match(shown.title, /^Last seen (at .+, )?.+ ago$/, demo.label);
      } else {
        assert.equal(shown.title, expected, demo.label);
      }
      assert.equal(shown.live, "polite");
      assert.ok(shown.carrier && shown.number, demo.label);
      if (/^inpost/i.test(demo.label)) assert.ok(shown.steps >= 2, `${demo.label}: stepper`);
      assert.ok(shown.timeline, `${demo.label}: timeline`);
      assert.equal(shown.timelineTag, "OL");
      const name = demo.href.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "");
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        // The widget alone: the demo page's long case list would dwarf it.
        mkdirSync(SCREENSHOTS, { recursive: true });
        await page.locator("trackline-widget").screenshot({ path: join(SCREENSHOTS, `details-${name}-${width}.png`) });
      }
      assert.deepEqual(page.errors, [], demo.label);
      await page.context().close();
    }
  });

  test("axe-core finds no violation in any demo case, light or dark", async () => {
    for (const demo of cases) {
      const page = await newPage(browser);
      await withAttributes(page, server, { tiles: LOCAL_TILES });
      await page.goto(new URL(demo.href, server.url).href);
      await waitForShadow(page, DETAILS_COMPLETE, 0, 15_000);
      assert.deepEqual(await axeViolations(page), [], `${demo.label}, light`);
      await page.evaluate(() => document.querySelector("trackline-widget").setAttribute("theme", "dark"));
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assert.deepEqual(await axeViolations(page), [], `${demo.label}, dark`);
      await page.context().close();
    }
  });

  test("the planned TrackOnline order shows its estimated delivery, tomorrow; a delivered one shows none", async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}${signed("cref=KD-REF-10001")}`);
    await waitForShadow(page, DETAILS_COMPLETE, 0, 15_000);
    const shown = await inShadow(page, (root) => {
      const line = root.querySelector("[data-testid=estimated-delivery]");
      const date = root.querySelector("[data-testid=estimated-delivery-date]");
      const at = date?.getAttribute("datetime");
      return {
        text: line?.textContent,
        inHeader: line?.parentElement?.matches("header.tl-status") ?? false,
        at,
        date: date?.textContent,
        // How the consumer's browser writes that day in the widget's language.
        day:
          at &&
          new Intl.DateTimeFormat(root.querySelector("[data-testid=details]").lang, {
            weekday: "long",
            day: "numeric",
            month: "long",
          }).format(new Date(at)),
        accent: line && getComputedStyle(line).borderInlineStartColor,
        surface: line && getComputedStyle(line).backgroundColor,
      };
    });
    const prefix = english["header.estimated_delivery"].replace("{date}", "");
    assert.equal(shown.text, `${prefix}${shown.day}`);
    assert.equal(shown.date, shown.day);
    assert.ok(shown.inHeader, "the estimate is part of the status header");
    const hoursAhead = (Date.parse(shown.at) - Date.now()) / 3_600_000;
    assert.ok(hoursAhead > 23 && hoursAhead < 25, `the sandbox plans it for tomorrow: ${shown.at}`);
    assert.notEqual(shown.accent, shown.surface, "styled with the theme's accent and surface");

    await page.goto(`${server.url}${signed("refNo=LS-2024-08154713")}`);
    await waitForShadow(page, DETAILS_COMPLETE, 0, 15_000);
    const delivered = await inShadow(page, (root) => ({
      title: root.querySelector("[data-testid=status-title]")?.textContent,
      estimate: root.querySelector("[data-testid=estimated-delivery]") !== null,
    }));
    assert.equal(delivered.title, english["status.delivered"]);
    assert.equal(delivered.estimate, false);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("the pickup map shows its tiles and marker once scrolled into view", async () => {
    const page = await newPage(browser, { viewport: { width: 768, height: 900 } });
    await withAttributes(page, server, { tiles: LOCAL_TILES });
    await page.goto(`${server.url}?tracking=${LOCKER_READY}`);
    await waitForShadow(page, "[data-testid=map]", 0, 15_000);
    await inShadow(page, (root) => root.querySelector("[data-testid=map]").scrollIntoView());
    await page.waitForFunction(() => {
      const tiles = [...document.querySelector("trackline-widget").shadowRoot.querySelectorAll("[data-testid=tile]")];
      return tiles.length > 0 && tiles.every((t) => t.complete && t.naturalWidth === 256);
    });
    const map = await inShadow(page, (root) => ({
      sources: [...root.querySelectorAll("[data-testid=tile]")].map((t) => new URL(t.src).pathname),
      markers: root.querySelectorAll("[data-testid=marker][data-primary]").length,
      label: root.querySelector("[data-testid=map]").getAttribute("aria-label"),
      attribution: root.querySelector("[data-testid=map-attribution]").textContent,
    }));
    assert.ok(map.sources.every((s) => /^\/tiles\/\d+\/\d+\/\d+\.png$/.test(s)), map.sources.join());
    assert.equal(map.markers, 1);
    assert.match(map.label, /^Map: /);
    assert.match(map.attribution, /OpenStreetMap/);
    // The keyboard moves the map: focus it and press an arrow key.
    const before = await inShadow(page, (root) => root.querySelector("[data-testid=marker]").style.left);
    await inShadow(page, (root) => root.querySelector("[data-testid=map]").focus());
    await page.keyboard.press("ArrowLeft");
    const moved = await inShadow(page, (root) => root.querySelector("[data-testid=marker]").style.left);
    assert.notEqual(moved, before);
    await screenshot(page, "details-pickup-map");
    assert.deepEqual(page.errors, []);
  });

  test("when the tile server is down the map leaves no broken image and the card still works", async () => {
    const page = await newPage(browser, { viewport: { width: 768, height: 900 } });
    await withAttributes(page, server, { tiles: TILES_DOWN });
    await page.goto(`${server.url}?tracking=${LOCKER_READY}`);
    await waitForShadow(page, "[data-testid=map]", 0, 15_000);
    await inShadow(page, (root) => root.querySelector("[data-testid=map]").scrollIntoView());
    await waitForShadow(page, "[data-testid=map-unavailable]");
    const card = await inShadow(page, (root) => ({
      images: root.querySelectorAll("img").length,
      directions: root.querySelector("[data-testid=directions-link]")?.href,
      open: root.querySelector("[data-testid=map-link]")?.href,
      name: root.querySelector("[data-testid=pickup-name]")?.textContent,
    }));
    assert.equal(card.images, 0);
    assert.match(card.directions, /^https:\/\/www\.openstreetmap\.org\/directions\?to=/);
    assert.match(card.open, /^https:\/\/www\.openstreetmap\.org\/\?mlat=/);
    assert.ok(card.name);
    await screenshot(page, "details-pickup-tiles-down");
    // The browser reports the refused tile requests; nothing else may fail.
    assert.deepEqual(page.errors.filter((e) => !e.includes("Failed to load resource")), []);
  });

  test("a language switch changes every visible string, of the details and of the states", async () => {
    const texts = {};
    const states = {};
    for (const lang of LANGUAGES) {
      const page = await newPage(browser);
      const requested = catalogRequests(page);
      await withAttributes(page, server, { lang, tiles: LOCAL_TILES });
      await page.goto(`${server.url}?tracking=${LOCKER_READY}`);
      await waitForShadow(page, DETAILS_COMPLETE, 0, 15_000);
      await cardLanguage(page, lang);
      texts[lang] = await uiTexts(page);
      // Only the language shown was downloaded, once, as UTF-8 text; English is built in.
      const first = requested.splice(0);
      assert.deepEqual(first.map((r) => r.path), catalogFile(lang), lang);
      for (const r of first) assert.deepEqual([r.status, r.type], [200, "text/plain; charset=utf-8"], r.path);
      const dir = await inShadow(page, (root) => root.querySelector("[data-testid=details]").getAttribute("dir"));
      assert.equal(dir, lang === "ar-XB" ? "rtl" : "ltr");
      if (lang === "ar-XB") await screenshot(page, "details-pseudo-rtl");
      await page.goto(`${server.url}${UNKNOWN_INPOST}`);
      await waitForShadow(page, "[data-testid=state-not-found]", 0, 15_000);
      await cardLanguage(page, lang);
      states[lang] = await stateTexts(page);
      assert.deepEqual(requested.map((r) => r.path), catalogFile(lang), `${lang}, after a reload`);
      await screenshot(page, `state-not-found-${lang}`);
      await page.context().close();
    }
    assert.ok(texts.en.length >= 10, texts.en.join(" | "));
    assert.deepEqual(states.en, [
      english["state.not_found.title"],
      english["state.not_found.body"],
      english["state.not_found.fallback"],
      english["state.not_found.action"],
    ]);
    for (const lang of LANGUAGES.slice(1)) {
      assert.equal(texts[lang].length, texts.en.length, lang);
      texts[lang].forEach((word, i) => assert.notEqual(word, texts.en[i], `${lang} left "${word}" in English`));
      assert.equal(states[lang].length, states.en.length, lang);
      states[lang].forEach((word, i) => assert.notEqual(word, states.en[i], `${lang} left "${word}" in English`));
      if (lang !== "ar-XB") assert.equal(states[lang][0], catalog(lang)["state.not_found.title"], lang);
    }
  });

  test("changing the lang attribute on a shown state re-words it in place", async () => {
    const page = await newPage(browser);
    const requested = catalogRequests(page);
    await page.goto(`${server.url}${UNKNOWN_INPOST}`);
    await waitForShadow(page, "[data-testid=state-not-found]", 0, 15_000);
    assert.equal((await stateTexts(page))[0], english["state.not_found.title"]);
    for (const lang of ["de", "pt-BR", "sv-FI", "de"]) {
      const expected = catalog(lang.slice(0, 2))["state.not_found.title"];
      await page.evaluate((lang) => document.querySelector("trackline-widget").setAttribute("lang", lang), lang);
      await page.waitForFunction(
        (expected) =>
          document.querySelector("trackline-widget").shadowRoot.querySelector("[data-testid=state-title]")
            ?.textContent === expected,
        expected,
        { timeout: 15_000 },
      );
      const retry = await inShadow(page, (root) => root.querySelector("[data-testid=retry]").textContent.trim());
      assert.equal(retry, catalog(lang.slice(0, 2))["state.not_found.action"], lang);
    }
    // Each language once, though German was asked for twice.
    assert.deepEqual(requested.map((r) => r.path), ["/locales/de.txt", "/locales/pt.txt", "/locales/sv.txt"]);
    await screenshot(page, "state-not-found-language-switch");
    // The unknown number is answered with a 404, which Chromium logs; nothing else may fail.
    assert.deepEqual(page.errors.filter((e) => !e.includes("Failed to load resource")), []);
  });

  test("a catalog the server does not have keeps the widget in English and says why in the console", async () => {
    const page = await newPage(browser);
    await withAttributes(page, server, { lang: "fi" });
    await page.route((url) => url.pathname === "/locales/fi.txt", (route) => route.fulfill({ status: 404, body: "" }));
    await page.goto(`${server.url}${UNKNOWN_INPOST}`);
    await waitForShadow(page, "[data-testid=state-not-found]", 0, 15_000);
    const expected = `Trackline: could not load the Finnish catalog from ${server.url}locales/fi.txt: HTTP 404`;
    for (let i = 0; i < 50 && !page.errors.includes(expected); i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      page.errors.filter((e) => !e.includes("Failed to load resource")),
      [expected],
    );
    assert.equal((await stateTexts(page))[0], english["state.not_found.title"]);
    assert.equal(await inShadow(page, (root) => root.querySelector("[data-testid=widget]").lang), "en");
  });

  test("the dark theme and a host page's --trackline-* overrides apply", async () => {
    const page = await newPage(browser);
    await withAttributes(page, server, { tiles: LOCAL_TILES });
    await page.goto(`${server.url}?tracking=${LOCKER_READY}`);
    await waitForShadow(page, DETAILS_COMPLETE, 0, 15_000);
    // Changing the theme attribute may mount the widget again: wait for the card each time.
    const look = async () => {
      await waitForShadow(page, "[data-testid=pickup] [data-testid=map-link]", 0, 15_000);
      return inShadow(page, (root) => {
        const details = getComputedStyle(root.querySelector("[data-testid=details]"));
        return {
          background: details.backgroundColor,
          text: details.color,
          link: getComputedStyle(root.querySelector("[data-testid=map-link]")).color,
          radius: getComputedStyle(root.querySelector("[data-testid=pickup]")).borderTopLeftRadius,
        };
      });
    };
    const light = await look();
    assert.equal(light.background, "rgb(255, 255, 255)");
    await page.evaluate(() => document.querySelector("trackline-widget").setAttribute("theme", "dark"));
    const dark = await look();
    assert.equal(dark.background, "rgb(22, 25, 29)");
    assert.equal(dark.text, "rgb(232, 234, 237)");
    await screenshot(page, "details-dark");
    // Without the attribute the system's preference decides.
    await page.evaluate(() => document.querySelector("trackline-widget").removeAttribute("theme"));
    await page.emulateMedia({ colorScheme: "dark" });
    assert.equal((await look()).background, "rgb(22, 25, 29)");
    await page.emulateMedia({ colorScheme: "light" });
    assert.equal((await look()).background, "rgb(255, 255, 255)");
    await page.evaluate(() => document.querySelector("trackline-widget").setAttribute("theme", "dark"));
    await page.addStyleTag({
      content: `trackline-widget { --trackline-color-accent: rgb(200, 0, 100); --trackline-radius: 3px;
        --trackline-color-surface: rgb(10, 20, 30); }`,
    });
    const themed = await look();
    assert.equal(themed.link, "rgb(200, 0, 100)");
    // The host's value wins in the dark theme too: no rule inside the widget may redefine it.
    assert.equal(themed.background, "rgb(10, 20, 30)");
    assert.equal(themed.radius, "3px");
    assert.deepEqual(page.errors, []);
  });

  test("carrier strings with <script> and <img onerror> payloads execute nothing", async () => {
    const page = await newPage(browser);
    const dialogs = [];
    page.on("dialog", async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    await page.addInitScript(() => {
      window.steal = () => (window.__stolen = true);
    });
    // The proxy answers with a captured InPost body whose every text field carries markup.
    const body = readFileSync(
      join(ROOT, "crates/core/tests/fixtures/inpost/tracking/html-and-script-kept-as-plain-text.json"),
    );
    // The widget's own request, which the test answers: not one asked for ahead.
    await withoutAnswersAhead(page);
    await page.route("**/carriers/inpost/v1/tracking/**", (route) =>
      route.request().url().includes("service_history")
        ? route.continue()
        : route.fulfill({ status: 200, contentType: "application/json", body }),
    );
    await page.goto(`${server.url}?tracking=620000000000000000000009`);
    await waitForShadow(page, DETAILS_COMPLETE, 0, 15_000);
    await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
    const shown = await inShadow(page, (root) => ({
      scripts: root.querySelectorAll("script").length,
      carrierImages: root.querySelectorAll("img:not(.tl-tile)").length,
      markup: root.querySelectorAll("b, i").length,
      text: root.textContent,
    }));
    assert.deepEqual(dialogs, []);
    assert.equal(await page.evaluate(() => window.__stolen ?? false), false);
    assert.equal(shown.scripts, 0);
    assert.equal(shown.carrierImages, 0);
    assert.equal(shown.markup, 0);
    assert.match(shown.text, /<script>|<img|<b>|<i>/);
  });
});

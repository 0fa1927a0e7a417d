// Carrier words and positions end to end: the real demo server, the built widget, headless
// Chromium. An English reader of an InPost parcel reads an explanation and no Polish under the
// headlines, a Polish reader InPost's own words; a TrackOnline load carrier leads with where and
// when it was last seen, and its map draws the measured trail with the newest point marked.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { catalog, launchBrowser, openDetails, screenshot, shadowText, signed, startTrackline, waitForShadow } from "./harness.mjs";

const INPOST_AT_LOCKER = "520000011395200025009871";
const LOAD_CARRIER = "CC000123";
/// The positions demo-data.toml gives the load carrier, all within TrackOnline's default 14 days.
const LOAD_CARRIER_POSITIONS = 5;



/// The texts under every headline of the timeline, after "show all".
async function eventTexts(page) {
  if (await shadowText(page, "[data-testid=timeline-toggle]")) {
    await page.locator("trackline-widget [data-testid=timeline-toggle]").click();
  }
  return page.evaluate(() =>
    [...document.querySelector("trackline-widget").shadowRoot.querySelectorAll("[data-testid=event-text]")].map((p) =>
      p.textContent.trim(),
    ),
  );
}

describe("carrier words and positions in the consumer's terms", () => {
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

  test("an English reader of an InPost parcel sees the explanation and no Polish under the headlines", async () => {
    const page = await openDetails(browser, server, `?tracking=${INPOST_AT_LOCKER}`, "en");
    assert.equal(await shadowText(page, "[data-testid=status-title]"), "Ready for pickup");
    assert.equal(
      await shadowText(page, "[data-testid=status-explanation]"),
      "Use the pickup code from your SMS or the InPost app.",
    );
    const texts = await eventTexts(page);
    for (const text of texts) {
      assert.doesNotMatch(text, /[ąćęłńóśźż]|Paczkomat|przesyłk|Umieszczona/i, `Polish under an English headline: ${text}`);
    }
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("a Polish reader of an InPost parcel sees InPost's own words and the explanation in Polish", async () => {
    const words = catalog("pl");
    const page = await openDetails(browser, server, `?tracking=${INPOST_AT_LOCKER}&lang=pl`, "pl");
    assert.equal(await shadowText(page, "[data-testid=status-title]"), words["status.ready_for_pickup"]);
    assert.equal(await shadowText(page, "[data-testid=status-explanation]"), words["explain.ready_for_pickup.inpost"]);
    assert.ok((await eventTexts(page)).includes("Umieszczona w Paczkomacie (odbiorczym)"));
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("a TrackOnline load carrier leads with where it was last seen and draws its trail", async () => {
    // TrackOnline is `signed` (the default): the shop mails a signed link.
    const page = await openDetails(browser, server, signed(`tracking=${LOAD_CARRIER}`), "en");
    const title = await shadowText(page, "[data-testid=status-title]");
    assert.match(title, /^Last seen at Cross-dock Utrecht, .+ ago$/);
    assert.notEqual(title, catalog("en")["status.unknown"]);
    await waitForShadow(page, "[data-testid=trail]", 0, 15_000);
    const trail = await page.evaluate(() => {
      const root = document.querySelector("trackline-widget").shadowRoot;
      const svg = root.querySelector("[data-testid=trail]");
      const points = svg.querySelector("polyline").getAttribute("points").trim().split(/\s+/);
      const newest = root.querySelector("[data-testid=trail-newest]");
      return { count: Number(svg.dataset.points), points, newest: newest?.getAttribute("style") ?? null };
    });
    assert.equal(trail.count, LOAD_CARRIER_POSITIONS);
    assert.equal(trail.points.length, LOAD_CARRIER_POSITIONS);
    // The newest point is marked where the line ends.
    const [x, y] = trail.points.at(-1).split(",").map(Number);
    assert.equal(trail.newest, `left:${x}px;top:${y}px`);
    await page.locator("trackline-widget [data-testid=map]").scrollIntoViewIfNeeded();
    await screenshot(page, "load-carrier-trail");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

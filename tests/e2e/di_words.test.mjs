// Di's words end to end: the real demo server (its sandbox answers the pickup-point parcel in
// the nested shape of Di's successor API), the built widget, headless Chromium. A parcel at a
// pickup point names the place; the consignee's SMS or e-mail reads as a notice in the
// consumer's language, never as "Status unknown" or a raw "Channel: EMAIL".
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { catalog, launchBrowser, openDetails, screenshot, shadowText, signed, startTrackline, waitForShadow } from "./harness.mjs";

const AT_PICKUP_POINT = "370724760010119761";
const DELIVERED_WITH_SMS = "370724760010119754";


/// Every event of the timeline (after "show all"): its headline, its text, and whether it is a notice.
async function timeline(page) {
  if (await shadowText(page, "[data-testid=timeline-toggle]")) {
    await page.locator("trackline-widget [data-testid=timeline-toggle]").click();
  }
  return page.evaluate(() =>
    [...document.querySelector("trackline-widget").shadowRoot.querySelectorAll("[data-testid=event]")].map((li) => ({
      title: li.querySelector("[data-testid=event-title]")?.textContent.trim(),
      text: li.querySelector("[data-testid=event-text]")?.textContent.trim() ?? "",
      notice: li.dataset.notice === "true",
    })),
  );
}


describe("Di parcels in the consumer's words", () => {
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

  test("a Di parcel at a pickup point names the place, not its coordinates", async () => {
    const page = await openDetails(browser, server, signed(`tracking=${AT_PICKUP_POINT}`), "en");
    await waitForShadow(page, "[data-testid=pickup-name]");
    assert.equal(await shadowText(page, "[data-testid=pickup-name]"), "Rema 1000 Torgallmenningen, Bergen");
    assert.equal(await shadowText(page, "[data-testid=position]"), null);
    await screenshot(page, "di-pickup-point-named");
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  for (const [tag, query] of [
    ["en", ""],
    ["nb", "&lang=nb"],
  ]) {
    test(`a notified event reads as a notice (${tag})`, async () => {
      const words = catalog(tag);
      for (const [number, key] of [
        [AT_PICKUP_POINT, "timeline.notified_email"],
        [DELIVERED_WITH_SMS, "timeline.notified_sms"],
      ]) {
        const page = await openDetails(browser, server, signed(`tracking=${number}${query}`), tag);
        const events = await timeline(page);
        const notices = events.filter((e) => e.notice);
        assert.equal(notices.length, 1, `${number}: ${JSON.stringify(events)}`);
        assert.equal(notices[0].title, words[key]);
        assert.ok(!events.some((e) => e.title === words["status.unknown"]), JSON.stringify(events));
        assert.ok(!events.some((e) => /Channel:|EMAIL|\bSMS$/.test(e.text)), JSON.stringify(events));
        // A text that only repeats its headline is not shown under it.
        assert.ok(!events.some((e) => e.text && e.text.toLowerCase() === e.title.toLowerCase()), JSON.stringify(events));
        await screenshot(page, `di-notice-${tag}-${number}`);
        assert.deepEqual(page.errors, []);
        await page.context().close();
      }
    });
  }
});

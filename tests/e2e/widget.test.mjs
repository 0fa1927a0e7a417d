// The first widget, end to end: the real server serves the real built widget to headless
// Chromium, and the test reads what a user sees.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { launchBrowser, newPage, screenshot, shadowText, startTrackline, waitForShadow } from "./harness.mjs";

/// The page's errors, less Chromium's network log: a carrier that does not know a number
/// answers 404 through the proxy, which Chromium reports as "Failed to load resource" although
/// the widget handles it.
function pageErrors(page) {
  return page.errors.filter((message) => !message.startsWith("Failed to load resource"));
}

// The number a consumer sees: in a found parcel, or in the state that says why there is none.
const NUMBER = "[data-testid=details-tracking-number], [data-testid=state-number]";

describe("the widget on the demo page", () => {
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

  test("shows the tracking number from the URL inside its shadow root", async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}?tracking=E2E00012345`);
    await waitForShadow(page, NUMBER);
    assert.equal(await shadowText(page, NUMBER), "E2E00012345");
    // The number is in the shadow tree, not in the host page's DOM.
    assert.equal(await page.evaluate(() => document.body.textContent.includes("E2E00012345")), false);
    await screenshot(page, "widget-number-from-url");
    assert.deepEqual(pageErrors(page), []);
  });

  test("tells the consumer when the link carries no number", async () => {
    const page = await newPage(browser);
    await page.goto(server.url);
    await waitForShadow(page, "[data-testid=no-reference]");
    assert.match(await shadowText(page, "[data-testid=no-reference]"), /no tracking number/);
    assert.deepEqual(pageErrors(page), []);
  });

  test("the number attribute wins over the URL and re-renders when changed", async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}?tracking=FROM-URL`);
    await waitForShadow(page, NUMBER);
    // Core reads the number as carriers write it: without the dash.
    await page.evaluate(() => document.querySelector("trackline-widget").setAttribute("number", "FROM-ATTRIBUTE"));
    await page.waitForFunction(
      () =>
        document.querySelector("trackline-widget").shadowRoot.querySelector("[data-testid=details-tracking-number], [data-testid=state-number]")
          ?.textContent === "FROMATTRIBUTE",
    );
    assert.deepEqual(pageErrors(page), []);
  });

  test("a host stylesheet that restyles div, span, li and button does not change the widget", async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}?tracking=520000011395200025009871`);
    await waitForShadow(page, NUMBER);
    // Inherited properties would reach the widget through a wrapping div: wrap it in one.
    await page.evaluate(() => {
      const widget = document.querySelector("trackline-widget");
      const wrapper = document.createElement("div");
      widget.replaceWith(wrapper);
      wrapper.append(widget);
    });
    // Moving the element mounts it afresh: compare the found parcel, not its loading skeleton,
    // once the details have settled (the map reports missing tiles a moment later).
    await waitForShadow(page, "[data-testid=parcel]");
    let count = -1;
    for (let same = 0; same < 3; ) {
      await page.waitForTimeout(250);
      const now = await page.evaluate(
        () => document.querySelector("trackline-widget").shadowRoot.querySelectorAll("*").length,
      );
      same = now === count ? same + 1 : 0;
      count = now;
    }
    const styles = () =>
      page.evaluate(() => {
        const root = document.querySelector("trackline-widget").shadowRoot;
        const props = ["color", "font-family", "font-size", "font-weight", "line-height", "background-color",
          "display", "padding-top", "margin-top", "border-top-width", "letter-spacing", "text-transform"];
        return [...root.querySelectorAll("*")]
          .filter((el) => el.tagName !== "STYLE")
          .map((el) => {
            const cs = getComputedStyle(el);
            return [el.tagName, el.className, ...props.map((p) => cs.getPropertyValue(p))].join("|");
          });
      });
    const before = await styles();
    assert.ok(before.length >= 3, `styles read from the shadow tree: ${before.length}`);
    await page.addStyleTag({
      content: `div, span, li, button, p, section {
        color: rgb(255, 0, 0) !important; background: rgb(255, 255, 0) !important;
        font: italic 900 40px/3 "Comic Sans MS", cursive !important; display: inline !important;
        padding: 30px !important; margin: 30px !important; border: 5px solid red !important;
        letter-spacing: 9px !important; text-transform: uppercase !important; }`,
    });
    const after = await styles();
    await screenshot(page, "widget-under-hostile-host-css");
    assert.deepEqual(after, before);
    assert.deepEqual(pageErrors(page), []);
  });

  test("loading the script a second time keeps one working definition", async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}?tracking=TWICE`);
    await waitForShadow(page, NUMBER);
    // A second copy from another URL is a second module instance.
    await page.addScriptTag({ type: "module", url: `${server.url}trackline.js?copy=2` });
    await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
    await page.evaluate(() => {
      const extra = document.createElement("trackline-widget");
      extra.setAttribute("number", "SECOND");
      document.body.append(extra);
    });
    await waitForShadow(page, NUMBER, 1);
    assert.equal(await shadowText(page, NUMBER, 1), "SECOND");
    assert.equal(await shadowText(page, NUMBER, 0), "TWICE");
    assert.deepEqual(pageErrors(page), []);
  });

  test("removing the element unmounts the widget", async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}?tracking=GONE`);
    await waitForShadow(page, NUMBER);
    const rendered = await page.evaluate(async () => {
      const widget = document.querySelector("trackline-widget");
      widget.remove();
      await new Promise((r) => setTimeout(r, 50));
      return widget.shadowRoot.querySelector("[data-testid=widget]") !== null;
    });
    assert.equal(rendered, false);
    assert.deepEqual(pageErrors(page), []);
  });
});

// The overview of a personal key's shipments end to end, in headless Chromium:
// - against a standalone `trackline proxy` on another origin than the page (the key's header
//   makes every request a CORS preflight), in front of the demo's sandbox carriers, with a user
//   whose shipments fill two pages, registered and keyed through the admin API;
// - against `trackline demo`, whose demo user owns InPost, Di and TrackOnline shipments and
//   whose partner user sees the partner's.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  SANDBOX_CREDENTIALS,
  SANDBOX_TRACKONLINE_KEY,
  copyWidget,
  launchBrowser,
  newPage,
  screenshot,
  startProxy,
  startTrackline,
  waitForShadow,
  writeShopPage,
} from "./harness.mjs";

const ADMIN_TOKEN = "overview-e2e-admin-token-not-secret";
const DEMO_USER_KEY = "DemoAnnaSeesAllThreeCarriers0001";
const DEMO_PARTNER_KEY = "DemoPartner4711SeesItsShipments1";
const WIDGET = "trackline-widget#shop";

let demo;
/// The demo's sandbox carriers, which the standalone proxy asks too.
let sandbox;
let proxy;
let browser;
let dataDir;
/// The standalone proxy's base URL, without a trailing slash.
let proxyUrl;
/// The references registered to the overview user, newest first.
let registered;
let userKey;

async function admin(method, path, body) {
  const response = await fetch(`${proxyUrl}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "trackline-overview-e2e-"));
  // The demo serves the widget and, beside it, a shop page whose widget asks the standalone
  // proxy: a page served from a loopback address (as a real shop's is from its own), so that
  // the browser's address-space checks treat it as the shop it stands for.
  const widgetDir = copyWidget(join(dataDir, "widget"));
  demo = await startTrackline(["demo", "--data-dir", join(dataDir, "demo")], { widgetDir });
  sandbox = { url: `${demo.url}sandbox` };
  proxy = await startProxy(
    dataDir,
    `[server]
requests_without_origin = "allow"

[[sites]]
name = "shop"
origins = ["${new URL(demo.url).origin}"]

[access]
database = "access.sqlite"
admin_token = "${ADMIN_TOKEN}"

[carriers.inpost]
base_url = "${sandbox.url}"

[carriers.di]
base_url = "${sandbox.url}"
${SANDBOX_CREDENTIALS}

[carriers.trackonline]
base_url = "${sandbox.url}"
api_key = "${SANDBOX_TRACKONLINE_KEY}"
requests_per_minute = 1000
`,
  );
  proxyUrl = proxy.url;
  writeShopPage(widgetDir, "my-shipments.html", proxyUrl);

  // The user's shipments: the sandbox's fault-free cases, 25 of them (two pages).
  const cases = await (await fetch(`${sandbox.url}/_sandbox/cases`)).json();
  const references = cases
    .filter((c) => c.fault === null && ["tracking", "sscc", "cref", "refNo"].includes(c.parameter))
    .map((c) => `${c.parameter}=${c.value}`)
    .filter((reference, index, all) => all.indexOf(reference) === index)
    .slice(0, 25);
  assert.equal(references.length, 25, "the sandbox has 25 fault-free cases");
  await admin("POST", "/users", { name: "overview-anna" });
  await admin("POST", "/users/overview-anna/shipments", { references });
  // One bulk call: the last reference is the newest.
  registered = references.map((r) => r.split("=")[1]).reverse();
  userKey = (await admin("POST", "/users/overview-anna/keys", { name: "overview-anna-phone" })).key;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await proxy?.stop();
  await demo?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/// A shop page on the demo's origin whose widget asks the standalone proxy, opened with `query`.
async function shopPage(query) {
  const page = await newPage(browser);
  const shopUrl = `${demo.url}my-shipments.html`;
  await page.goto(`${shopUrl}${query}`);
  return page;
}

async function rowsOf(page, widget = WIDGET) {
  return page.evaluate(
    (sel) =>
      [...(document.querySelector(sel)?.shadowRoot?.querySelectorAll("[data-testid=overview-row]") ?? [])].map((row) => ({
        reference: row.dataset.reference,
        state: row.dataset.state,
        status: row.dataset.status ?? null,
        carrier: row.querySelector("[data-testid=overview-carrier]").textContent,
        words: row.querySelector("[data-testid=overview-status]").textContent,
      })),
    widget,
  );
}

async function waitForRows(page, predicate, widget = WIDGET, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  let rows = [];
  while (Date.now() < deadline) {
    rows = await rowsOf(page, widget);
    if (predicate(rows)) return rows;
    await page.waitForTimeout(50);
  }
  assert.fail(`the rows never became what was expected: ${JSON.stringify(rows)}`);
}

const settled = (rows) => rows.length > 0 && rows.every((row) => row.state !== "loading");

async function clickIn(page, selector, widget = WIDGET) {
  await page.evaluate(([sel, w]) => document.querySelector(w).shadowRoot.querySelector(sel).click(), [selector, widget]);
}

describe("a standalone proxy on another origin", () => {
  test("the overview lists the key's shipments a page at a time, each with its carrier's status", async () => {
    const page = await shopPage(`?id=${userKey}`);
    const rows = await waitForRows(page, (rows) => rows.length === 20 && settled(rows));
    assert.deepEqual(
      rows.map((row) => row.reference),
      registered.slice(0, 20),
    );
    // Every one of them is a real sandbox case: each row shows a status, none "not found".
    for (const row of rows) {
      assert.ok(row.status, `${row.reference} has a status: ${JSON.stringify(row)}`);
      assert.ok(row.carrier, `${row.reference} names its carrier`);
    }
    // A load carrier has positions, not a status: its row says where it was last seen, as its
    // details do, not "Status unknown".
    const loadCarrier = rows.find((row) => row.reference === "CC000123");
    assert.ok(loadCarrier, "the load carrier is on the first page");
    assert.match(loadCarrier.words, /^Last seen at \S/);
    assert.equal(await waitForShadow(page, "[data-testid=overview-page]").then(() => pageLabel(page)), "Page 1 of 2");
    assert.ok(!(await page.evaluate(() => location.href)).includes(userKey), "the key left the address bar");
    await screenshot(page, "overview-standalone-page-1");

    await clickIn(page, "[data-testid=overview-next]");
    const second = await waitForRows(page, (rows) => rows[0]?.reference === registered[20] && settled(rows));
    assert.deepEqual(
      second.map((row) => row.reference),
      registered.slice(20),
    );
    assert.equal(await pageLabel(page), "Page 2 of 2");
    await page.context().close();
  });

  test("the search narrows the list to the references that contain it", async () => {
    const page = await shopPage(`?id=${userKey}`);
    await waitForRows(page, (rows) => rows.length === 20);
    const wanted = registered[22];
    const part = wanted.slice(-6);
    await page.evaluate(
      ([sel, text]) => {
        const input = document.querySelector(sel).shadowRoot.querySelector("[data-testid=overview-search]");
        input.value = text;
        input.dispatchEvent(new Event("input", { bubbles: true, composed: true }));
      },
      [WIDGET, part],
    );
    const rows = await waitForRows(page, (rows) => rows.length > 0 && rows.length < 20 && rows.every((row) => row.reference.includes(part)));
    assert.ok(rows.some((row) => row.reference === wanted), JSON.stringify(rows));
    await page.context().close();
  });

  test("a shipment opens from the list, and back (the button or the browser's) returns to the list where it was", async () => {
    const page = await shopPage(`?id=${userKey}`);
    await waitForRows(page, (rows) => rows.length === 20);
    await clickIn(page, "[data-testid=overview-next]");
    await waitForRows(page, (rows) => rows[0]?.reference === registered[20] && settled(rows));

    await clickIn(page, '[data-testid=overview-row][data-index="2"]');
    await waitForShadow(page, "[data-testid=overview-details] [data-testid=parcel]", 0, 20_000);
    await screenshot(page, "overview-standalone-details");
    await clickIn(page, "[data-testid=overview-back]");
    await waitForShadow(page, "[data-testid=overview-rows]");
    const back = await rowsOf(page);
    assert.equal(back[0].reference, registered[20], "still on page 2");
    assert.equal(await pageLabel(page), "Page 2 of 2");
    // The focus moves in the frame after the list is back.
    await page.waitForFunction(
      ([sel, reference]) => document.querySelector(sel).shadowRoot.activeElement?.dataset.reference === reference,
      [WIDGET, registered[22]],
      { timeout: 5_000 },
    ).catch(() => {});
    const focused = await page.evaluate((sel) => document.querySelector(sel).shadowRoot.activeElement?.dataset.reference, WIDGET);
    assert.equal(focused, registered[22], "the opened row has the focus");

    await clickIn(page, '[data-testid=overview-row][data-index="0"]');
    await waitForShadow(page, "[data-testid=overview-details] [data-testid=parcel]", 0, 20_000);
    await page.goBack();
    await page.waitForFunction(
      (sel) => !document.querySelector(sel).shadowRoot.querySelector("[data-testid=overview-details]"),
      WIDGET,
    );
    assert.equal((await rowsOf(page))[0].reference, registered[20]);
    assert.equal(await pageLabel(page), "Page 2 of 2");
    await page.context().close();
  });

  test("the proxy's preflight allows the key's header for the shop's origin, and another origin reads no list", async () => {
    const preflight = (origin) =>
      fetch(`${proxyUrl}/access/v1/shipments`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "GET",
          "access-control-request-headers": "x-trackline-key",
        },
      });
    const allowed = await preflight(new URL(demo.url).origin);
    assert.equal(allowed.headers.get("access-control-allow-origin"), new URL(demo.url).origin);
    assert.match(allowed.headers.get("access-control-allow-headers") ?? "", /x-trackline-key/i);
    // Another site's page may learn why it is refused (the problem document is readable there),
    // but never the list, even with a valid key.
    const other = await fetch(`${proxyUrl}/access/v1/shipments`, {
      headers: { origin: "https://elsewhere.example", "x-trackline-key": userKey },
    });
    assert.equal(other.status, 403);
    const problem = await other.json();
    assert.match(problem.type, /forbidden-origin$/);
    assert.equal(problem.shipments, undefined);
  });

  test("a user without shipments sees the empty text, and a revoked key is refused", async () => {
    await admin("POST", "/users", { name: "overview-new" });
    const { key } = await admin("POST", "/users/overview-new/keys", { name: "overview-new-phone" });
    const empty = await shopPage(`?id=${key}`);
    await waitForShadow(empty, "[data-testid=overview-empty]");
    await screenshot(empty, "overview-standalone-empty");
    await empty.context().close();

    await admin("DELETE", "/keys/overview-new-phone");
    const revoked = await shopPage(`?id=${key}`);
    await waitForShadow(revoked, "[data-testid=state-key-refused]");
    await revoked.context().close();
  });
});

describe("the demo", () => {
  test("the demo user's overview holds their InPost, Di and TrackOnline shipments, and one opens", async () => {
    const page = await newPage(browser);
    await page.goto(`${demo.url}?id=${DEMO_USER_KEY}`);
    const widget = "trackline-widget";
    const rows = await waitForRows(page, settled, widget);
    assert.equal(rows.length, 3, JSON.stringify(rows));
    assert.deepEqual(
      rows.map((row) => row.carrier).sort(),
      ["Distribution Innovation", "InPost", "TrackOnline"].sort(),
      JSON.stringify(rows),
    );
    for (const row of rows) assert.ok(row.status, JSON.stringify(row));
    await screenshot(page, "overview-demo-user");
    await clickIn(page, '[data-testid=overview-row][data-index="1"]', widget);
    await waitForShadow(page, "[data-testid=overview-details] [data-testid=parcel]", 0, 20_000);
    await page.context().close();
  });

  test("a list the proxy holds back (its rate limit, then an overload) counts down and shows itself without a click", async () => {
    const page = await newPage(browser);
    // The proxy's own problem documents, as it sends them for these two (see its problem.rs).
    const answers = [
      { status: 429, slug: "rate-limited", detail: "too many requests with this access key", retry: 1 },
      { status: 503, slug: "overloaded", detail: "too many requests in flight", retry: 1 },
    ];
    let asked = 0;
    await page.route("**/access/v1/shipments?**", async (route) => {
      const answer = answers[asked++];
      if (!answer) return route.continue();
      await route.fulfill({
        status: answer.status,
        headers: { "content-type": "application/problem+json", "retry-after": String(answer.retry) },
        body: JSON.stringify({
          type: `https://trackline.dev/problems/${answer.slug}`,
          title: answer.slug,
          status: answer.status,
          detail: answer.detail,
          retry_after_seconds: answer.retry,
        }),
      });
    });
    await page.goto(`${demo.url}?id=${DEMO_USER_KEY}`);
    const widget = "trackline-widget";
    await waitForShadow(page, ".tl-overview-content > [data-state=rate_limited]");
    await waitForShadow(page, ".tl-overview-content > [data-state=retrying]");
    const rows = await waitForRows(page, settled, widget);
    assert.equal(rows.length, 3, JSON.stringify(rows));
    assert.equal(asked, 3, "the list was asked for three times: held back twice, then answered");
    assert.equal(
      await page.evaluate(() => document.querySelector("trackline-widget").shadowRoot.querySelector(".tl-overview-content > [data-state]")),
      null,
      "no state is left beside the list",
    );
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("on a phone a long status wraps beside the number and never runs over it", async () => {
    const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
    await page.goto(`${demo.url}?id=${DEMO_USER_KEY}`);
    const rows = await waitForRows(page, settled, "trackline-widget");
    assert.equal(rows.length, 3, JSON.stringify(rows));
    const boxes = await page.evaluate(() =>
      [...document.querySelector("trackline-widget").shadowRoot.querySelectorAll("[data-testid=overview-row]")].map((row) => {
        const box = (testid) => {
          const { left, right, top, bottom } = row.querySelector(`[data-testid=${testid}]`).getBoundingClientRect();
          return { left, right, top, bottom };
        };
        return { number: box("overview-number"), status: box("overview-status"), text: row.textContent };
      }),
    );
    // TrackOnline's "Last seen at Cross-dock Utrecht" is the long one.
    assert.ok(boxes.some((row) => row.text.includes("Cross-dock")), JSON.stringify(boxes));
    for (const { number, status, text } of boxes) {
      const apart = number.right <= status.left || status.right <= number.left || number.bottom <= status.top || status.bottom <= number.top;
      assert.ok(apart, `${text}: number ${JSON.stringify(number)} and status ${JSON.stringify(status)} overlap`);
    }
    await page.context().close();
  });

  test("the partner user's overview lists the partner's vp, ep and ap shipments with their statuses", async () => {
    const page = await newPage(browser);
    await page.goto(`${demo.url}?id=${DEMO_PARTNER_KEY}`);
    const widget = "trackline-widget";
    const rows = await waitForRows(page, settled, widget);
    assert.equal(rows.length, 3, JSON.stringify(rows));
    for (const row of rows) {
      assert.ok(row.status, JSON.stringify(row));
      assert.equal(row.carrier, "Distribution Innovation");
    }
    await page.context().close();
  });
});

async function pageLabel(page) {
  return page.evaluate((sel) => document.querySelector(sel).shadowRoot.querySelector("[data-testid=overview-page]")?.textContent, WIDGET);
}

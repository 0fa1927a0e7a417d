// Access end to end: the real widget in headless Chromium, where Di and TrackOnline are `signed`
// (the default): signed links, tampered and expired ones, a typed number of a protected carrier,
// partner links with a key and signed, deep links in and out of a key's scope, the key leaving
// the address bar, and a revoked key. Every test runs twice: on the demo's page against
// `trackline demo` (one origin), and on a shop page whose widget asks a standalone
// `trackline proxy` on another origin (CORS preflights included), which shares the demo's
// access database, link secret and sandbox carriers.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  DEMO_LINK_SECRET,
  ROOT,
  SANDBOX_CREDENTIALS,
  SANDBOX_TRACKONLINE_KEY,
  copyWidget,
  launchBrowser,
  newPage,
  screenshot,
  shadowText,
  signed,
  startProxy,
  startTrackline,
  waitForShadow,
  writeShopPage,
} from "./harness.mjs";

const BINARY = process.env.TRACKLINE_BIN ?? join(ROOT, "target/debug/trackline");
const DEMO_USER_KEY = "DemoAnnaSeesAllThreeCarriers0001";
const DEMO_PARTNER_KEY = "DemoPartner4711SeesItsShipments1";
/// A Di SSCC with a valid check digit that the sandbox does not know.
const UNKNOWN_DI = "370724760010119983";

let server;
let proxy;
let browser;
let dataDir;
/// The demo page's access links, by label.
let access;

before(async () => {
  // Its own data directory: the revoked key stays in this run's database only.
  dataDir = mkdtempSync(join(tmpdir(), "trackline-access-e2e-"));
  const widgetDir = copyWidget(join(dataDir, "widget"));
  server = await startTrackline(["demo", "--data-dir", dataDir], { widgetDir });
  proxy = await startProxy(
    dataDir,
    `[server]
requests_without_origin = "allow"

[[sites]]
name = "shop"
origins = ["${new URL(server.url).origin}"]

[access]
database = "trackline-demo-access.sqlite"
link_secret = "${DEMO_LINK_SECRET}"

[carriers.inpost]
base_url = "${server.url}sandbox"

[carriers.di]
base_url = "${server.url}sandbox"
${SANDBOX_CREDENTIALS}

[carriers.trackonline]
base_url = "${server.url}sandbox"
api_key = "${SANDBOX_TRACKONLINE_KEY}"
requests_per_minute = 1000

[partners]
"4711" = "di"
`,
  );
  writeShopPage(widgetDir, "shop.html", proxy.url);
  browser = await launchBrowser();
  const page = await newPage(browser);
  await page.goto(server.url);
  access = await page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll("[data-testid=demo-access] a")].map((a) => [
        a.textContent,
        new URL(a.href).search,
      ]),
    ),
  );
  await page.context().close();
});

after(async () => {
  await browser?.close();
  await proxy?.stop();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function link(labelStart) {
  const label = Object.keys(access).find((name) => name.startsWith(labelStart));
  assert.ok(label, `the demo page lists "${labelStart}…": ${Object.keys(access).join(" | ")}`);
  return access[label];
}

/// The two sites every test runs on: the demo's own page, and a shop page on the demo's origin
/// whose widget asks the standalone proxy.
const SITES = [
  { name: "demo", slug: "demo", path: "" },
  { name: "standalone proxy", slug: "standalone", path: "shop.html" },
];

function opener(site) {
  return async (query) => {
    const page = await newPage(browser);
    await page.goto(`${server.url}${site.path}${query}`);
    return page;
  };
}

async function stateOf(page) {
  return page.evaluate(() =>
    document.querySelector("trackline-widget").shadowRoot.querySelector(".tl-state[data-state]")?.getAttribute("data-state"),
  );
}

for (const site of SITES) {
  const open = opener(site);

  describe(`${site.name}: signed links`, () => {
    test("a signed link to a Di parcel opens it", async () => {
      const page = await open(signed("sscc=370724760010119754"));
      await waitForShadow(page, "[data-testid=parcel]");
      await screenshot(page, `access-signed-${site.slug}`);
    });

    test("a tampered link says it is not valid", async () => {
      const page = await open(link("tampered"));
      await waitForShadow(page, "[data-testid=state-link-invalid]");
      assert.match(await shadowText(page, "[data-testid=state-title]"), /not valid/);
      await screenshot(page, `access-tampered-${site.slug}`);
    });

    test("an expired link says so and what to do", async () => {
      const page = await open(link("signed link that has expired"));
      await waitForShadow(page, "[data-testid=state-link-expired]");
      assert.equal(
        await shadowText(page, "[data-testid=state-title]"),
        "This link has expired — ask the shop for a new one",
      );
      await screenshot(page, `access-expired-${site.slug}`);
    });

    test("a typed number of a protected carrier asks for the e-mail's link, not 'not found'", async () => {
      const page = await open("");
      await waitForShadow(page, "[data-testid=entry-input]");
      await page.locator("trackline-widget [data-testid=entry-input]").fill("370724760010119754");
      await page.locator("trackline-widget [data-testid=entry-submit]").click();
      await waitForShadow(page, "[data-testid=state-signature-required]");
      assert.equal(
        await shadowText(page, "[data-testid=state-title]"),
        "Open the link from your e-mail to see this parcel",
      );
      await screenshot(page, `access-typed-protected-${site.slug}`);
    });
  });

  describe(`${site.name}: partner links`, () => {
    for (const prefix of ["vp", "ep", "ap"]) {
      test(`a ${prefix} link opens with the partner user's key`, async () => {
        const query = link(`partner link ${prefix}`);
        assert.ok(query.includes(`id=${DEMO_PARTNER_KEY}`) && query.includes(`${prefix}=4711`), query);
        const page = await open(query);
        await waitForShadow(page, "[data-testid=parcel]");
        await screenshot(page, `access-partner-key-${prefix}-${site.slug}`);
      });

      test(`a signed ${prefix} link opens without a key`, async () => {
        const query = link(`signed partner link ${prefix}`);
        assert.ok(!query.includes("id=") && query.includes("sig="), query);
        const page = await open(query);
        await waitForShadow(page, "[data-testid=parcel]");
        await screenshot(page, `access-partner-signed-${prefix}-${site.slug}`);
      });
    }
  });

  describe(`${site.name}: keys`, () => {
    test("a deep link in the key's scope opens; out of scope looks exactly like an unknown number", async () => {
      const inScope = await open(link("deep link in the demo user's scope"));
      await waitForShadow(inScope, "[data-testid=parcel]");

      const outOfScope = await open(link("deep link out of"));
      await waitForShadow(outOfScope, "[data-testid=state-not-found]");
      const unknown = await open(`?id=${DEMO_USER_KEY}&sscc=${UNKNOWN_DI}`);
      await waitForShadow(unknown, "[data-testid=state-not-found]");
      assert.equal(await stateOf(outOfScope), await stateOf(unknown));
      assert.equal(
        await shadowText(outOfScope, "[data-testid=state-title]"),
        await shadowText(unknown, "[data-testid=state-title]"),
      );
    });

    test("the key leaves the address bar after load, and a reload still opens the parcel", async () => {
      const page = await open(link("deep link in the demo user's scope"));
      await waitForShadow(page, "[data-testid=parcel]");
      const href = await page.evaluate(() => location.href);
      assert.ok(!href.includes(DEMO_USER_KEY) && !href.includes("id="), href);
      assert.ok(href.includes("sscc="), href);
      await page.reload();
      await waitForShadow(page, "[data-testid=parcel]");
      assert.ok(!(await page.evaluate(() => location.href)).includes(DEMO_USER_KEY));
    });

    test("a revoked key is refused", async () => {
      const database = join(dataDir, "trackline-demo-access.sqlite");
      const created = execFileSync(BINARY, ["keys", "--database", database, "new", `e2e-revoked-${site.slug}`, "--user", "demo-anna"], {
        encoding: "utf8",
      });
      const key = created.match(/[A-Za-z0-9]{32}/)?.[0];
      assert.ok(key, created);
      const query = link("deep link in the demo user's scope").replace(DEMO_USER_KEY, key);
      const before = await open(query);
      await waitForShadow(before, "[data-testid=parcel]");

      execFileSync(BINARY, ["keys", "--database", database, "revoke", `e2e-revoked-${site.slug}`]);
      const page = await open(query);
      await waitForShadow(page, "[data-testid=state-key-refused]");
      await screenshot(page, `access-revoked-${site.slug}`);
    });
  });
}

// The data flow end to end: the real widget in headless Chromium asks the real proxy of
// `trackline demo`, which asks the sandbox carriers. One block per carrier, then the cases that
// span carriers. Screenshots of every state go to target/e2e/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DETAILS_COMPLETE, armSandboxFault, launchBrowser, newPage, screenshot, serveEmbedExample, shadowText, signed, startTrackline, waitForShadow, withoutAnswersAhead } from "./harness.mjs";

/// The page's errors, less Chromium's network log: a carrier that does not know a number
/// answers 404 through the proxy, which Chromium reports as "Failed to load resource" although
/// the widget handles it.
function pageErrors(page) {
  return page.errors.filter((message) => !message.startsWith("Failed to load resource"));
}

let server;
let browser;

before(async () => {
  // The embed example is served beside the widget files, as a merchant would host it.
  serveEmbedExample();
  server = await startTrackline(["demo"]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/// Requests about a carrier the proxy has answered so far, from its Prometheus counter (the
/// loader's request for answers ahead names no carrier).
async function carrierRequests() {
  const text = await (await fetch(`${server.url}metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("trackline_proxy_requests_total") && !line.includes('carrier="none"'))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}

const armFault = (number, fault, times) => armSandboxFault(server, number, fault, times);

async function attribute(page, selector, name) {
  return page.evaluate(
    ([selector, name]) =>
      document.querySelector("trackline-widget").shadowRoot.querySelector(selector)?.getAttribute(name),
    [selector, name],
  );
}

async function open(query) {
  const page = await newPage(browser);
  await page.goto(`${server.url}${query}`);
  return page;
}

const CARRIERS = [
  {
    carrier: "inpost",
    found: "?tracking=520000011395200025009871",
    foundStatus: "ready_for_pickup",
    notFound: "?tracking=520000011395200099999999&carrier=inpost",
    invalid: "?carrier=inpost&tracking=5200%3Cb%3E",
    faultNumber: "520000011395200025009895",
    faultQuery: "?tracking=520000011395200025009895&carrier=inpost",
    faultStatus: "pre_transit",
  },
  {
    carrier: "di",
    found: signed("tracking=370724760010119754"),
    foundStatus: "delivered",
    notFound: signed("tracking=370724760010119983"),
    invalid: "?tracking=370724760010119755",
    faultNumber: "370724760010119808",
    faultQuery: signed("tracking=370724760010119808&carrier=di"),
    faultStatus: "in_transit",
  },
  {
    carrier: "trackonline",
    found: signed("cref=KD-REF-10001"),
    foundStatus: "pre_transit",
    notFound: signed("cref=KD-REF-99999"),
    invalid: "?refNo=LS%0A2024",
    faultNumber: "LS-2024-08154711",
    faultQuery: signed("refNo=LS-2024-08154711"),
    faultStatus: "in_transit",
  },
];

for (const c of CARRIERS) {
  describe(`${c.carrier} through the proxy`, () => {
    test("a found parcel shows its status", async () => {
      const page = await open(c.found);
      await waitForShadow(page, "[data-testid=parcel]");
      assert.equal(await attribute(page, "[data-testid=parcel]", "data-carrier"), c.carrier);
      assert.equal(await attribute(page, "[data-testid=parcel]", "data-status"), c.foundStatus);
      await screenshot(page, `flow-${c.carrier}-found`);
      assert.deepEqual(pageErrors(page), []);
    });

    test("a number the carrier does not know is not found", async () => {
      const page = await open(c.notFound);
      await waitForShadow(page, "[data-testid=state-not-found]");
      await screenshot(page, `flow-${c.carrier}-not-found`);
      assert.deepEqual(pageErrors(page), []);
    });

    test("an invalid number is refused before any carrier is asked", async () => {
      const before = await carrierRequests();
      const page = await open(c.invalid);
      await waitForShadow(page, "[data-testid=state-invalid]");
      await page.waitForTimeout(300);
      assert.equal(await carrierRequests(), before, "the proxy's count of carrier requests did not move");
      await screenshot(page, `flow-${c.carrier}-invalid`);
      assert.deepEqual(pageErrors(page), []);
    });

    test("a sandbox 503 is retried and recovers", async () => {
      // The carrier is named in the link, so that one request per attempt meets the fault: two
      // failing attempts, then the answer.
      await armFault(c.faultNumber, "503:1", 2);
      const page = await open(c.faultQuery);
      await waitForShadow(page, "[data-testid=state-retrying]");
      await screenshot(page, `flow-${c.carrier}-retrying`);
      await waitForShadow(page, "[data-testid=parcel]", 0, 20_000);
      assert.equal(await attribute(page, "[data-testid=parcel]", "data-status"), c.faultStatus);
      assert.deepEqual(pageErrors(page), []);
    });
  });
}

describe("across carriers", () => {
  test("after the rate-limit countdown the widget asks again by itself and shows the parcel", async () => {
    // Runs before the test below, whose spent minute leaves the proxy backing off TrackOnline.
    // A 429 with a short Retry-After, once: the proxy passes it on and leaves TrackOnline alone
    // for those seconds; the widget counts down, then retries without the consumer doing anything.
    // A number no earlier test asked for, so the proxy has no cached answer for it.
    await armFault("LS-2024-08154713", "429:3", 1);
    const page = await open(signed("refNo=LS-2024-08154713"));
    await waitForShadow(page, "[data-testid=state-rate-limited]");
    const first = Number(await shadowText(page, "[data-testid=countdown]"));
    assert.ok(first >= 1 && first <= 3, `countdown starts from Retry-After: ${first}`);
    await waitForShadow(page, "[data-testid=parcel]", 0, 20_000);
    assert.equal(await attribute(page, "[data-testid=parcel]", "data-status"), "delivered");
    await screenshot(page, "flow-trackonline-rate-limited-recovered");
    assert.deepEqual(pageErrors(page), []);
  });

  test("TrackOnline's rate limit shows a countdown from Retry-After", async () => {
    // Spend the demo key's minute (its Enterprise licence allows 1,000 calls) directly at the
    // sandbox, as other pages would have. Its limits count calendar minutes of its clock: the
    // clock is moved to the start of a minute first, so that the spent one lasts through the test.
    const clock = `${server.url}sandbox/_sandbox/clock`;
    const { now } = await (await fetch(clock)).json();
    const moved = await fetch(clock, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ advanceSeconds: 60 - (now % 60) }),
    });
    assert.ok(moved.ok, `the sandbox clock moves: ${moved.status}`);
    for (let i = 0; i < 1001; i++) {
      await fetch(`${server.url}sandbox/api/v1/transaction?ReferenceNumber=SPEND-${i}`, {
        headers: { "X-ApiKey": "sandbox.trackonline.demo-key" },
      });
    }
    const page = await open(signed("cref=KD-REF-10005"));
    await waitForShadow(page, "[data-testid=state-rate-limited]");
    const first = Number(await shadowText(page, "[data-testid=countdown]"));
    assert.ok(first >= 1 && first <= 60, `countdown starts from Retry-After: ${first}`);
    await screenshot(page, "flow-trackonline-rate-limited");
    await page.waitForTimeout(2_100);
    const later = Number(await shadowText(page, "[data-testid=countdown]"));
    assert.ok(later < first || first <= 2, `the countdown runs: ${first} then ${later}`);
    await fetch(`${server.url}sandbox/_sandbox/limits`, { method: "DELETE" });
    assert.deepEqual(pageErrors(page), []);
  });

  test("two references from one URL show as tabs, each with its own status", async () => {
    const page = await open("?tracking=520000011395200025009871%20520000011395200025009918");
    await waitForShadow(page, "[data-testid=parcel-tabs]");
    await page.waitForFunction(() => {
      const tabs = document.querySelector("trackline-widget").shadowRoot.querySelectorAll("[data-testid=parcel-tab]");
      return tabs.length === 2 && [...tabs].every((t) => t.dataset.state !== "loading");
    });
    const states = await page.evaluate(() =>
      [...document.querySelector("trackline-widget").shadowRoot.querySelectorAll("[data-testid=parcel-tab]")].map(
        (t) => t.dataset.state,
      ),
    );
    assert.deepEqual(states, ["ready_for_pickup", "delivered"]);
    await page.evaluate(() =>
      document.querySelector("trackline-widget").shadowRoot.querySelectorAll("[data-testid=parcel-tab]")[1].click(),
    );
    await page.waitForFunction(
      () =>
        document.querySelector("trackline-widget").shadowRoot.querySelector("[data-testid=parcel]")?.dataset.status ===
        "delivered",
    );
    await screenshot(page, "flow-two-references");
    assert.deepEqual(pageErrors(page), []);
  });

  test("a Di parcel that changed delivery method shows its new number and the linked one", async () => {
    const page = await open(signed("tracking=370724760010119778"));
    await waitForShadow(page, "[data-testid=parcel]");
    assert.equal(await shadowText(page, "[data-testid=details-tracking-number]"), "370724760010119761");
    assert.match(await shadowText(page, "[data-testid=linked-parcels]"), /370724760010119778/);
    assert.equal(await attribute(page, "[data-testid=parcel]", "data-status"), "ready_for_pickup");
    await screenshot(page, "flow-di-linked");
    assert.deepEqual(pageErrors(page), []);
  });

  test("a link without a reference offers the form, which tracks what is typed", async () => {
    const page = await open("");
    await waitForShadow(page, "[data-testid=entry-input]");
    const input = page.locator("trackline-widget [data-testid=entry-input]");
    await input.fill("370724760010119755");
    await waitForShadow(page, "[data-testid=suggestion]");
    assert.equal(await shadowText(page, "[data-testid=suggestion]"), "370724760010119754");
    await screenshot(page, "flow-no-reference");
    await page.locator("trackline-widget [data-testid=suggestion]").click();
    await page.locator("trackline-widget [data-testid=entry-submit]").click();
    // Di is a protected carrier: a typed number gets the way to see it, not the parcel.
    await waitForShadow(page, "[data-testid=state-signature-required]");
    assert.deepEqual(pageErrors(page), []);
  });

  test("a proxy URL that points at no proxy gets the short text, and the cause in the console", async () => {
    const page = await newPage(browser);
    const logged = [];
    page.on("console", (message) => message.type() === "error" && logged.push(message.text()));
    await page.goto(`${server.url}?tracking=520000011395200025009871`);
    await page.evaluate(() =>
      document.querySelector("trackline-widget").setAttribute("proxy", `${location.origin}/not-a-proxy`),
    );
    await waitForShadow(page, "[data-testid=state-misconfigured]");
    await screenshot(page, "flow-misconfigured");
    assert.ok(logged.some((line) => line.includes("proxy")), logged.join("\n"));
  });

  test("a malformed carrier answer is its own state", async () => {
    await armFault("520000011395200025009901", "malformed-json", 3);
    const page = await open("?tracking=520000011395200025009901&carrier=inpost");
    await waitForShadow(page, "[data-testid=state-malformed]");
    await screenshot(page, "flow-malformed");
  });

  test("while the carrier is slow a skeleton holds the place of the answer", async () => {
    // The sandbox answers this InPost parcel after 2.5 s.
    const page = await open("?tracking=520000011395200025009963&carrier=inpost");
    await waitForShadow(page, "[data-testid=state-loading]");
    const before = await page.evaluate(() => document.querySelector("trackline-widget").getBoundingClientRect().height);
    await screenshot(page, "flow-loading");
    // The parcel as a whole: the details below the headline come from a second wasm module.
    await waitForShadow(page, DETAILS_COMPLETE, 0, 15_000);
    const after = await page.evaluate(() => document.querySelector("trackline-widget").getBoundingClientRect().height);
    assert.ok(Math.abs(after - before) < 120, `little layout movement: ${before} then ${after}`);
    assert.deepEqual(pageErrors(page), []);
  });

  test("offline, the widget waits for the connection and then asks", async () => {
    const page = await newPage(browser);
    // The page itself cannot load offline: the connection drops as the widget asks (itself, not
    // ahead).
    await withoutAnswersAhead(page);
    await page.route("**/carriers/**", async (route) => {
      await page.context().setOffline(true);
      await route.abort("internetdisconnected");
    });
    await page.goto(`${server.url}?tracking=520000011395200025009888&carrier=inpost`);
    await waitForShadow(page, "[data-testid=state-offline]");
    await screenshot(page, "flow-offline");
    await page.unroute("**/carriers/**");
    await page.context().setOffline(false);
    await waitForShadow(page, "[data-testid=parcel]");
    assert.equal(await attribute(page, "[data-testid=parcel]", "data-status"), "out_for_delivery");
  });

  test("a carrier that keeps failing is retried up to the limit, then the consumer gets a button", async () => {
    // The sandbox answers this InPost number with 500 every time.
    const page = await open("?tracking=520000011395200000000500&carrier=inpost");
    await waitForShadow(page, "[data-testid=state-retrying]");
    await waitForShadow(page, "[data-testid=state-failed]", 0, 40_000);
    await screenshot(page, "flow-failed");
    assert.equal(await shadowText(page, "[data-testid=retry]"), "Try again");
  });

  test("the host page hears trackline events", async () => {
    const page = await newPage(browser);
    await page.addInitScript(() => {
      window.heard = [];
      for (const name of ["trackline:loaded", "trackline:status", "trackline:error"]) {
        document.addEventListener(name, (event) => window.heard.push([event.type, event.detail]));
      }
    });
    await page.goto(`${server.url}?tracking=520000011395200025009918`);
    await waitForShadow(page, "[data-testid=parcel]");
    const heard = await page.evaluate(() => window.heard);
    const loaded = heard.find(([type]) => type === "trackline:loaded");
    assert.ok(loaded, JSON.stringify(heard));
    assert.equal(loaded[1].parcels[0].status, "delivered");
    assert.ok(heard.some(([type, detail]) => type === "trackline:status" && detail.carrier === "inpost"));
  });

  test("the embed example's snippet tracks the parcel in its link", async () => {
    const page = await open("embed.html?tracking=520000011395200025009871");
    await waitForShadow(page, "[data-testid=parcel]");
    assert.equal(await attribute(page, "[data-testid=parcel]", "data-status"), "ready_for_pickup");
    await screenshot(page, "flow-embed-example");
    assert.deepEqual(pageErrors(page), []);
  });

  test("a data-trackline element is mounted, and Trackline.mount returns a working handle", async () => {
    const page = await open("embed.html");
    await page.waitForFunction(() => window.Trackline);
    await page.evaluate(() => {
      const div = document.createElement("div");
      div.id = "scripted";
      document.body.append(div);
      // A public carrier: a protected one would ask for the e-mail's signed link.
      window.handle = window.Trackline.mount(div, { number: "520000011395200025009918" });
    });
    await page.waitForFunction(
      () => document.querySelector("#scripted").shadowRoot?.querySelector("[data-testid=parcel]")?.dataset.status === "delivered",
    );
    await page.evaluate(() => window.handle.unmount());
    assert.equal(await page.evaluate(() => document.querySelector("#scripted").shadowRoot.childElementCount), 0);
    assert.deepEqual(pageErrors(page), []);
  });

  test("the theme option of Trackline.mount holds against the system's colour scheme", async () => {
    const page = await open("embed.html");
    await page.emulateMedia({ colorScheme: "light" });
    await page.waitForFunction(() => window.Trackline);
    const cardColours = (theme) =>
      page.evaluate(async (theme) => {
        const div = document.createElement("div");
        document.body.append(div);
        window.Trackline.mount(div, { number: "370724760010119754", theme });
        const card = await new Promise((resolve) => {
          const look = () => {
            const found = div.shadowRoot?.querySelector("[data-testid=widget]");
            found ? resolve(found) : requestAnimationFrame(look);
          };
          look();
        });
        const style = getComputedStyle(card);
        return [style.backgroundColor, style.color];
      }, theme);
    assert.deepEqual(await cardColours("dark"), ["rgb(22, 25, 29)", "rgb(232, 234, 237)"]);
    await page.emulateMedia({ colorScheme: "dark" });
    assert.deepEqual(await cardColours("light"), ["rgb(255, 255, 255)", "rgb(26, 29, 33)"]);
    assert.deepEqual(await cardColours("auto"), ["rgb(22, 25, 29)", "rgb(232, 234, 237)"]);
    assert.deepEqual(pageErrors(page), []);
  });
});

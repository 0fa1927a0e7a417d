// The release build's later wasm modules end to end, each fetched as one pack with the chunks of
// code it needs: through the Trackline proxy, which sends core's reading of each carrier answer,
// the widget reads it with split_reading.pack, fetched while the requests are out; from a proxy
// that sends the carriers' own bytes (one that predates readings), the carriers' answers are read
// by split_carriers.pack; the details below the headline (pickup card, opening hours, map,
// timeline) from split_details.pack, fetched once the headline is shown; the overview of a key's
// shipments from split_overview.pack; the views of the states an answer brings (a message with its
// next step) and of the form for a number from split_states.pack, when one is first shown. A carrier's
// module that cannot be fetched is an answer worth
// asking again (the retry countdown); a later part's leaves the headline and a line that offers
// to try again. Needs `trunk build --release`.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { armSandboxFault, catalog, hold, launchBrowser, emulate, newPage, QUICK_LINE, shadowText, signed, SLOW_4G, slowNetwork, startTrackline, waitForShadow, withoutAnswersAhead } from "./harness.mjs";

const LOCKER_READY = "?tracking=520000011395200025009871";
const DEMO_USER_KEY = "DemoAnnaSeesAllThreeCarriers0001";
const DETAILS_MODULE = "/split_details.pack";
const OVERVIEW_MODULE = "/split_overview.pack";
const READING_MODULE = "/split_reading.pack";
const CARRIERS_MODULE = "/split_carriers.pack";
const STATES_MODULE = "/split_states.pack";
const RETRY_AFTER_MODULE = "/split_retry_after.pack";
const UNKNOWN_INPOST = "?tracking=520000011395200099999999&carrier=inpost";
const READING_TYPE = "application/vnd.trackline.reading+json";
const english = catalog("en");

/// What the widget shows, read inside its shadow root.
function shown(page) {
  return page.evaluate(() => {
    const root = document.querySelector("trackline-widget").shadowRoot;
    return {
      title: root.querySelector("[data-testid=status-title]")?.textContent ?? null,
      steps: root.querySelectorAll("[data-testid=step]").length,
      timeline: root.querySelector("[data-testid=timeline]") !== null,
      pickup: root.querySelector("[data-testid=pickup]") !== null,
      unavailable: root.querySelector("[data-testid=later-unavailable]")?.textContent ?? null,
    };
  });
}

/// When the page asked for each file it fetched and when its last byte came (Resource Timing,
/// milliseconds since navigation), with its path.
function resourceTimings(page) {
  return page.evaluate(() =>
    performance.getEntriesByType("resource").map((entry) => ({
      path: new URL(entry.name).pathname,
      start: entry.startTime,
      end: entry.responseEnd,
    })),
  );
}

/// Fails every request for `path` until `unblock` is called; `refused(n)` resolves once `n`
/// requests were refused.
async function blocked(page, path) {
  const requests = [];
  const waiting = [];
  const matches = (url) => new URL(url).pathname === path;
  const abort = async (route) => {
    requests.push(route.request().url());
    await route.abort("internetdisconnected");
    for (const wait of waiting.filter((w) => requests.length >= w.count)) wait.resolve();
  };
  await page.route(matches, abort);
  return {
    requests,
    refused: (count) =>
      requests.length >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve })),
    unblock: () => page.unroute(matches, abort),
  };
}

/// Makes the demo's proxy one that predates readings (and answers ahead): the carrier requests
/// leave without their `Accept`, so the proxy sends the carriers' own bytes.
async function withoutReadings(page) {
  await withoutAnswersAhead(page);
  await page.route(
    (url) => new URL(url).pathname.startsWith("/carriers/"),
    (route) => {
      const headers = { ...route.request().headers() };
      delete headers.accept;
      return route.continue({ headers });
    },
  );
}

/// Every wasm module the page asks for, in order: the main one and the packs, each a later
/// module with the chunks of code it needs, in one file.
function wasmRequests(page) {
  const wasm = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (/\.(wasm|pack)$/.test(path)) wasm.push(path);
  });
  return wasm;
}

/// The function names on the stack (with its async parents) of the script that asked for each
/// path, from the DevTools protocol.
async function requestInitiators(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const initiators = new Map();
  cdp.on("Network.requestWillBeSent", (event) => {
    const frames = [];
    for (let stack = event.initiator.stack; stack; stack = stack.parent) {
      frames.push(...stack.callFrames.map((frame) => frame.functionName));
    }
    initiators.set(new URL(event.request.url).pathname, frames);
  });
  return initiators;
}

/// The errors a blocked module leaves in the console: the split loader logs the failed fetch.
function withoutFailedFetches(errors) {
  return errors.filter((error) => !error.startsWith("TypeError: Failed to fetch"));
}

describe("the release build's later modules", () => {
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

  describe("the proxy's readings read by a module of their own, fetched with the requests", () => {
    test("a parcel's page asks for its answers ahead at once and for the readings' module in the wasm's last round trip, and makes no request of its own", async () => {
      const page = await newPage(browser);
      // A phone's speed: the bare number is asked of InPost, Di and TrackOnline; the proxy refuses
      // the two protected ones at once (no signed link).
      await slowNetwork(page, 200_000);
      const wasm = wasmRequests(page);
      const own = [];
      const ahead = [];
      page.on("request", (request) => {
        const path = new URL(request.url()).pathname;
        if (path.startsWith("/carriers/")) own.push(path);
        if (path === "/answers") ahead.push({ method: request.method(), body: request.postData() });
      });
      await page.goto(`${server.url}${LOCKER_READY}`);
      await waitForShadow(page, "[data-testid=status-title]", 0, 20_000);
      assert.equal((await shown(page)).title, english["status.ready_for_pickup"]);
      // One form with the page's address, no preflight; every answer taken, none asked again.
      assert.equal(ahead.length, 1, JSON.stringify(ahead));
      assert.equal(ahead[0].method, "POST");
      assert.equal(new URLSearchParams(ahead[0].body).get("page"), `${server.url}${LOCKER_READY}`);
      assert.deepEqual(own, []);
      // The readings' module and the chunks of code it needs, in one request, and not the
      // carriers' readers.
      assert.deepEqual(
        wasm.filter((path) => path !== DETAILS_MODULE),
        ["/trackline-widget_bg.wasm", READING_MODULE],
      );
      const timings = await resourceTimings(page);
      const at = (path) => timings.find((entry) => entry.path === path);
      const [main, module, answers] = [at("/trackline-widget_bg.wasm"), at(READING_MODULE), at("/answers")];
      assert.ok(main && module && answers, JSON.stringify(timings));
      // Both asked for while the wasm was still downloading, not once it ran: the answers at
      // once, the module when about one round trip (100 ms here) of the wasm's download was left,
      // so that its bytes follow the wasm's instead of sharing the line with them.
      assert.ok(answers.start < (main.start + main.end) / 2, JSON.stringify({ main, answers }));
      assert.ok(module.start > (main.start + main.end) / 2 && module.start < main.end, JSON.stringify({ main, module }));
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });

    test("on a phone too, the readings' module is asked for in the wasm's last round trip, though the wasm's first bytes are read at once", async () => {
      // The demo page's preload hint starts the wasm before the loader runs; on a phone's CPU the
      // loader then reads what came meanwhile in a few pieces within milliseconds. A pace counted
      // from those pieces made the line seem several times faster than it is, and the module was
      // asked for most of a second before the wasm's end in a fifth to a half of the page loads:
      // ten loads, so that a reckoning as loose as that one fails here.
      const roundTrip = SLOW_4G.network.latency;
      for (let load = 1; load <= 10; load += 1) {
        const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
        await emulate(page, SLOW_4G);
        await page.goto(`${server.url}${LOCKER_READY}`);
        await waitForShadow(page, "[data-testid=status-title]", 0, 20_000);
        const timings = await resourceTimings(page);
        const at = (path) => timings.find((entry) => entry.path === path);
        const [main, module] = [at("/trackline-widget_bg.wasm"), at(READING_MODULE)];
        assert.ok(main && module, JSON.stringify({ load, main, module }));
        // Asked for while the wasm was still coming, and not more than two round trips before
        // its end.
        assert.ok(module.start < main.end, JSON.stringify({ load, main, module }));
        assert.ok(main.end - module.start <= 2 * roundTrip, JSON.stringify({ load, main, module }));
        assert.deepEqual(page.errors, []);
        await page.context().close();
      }
    });

    test("on a quick line, a wasm that has all come before the loader runs has the readings' module asked for at once, not after the widget's start", async () => {
      // A phone's CPU on a quick line: the page's preload hint brings the whole wasm before the
      // loader runs (held here until then). Its last round trip is behind it, so the module is
      // asked for with the answers, in the loader's own run. Reading a copy of the finished
      // response to find that out took until the widget's start, whose tasks fill the thread,
      // had let the copy's pieces through: the module was asked for 146-232 ms after the answers.
      for (let load = 1; load <= 3; load += 1) {
        const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
        await emulate(page, QUICK_LINE);
        const release = await hold(page, (path) => path === "/trackline.js");
        page.on("requestfinished", (request) => {
          if (new URL(request.url()).pathname === "/trackline-widget_bg.wasm") release();
        });
        await page.goto(`${server.url}${LOCKER_READY}`);
        await waitForShadow(page, "[data-testid=status-title]", 0, 20_000);
        const timings = await resourceTimings(page);
        const at = (path) => timings.find((entry) => entry.path === path);
        const [main, loader, module, answers] = [at("/trackline-widget_bg.wasm"), at("/trackline.js"), at(READING_MODULE), at("/answers")];
        assert.ok(main && loader && module && answers, JSON.stringify({ load, timings }));
        assert.ok(main.end <= loader.end, JSON.stringify({ load, main, loader }));
        assert.ok(module.start - answers.start <= 50, JSON.stringify({ load, answers, module }));
        assert.deepEqual(page.errors, []);
        await page.context().close();
      }
    });

    test("without answers ahead (a proxy without the route), the widget asks for readings itself", async () => {
      const page = await newPage(browser);
      await withoutAnswersAhead(page);
      const carrierAnswers = [];
      page.on("response", (response) => {
        if (new URL(response.url()).pathname.startsWith("/carriers/inpost/")) {
          carrierAnswers.push({ accept: response.request().headers().accept, contentType: response.headers()["content-type"] });
        }
      });
      await page.goto(`${server.url}${LOCKER_READY}`);
      await waitForShadow(page, "[data-testid=status-title]", 0, 20_000);
      assert.equal((await shown(page)).title, english["status.ready_for_pickup"]);
      assert.ok(carrierAnswers.length >= 1);
      for (const answer of carrierAnswers) {
        assert.ok(answer.accept?.startsWith(READING_TYPE), JSON.stringify(answer));
        assert.equal(answer.contentType, READING_TYPE);
      }
      await page.context().close();
    });

    test("a widget with its own number, or on a page that names nothing, asks for nothing ahead", async () => {
      for (const [path, query] of [["/shop", ""], ["/", ""]]) {
        const page = await newPage(browser);
        const ahead = [];
        page.on("request", (request) => {
          if (new URL(request.url()).pathname === "/answers") ahead.push(request.url());
        });
        const shop = new URL(path, server.url).href;
        if (path === "/shop") {
          await page.route((url) => new URL(url).pathname === "/shop", (route) =>
            route.fulfill({
              contentType: "text/html",
              body: `<!doctype html><html><head><meta charset="utf-8"><script type="module" src="/trackline.js"></script></head>
                <body><trackline-widget number="520000011395200025009871"></trackline-widget></body></html>`,
            }),
          );
          await page.goto(shop + "?utm_source=mail");
          await waitForShadow(page, "[data-testid=status-title]", 0, 15_000);
        } else {
          await page.goto(shop + query);
          await waitForShadow(page, "[data-testid=entry-input]", 0, 15_000);
        }
        assert.deepEqual(ahead, [], path);
        await page.context().close();
      }
    });

    for (const [carrier, query] of [
      ["Di", signed("sscc=370724760010119754")],
      ["InPost", LOCKER_READY],
    ]) {
      test(`a readings module that fails to load is retried like a failed answer, and the ${carrier} parcel shows once it is reachable`, () =>
        retriedUntilReachable(query, READING_MODULE));
    }
  });

  describe("a proxy that sends the carriers' own answers: their readers as a module of their own", () => {
    for (const [carrier, query] of [
      ["Di", signed("sscc=370724760010119754")],
      ["InPost", LOCKER_READY],
    ]) {
      test(`a ${carrier} answer is read by the carriers' module, and that module failing to load is retried like a failed answer`, () =>
        retriedUntilReachable(query, CARRIERS_MODULE, { readings: false }));
    }

    test("chunks that the readings' pack was bringing when it failed come from the carriers' pack, which is fetched once", async () => {
      const page = await newPage(browser);
      await withoutReadings(page);
      const wasm = wasmRequests(page);
      // The readings' pack (asked for as the module starts) fails only once the carriers' pack is
      // on its way: the chunks both need are then still coming with the readings' pack.
      let carriersAsked;
      const carriersRequested = new Promise((resolve) => (carriersAsked = resolve));
      page.on("request", (request) => {
        if (new URL(request.url()).pathname === CARRIERS_MODULE) carriersAsked();
      });
      await page.route(
        (url) => new URL(url).pathname === READING_MODULE,
        async (route) => {
          await carriersRequested;
          await route.abort("internetdisconnected");
        },
      );
      await page.goto(`${server.url}${LOCKER_READY}`);
      await waitForShadow(page, "[data-testid=status-title]", 0, 15_000);
      assert.equal((await shown(page)).title, english["status.ready_for_pickup"]);
      // Read at the first answer: a failed read would have counted down and fetched it again.
      assert.deepEqual(wasm.filter((path) => path === CARRIERS_MODULE), [CARRIERS_MODULE], wasm.join());
      assert.ok(wasm.includes(READING_MODULE), wasm.join());
      assert.deepEqual(withoutFailedFetches(page.errors), []);
      await page.context().close();
    });
  });

  describe("a page whose widgets name a generic CORS proxy", () => {
    test("reads the carrier's own answer with the carriers' module and never fetches the readings' module", async () => {
      const page = await newPage(browser);
      const wasm = wasmRequests(page);
      // The generic CORS proxy passes InPost's own answer on: here the demo proxy's, asked without
      // readings (the widget sends a CORS proxy no `Accept` for them).
      const passedOn = [];
      await page.route(
        (url) => url.hostname === "cors.example",
        async (route) => {
          const carrierUrl = new URL(new URL(route.request().url()).searchParams.get("url"));
          assert.equal(carrierUrl.origin, "https://api-shipx-pl.easypack24.net");
          passedOn.push(carrierUrl.pathname);
          const response = await route.fetch({ url: new URL(`/carriers/inpost${carrierUrl.pathname}${carrierUrl.search}`, server.url).href });
          await route.fulfill({ response, headers: { ...response.headers(), "access-control-allow-origin": "*" } });
        },
      );
      const shop = new URL("/shop", server.url).href;
      await page.route(shop, (route) =>
        route.fulfill({
          contentType: "text/html",
          body: `<!doctype html><html><head><meta charset="utf-8"><script type="module" src="/trackline.js"></script></head>
            <body><trackline-widget proxy="https://cors.example/?url={url}" number="520000011395200025009871"></trackline-widget></body></html>`,
        }),
      );
      await page.goto(shop);
      await waitForShadow(page, "[data-testid=status-title]", 0, 15_000);
      assert.equal((await shown(page)).title, english["status.ready_for_pickup"]);
      assert.ok(passedOn.includes("/v1/tracking/520000011395200025009871"), passedOn.join());
      assert.ok(wasm.includes(CARRIERS_MODULE), wasm.join());
      assert.ok(!wasm.includes(READING_MODULE), wasm.join());
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });
  });

  /// Opens `query` with `module` blocked: the widget counts down to ask again, shows no headline,
  /// and shows the parcel once the module is reachable. Without `readings`, the proxy sends the
  /// carriers' bytes.
  async function retriedUntilReachable(query, module, { readings = true } = {}) {
    const page = await newPage(browser);
    if (!readings) await withoutReadings(page);
    const block = await blocked(page, module);
    await page.goto(`${server.url}${query}`);
    await waitForShadow(page, "[data-state=retrying]", 0, 15_000);
    assert.ok(block.requests.length >= 1);
    assert.equal((await shown(page)).title, null, "no headline without the answer read");
    await block.unblock();
    await waitForShadow(page, "[data-testid=status-title]", 0, 15_000);
    assert.equal(await page.evaluate(() => document.querySelector("trackline-widget").shadowRoot.querySelector("[data-state=retrying]")), null);
    assert.deepEqual(withoutFailedFetches(page.errors), []);
    await page.context().close();
  }

  test("a page with nothing to track yet fetches the form's module as the widget starts, and no reader until a number is typed", async () => {
    const page = await newPage(browser);
    const wasm = wasmRequests(page);
    const initiators = await requestInitiators(page);
    await page.goto(server.url);
    await waitForShadow(page, "[data-testid=entry-input]");
    const formShown = await page.evaluate(() => performance.now());
    assert.deepEqual(wasm, ["/trackline-widget_bg.wasm", STATES_MODULE]);
    // Asked for by the module's start, before the element is defined and mounted: not from inside
    // the element's connectedCallback, where building the form would ask for it.
    const frames = initiators.get(STATES_MODULE) ?? [];
    assert.ok(frames.some((name) => name.includes("__wbindgen_start")), `asked for by the start: ${frames.join(" < ")}`);
    assert.ok(!frames.includes("connectedCallback"), `asked for while mounting: ${frames.join(" < ")}`);
    await page.locator("trackline-widget [data-testid=entry-input]").fill("520000011395200025009871");
    await page.locator("trackline-widget [data-testid=entry-submit]").click();
    await waitForShadow(page, "[data-testid=status-title]", 0, 15_000);
    assert.equal((await shown(page)).title, english["status.ready_for_pickup"]);
    assert.ok(wasm.includes(READING_MODULE), wasm.join());
    const readerAsked = (await resourceTimings(page)).find((entry) => entry.path === READING_MODULE)?.start;
    // Asked for once the typed number was planned, not while the form was all there was.
    assert.ok(readerAsked > formShown, `the reader was asked for at ${readerAsked} ms, the form shown at ${formShown} ms`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  describe("the views of the states an answer brings, as a module fetched when one is shown", () => {
    test("a parcel no carrier knows keeps the placeholder until the states' module is here, then says so", async () => {
      const page = await newPage(browser);
      const wasm = wasmRequests(page);
      // The module is held until the test has looked at the card: the placeholder must stay, not
      // an empty card.
      let asked;
      const statesAsked = new Promise((resolve) => (asked = resolve));
      let release;
      const released = new Promise((resolve) => (release = resolve));
      await page.route(
        (url) => new URL(url).pathname === STATES_MODULE,
        async (route) => {
          asked();
          await released;
          await route.continue();
        },
      );
      // What happened, in order: the carrier's answer, the request for the states' module.
      const order = [];
      page.on("response", (response) => {
        const path = new URL(response.url()).pathname;
        // The answer, asked for ahead.
        if (path === "/answers" || path.startsWith("/carriers/inpost/")) order.push("answer");
      });
      statesAsked.then(() => order.push("states' module"));
      await page.goto(`${server.url}${UNKNOWN_INPOST}`);
      // Asked for once the answer said "not found", not before.
      await statesAsked;
      assert.deepEqual(order, ["answer", "states' module"]);
      const card = () =>
        page.evaluate(() => {
          const root = document.querySelector("trackline-widget").shadowRoot;
          return {
            loading: root.querySelector("[data-testid=state-loading]") !== null,
            notFound: root.querySelector("[data-testid=state-not-found]") !== null,
          };
        });
      assert.deepEqual(await card(), { loading: true, notFound: false });
      release();
      await waitForShadow(page, "[data-testid=state-not-found]", 0, 15_000);
      assert.deepEqual(await card(), { loading: false, notFound: true });
      assert.deepEqual(wasm.filter((path) => path === STATES_MODULE), [STATES_MODULE]);
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });

    test("a rate limit's countdown whose module cannot come shows one retry line and asks for the module once, then the parcel", async () => {
      const page = await newPage(browser);
      const block = await blocked(page, STATES_MODULE);
      // One 429 with a Retry-After of 4 s: the widget counts down 4 s, then asks again and finds
      // the parcel. The countdown's ticks must not build the state's view (and fetch its module)
      // again each second.
      await armSandboxFault(server, "520000011395200025009888", "429:4", 1);
      await page.goto(`${server.url}?tracking=520000011395200025009888&carrier=inpost`);
      await waitForShadow(page, "[data-testid=later-retry]", 0, 15_000);
      await waitForShadow(page, "[data-testid=parcel]", 0, 20_000);
      assert.equal(block.requests.length, 1, block.requests.join());
      assert.deepEqual(withoutFailedFetches(page.errors), []);
      await page.context().close();
    });

    test("a front proxy's 503 with a Retry-After date is waited out as long as it asks, read by a module fetched for it", async () => {
      const page = await newPage(browser);
      await withoutAnswersAhead(page);
      const wasm = wasmRequests(page);
      // A load balancer in front of the proxy, busy once: its own page, no problem document, and
      // the wait as an HTTP date 20 s ahead (longer than the widget's own backoff).
      let busy = 1;
      await page.route(
        (url) => new URL(url).pathname.startsWith("/carriers/"),
        (route) =>
          busy-- > 0
            ? route.fulfill({
                status: 503,
                headers: { "content-type": "text/html", "retry-after": new Date(Date.now() + 20_000).toUTCString() },
                body: "<html><body>Service Temporarily Unavailable</body></html>",
              })
            : route.continue(),
      );
      await page.goto(`${server.url}${LOCKER_READY}&carrier=inpost`);
      await waitForShadow(page, "[data-testid=countdown]", 0, 15_000);
      const seconds = Number(await shadowText(page, "[data-testid=countdown]"));
      assert.ok(seconds >= 12 && seconds <= 20, `counts down from the date's wait: ${seconds}`);
      // Read by the module of its own, never in the first load; not the parcel's readers.
      assert.ok(wasm.includes(RETRY_AFTER_MODULE), wasm.join());
      assert.ok(!wasm.includes(CARRIERS_MODULE), wasm.join());
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });

    test("a not-found document that comes with a Retry-After header shows not found without fetching the header's reader", async () => {
      const page = await newPage(browser);
      await withoutAnswersAhead(page);
      const wasm = wasmRequests(page);
      // Something between the widget and the proxy adds the header to every answer; the proxy's
      // own "not found" does not wait for anything.
      await page.route(
        (url) => new URL(url).pathname.startsWith("/carriers/"),
        (route) =>
          route.fulfill({
            status: 404,
            headers: { "content-type": "application/problem+json", "retry-after": "120" },
            body: JSON.stringify({
              type: "https://trackline.dev/problems/not-found",
              title: "Not found",
              status: 404,
              detail: "no shipment with this number",
            }),
          }),
      );
      await page.goto(`${server.url}${UNKNOWN_INPOST}`);
      await waitForShadow(page, "[data-testid=state-not-found]", 0, 15_000);
      assert.equal(await shadowText(page, "[data-testid=countdown]"), null);
      assert.ok(!wasm.includes(RETRY_AFTER_MODULE), wasm.join());
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });

    test("a states' module that fails to load offers a retry, and the message once it is reachable", async () => {
      const page = await newPage(browser);
      const block = await blocked(page, STATES_MODULE);
      await page.goto(`${server.url}${UNKNOWN_INPOST}`);
      await waitForShadow(page, "[data-testid=later-retry]", 0, 15_000);
      assert.equal(block.requests.length, 1);
      assert.equal((await shown(page)).unavailable, `${english["later.unavailable"]} ${english["later.retry"]}`);
      await block.unblock();
      await page.evaluate(() => document.querySelector("trackline-widget").shadowRoot.querySelector("[data-testid=later-retry]").click());
      await waitForShadow(page, "[data-testid=state-not-found]", 0, 15_000);
      assert.equal((await shown(page)).unavailable, null);
      assert.deepEqual(withoutFailedFetches(page.errors), []);
      await page.context().close();
    });
  });

  describe("the details and the overview as modules fetched after the headline", () => {

    test("a parcel page fetches the details' module after the main one, and never the overview's", async () => {
      const page = await newPage(browser);
      const wasm = wasmRequests(page);
      await page.goto(`${server.url}${LOCKER_READY}`);
      await waitForShadow(page, "[data-testid=timeline]", 0, 15_000);
      const now = await shown(page);
      assert.equal(now.title, english["status.ready_for_pickup"]);
      assert.ok(now.pickup && now.timeline);
      // The main module first; the details' pack (the module and the chunks of code it needs)
      // after it.
      assert.equal(wasm[0], "/trackline-widget_bg.wasm");
      assert.ok(wasm.includes(DETAILS_MODULE), wasm.join());
      assert.ok(!wasm.includes(OVERVIEW_MODULE), wasm.join());
      // Found at once: no other state was shown, and their views were never fetched.
      assert.ok(!wasm.includes(STATES_MODULE), wasm.join());
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });

    // A pickup point with its map and seven events, four shown at first; and a courier parcel
    // with no place to show and six events.
    for (const [name, query] of [
      ["a locker parcel", LOCKER_READY],
      ["a courier parcel", "?tracking=520000011395200025009888"],
    ]) {
      test(`while the details' module comes, their place below the headline is kept at about their height (${name})`, async () => {
        const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
        const release = await hold(page, (path) => path === DETAILS_MODULE);
        await page.goto(`${server.url}${query}`);
        await waitForShadow(page, "[data-testid=status-title]", 0, 15_000);
        const below = () =>
          page.evaluate(() =>
            Math.round(document.querySelector("trackline-widget").shadowRoot.querySelector(".tl-below").getBoundingClientRect().height),
          );
        const kept = await below();
        assert.equal((await shown(page)).timeline, false, "the details' module is held");
        release();
        await waitForShadow(page, "[data-testid=timeline]", 0, 15_000);
        const filled = await below();
        assert.ok(kept > 0, "a place is kept");
        assert.ok(Math.abs(filled - kept) <= filled / 10, `kept ${kept}px for details of ${filled}px`);
        assert.deepEqual(page.errors, []);
        await page.context().close();
      });
    }

    test("a details module that fails to load leaves the headline and a retry that works once it is reachable", async () => {
      const page = await newPage(browser);
      const block = await blocked(page, DETAILS_MODULE);
      await page.goto(`${server.url}${LOCKER_READY}`);
      await waitForShadow(page, "[data-testid=later-retry]", 0, 15_000);
      await block.refused(1);
      const failed = await shown(page);
      assert.equal(failed.title, english["status.ready_for_pickup"]);
      assert.ok(failed.steps >= 2, "the stepper stays");
      assert.ok(!failed.timeline && !failed.pickup);
      assert.equal(failed.unavailable, `${english["later.unavailable"]} ${english["later.retry"]}`);
      assert.equal(block.requests.length, 1);

      // Still unreachable: the retry asks again and the line stays.
      await page.evaluate(() => document.querySelector("trackline-widget").shadowRoot.querySelector("[data-testid=later-retry]").click());
      await block.refused(2);
      await waitForShadow(page, "[data-testid=later-retry]");
      assert.equal(block.requests.length, 2);

      await block.unblock();
      await page.evaluate(() => document.querySelector("trackline-widget").shadowRoot.querySelector("[data-testid=later-retry]").click());
      await waitForShadow(page, "[data-testid=timeline]", 0, 15_000);
      const loaded = await shown(page);
      assert.equal(loaded.title, english["status.ready_for_pickup"]);
      assert.ok(loaded.pickup && loaded.timeline);
      assert.equal(loaded.unavailable, null);
      assert.deepEqual(withoutFailedFetches(page.errors), []);
      await page.context().close();
    });

    test("an overview module that fails to load shows the retry line, and the overview once reachable", async () => {
      const page = await newPage(browser);
      const block = await blocked(page, OVERVIEW_MODULE);
      await page.goto(`${server.url}?id=${DEMO_USER_KEY}`);
      await waitForShadow(page, "[data-testid=later-retry]", 0, 15_000);
      assert.equal(block.requests.length, 1);
      await block.unblock();
      await page.evaluate(() => document.querySelector("trackline-widget").shadowRoot.querySelector("[data-testid=later-retry]").click());
      await waitForShadow(page, "[data-testid=overview-row]", 0, 15_000);
      assert.equal(await page.evaluate(() => document.querySelector("trackline-widget").shadowRoot.querySelector("[data-testid=later-unavailable]")), null);
      assert.deepEqual(withoutFailedFetches(page.errors), []);
      await page.context().close();
    });
  });
});

// Trackline widget loader: the one file a shop page includes, as
//   <script type="module" src="https://shop.example/trackline/trackline.js"></script>
// It instantiates the widget's WebAssembly next to itself, wherever the merchant hosts the
// files; the module's start function defines <trackline-widget>. Elements with a
// data-trackline attribute (for shop systems that strip unknown tags) are mounted too, and
// window.Trackline.mount(element, options) mounts one from script.
//
// The wasm is the largest file and the page waits for it: its download starts here, first,
// side by side with the glue's (wasm-bindgen's trackline-widget.js, which a release build makes
// self-contained, scripts/minify-release.mjs). A static `import` of the glue would run this
// module only after the glue had arrived, and the wasm would start a round trip later.
const wasmUrl = new URL("trackline-widget_bg.wasm", import.meta.url).href;
const wasm = fetch(wasmUrl);

// The catalog of the consumer's language starts beside it, so that the headline is not worded
// in English for a round trip after the wasm. Each widget's language is picked as the widget
// picks it (Locale::resolve in src/i18n/mod.rs): its `lang` (`data-lang`) attribute, else the
// page URL's language parameter (below), else the first of navigator.languages that it speaks; English is
// built in and fetches nothing. Without a widget on the page yet, the page's own language is
// guessed for the widgets that scripts mount later.
//
// Which catalog serves which tag is the widget's table (src/i18n/languages.rs), which a release
// build writes in here in place of `{}` (build.rs, scripts/minify-release.mjs). A development
// build leaves it empty: its widgets fetch their catalog once the wasm runs.
const CATALOGS = { __proto__: null, .../* catalogs */ {} };
// For the same tags, the tag the widget gives `Intl` for its dates (`pt` -> `pt-PT`).
const INTL_TAGS = { __proto__: null, .../* intl tags */ {} };
// Those of the same tags whose locale is written right to left (the pseudo locale's).
const RIGHT_TO_LEFT = /* right-to-left tags */ [];
// A tag's key in the tables above (`pl-PL` -> `pl`, `nn` -> `nn`, `ar-XB` -> `ar-xb`), undefined
// when the widget does not speak it: the whole tag (the pseudo locale's), else its language subtag.
const keyOf = (tag) => {
  tag = tag?.trim().toLowerCase();
  if (!tag) return undefined;
  if (tag in CATALOGS) return tag;
  const subtag = tag.split(/[-_]/)[0];
  return subtag in CATALOGS ? subtag : undefined;
};
const locales = new URL("locales/", import.meta.url).href;
// The link's language, found as the widget finds it (core's reference/link.rs): the first
// parameter of the page URL's query, then of its fragment (`#lang=de`, `#/track?lang=de`), whose
// name is one of core's for it (written in here by a release build, like the table) in any case,
// without `-`, `_` or an `amp;` left over from HTML.
const LANGUAGE_PARAMETERS = /* language parameters */ [];
const fragment = location.hash.slice(1);
const fragmentQuery = fragment.includes("?") ? fragment.slice(fragment.indexOf("?") + 1) : fragment.includes("=") ? fragment : "";
const isLanguage = (name) => LANGUAGE_PARAMETERS.includes(name.trim().replace(/^amp;/i, "").replace(/[-_]/g, "").toLowerCase());
const pageParameters = [...new URLSearchParams(location.search), ...new URLSearchParams(fragmentQuery)];
const pageLang = pageParameters.find(([name]) => isLanguage(name))?.[1];
// Until the module defines <trackline-widget>, the element is an empty inline box: the page lays
// out without it, and everything below moves down by the widget's height once it starts. From
// here on the element keeps the height of the placeholder it shows first (states::Skeleton in
// src/states/mod.rs: the status header, the stepper and the timeline's first events), 882px in a
// phone-wide widget, whose stepper stands upright, 621px in a wider one, whose stepper is a row
// (from 520px of content, style/details.css; tests/e2e/steady.test.mjs checks both). `:where`
// gives the rule no weight, so the page's own rule for the element wins; a page that has one
// moves nothing even before this file runs (docs/embedding.md). A constructed sheet, so no
// element is added to the page.
// A `hidden` element stays hidden. If the widget cannot start (its files cannot be fetched, no
// WebAssembly), the rule is taken back below, so that no empty space stays on the page.
const RESERVED =
  ":where(trackline-widget:not(:defined):not([hidden])){display:block;min-height:882px}@media (min-width:600px){:where(trackline-widget:not(:defined):not([hidden])){min-height:621px}}";
// A page whose address names nothing but a language (a shop's "track your parcel" page) shows
// the form for a number in each widget without a `number` attribute: those keep the height of
// the form's placeholder (states::form_skeleton), whose explanation is three lines of English in
// a phone-wide widget, two in a wider one and one in a wide one: 223, 199 and 175px. Not when
// the path holds a GS1 Digital Link key (`/00/<SSCC>`, `/401/…`, `/402/…`: core's
// DIGITAL_LINK_KEYS), nor when the tab keeps an access key that left the address bar (in the
// widget's SESSION_KEY_ITEM): those show a parcel or a key's overview. Both are written in here
// by a release build, like the tables above; a development build, without them, keeps the form's
// height on such pages too.
const FORM =
  ":where(trackline-widget:not(:defined):not([hidden]):not([number])){min-height:223px}@media (min-width:600px){:where(trackline-widget:not(:defined):not([hidden]):not([number])){min-height:199px}}@media (min-width:800px){:where(trackline-widget:not(:defined):not([hidden]):not([number])){min-height:175px}}";
const DIGITAL_LINK_KEYS = /* digital link keys */ [];
const SESSION_KEY_ITEM = /* session key item */ null;
const keptKey = () => {
  try {
    return SESSION_KEY_ITEM != null && sessionStorage.getItem(SESSION_KEY_ITEM) != null;
  } catch {
    return false;
  }
};
const digitalLinkKey = location.pathname.split("/").some((segment, i, segments) => DIGITAL_LINK_KEYS.includes(segment) && segments[i + 1]);
const namesNothing = pageParameters.every(([name]) => isLanguage(name)) && !digitalLinkKey && !keptKey();
let reserved = null;
if (document.adoptedStyleSheets && !document.adoptedStyleSheets.some((sheet) => sheet.trackline)) {
  reserved = new CSSStyleSheet();
  reserved.replaceSync(namesNothing ? RESERVED + FORM : RESERVED);
  reserved.trackline = true;
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, reserved];
}

const widgets = [...document.querySelectorAll("trackline-widget,[data-trackline]")];

// Answers ahead (src/fetch/ahead.rs): the carriers' answers for the page's address are asked for
// now, while the wasm downloads, not once it runs. For each widget that reads its references from
// the page (no `number`) through the merchant's Trackline proxy (`proxy` without `{url}`, as
// ProxyEndpoint::from_option reads it), the page's address and the widget's `carrier` and `lang`
// go to the proxy's route of answers ahead (core's ANSWERS_ROUTE, written in here by a release
// build, like the table above), as a form: no preflight, and the access key (`id`) in the body,
// never in a URL. The proxy plans the requests as the widget will and asks each of itself; the
// widget takes an answer in place of its own request to the same URL with the same key and
// signed link. The module that reads those answers (READINGS_PACK) starts with them. A
// development build leaves both empty: its widgets ask for themselves.
const ANSWERS_ROUTE = /* answers route */ null;
const READINGS_PACK = /* readings pack */ null;
// The readings' module is needed once the wasm runs, to read the first answer, and not before.
// Asked for at once, its bytes would share the line with the wasm's and make the wasm, and so the
// widget's start, later by their download (about a tenth of a second on slow 4G); asked for once
// the wasm has come, it would come a round trip and a download after the start. So it is asked
// for when about one round trip of the wasm is left to come: its bytes then follow the wasm's and
// arrive while the widget starts. The wasm's progress is read from a copy of its response (the
// response itself streams into the compiler untouched), in bytes of the main module (its size
// written in here by a release build); the round trip is the browser's estimate of it
// (`navigator.connection.rtt`, Chromium's), else this file's own (its Resource Timing, from
// request to first byte). Without a size or a round trip, or when the copy cannot be read, the
// module is asked for at once; and so it is when the wasm has all come before this file runs (a
// quick line with the page's preload hint, and a phone's CPU that reads the page slowly): a copy
// of a response that is in already would be read only between the tasks of the widget's start,
// each up to a fifth of a second on such a phone, and the module asked for that much later.
const MAIN_MODULE_BYTES = /* main module bytes */ 0;
// Resolves when the module should be asked for; undefined when that is now.
function lastRoundTrip(response, url) {
  const own = performance.getEntriesByName?.(import.meta.url)[0];
  const roundTrip = navigator.connection?.rtt || (own?.requestStart > 0 ? own.responseStart - own.requestStart : 0);
  if (!(MAIN_MODULE_BYTES > 0 && roundTrip > 0)) return;
  if (performance.getEntriesByName?.(url).some((entry) => entry.responseEnd > 0)) return;
  return response
    .then(async (response) => {
      const reader = response.clone().body.getReader();
      // The pace is that of the last round trip (20 ms at least): the bytes read since the newest
      // piece read a round trip ago or earlier, over the time since. Not from the first piece on:
      // the page's preload hint starts the wasm before this file runs, and what came meanwhile is
      // read in a few pieces within milliseconds (on a phone's CPU, 60-100 KB of the module), so
      // a pace counted from the first piece made the line seem several times faster than it is,
      // and the readings' module was asked for most of a second early, sharing the line with the
      // wasm, in about half the page loads on slow 4G.
      const span = Math.max(20, roundTrip);
      const pieces = [];
      let received = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        received += value.byteLength;
        const now = performance.now();
        pieces.push({ at: now, received });
        while (pieces.length > 1 && now - pieces[1].at >= span) pieces.shift();
        const since = pieces[0];
        if (now - since.at < span) continue;
        const perMillisecond = (received - since.received) / (now - since.at);
        if ((MAIN_MODULE_BYTES - received) / perMillisecond <= roundTrip) {
          reader.cancel().catch(() => {});
          return;
        }
      }
    })
    .catch(() => {});
}
if (ANSWERS_ROUTE && !namesNothing) {
  const ahead = (globalThis[Symbol.for("trackline.answers")] ??= []);
  const asked = new Set();
  for (const el of widgets) {
    const attribute = (name) => el.getAttribute(el.localName == "trackline-widget" ? name : "data-" + name)?.trim();
    const proxy = attribute("proxy") ?? "";
    if (attribute("number") || proxy.includes("{url}")) continue;
    const base = proxy.replace(/\/+$/, "");
    const form = new URLSearchParams({ page: location.href });
    for (const name of ["carrier", "lang"]) if (attribute(name)) form.set(name, attribute(name));
    if (asked.has(base + " " + form)) continue;
    asked.add(base + " " + form);
    const answers = fetch(base + ANSWERS_ROUTE, { method: "POST", body: form, signal: AbortSignal.timeout?.(10000) })
      .then((response) => (response.ok ? response.json() : null))
      .catch(() => null);
    ahead.push({ base, page: location.href, at: Date.now(), answers });
  }
  if (asked.size && READINGS_PACK) {
    const ask = () => fetch(new URL(READINGS_PACK, import.meta.url));
    const wait = lastRoundTrip(wasm, wasmUrl);
    const pack = wait ? wait.then(ask) : ask();
    // A failure is the glue's to handle, once it takes this response.
    pack.catch(() => {});
    (globalThis[Symbol.for("trackline.packs")] ??= {})[READINGS_PACK] = pack;
  }
}
const started = {};
const intlTags = new Set();
// The key of the language a widget whose `lang` attribute is `lang` speaks, undefined for English
// when it speaks none of those asked for.
const spoken = (lang) => [lang?.trim() || pageLang, ...(navigator.languages ?? [])].map(keyOf).find((key) => key != null);
for (const lang of widgets.length ? widgets.map((el) => el.getAttribute(el.localName == "trackline-widget" ? "lang" : "data-lang")) : [null]) {
  const key = spoken(lang);
  const catalog = CATALOGS[key];
  // The widget speaks English when it speaks none of the languages asked for.
  intlTags.add(INTL_TAGS[key] ?? "en");
  if (catalog && !started[catalog]) {
    started[catalog] = fetch(locales + catalog + ".txt");
    // A failure is the widget's to report, once it reads this response.
    started[catalog].catch(() => {});
  }
}

// Making the first date formatter of a language costs a phone tens of milliseconds, which would
// come between the carrier's answer and the headline: the glue makes the ones the headline uses
// (src/format.rs) for these languages while the wasm is still on its way, and keeps them.
globalThis[Symbol.for("trackline.intl-tags")] = [...intlTags];

// The loading placeholder, drawn now rather than once the wasm runs. Each <trackline-widget> on
// the page gets its open shadow root here, with the widget's stylesheet and the card with the
// outline the widget first shows: a parcel's details (states::Skeleton), or on a page whose
// address names nothing, the form for a number (states::form_skeleton). The classes around the
// outline are the widget's own (element::mount, TracklineWidget, parcels::Tracking), so that the
// placeholder stands where the widget's will; tests/e2e/steady.test.mjs checks that nothing moves
// when the widget takes the shadow root over (element::mount empties it and draws its own).
// A consumer on a slow line sees the card about as soon as the page instead of once the wasm has
// come, and the browser reads the stylesheet and finds the widget's fonts while it waits for the
// wasm, not after it, when the widget's start is what the headline waits for. The stylesheet is
// then the wasm's too, and so are the outlines: it reads them from here (element::from_loader,
// under `Symbol.for("trackline.placeholder")`), so a release build carries them once, in this file.
// A release build writes in the stylesheet (style/*.css as build.rs joins it) and the two outlines
// (src/states/*-outline.html), as build.rs joins them (scripts/minify-release.mjs); a development
// build leaves null: its widgets draw their own placeholder once the wasm runs.
const PLACEHOLDER = /* placeholder */ null;
const drawn = [];
if (PLACEHOLDER) {
  globalThis[Symbol.for("trackline.placeholder")] = PLACEHOLDER;
  for (const el of widgets) {
    if (el.localName != "trackline-widget" || el.hidden || el.shadowRoot) continue;
    const outline =
      namesNothing && !el.hasAttribute("number")
        ? `<div class="tl-skeleton tl-skel-form" aria-busy="true"><div aria-hidden="true">${PLACEHOLDER.form}</div></div>`
        : `<div class="tl-tracking"><div class="tl-panel"><div class="tl-details tl-skeleton" aria-busy="true"><div class="tl-skel-outline" aria-hidden="true">${PLACEHOLDER.parcel}</div></div></div></div>`;
    const root = el.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = PLACEHOLDER.style;
    const card = document.createElement("div");
    card.className = "tl-root";
    card.setAttribute("part", "root");
    // The card's direction is that of the words the widget shows first: its language's, when
    // that is built into the wasm, else English's until its catalog has come (locale_to_show in
    // src/i18n/catalogs.rs). The widget's card says it (`dir`) whatever the page's direction.
    const key = spoken(el.getAttribute("lang"));
    const dir = CATALOGS[key] === "" && RIGHT_TO_LEFT.includes(key) ? "rtl" : "ltr";
    card.innerHTML = `<section class="tl-card" part="card" dir="${dir}">${outline}</section>`;
    root.append(style, card);
    drawn.push(root);
  }
}

const glueImport = import("./trackline-widget.js");
// The widget reads the tab's kept access key as it starts (options::read_page_url), and a page's
// first read of sessionStorage waits for the browser to open the tab's storage. Read here, once
// the glue is asked for, that wait falls in the wasm's download, while the page's CPU is idle,
// not in the widget's start (on a page whose address made the loader read it above, this second
// read finds the storage open).
keptKey();

let glue;
try {
  glue = await glueImport;
  // Compiled while it streams in, from the response started above.
  await glue.default({ module_or_path: wasm });
} catch (error) {
  if (reserved) document.adoptedStyleSheets = document.adoptedStyleSheets.filter((sheet) => sheet !== reserved);
  // No placeholder stays either: what the merchant put inside the element shows again.
  for (const root of drawn) root.replaceChildren(document.createElement("slot"));
  throw error;
}
const { mount, autoMount, setLocalesUrl } = glue;
// Catalogs other than English come from locales/ beside this file, the ones started above
// included; widgets already on the page read theirs in the next task, after this line.
setLocalesUrl(locales, started);

// A second copy of the script keeps the first copy's API.
window.Trackline ??= { mount, autoMount };
autoMount();
// Scripts that call Trackline.mount before this module has loaded wait for this event.
document.dispatchEvent(new CustomEvent("trackline:ready"));

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
const wasm = fetch(new URL("trackline-widget_bg.wasm", import.meta.url));
const { default: init, mount, autoMount, setLocalesUrl } = await import("./trackline-widget.js");

// Compiled while it streams in, from the response started above.
await init({ module_or_path: wasm });
// Catalogs other than English come from locales/ beside this file; widgets already on the
// page fetch theirs in the next task, after this line.
setLocalesUrl(new URL("locales/", import.meta.url).href);

// A second copy of the script keeps the first copy's API.
window.Trackline ??= { mount, autoMount };
autoMount();
// Scripts that call Trackline.mount before this module has loaded wait for this event.
document.dispatchEvent(new CustomEvent("trackline:ready"));

// Trackline widget loader: the one file a shop page includes, as
//   <script type="module" src="https://shop.example/trackline/trackline.js"></script>
// It instantiates the widget's WebAssembly next to itself, wherever the merchant hosts the
// files, and the module's start function defines <trackline-widget>.
import init from "./trackline-widget.js";

await init({ module_or_path: new URL("trackline-widget_bg.wasm", import.meta.url) });

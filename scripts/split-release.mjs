// Splits the widget's wasm of a release build. scripts/minify-release.mjs (the post_build hook in
// Trunk.toml) calls it first: trunk runs the hooks of one stage side by side. What the status
// headline needs but the reading of the carriers' answers stays in trackline-widget_bg.wasm. What
// only the reader of the proxy's readings reaches (serde_json, the model's readers) moves to
// split_reading.wasm, what only the carriers' own readers reach (core's adapters with their typed
// readers) to split_carriers.wasm; the one the answers need is fetched as soon as the main module
// runs (src/element.rs, src/fetch/reader.rs). What only the details below the headline reach (the pickup card with its
// opening hours and map, the timeline) moves to split_details.wasm, which the widget fetches once
// the headline is on screen (`details::load_later_part`); the overview of a key's shipments moves
// to split_overview.wasm (`load_overview`); code several of them reach goes to a chunk_<n>.wasm
// fetched with any of them. Each is a `#[wasm_split]` function (src/later.rs).
//
// trunk 0.21 cannot split by itself, so this redoes trunk's last steps on the wasm that cargo
// linked (build.rs links release builds of the widget with `--emit-relocs`, which the splitter
// reads):
//   1. wasm-split-cli (crate wasm_split_cli_support, installed by scripts/setup) cuts the linked
//      wasm into the main module, the later modules and `__wasm_split.js`, the JavaScript that
//      fetches a later module and instantiates it on the main module's memory and table;
//   2. wasm-bindgen makes the glue for the main module, as trunk did, keeping the exports that
//      the later modules import (`--keep-lld-exports`);
//   3. wasm-opt optimizes each module (trunk's own wasm-opt is off, index.html: it could not
//      read a module with relocations, and its result would be thrown away).
// The results replace trunk's glue, snippets and wasm in the staging directory; minify-release
// then folds `__wasm_split.js` and the snippets into the glue, so that the first load is still
// one glue file and one wasm.
import { execFile } from "node:child_process";
import { copyFile, cp, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const NAME = "trackline-widget";
/// The file the glue imports the split module's loader from (wasm-split-cli's default name).
export const SPLIT_LOADER = "__wasm_split.js";

// wasm-opt: -Oz, to convergence, and --low-memory-unused, which lets it fold constant offsets into
// loads and stores (1.7 KB gzip). Its assumption, that no valid address below 1024 is reached
// through a wrapped-around sum, holds for Rust's layout: the 1 MB stack sits at the bottom of
// memory and grows down, so the lowest 1 KB is only reached a kilobyte before a stack overflow,
// by plain addresses. The features are those rustc's wasm32 target emits.
const WASM_OPT = [
  "-Oz",
  "--converge",
  "--low-memory-unused",
  "--strip-producers",
  "--enable-bulk-memory",
  "--enable-nontrapping-float-to-int",
  "--enable-sign-ext",
  "--enable-mutable-globals",
  "--enable-reference-types",
  "--enable-multivalue",
];

async function step(what, command, args) {
  try {
    await run(command, args, { maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const detail = error.code === "ENOENT" ? `${command} is not installed; run scripts/setup` : error.stderr || error.message;
    throw new Error(`${what} failed: ${detail}`);
  }
}

/// Replaces trunk's glue, snippets and wasm in `stagingDir` with the split build's; `sourceDir`
/// holds Cargo.toml. Returns the names of the modules fetched after the headline.
export async function splitRelease(stagingDir, sourceDir) {
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(sourceDir, "target");
  const linked = join(targetDir, "wasm32-unknown-unknown", "release", "trackline_widget.wasm");
  const work = join(targetDir, "wasm-split");
  const split = join(work, "split");
  const bound = join(work, "bound");
  await rm(work, { recursive: true, force: true });
  await mkdir(split, { recursive: true });
  await mkdir(bound, { recursive: true });

  await step("splitting the wasm", "wasm-split-cli", [linked, split, "--target", "web", "--out-name", NAME]);
  const later = (await readdir(split)).filter((name) => name.endsWith(".wasm") && name !== `${NAME}.wasm`);
  if (later.length === 0) {
    throw new Error(`${linked} has no split point; was it linked with --emit-relocs (build.rs)?`);
  }
  await step("wasm-bindgen on the main module", "wasm-bindgen", [
    "--target", "web", "--no-typescript", "--keep-lld-exports",
    "--out-name", NAME, "--out-dir", bound, join(split, `${NAME}.wasm`),
  ]);

  await rm(join(stagingDir, "snippets"), { recursive: true, force: true });
  if ((await readdir(bound)).includes("snippets")) {
    await cp(join(bound, "snippets"), join(stagingDir, "snippets"), { recursive: true });
  }
  await copyFile(join(bound, `${NAME}.js`), join(stagingDir, `${NAME}.js`));
  await copyFile(join(split, SPLIT_LOADER), join(stagingDir, SPLIT_LOADER));
  await Promise.all([
    step("wasm-opt on the main module", "wasm-opt", [...WASM_OPT, join(bound, `${NAME}_bg.wasm`), "-o", join(stagingDir, `${NAME}_bg.wasm`)]),
    ...later.map((name) => step(`wasm-opt on ${name}`, "wasm-opt", [...WASM_OPT, join(split, name), "-o", join(stagingDir, name)])),
  ]);
  return later;
}

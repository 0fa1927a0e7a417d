// Splits the widget's wasm of a release build. scripts/minify-release.mjs (the post_build hook in
// Trunk.toml) calls it first: trunk runs the hooks of one stage side by side. What the status
// headline needs but the reading of the carriers' answers stays in trackline-widget_bg.wasm. What
// only the reader of the proxy's readings reaches (the model's readers) becomes the module
// `reading`, what only the carriers' own readers reach (core's adapters with their typed readers)
// the module `carriers`; the one the answers need is fetched as soon as the main module runs
// (src/element.rs, src/fetch/reader.rs). What only the details below the headline reach (the
// pickup card with its opening hours and map, the timeline) becomes `details`, which the widget
// fetches once the headline is on screen (`details::load_later_part`); the overview of a key's
// shipments `overview` (`load_overview`); the views of the states an answer brings (not found,
// refused, ...) and of the form for a number `states` (`states::load_state`); code several of them reach goes to chunks. Each is a
// `#[wasm_split]` function (src/later.rs). A browser fetches each of these modules as one file,
// a pack, with the chunks it needs (`split_<name>.pack`, see `packModules`).
//
// trunk 0.21 cannot split by itself, so this redoes trunk's last steps on the wasm that cargo
// linked (build.rs links release builds of the widget with `--emit-relocs`, which the splitter
// reads):
//   1. wasm-split-cli (crate wasm_split_cli_support, installed by scripts/setup) cuts the linked
//      wasm into the main module, the later modules and `__wasm_split.js`, the JavaScript that
//      fetches a later module and instantiates it on the main module's memory and table;
//   2. wasm-bindgen makes the glue for the main module, as trunk did, keeping the exports that
//      the later modules import (`--keep-lld-exports`); `rewriteGlueAndWasm` then drops the
//      glue's classes that can have no instance and gives the names the glue and the wasm share
//      short names;
//   3. wasm-opt optimizes each module (trunk's own wasm-opt is off, index.html: it could not
//      read a module with relocations, and its result would be thrown away), and puts the main
//      module's functions in the order of their names.
// The results replace trunk's glue, snippets and wasm in the staging directory, each later module
// packed with the chunks it needs (`packModules` below); minify-release then folds
// `__wasm_split.js` and the snippets into the glue, so that the first load is still one glue
// file and one wasm.
import { execFile } from "node:child_process";
import { copyFile, cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import binaryen from "binaryen";

const run = promisify(execFile);
const NAME = "trackline-widget";
/// The file the glue imports the split module's loader from (wasm-split-cli's default name).
export const SPLIT_LOADER = "__wasm_split.js";

// The wasm features rustc's wasm32 target emits: wasm-opt's name of each, and binaryen's.
const FEATURES = [
  ["bulk-memory", ["BulkMemory", "BulkMemoryOpt"]],
  ["nontrapping-float-to-int", ["NontrappingFPToInt"]],
  ["sign-ext", ["SignExt"]],
  ["mutable-globals", ["MutableGlobals"]],
  ["reference-types", ["ReferenceTypes"]],
  ["multivalue", ["Multivalue"]],
];

// wasm-opt: -Oz, to convergence, and --low-memory-unused, which lets it fold constant offsets into
// loads and stores (1.7 KB gzip). Its assumption, that no valid address below 1024 is reached
// through a wrapped-around sum, holds for Rust's layout: the 1 MB stack sits at the bottom of
// memory and grows down, so the lowest 1 KB is only reached a kilobyte before a stack overflow,
// by plain addresses. The producers and target-features sections name the tools and the wasm
// features; a browser reads neither (0.1 KB brotli a module). The features are those rustc's
// wasm32 target emits.
const WASM_OPT = [
  "-Oz",
  "--converge",
  "--low-memory-unused",
  "--strip-producers",
  "--strip-target-features",
  ...FEATURES.map(([flag]) => `--enable-${flag}`),
];
// The main module's functions in the order of their names, which puts each generic function's
// instances side by side (every `tachys` view type's `build`, every `Vec<T>::push`, ...), where
// brotli finds their common code nearby: 2.0 KB brotli less in the first load, for the same bytes.
// The packs' modules keep wasm-opt's order: there the same sort cost 0.2-1.2 KB brotli a pack.
const MAIN_MODULE_ORDER = ["--reorder-functions-by-name"];
/// wasm-opt's options for the main module; `scripts/size --by-crate` rebuilds it with these and `-g`.
export const MAIN_MODULE_WASM_OPT = [...WASM_OPT, ...MAIN_MODULE_ORDER];

async function step(what, command, args) {
  try {
    await run(command, args, { maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const detail = error.code === "ENOENT" ? `${command} is not installed; run scripts/setup` : error.stderr || error.message;
    throw new Error(`${what} failed: ${detail}`);
  }
}

/// Replaces trunk's glue, snippets and wasm in `stagingDir` with the split build's; `sourceDir`
/// holds Cargo.toml. Returns the names of the packs, each fetched when its module is needed.
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

  await rewriteGlueAndWasm(join(bound, `${NAME}_bg.wasm`), join(bound, `${NAME}.js`));

  await rm(join(stagingDir, "snippets"), { recursive: true, force: true });
  if ((await readdir(bound)).includes("snippets")) {
    await cp(join(bound, "snippets"), join(stagingDir, "snippets"), { recursive: true });
  }
  await copyFile(join(bound, `${NAME}.js`), join(stagingDir, `${NAME}.js`));
  await Promise.all([
    step("wasm-opt on the main module", "wasm-opt", [...MAIN_MODULE_WASM_OPT, join(bound, `${NAME}_bg.wasm`), "-o", join(stagingDir, `${NAME}_bg.wasm`)]),
    ...later.map((name) => step(`wasm-opt on ${name}`, "wasm-opt", [...WASM_OPT, join(split, name), "-o", join(stagingDir, name)])),
  ]);
  const loader = await readFile(join(split, SPLIT_LOADER), "utf8");
  const { packs, loader: packedLoader } = await packModules(loader, stagingDir);
  await writeFile(join(stagingDir, SPLIT_LOADER), packedLoader);
  return packs;
}

// wasm-bindgen names each function the wasm imports from its glue by what it calls and a hash
// (`__wbg_setAttribute_2b3c4d5e6f708192`), once in the wasm's import section and once as a key of
// the glue's imports object: 12.6 KB of names for about 200 imports, 2.7 KB brotli in the wasm
// and 2.2 KB in the glue, all before the headline. Both are renamed here, in the same build, to
// short names (`a`, `b`, ..., `ba`, ...). Only the imports of the glue's own module are renamed;
// those of the snippets and of the split modules' loader keep their names. The build fails if a
// name is not found exactly once as a key of the imports object. The same goes the other way for
// the wasm's exports that wasm-bindgen names by a hash, the entry points of the closures the wasm
// hands to the page (`wasm_bindgen__convert__closures_____invoke__h75238d2ade45f7a4`), which the
// glue calls once each: they become `ca`, `cb`, ... (0.2 KB brotli). binaryen (the one wasm-opt
// is) reads and writes the wasm.
const GLUE_MODULE = `./${NAME}_bg.js`;
const HASHED_EXPORT = /^wasm_bindgen__convert__closures_____invoke__h[0-9a-f]{16}(?:_\d+)?$/;

/// Reads the glue and the wasm once, drops the classes that can have no instance
/// (`dropClassesWithoutInstances`), gives the imports and the hashed exports short names
/// (`shortenGlueNames`), and writes both once.
export async function rewriteGlueAndWasm(wasmFile, glueFile) {
  const module = binaryen.readBinary(await readFile(wasmFile));
  try {
    module.setFeatures(allFeatures());
    const files = { wasmFile, glueFile };
    let glue = await readFile(glueFile, "utf8");
    glue = dropClassesWithoutInstances(module, glue, files);
    glue = shortenGlueNames(module, glue, files);
    if (!module.validate()) throw new Error(`${wasmFile}: invalid after its glue's names were rewritten`);
    // Function names kept: `scripts/size --by-crate` reads them from this file.
    binaryen.setDebugInfo(true);
    await writeFile(wasmFile, module.emitBinary());
    await writeFile(glueFile, glue);
  } finally {
    module.dispose();
  }
}

function shortenGlueNames(module, glue, { wasmFile, glueFile }) {
  const fromGlue = [];
  for (let index = 0; index < module.getNumFunctions(); index++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(index));
    if (info.module === GLUE_MODULE) fromGlue.push(info);
  }
  for (const [index, { name, base, params, results }] of fromGlue.entries()) {
    const short = shortName(index);
    const key = new RegExp(`^(\\s+)${base}(: function\\()`, "gm");
    const found = glue.match(key)?.length ?? 0;
    if (found !== 1) {
      throw new Error(`${glueFile}: the import ${base} is a key of the imports object ${found} times, not once`);
    }
    glue = glue.replace(key, `$1${short}$2`);
    // binaryen cannot rename an import: the same function is imported again under the new name.
    module.removeFunction(name);
    module.addFunctionImport(name, GLUE_MODULE, short, params, results);
  }
  const hashed = [];
  for (let index = 0; index < module.getNumExports(); index++) {
    const info = binaryen.getExportInfo(module.getExportByIndex(index));
    if (HASHED_EXPORT.test(info.name)) hashed.push(info);
  }
  for (const [index, { name, value }] of hashed.entries()) {
    const short = `c${shortName(index)}`;
    const call = new RegExp(`\\bwasm\\.${name}\\(`, "g");
    const found = glue.match(call)?.length ?? 0;
    if (found !== 1) throw new Error(`${glueFile}: the export ${name} is called ${found} times, not once`);
    if (module.getExport(short) !== 0) throw new Error(`${wasmFile} already exports ${short}`);
    glue = glue.replace(call, `wasm.${short}(`);
    module.removeExport(name);
    module.addFunctionExport(value, short);
  }
  return glue;
}

// wasm-bindgen writes a JavaScript class for each Rust type a crate exports with #[wasm_bindgen],
// with a finalization registry and the wasm's exports of its methods, whether or not anything
// makes one. An instance comes only from the class's constructor (called from JavaScript) or from
// its `__wrap` (Rust handing one out); a class with neither can have none, and its methods can
// never be called. Leptos brings three such classes: wasm-streams' adapters of Rust streams to
// the browser's (`IntoUnderlyingSource`, `IntoUnderlyingSink`, `IntoUnderlyingByteSource`),
// which its server functions use and the widget has none of. They are dropped from the glue, and
// from the wasm the exports that only they called, so that wasm-opt then drops the code behind
// them: 1.4 KB brotli of the first load. The widget's own `Handle` (`Trackline.mount`'s result)
// has a `__wrap` and stays. The build fails if the glue is not laid out as expected, if a dropped
// class is still named, or if an export to drop is not in the wasm.
const CLASS = /^export class (\w+) \{\n[\s\S]*?^\}\n(?:if \(Symbol\.dispose\) \1\.prototype\[Symbol\.dispose\] = \1\.prototype\.free;\n)?/gm;

function dropClassesWithoutInstances(module, glue, { wasmFile, glueFile }) {
  const dropped = [];
  const without = (text, name) => {
    const found = glue.split(text).length - 1;
    if (found !== 1) throw new Error(`${glueFile}: ${name}'s code is there ${found} times, not once`);
    dropped.push(text);
    glue = glue.replace(text, "");
  };
  for (const [block, name] of [...glue.matchAll(CLASS)]) {
    if (/^ {4}constructor\(/m.test(block) || /^ {4}static __wrap\(/m.test(block)) continue;
    without(block, name);
    const registry = glue.match(
      new RegExp(`^const ${name}Finalization = \\(typeof FinalizationRegistry === 'undefined'\\)\\n.*\\n.*new FinalizationRegistry\\(.*\\);\\n`, "m"),
    );
    if (!registry) throw new Error(`${glueFile}: ${name} has no finalization registry laid out as expected`);
    without(registry[0], name);
    if (new RegExp(`\\b${name}\\b`).test(glue)) throw new Error(`${glueFile}: ${name} can have no instance but is still named`);
  }
  const called = (text) => new Set([...text.matchAll(/\bwasm\.(\w+)\(/g)].map(([, name]) => name));
  const stillCalled = called(glue);
  for (const name of [...called(dropped.join(""))].filter((name) => !stillCalled.has(name))) {
    if (module.getExport(name) === 0) throw new Error(`${wasmFile} has no export ${name}, which ${glueFile} called`);
    module.removeExport(name);
  }
  return glue;
}

/// Every wasm feature of `FEATURES`, as binaryen's bit set.
function allFeatures() {
  return FEATURES.flatMap(([, features]) => features).reduce((all, feature) => {
    if (binaryen.Features[feature] === undefined) throw new Error(`binaryen has no feature ${feature}`);
    return all | binaryen.Features[feature];
  }, 0);
}

/// `a`..`z`, then `ba`, `bb`, ...: base 26 in letters, never a digit first.
function shortName(index) {
  let name = "";
  do {
    name = String.fromCharCode(97 + (index % 26)) + name;
    index = Math.floor(index / 26);
  } while (index > 0);
  return name;
}

// wasm-split's loader fetches each module and each chunk of shared code as a file of its own:
// the readings' module came with six chunks, some of a few hundred bytes, and on HTTP/1.1 (six
// connections a host) with the carriers' requests beside them, a request had to wait for a
// connection before it could leave. So each split module becomes one file, `split_<name>.pack`:
// the module and every chunk it needs, one after the other. Each chunk is in every pack that
// needs it, so a page that loads two packs downloads the chunks they share twice: through the
// Trackline proxy, the readings' and the details' packs share about 1 KB; from a proxy that sends
// the carriers' bytes, the carriers' and the details' about 9 KB brotli, after the headline. The
// loader is rewritten to fetch the pack once and instantiate each part from it; a chunk already
// loaded with another pack is not instantiated again, and one that another pack failed to bring
// is read from this pack. A failed fetch is not remembered, as before: the next load fetches the
// pack again.
const FETCHER =
  /makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([\w.]+\.wasm)", import\.meta\.url\)\);\s*src\.catch\(\(\) => \{\}\);\s*return async \(imports\) => \(WebAssembly\.instantiateStreaming\(src, imports\)\);\s*\}\s*,\s*\[([^\]]*)\]\)/g;
const MAKE_LOAD = /function makeLoad\(fetcher, deps\) \{[\s\S]*?\n\}\n(?=\/\*|const |export )/;
const PACKED_MAKE_LOAD = `function makeLoad(fetcher, deps, pack) {
    const loader = async (source) => {
        // A split module fetches its pack; its chunks are read from the same pack.
        if (pack !== undefined) source = fetchPack(pack);
        const parallelStuff = deps.map(d => fromThisPackOnFailure(d, source));
        const instantiate = fetcher(source);
        await Promise.all(parallelStuff);
        const imports = getSharedImports();
        return instantiate(imports);
    };
    let loadingModule = undefined;
    let loadingFrom = undefined;
    const load = (source) => {
        if (loadingModule === undefined) {
            const thisLoad = loader(source);
            // Memoize successes only, so that a failed fetch is tried again on the next load.
            thisLoad.catch(() => {
                if (loadingModule === thisLoad) loadingModule = undefined;
            });
            loadingModule = thisLoad;
            loadingFrom = source;
        }
        return loadingModule;
    };
    load.from = () => loadingFrom;
    return load;
}
// A chunk that another pack's load is bringing comes from that load. Should that one fail (its
// pack could not be fetched), the chunk is loaded again, from this pack unless yet another load
// of it has started meanwhile; only a failure of this pack's own fails the module.
async function fromThisPackOnFailure(chunk, source) {
    for (;;) {
        const load = chunk(source);
        const from = chunk.from();
        try {
            return await load;
        } catch (error) {
            if (from === source) throw error;
        }
    }
}
function fetchPack(pack) {
    const early = startedPacks[pack];
    delete startedPacks[pack];
    return early ?? readPack(pack, fetch(new URL(\`./\${pack}\`, import.meta.url)));
}
// Each part of a pack is compiled as soon as the pack is here, before it is instantiated.
function readPack(pack, response) {
    const bytes = response.then((response) => {
        if (!response.ok) throw new Error(\`\${pack}: HTTP \${response.status}\`);
        return response.arrayBuffer();
    });
    bytes.catch(() => {});
    const modules = {};
    for (const [name, [offset, length]] of Object.entries(PACKS[pack])) {
        modules[name] = bytes.then((buffer) => WebAssembly.compile(new Uint8Array(buffer, offset, length)));
        modules[name].catch(() => {});
    }
    return { pack, modules };
}
function part(source, name) {
    return async (imports) => WebAssembly.instantiate(await source.modules[name], imports);
}
`;

// Packs the loader (trackline.js) started beside the wasm, read and compiled as they arrive, while
// the main module still downloads; each is taken once, and a later load fetches again. After
// `PACKS`, which they read.
const STARTED_PACKS = `
const startedPacks = {};
for (const [pack, response] of Object.entries(globalThis[Symbol.for("trackline.packs")] ?? {})) {
    if (PACKS[pack]) startedPacks[pack] = readPack(pack, response);
}
delete globalThis[Symbol.for("trackline.packs")];
`;

/// Writes a `split_<name>.pack` for each split module of `loader` (wasm-split's `__wasm_split.js`)
/// from the optimized modules in `dir`, removes the modules, and returns the packs' names and the
/// loader that reads them.
export async function packModules(loader, dir) {
  const fetchers = [...loader.matchAll(FETCHER)];
  const chunkFiles = new Map(
    [...loader.matchAll(/const (__chunk_\d+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([\w.]+)"/g)].map(
      ([, binding, file]) => [binding, file],
    ),
  );
  const modules = fetchers
    .filter(([, file]) => file.startsWith("split_"))
    .map(([, file, deps]) => ({
      file,
      pack: file.replace(/\.wasm$/, ".pack"),
      parts: [file, ...deps.split(",").map((dep) => dep.trim()).filter(Boolean).map((dep) => {
        const chunk = chunkFiles.get(dep);
        if (!chunk) throw new Error(`${SPLIT_LOADER} names ${dep} but does not define it`);
        return chunk;
      })],
    }));
  if (modules.length === 0 || fetchers.length !== modules.length + chunkFiles.size || !MAKE_LOAD.test(loader)) {
    throw new Error(`${SPLIT_LOADER} is not laid out as this script expects (wasm-split-cli's version changed?)`);
  }
  const packs = {};
  for (const { pack, parts } of modules) {
    const bytes = await Promise.all(parts.map((part) => readFile(join(dir, part))));
    const offsets = {};
    let offset = 0;
    parts.forEach((part, i) => {
      offsets[part] = [offset, bytes[i].length];
      offset += bytes[i].length;
    });
    packs[pack] = offsets;
    await writeFile(join(dir, pack), Buffer.concat(bytes));
  }
  await Promise.all([...chunkFiles.values(), ...modules.map(({ file }) => file)].map((file) => rm(join(dir, file))));
  const packOf = new Map(modules.map(({ file, pack }) => [file, pack]));
  const packed = loader
    .replace(MAKE_LOAD, PACKED_MAKE_LOAD)
    .replace(FETCHER, (_, file, deps) => {
      const pack = packOf.get(file);
      return `makeLoad((source) => part(source, ${JSON.stringify(file)}), [${deps}]${pack ? `, ${JSON.stringify(pack)}` : ""})`;
    });
  return {
    packs: Object.keys(packs),
    loader: `${packed}\nconst PACKS = ${JSON.stringify(packs)};\n${STARTED_PACKS}`,
  };
}

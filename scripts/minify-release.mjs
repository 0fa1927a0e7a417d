// Shrinks what a release build ships, as a post_build hook (Trunk.toml) on trunk's staging
// directory, before that directory becomes dist/:
// - first the wasm is split into the headline's module and the modules fetched when needed (the
//   readers of the answers, the details, the overview; scripts/split-release.mjs), each packed
//   with the chunks of code it needs into one file, and the glue is made again for the main
//   module;
// - the split modules' loader (`__wasm_split.js`) is folded into the glue like the snippets;
// - the loader (trackline.js) gets the widget's stylesheet and its placeholders' outlines, which
//   it draws while the wasm downloads (the release wasm takes the stylesheet from it), and the
//   table of which catalog serves which language tag, which
//   build.rs wrote from the widget's own table (src/i18n/languages.rs) as catalogs.json, so that
//   it starts the consumer's catalog beside the wasm, with the tag each language gives `Intl`
//   (intl-tags.json), so that the glue makes the headline's date formatters meanwhile, and the
//   proxy's route of answers ahead with the name of the readings' module, so that it asks for
//   both while the wasm downloads;
// - the glue's snippet modules (`snippets/<crate>-<hash>/inline<N>.js`, from the widget's
//   `#[wasm_bindgen(inline_js = ...)]` blocks) are folded into the glue and removed: each was
//   one more request, and one more round trip, before the widget could start;
// - every JavaScript file (wasm-bindgen's glue, its snippets and the loader), with terser; the
//   glue then gets V8's compile hint, so that its functions are compiled while the wasm downloads;
// - the language catalogs fetched on demand (locales/*.txt), down to their `key=text` lines, as
//   build.rs does for the English catalog inside the wasm: comments and blank lines are for
//   translators, and each consumer downloads one of these files;
// - then every file a browser fetches (wasm, packs, JavaScript, CSS, catalogs) gets a brotli (`.br`,
//   quality 11) and a gzip (`.gz`, level 9) copy beside it, so that a server sends the smallest
//   encoding the browser accepts without compressing on each request: `trackline demo` does
//   (tower-http's ServeDir), and docs/embedding.md shows the nginx and Caddy lines. Node's own
//   zlib makes both.
//
// trunk's own minifier cannot parse the glue's `import * as` lines and then ships the file as it
// was, with only a warning; so the glue is minified here, and a missing terser fails the build
// instead of shipping unminified files.
//
// Names that other files rely on stay as they are: terser never renames exports (trackline.js
// reads `default`, `mount`, `autoMount` and `setLocalesUrl` from the glue's module), nor
// properties (the wasm module imports the glue's functions as properties of its imports object).
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants as zlib, gzip } from "node:zlib";
import { SPLIT_LOADER, splitRelease } from "./split-release.mjs";

if (process.env.TRUNK_PROFILE !== "release") {
  // Development builds (`trunk serve`) stay readable.
  process.exit(0);
}

const stagingDir = process.env.TRUNK_STAGING_DIR;
if (!stagingDir) {
  console.error("minify-release: TRUNK_STAGING_DIR is not set; this script runs as a trunk hook (Trunk.toml)");
  process.exit(1);
}

let minify;
try {
  ({ minify } = await import("terser"));
} catch (error) {
  console.error(
    `minify-release: terser cannot be loaded (${error.code ?? error.message}); ` +
      "run scripts/setup, which installs it with npm ci from package-lock.json",
  );
  process.exit(1);
}

async function filesEndingWith(dir, ending) {
  const files = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      files.push(...(await filesEndingWith(path, ending)));
    } else if (entry.name.endsWith(ending)) {
      files.push(path);
    }
  }
  return files;
}

// The same rule as build.rs's `entries_only`: entries keep their order, with the spaces around
// `=` and at both ends dropped; a line that is neither a comment nor an entry stays, so that the
// widget's own check of a fetched catalog still reports it.
function catalogEntriesOnly(text) {
  const kept = [];
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const at = line.indexOf("=");
    kept.push(at < 0 ? line : `${line.slice(0, at).trim()}=${line.slice(at + 1).trim()}`);
  }
  return kept.map((line) => `${line}\n`).join("");
}

let later;
try {
  later = await splitRelease(stagingDir, process.env.TRUNK_SOURCE_DIR ?? process.cwd());
  console.log(`minify-release: the wasm is split; fetched when needed: ${later.join(", ")}`);
} catch (error) {
  console.error(`minify-release: cannot split the wasm: ${error.message}`);
  process.exit(1);
}

// One snippet module as an expression of the glue: its body runs in its own function scope, so
// its top-level names cannot meet the glue's, and returns the names it exports. Snippets are
// plain `export function|const|let|class` modules without imports; anything else fails the
// build, rather than shipping a glue that breaks.
function snippetAsExpression(source, file) {
  if (/^\s*import\b/m.test(source) || /^\s*export\s+(default|\{|\*)/m.test(source)) {
    throw new Error(`${file}: only \`export function|const|let|class NAME\` snippets can be folded`);
  }
  const exported = [];
  const body = source.replace(
    /^(\s*)export\s+((?:async\s+)?function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)/gm,
    (_, indent, kind, name) => {
      exported.push(name);
      return `${indent}${kind} ${name}`;
    },
  );
  return `(() => {\n${body}\nreturn { ${exported.join(", ")} };\n})()`;
}

// The glue's `import` in the split module's loader, removed.
function foldedLoader(source) {
  const glueImport = /^import\s*\{\s*initSync\s*\}\s*from\s*["']\.\/trackline-widget\.js["'];?[ \t]*$/m;
  if (!glueImport.test(source)) {
    throw new Error(`${SPLIT_LOADER} does not import initSync from the glue as this script expects`);
  }
  return source.replace(glueImport, "");
}

// Folds each snippet module into the glue, once, as `const __tracklineSnippetN = (() => ...)();`
// before its first import, and turns its import statements into plain bindings:
//   import { a, b as c } from "./snippets/.../inlineN.js";  ->  const { a, b: c } = __tracklineSnippetN;
//   import * as importN from "./snippets/.../inlineN.js";   ->  const importN = __tracklineSnippetN;
// (the second form hands the wasm a snippet's functions as one object; the wasm names that
// object by the snippet's path, a key of the glue's imports object that stays as it is).
async function foldSnippets(glueFile) {
  const glue = await readFile(glueFile, "utf8");
  const statements = new RegExp(
    `^import\\s+(\\{[^}]*\\}|\\*\\s*as\\s+[A-Za-z_$][\\w$]*)\\s*from\\s*(["'])(\\./snippets/[^"']+|\\./${SPLIT_LOADER.replace(".", "\\.")})\\2;?[ \\t]*$`,
    "gm",
  );
  const defined = new Map();
  let folded = "";
  let last = 0;
  for (const match of glue.matchAll(statements)) {
    const [statement, clause, , path] = match;
    let definition = "";
    if (!defined.has(path)) {
      const name = `__tracklineSnippet${defined.size}`;
      defined.set(path, name);
      let source = await readFile(join(stagingDir, path), "utf8");
      if (path === `./${SPLIT_LOADER}`) {
        // The split module's loader imports the glue's `initSync`, which is in scope once the
        // loader is inside the glue.
        source = foldedLoader(source);
      }
      const expression = snippetAsExpression(source, path);
      definition = `const ${name} = ${expression};\n`;
    }
    const binding = clause.startsWith("{")
      ? `{ ${clause
          .slice(1, -1)
          .split(",")
          .map((name) => name.trim())
          .filter(Boolean)
          .map((name) => name.replace(/\s+as\s+/, ": "))
          .join(", ")} }`
      : clause.replace(/^\*\s*as\s+/, "");
    folded += `${glue.slice(last, match.index)}${definition}const ${binding} = ${defined.get(path)};`;
    last = match.index + statement.length;
  }
  folded += glue.slice(last);
  if (/\bimport\b[^;\n]*["']\.\/(snippets\/|__wasm_split)/.test(folded)) {
    throw new Error(`${glueFile} still imports a snippet in a form this script does not fold`);
  }
  await writeFile(glueFile, folded);
  return defined.size;
}

// wasm-bindgen's glue, by its file's name.
const isGlue = (file) => /^trackline-widget.*\.js$/.test(basename(file));

try {
  const glues = (await readdir(stagingDir)).filter(isGlue);
  if (glues.length !== 1) {
    throw new Error(`expected one wasm-bindgen glue (trackline-widget*.js) in ${stagingDir}, found ${glues.length}`);
  }
  await foldSnippets(join(stagingDir, glues[0]));
  await rm(join(stagingDir, "snippets"), { recursive: true, force: true });
  await rm(join(stagingDir, SPLIT_LOADER));
} catch (error) {
  console.error(`minify-release: cannot fold the snippets into the glue: ${error.message}`);
  process.exit(1);
}

// The loader's empty table (`/* catalogs */ {}`) is replaced by build.rs's catalogs.json of this
// build. Its folder (build.rs's OUT_DIR) is named in the dependency list cargo wrote beside the
// linked wasm, because the wasm includes other files from there (the English catalog, the CSS).
async function writeLoaderTable(loaderFile, sourceDir) {
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(sourceDir, "target");
  const depInfo = join(targetDir, "wasm32-unknown-unknown", "release", "trackline_widget.d");
  const dependencies = (await readFile(depInfo, "utf8")).split(/(?<!\\)\s+/).map((path) => path.replace(/\\ /g, " "));
  const outDir = dependencies
    .map((path) => path.match(/^(.*[\\/]build[\\/]trackline-widget-[0-9a-f]+[\\/]out)[\\/]/)?.[1])
    .find(Boolean);
  if (!outDir) {
    throw new Error(`${depInfo} names no file of build.rs's output folder`);
  }
  const table = JSON.parse(await readFile(join(outDir, "catalogs.json"), "utf8"));
  const names = JSON.parse(await readFile(join(outDir, "language-parameters.json"), "utf8"));
  const intlTags = JSON.parse(await readFile(join(outDir, "intl-tags.json"), "utf8"));
  const rightToLeft = JSON.parse(await readFile(join(outDir, "right-to-left.json"), "utf8"));
  const answersRoute = JSON.parse(await readFile(join(outDir, "answers-route.json"), "utf8"));
  const digitalLinkKeys = JSON.parse(await readFile(join(outDir, "digital-link-keys.json"), "utf8"));
  const sessionKeyItem = JSON.parse(await readFile(join(outDir, "session-key-item.json"), "utf8"));
  // The widget's stylesheet and its placeholders' outlines, which the loader draws while the wasm
  // downloads; the release wasm takes the stylesheet from the loader (src/element.rs).
  const placeholders = {
    style: await readFile(join(outDir, "widget.css"), "utf8"),
    parcel: await readFile(join(outDir, "parcel-outline.html"), "utf8"),
    form: await readFile(join(outDir, "form-outline.html"), "utf8"),
  };
  // The readings' module, which the loader starts beside the wasm when it asks for answers ahead.
  const readingsPack = later.find((pack) => pack === "split_reading.pack");
  if (!readingsPack) {
    throw new Error(`the split build has no readings' module (split_reading.pack) among ${later.join(", ")}`);
  }
  // The main module's size, by which the loader follows its download.
  const mainModuleBytes = (await stat(join(dirname(loaderFile), "trackline-widget_bg.wasm"))).size;
  let loader = await readFile(loaderFile, "utf8");
  for (const [placeholder, value, what] of [
    ["/* catalogs */ {}", table, "the table of catalogs"],
    ["/* language parameters */ []", names, "the names of the language parameter"],
    ["/* intl tags */ {}", intlTags, "the tags given to Intl"],
    ["/* right-to-left tags */ []", rightToLeft, "the tags written right to left"],
    ["/* digital link keys */ []", digitalLinkKeys, "the GS1 Digital Link path keys"],
    ["/* session key item */ null", sessionKeyItem, "where the tab keeps an access key"],
    ["/* answers route */ null", answersRoute, "the proxy's route of answers ahead"],
    ["/* readings pack */ null", readingsPack, "the readings' module"],
    ["/* main module bytes */ 0", mainModuleBytes, "the main module's size"],
    ["/* placeholder */ null", placeholders, "the stylesheet and the placeholders' outlines"],
  ]) {
    if (!loader.includes(placeholder)) {
      throw new Error(`${loaderFile} has no \`${placeholder}\` to write ${what} into`);
    }
    // A function, so that no `$` in the stylesheet is read as a pattern of `replace`.
    loader = loader.replace(placeholder, () => JSON.stringify(value));
  }
  await writeFile(loaderFile, loader);
  return Object.keys(table).length;
}

try {
  const tags = await writeLoaderTable(join(stagingDir, "trackline.js"), process.env.TRUNK_SOURCE_DIR ?? process.cwd());
  console.log(`minify-release: the loader knows the catalogs of ${tags} language tags`);
} catch (error) {
  console.error(`minify-release: cannot write the table of catalogs into the loader: ${error.message}`);
  process.exit(1);
}

const options = {
  // Every file is an ES module: its top-level names are private and may be shortened.
  module: true,
  ecma: 2020,
  compress: { passes: 2 },
  mangle: true,
  format: { comments: false },
};

const files = await filesEndingWith(stagingDir, ".js");
if (files.length === 0) {
  console.error(`minify-release: no .js file in ${stagingDir}; the build's layout changed`);
  process.exit(1);
}
// The glue's functions are first called from the wasm, between its arrival and the headline, and
// V8 compiles a function on its first call, on the page's main thread: about 190 of them there,
// which then waits on each. V8's compile hint (Chrome 136 and later; other engines read a
// comment) has it compile the whole file as it arrives instead, while the wasm downloads and the
// thread is idle: from the main wasm to the headline 5-13 ms less on a 4x slowed CPU
// (docs/performance.md, "The glue compiled as it arrives"). It must be the file's first line.
const COMPILE_ALL_ON_LOAD = "//# allFunctionsCalledOnLoad\n";
for (const file of files) {
  const source = await readFile(file, "utf8");
  let result;
  try {
    result = await minify(source, options);
  } catch (error) {
    console.error(`minify-release: terser failed on ${file}: ${error.message}`);
    process.exit(1);
  }
  await writeFile(file, isGlue(file) ? COMPILE_ALL_ON_LOAD + result.code : result.code);
}

const catalogs = await filesEndingWith(join(stagingDir, "locales"), ".txt").catch((error) => {
  console.error(`minify-release: cannot read the catalogs in ${stagingDir}/locales: ${error.message}`);
  process.exit(1);
});
if (catalogs.length === 0) {
  console.error(`minify-release: no catalog in ${stagingDir}/locales; index.html must copy locales/`);
  process.exit(1);
}
for (const file of catalogs) {
  await writeFile(file, catalogEntriesOnly(await readFile(file, "utf8")));
}

// Compressed copies, written last so that they hold the final bytes of each file.
const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);
const COMPRESSED = [".wasm", ".pack", ".js", ".css", ".txt"];
const served = [];
for (const ending of COMPRESSED) {
  served.push(...(await filesEndingWith(stagingDir, ending)));
}
for (const file of served) {
  const bytes = await readFile(file);
  const mode = /\.(wasm|pack)$/.test(file) ? zlib.BROTLI_MODE_GENERIC : zlib.BROTLI_MODE_TEXT;
  const [br, gz] = await Promise.all([
    brotli(bytes, {
      params: {
        [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
        [zlib.BROTLI_PARAM_LGWIN]: zlib.BROTLI_MAX_WINDOW_BITS,
        [zlib.BROTLI_PARAM_MODE]: mode,
        [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
    gzipped(bytes, { level: zlib.Z_BEST_COMPRESSION }),
  ]);
  await Promise.all([writeFile(`${file}.br`, br), writeFile(`${file}.gz`, gz)]);
}

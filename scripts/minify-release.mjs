// Shrinks what a release build ships, as a post_build hook (Trunk.toml) on trunk's staging
// directory, before that directory becomes dist/:
// - every JavaScript file (wasm-bindgen's glue, its snippets and the loader), with terser;
// - the language catalogs fetched on demand (locales/*.txt), down to their `key=text` lines, as
//   build.rs does for the English catalog inside the wasm: comments and blank lines are for
//   translators, and each consumer downloads one of these files.
//
// trunk's own minifier cannot parse the glue's `import * as` lines and then ships the file as it
// was, with only a warning; so the glue is minified here, and a missing terser fails the build
// instead of shipping unminified files.
//
// Names that other files rely on stay as they are: terser never renames exports or imported
// bindings' exported names (trackline.js imports `init, { mount, autoMount }`), nor properties
// (the wasm module imports the glue's functions as properties of its imports object).
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

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
for (const file of files) {
  const source = await readFile(file, "utf8");
  let result;
  try {
    result = await minify(source, options);
  } catch (error) {
    console.error(`minify-release: terser failed on ${file}: ${error.message}`);
    process.exit(1);
  }
  await writeFile(file, result.code);
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

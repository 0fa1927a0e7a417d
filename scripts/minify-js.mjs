// Minifies every JavaScript file of a release build with terser: wasm-bindgen's glue, its
// snippets and the loader. trunk runs it as a post_build hook (Trunk.toml) on its staging
// directory, before that directory becomes dist/.
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
  console.error("minify-js: TRUNK_STAGING_DIR is not set; this script runs as a trunk hook (Trunk.toml)");
  process.exit(1);
}

let minify;
try {
  ({ minify } = await import("terser"));
} catch (error) {
  console.error(
    `minify-js: terser cannot be loaded (${error.code ?? error.message}); ` +
      "run scripts/setup, which installs it with npm ci from package-lock.json",
  );
  process.exit(1);
}

async function javascriptFiles(dir) {
  const files = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      files.push(...(await javascriptFiles(path)));
    } else if (entry.name.endsWith(".js")) {
      files.push(path);
    }
  }
  return files;
}

const options = {
  // Every file is an ES module: its top-level names are private and may be shortened.
  module: true,
  ecma: 2020,
  compress: { passes: 2 },
  mangle: true,
  format: { comments: false },
};

const files = await javascriptFiles(stagingDir);
if (files.length === 0) {
  console.error(`minify-js: no .js file in ${stagingDir}; the build's layout changed`);
  process.exit(1);
}
for (const file of files) {
  const source = await readFile(file, "utf8");
  let result;
  try {
    result = await minify(source, options);
  } catch (error) {
    console.error(`minify-js: terser failed on ${file}: ${error.message}`);
    process.exit(1);
  }
  await writeFile(file, result.code);
}

# Shared by the scripts in this folder: the environment every build and test step runs in.
# Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# cargo-installed tools (trunk, wasm-bindgen) and npm's binaryen come first on PATH. npm's
# wasm-opt must shadow any system one: Debian's binaryen 108 emits a module that dies in the
# browser with "WebAssembly.Table.set(): Argument 1 is invalid".
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# The widget's wasm keeps the source file of every panic location in its data, and cargo names
# a dependency's files by where they lie on this machine (`/home/<user>/.cargo/registry/src/…`).
# Those paths are mapped to neutral names, so that no path of the machine that built the widget
# ships in it and two machines build the same bytes (cargo's `trim-paths` would do this, but is
# not stable yet). The mapping is added to what `.cargo/config.toml` gives the wasm target, once
# however often this file is sourced: the same flags for every wasm build, so none rebuilds.
# Run `trunk build --release` after `source scripts/lib.sh` to get the same release build.
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
remap_cargo_home="--remap-path-prefix=$cargo_home/registry/src=crates --remap-path-prefix=$cargo_home/git/checkouts=git"
if [[ $cargo_home != *" "* ]]; then # cargo splits these flags at spaces
  case " ${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:-} " in
    *" $remap_cargo_home "*) ;;
    *) export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:+$CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS }$remap_cargo_home" ;;
  esac
fi
unset cargo_home remap_cargo_home

# Browser tests use Debian's Chromium and its driver.
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

# Prints a step's name, runs it, and prints how long it took; a failing step fails the script.
step() {
  local name="$1"
  shift
  local started=$SECONDS
  printf '\n==> %s\n' "$name"
  if "$@"; then
    printf '<== %s: ok (%ss)\n' "$name" "$((SECONDS - started))"
  else
    local status=$?
    printf '<== %s: FAILED with exit code %s (%ss)\n' "$name" "$status" "$((SECONDS - started))" >&2
    return "$status"
  fi
}

# The wasm-bindgen version Cargo.lock resolved: the CLI must match it exactly.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# Shared by the scripts in this folder: the environment every build and test step runs in.
# Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# cargo-installed tools (trunk, wasm-bindgen) and npm's binaryen come first on PATH. npm's
# wasm-opt must shadow any system one: Debian's binaryen 108 emits a module that dies in the
# browser with "WebAssembly.Table.set(): Argument 1 is invalid".
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

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

#!/usr/bin/env bash
# The core stays free of I/O: no browser or JS binding crate may be named
# outside src/wasm/.  Fails, listing the offending lines, otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\b(wasm_bindgen|wasm_bindgen_futures|web_sys|js_sys|gloo|gloo_net|serde_wasm_bindgen)\b'
hits=$(grep -rnE "$pattern" src --include='*.rs' | grep -v '^src/wasm/' | grep -vE '^src/lib\.rs:[0-9]+:\s*(#\[cfg\(target_arch = "wasm32"\)\]|pub mod wasm;|mod wasm;)' || true)
if [ -n "$hits" ]; then
  echo "check-core: JS/browser bindings used outside src/wasm/:"; echo "$hits"; exit 1
fi
echo "check-core: core is free of bindings ($(find src -name '*.rs' ! -path 'src/wasm/*' | wc -l) core files checked)"

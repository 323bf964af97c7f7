#!/usr/bin/env bash
# Builds the API reference of the four library modules (Autograd, DataFormats, Layers, Optim)
# as a static site, with the toolchain's own swift-symbolgraph-extract and docc (no package
# plugin), and checks it:
#
#   scripts/build_docs.sh                 # writes docs-site/ (git-ignored)
#   DOCS_OUTPUT=/tmp/site scripts/build_docs.sh
#
# It fails (exit status 1) when a public symbol has no documentation comment, listing each as
# "Sources/Module/File.swift:line: Type.member (kind)", or when docc warns (an unresolved
# ``link``, a topic that names no symbol), listing docc's warnings with their file and line.
# Serve the result with any static file server, for example
#   python3 -m http.server --directory docs-site 8000   →   http://localhost:8000/
# (DocC's pages are a web app: opened from the disk with file:// they stay blank).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
out="${DOCS_OUTPUT:-docs-site}"
work=".build/docs"
modules=(Autograd DataFormats Layers Optim)

# The tools ship with the toolchain, beside `swift`.
swift_dir="$(dirname "$(readlink -f "$(command -v swift)")")"
find_tool() {
    for candidate in "$swift_dir/$1" "$(command -v "$1" 2>/dev/null || true)" "/opt/swift/usr/bin/$1"; do
        if [[ -n "$candidate" && -x "$candidate" ]]; then echo "$candidate"; return; fi
    done
    if command -v xcrun >/dev/null 2>&1 && xcrun --find "$1" >/dev/null 2>&1; then xcrun --find "$1"; return; fi
    echo "error: $1 not found next to swift ($swift_dir) or on PATH" >&2
    exit 2
}
docc="$(find_tool docc)"
extract="$(find_tool swift-symbolgraph-extract)"

echo "== building the library modules"
swift build --target Optim 2>&1 | grep -E "error|warning|Compiling|Build complete" || true
bin="$(swift build --show-bin-path)"
triple="$(swiftc -print-target-info | sed -n 's/^ *"triple": "\(.*\)",*$/\1/p' | head -1)"
sdk_args=()
if [[ "$(uname)" == "Darwin" ]]; then sdk_args=(-sdk "$(xcrun --show-sdk-path)"); fi

echo "== extracting symbol graphs ($triple)"
rm -rf "$work"
for m in "${modules[@]}"; do
    mkdir -p "$work/$m"
    "$extract" -module-name "$m" -target "$triple" "${sdk_args[@]}" -I "$bin/Modules" -I "$bin" \
        -Xcc "-fmodule-map-file=$bin/CKernels.build/module.modulemap" -Xcc -I -Xcc "$root/Sources/CKernels/include" \
        -minimum-access-level public -skip-synthesized-members -output-dir "$work/$m"
done

status=0
echo "== documentation coverage"
if ! swift scripts/DocCoverage.swift "$root" "${modules[@]/#/$work/}"; then status=1; fi

echo "== docc"
rm -rf "$out"
mkdir -p "$out"
warnings="$work/docc-warnings.txt"
: > "$warnings"
for m in "${modules[@]}"; do
    log="$work/docc-$m.log"
    if ! "$docc" convert "Sources/$m/$m.docc" --additional-symbol-graph-dir "$work/$m" --output-dir "$out/$m" \
        --fallback-display-name "$m" --fallback-bundle-identifier "autograd.$m" \
        --transform-for-static-hosting --hosting-base-path "$m" --enable-inherited-docs \
        --disable-parameters-and-returns-validation >"$log" 2>&1; then
        cat "$log" >&2
        echo "error: docc failed for $m" >&2
        status=1
    fi
    # "warning: message" followed by "  --> ../File.swift:24:37-24:40" (relative to the catalog)
    # becomes "Sources/Module/File.swift:24: warning: message".
    awk -v catalog="Sources/$m/$m.docc" '
        /^(warning|error): / { if (pending != "") print pending; pending = $0; next }
        /^ *--> / && pending != "" {
            split($2, parts, ":"); file = parts[1]; line = parts[2]
            n = split(catalog "/" file, pieces, "/"); out = ""; depth = 0
            for (i = 1; i <= n; i++) {
                if (pieces[i] == "..") { depth--; continue }
                kept[depth++] = pieces[i]
            }
            for (i = 0; i < depth; i++) out = out (i ? "/" : "") kept[i]
            print out ":" line ": " pending; pending = ""; next
        }
        END { if (pending != "") print pending }' "$log" >> "$warnings"
done
if [[ -s "$warnings" ]]; then
    sort -u "$warnings" -o "$warnings"
    echo "docc warnings ($(wc -l < "$warnings")):"
    cat "$warnings"
    echo "(docc's full messages, with the fixes it suggests, are in $work/docc-<Module>.log)"
    status=1
else
    echo "docc: no warnings"
fi

cat > "$out/index.html" <<HTML
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Autograd API reference</title>
<style>body{font:16px/1.5 -apple-system,system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em}</style></head>
<body><h1>Autograd API reference</h1><ul>
<li><a href="Autograd/documentation/autograd/">Autograd</a>: tensors, the tape, ops and their rules, gradient checks (start here; "Coming from PyTorch" is in it)</li>
<li><a href="Layers/documentation/layers/">Layers</a>: modules, layers, losses, initializers, saving</li>
<li><a href="Optim/documentation/optim/">Optim</a>: optimizers, schedules, fit, checkpoints</li>
<li><a href="DataFormats/documentation/dataformats/">DataFormats</a>: CSV, IDX, npy, safetensors, preprocessing</li>
</ul></body></html>
HTML

if [[ $status -eq 0 ]]; then
    echo "API reference written to $out/ (serve it: python3 -m http.server --directory $out 8000)"
else
    echo "API reference written to $out/, but it is incomplete: see the lists above" >&2
fi
exit $status

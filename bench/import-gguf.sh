#!/usr/bin/env bash
# Wall time of `cellar import-gguf` on the SmolLM2 GGUF, fp16 and fp32 (release build).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product cellar >/dev/null
gguf=bundles/SmolLM2-135M-Instruct.Q4_1.gguf
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for dtype in f16 f32; do
    start=$(date +%s.%N)
    .build/release/cellar import-gguf "$gguf" -o "$out/$dtype" --dtype "$dtype" >/dev/null
    end=$(date +%s.%N)
    size=$(du -sm "$out/$dtype" | cut -f1)
    printf 'import-gguf %s: %.2f s, %s MB\n' "$dtype" "$(echo "$end - $start" | bc)" "$size"
done

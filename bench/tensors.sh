#!/usr/bin/env bash
# f16/bf16 conversion and GGUF dequantization throughput (one core), on the SmolLM2 GGUF.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-O -module-name Tensors)
[ "$(uname -m)" = x86_64 ] && flags+=(-target-cpu haswell)
swiftc "${flags[@]}" $(find Sources/Tensors -name '*.swift') bench/tensors/main.swift -o "$out/bench"
"$out/bench" bundles/SmolLM2-135M-Instruct.Q4_1.gguf

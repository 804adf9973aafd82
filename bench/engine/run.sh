#!/bin/sh
# Prefill (128/512/1024 tokens) and decode tokens/s of SmolLM2-135M Q4_1 through the engine, at
# 2 cores, release build; then llama.cpp on the same GGUF for comparison when its venv exists.
# Run on a quiet machine: llama.cpp's threads spin-wait.
set -e
cd "$(dirname "$0")/../.."
swift build -c release --build-tests -Xswiftc -enable-testing >/dev/null
for d in 1 2; do
  CELLAR_BENCH=1 CELLAR_BENCH_DEVICES=$d swift test -c release --skip-build -Xswiftc -enable-testing \
    --filter EngineBenchmark 2>&1 | sed -n '/ENGINE BENCH/,/tokens\/s$/p'
done
PY=/root/.cache/cellar/llama-venv/bin/python
[ -x "$PY" ] && "$PY" bench/engine/llamacpp_speed.py bundles/SmolLM2-135M-Instruct.Q4_1.gguf || true

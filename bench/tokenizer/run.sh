#!/bin/sh
# Tokenizer MB/s: ours (release) against the Python `tokenizers` library, same text, same machine.
# usage: bench/tokenizer/run.sh [TOKENIZER_DIR...]   (default: gpt2, llama-2-7b, smollm2 from ../shared)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${CELLAR_SHARED:-$root/../shared}
cd "$root"
swift build -c release --target Text >/dev/null
bin=.build/release/tokenizer-bench
swiftc -O -I .build/release/Modules bench/tokenizer/main.swift \
    .build/release/Text.build/*.o .build/release/Tensors.build/*.o -o "$bin"
text=$(mktemp /tmp/cellar-bench-XXXXXX.txt)
trap 'rm -f "$text"' EXIT
python3 bench/tokenizer/make_text.py "$text" 4000000
echo "text: $(wc -c < "$text") bytes, $(wc -l < "$text") lines; $(nproc) cores"
models=${*:-"$shared/tokenizers/gpt2 $shared/tokenizers/llama-2-7b $shared/tokenizers/smollm2-135m-instruct"}
for m in $models; do
    echo "== $(basename "$m")"
    echo "  cellar:               $("$bin" "$m" "$text")"
    echo "  tokenizers 1 thread:  $(TOKENIZERS_PARALLELISM=false python3 bench/tokenizer/hf_bench.py "$m/tokenizer.json" "$text")"
    echo "  tokenizers parallel:  $(python3 bench/tokenizer/hf_bench.py "$m/tokenizer.json" "$text")"
done

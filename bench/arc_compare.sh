#!/usr/bin/env bash
# ARC-Easy acc_norm: Cellar (recipes/arc-easy.toml, its AWQ path; and choose straight on the
# GGUF) against llama.cpp on the same GGUF (scripts/reference/arc_llamacpp.py), on the first
# N rows (default: all 2,376). Run on a quiet machine; writes bench/results/arc-N.json.
#   bench/arc_compare.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
n=${1:-0}
data=$(cd ../shared/data && pwd)/arc_easy_test.jsonl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/recipes" bench/results
if [ "$n" -gt 0 ]; then head -n "$n" "$data" > "$work/arc.jsonl"; else cp "$data" "$work/arc.jsonl"; fi
rows=$(wc -l < "$work/arc.jsonl")
gguf="$repo/bundles/SmolLM2-135M-Instruct.Q4_1.gguf"

# The recipe with absolute paths and the repository's artifacts (its cache: install, import,
# quantize and load are usually already there); the second variant scores on the GGUF itself.
sed -e "s#\"\\.\\./bundles/#\"$repo/bundles/#" -e "s#\"\\.\\./data/#\"$repo/data/#" \
    -e "s#\"\\.\\./\\.\\./shared/data/arc_easy_test.jsonl\"#\"$work/arc.jsonl\"#" \
    -e "s#^artifacts = .*#artifacts = \"$repo/artifacts\"#" -e "s#^name = .*#name = \"arc-easy-$rows\"#" \
    recipes/arc-easy.toml > "$work/recipes/awq.toml"
sed -e "s#^name = .*#name = \"arc-easy-gguf-$rows\"#" \
    -e "/^id = \"choose\"/,/^\$/ s#^model = .*#model = \"$gguf\"#" \
    -e "/^id = \"choose\"/,/^\$/ s#^tokenizer = .*#tokenizer = \"$gguf\"#" \
    "$work/recipes/awq.toml" > "$work/recipes/gguf.toml"

metric() { python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['accuracy'])" "$1"; }
manifest_metric() {   # the eval cell's metrics.json through the manifest
  python3 - "$1" <<'PY'
import json, sys, os
m = json.load(open(sys.argv[1])); p = m["predicate"]
cell = [c for c in p["cells"] if c["id"] == "eval"][0]
root = os.path.join(os.path.dirname(sys.argv[1]), p["cache"], cell["key"], "metrics.json")
print(json.load(open(root))["accuracy"])
PY
}
start=$(date +%s.%N)
.build/release/cellar run "$work/recipes/awq.toml" --quiet
t_awq=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
.build/release/cellar run "$work/recipes/gguf.toml" --quiet
t_gguf=$(echo "$(date +%s.%N) - $start" | bc)
awq=$(manifest_metric "artifacts/arc-easy-$rows/manifest.json")
ours=$(manifest_metric "artifacts/arc-easy-gguf-$rows/manifest.json")
start=$(date +%s.%N)
/root/.cache/cellar/llama-venv/bin/python scripts/reference/arc_llamacpp.py "$gguf" "$work/arc.jsonl" \
    --threads "${LLAMA_THREADS:-2}" --out "$work/llama.json"
t_llama=$(echo "$(date +%s.%N) - $start" | bc)
llama=$(metric "$work/llama.json")
python3 - "$rows" "$awq" "$ours" "$llama" "$t_awq" "$t_gguf" "$t_llama" <<'PY' | tee "bench/results/arc-$rows.json"
import json, sys
rows, awq, ours, llama, ta, tg, tl = sys.argv[1:]
print(json.dumps({"rows": int(rows), "cellar_awq_recipe": float(awq), "cellar_gguf": float(ours), "llamacpp_gguf": float(llama),
                  "difference_points_gguf": round(100 * (float(ours) - float(llama)), 2),
                  "difference_points_awq_recipe": round(100 * (float(awq) - float(llama)), 2),
                  "seconds": {"cellar_awq_recipe": float(ta), "cellar_gguf": float(tg), "llamacpp": float(tl)}}, indent=1))
PY

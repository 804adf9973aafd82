#!/usr/bin/env python3
"""How far apart the classification job's probabilities are, and why: Cellar, llama.cpp with flash
attention on and off, and an exact float64 computation of the same GGUF weights
(scripts/reference/float_forward.py), on the prompts of a `bench/run` result.

    bench/exactness.py bench/results/<date>.json [--exact 20] [--llama-other FILE]

It reads the run's probabilities (Cellar's and llama.cpp's classification setting), runs llama.cpp
in its other flash-attention setting on the same prompts (or reads FILE, a `llama_job.py classify`
output), and the exact computation on the `--exact` prompts where Cellar and llama.cpp differ most
plus evenly spaced others. Writes bench/results/exactness-<date>.json and prints the summary.
The prompts are the run's bench/results/work/prompts.jsonl (deterministic from the bench's seed).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENV_PYTHON = os.path.join(os.environ.get("CELLAR_LLAMA_VENV", "/root/.cache/cellar/llama-venv"), "bin", "python")


def spread(a, b):
    """Per prompt, the largest |ΔP| over the choices; summarised."""
    d = [max(abs(x - y) for x, y in zip(p, q)) for p, q in zip(a, b)]
    return {"max": max(d), "median": statistics.median(d),
            "over_0.03": sum(x > 0.03 for x in d), "prompts": len(d)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--exact", type=int, default=20, help="prompts the exact computation runs on")
    ap.add_argument("--llama-other", help="llama_job.py classify output for the other flash-attention setting")
    args = ap.parse_args()
    run = json.load(open(args.results))
    setting = run["classify_llama_setting"]
    other = "llama-fa-off" if setting == "llama-fa-on" else "llama-fa-on"
    probs = {k.split("/")[0]: [p for r in v for p in r["classify"]["probs"]]
             for k, v in run["runs"].items() if k.endswith("/classify")}
    work = os.path.join(HERE, "results", "work")
    prompts_file = os.path.join(work, "prompts.jsonl")
    prompts = [json.loads(line)["ids"] for line in open(prompts_file)]
    assert len(prompts) == len(probs["cellar"]), "bench/results/work/prompts.jsonl is not this run's prompt set"
    model = os.path.join(ROOT, "bundles", run["model"])
    choices = [49, 50, 36521]   # "A", "B", "tie" in SmolLM2's vocabulary, as bench.py tokenizes them

    if args.llama_other:
        probs[other] = json.load(open(args.llama_other))["classify"]["probs"]
    else:
        job = {"job": "classify", "model": model, "threads": run["threads"], "flash_attn": other == "llama-fa-on",
               "prompts_file": prompts_file, "choices": choices}
        out = subprocess.run([VENV_PYTHON, os.path.join(HERE, "llama_job.py"), json.dumps(job)],
                             check=True, capture_output=True, text=True).stdout
        probs[other] = json.loads(out)["classify"]["probs"]

    # The exact computation on the prompts where Cellar and llama.cpp differ most, and a spread of others.
    gaps = [max(abs(x - y) for x, y in zip(p, q)) for p, q in zip(probs["cellar"], probs[setting])]
    worst = sorted(range(len(prompts)), key=lambda i: -gaps[i])[: args.exact // 2]
    step = max(1, len(prompts) // max(1, args.exact - len(worst)))
    picked = sorted(set(worst) | set(range(0, len(prompts), step)))[: args.exact]
    subset = os.path.join(work, "exact-prompts.jsonl")
    with open(subset, "w") as f:
        for i in picked:
            f.write(json.dumps({"ids": prompts[i]}) + "\n")
    exact_out = os.path.join(work, "exact-probs.json")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "reference", "float_forward.py"), model, subset,
                    exact_out, "--choices", ",".join(map(str, choices))], check=True, stderr=subprocess.DEVNULL)
    exact = json.load(open(exact_out))["probs"]

    def on(name):
        return [probs[name][i] for i in picked]

    summary = {
        "all_prompts": {
            f"cellar vs {setting}": spread(probs["cellar"], probs[setting]),
            f"cellar vs {other}": spread(probs["cellar"], probs[other]),
            "llama-fa-on vs llama-fa-off": spread(probs["llama-fa-on"], probs["llama-fa-off"]),
        },
        "exact_subset": {
            "prompts": picked,
            "cellar vs exact": spread(on("cellar"), exact),
            "llama-fa-on vs exact": spread(on("llama-fa-on"), exact),
            "llama-fa-off vs exact": spread(on("llama-fa-off"), exact),
        },
    }
    date = os.path.basename(args.results).removesuffix(".json")
    path = os.path.join(HERE, "results", f"exactness-{date}.json")
    json.dump({"results": os.path.basename(args.results), "summary": summary,
               "probs": {other: probs[other], "exact": exact}}, open(path, "w"), indent=1)
    for part, rows in summary.items():
        for name, s in rows.items():
            if name != "prompts":
                print(f"{part:13} {name:28} max |ΔP| {s['max']:.6f}  median {s['median']:.4f}  "
                      f"over 0.03: {s['over_0.03']}/{s['prompts']}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

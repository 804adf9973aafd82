"""bench/run's driver: Cellar against llama.cpp on the same GGUF, prompts and thread count,
one engine at a time (alternating), medians and ratios on stdout, everything in a JSON file.
Runs under the llama-cpp-python venv (for llama.cpp's tokenizer). See bench/README.md."""
import argparse, json, os, random, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at which "
         "but have an they you were her she there been one all we their has would when if so no what "
         "can out other into more some could time these two may then do first any my now such like our "
         "over man me even most made after also did many before must through back years where much your "
         "way well down should because each just those people how too little state good very make world "
         "still own see men work long get here between both life being under never day same another know "
         "while last might us great old year off come since against go came right used take three model "
         "answer question data function value system number python error code list result memory speed "
         "train test loss batch layer token prompt user response better clear correct detail example").split()

def sentence(rng):
    n = rng.randint(6, 18)
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.3:
        words.insert(rng.randint(0, n), str(rng.randint(2, 2048)))
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "?", "!"])

SYSTEM = ("You are a careful judge of chatbot answers. Read the user's question and two responses, "
          "then say which response is better: answer A, B or tie.")

def chat(system, user):
    return (f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
            f"<|im_start|>assistant\n")

def synthesize(tokenize, count, seed, lo, hi):
    """Arena-style prompts (question, response A, response B) of lo..hi tokens, deterministic."""
    rng = random.Random(seed)
    prompts = []
    for _ in range(count):
        target = rng.randint(lo, hi)
        parts = {"q": [sentence(rng)], "a": [sentence(rng)], "b": [sentence(rng)]}
        def render():
            user = ("[User Question]\n" + " ".join(parts["q"]) + "\n\n[Response A]\n" + " ".join(parts["a"])
                    + "\n\n[Response B]\n" + " ".join(parts["b"]) + "\n\nWhich response is better? Answer A, B or tie.")
            return tokenize(chat(SYSTEM, user))
        ids = render()
        while len(ids) < target:
            parts[rng.choice("qaabb")].append(sentence(rng))
            ids = render()
        prompts.append(ids)
    return prompts

def run_json(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd[:2])} {cmd[2][:60]}... failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])

def loadavg():
    return os.getloadavg()[0]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cellar", default=os.path.join(ROOT, ".build/release/cellar"))
    ap.add_argument("--model", default=os.path.join(ROOT, "bundles/SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--awq", default="", help="AWQ model folder (import → quantize group 32); empty: skip")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--devices", type=int, default=1, help="Cellar devices (tensor split)")
    ap.add_argument("--rounds", type=int, default=2, help="alternations per prefill/decode job")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats inside each process")
    ap.add_argument("--prompts", type=int, default=200)
    ap.add_argument("--chunks", type=int, default=4, help="classification alternates engines per chunk")
    ap.add_argument("--flash-attn", default="both", choices=["both", "on", "off"])
    ap.add_argument("--skip", default="", help="comma list of jobs to skip: prefill,decode,classify")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    import llama_cpp
    vocab = llama_cpp.Llama(model_path=args.model, vocab_only=True, verbose=False)
    tokenize = lambda s: vocab.tokenize(s.encode(), add_bos=False, special=True)
    rng = random.Random(7)
    text = " ".join(sentence(rng) for _ in range(400))
    ids = tokenize(text)[:1100]
    prompts = synthesize(tokenize, args.prompts, 11, 200, 1000)
    choices = [tokenize(c)[0] for c in ("A", "B", "tie")]
    work = os.path.join(HERE, "results", "work")
    os.makedirs(work, exist_ok=True)
    idsFile = os.path.join(work, "ids.txt")
    open(idsFile, "w").write(" ".join(map(str, ids)))
    fa_settings = {"both": [False, True], "on": [True], "off": [False]}[args.flash_attn]

    print("bench: the machine must be quiet: llama.cpp's threads spin-wait, so any other busy process "
          f"distorts its figures. Load average now {loadavg():.2f} on {os.cpu_count()} cores.", flush=True)
    cellar_models = [("cellar", args.model)] + ([("cellar-awq", args.awq)] if args.awq else [])
    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "threads": args.threads,
               "devices": args.devices, "model": os.path.basename(args.model), "awq": args.awq,
               "load_average_start": loadavg(), "runs": {}}

    def llama(job, fa, **extra):
        a = {"job": job, "model": args.model, "threads": args.threads, "flash_attn": fa, **extra}
        return run_json([sys.executable, os.path.join(HERE, "llama_job.py"), json.dumps(a)])

    def cellar(job, model, *extra, stdin=None):
        return run_json([args.cellar, "debug", "bench", job, model, "--threads", str(args.threads),
                         "--devices", str(args.devices), "--repeats", str(args.repeats), *extra])

    raw = open(os.path.join(work, "raw.jsonl"), "a")
    def record(name, r):
        # Also appended as it comes, so an interrupted run keeps what it measured.
        results["runs"].setdefault(name, []).append(r)
        raw.write(json.dumps({"run": name, "date": time.strftime("%H:%M:%S", time.gmtime()),
                              "load": loadavg(), **{k: v for k, v in r.items() if k != "classify"},
                              **({"classify_seconds": r["classify"]["seconds"], "classify_prompts": r["classify"]["prompts"]}
                                 if "classify" in r else {})}) + "\n")
        raw.flush()

    engines = [f"llama-fa-{'on' if fa else 'off'}" for fa in fa_settings] + [n for n, _ in cellar_models]
    # Prefill and decode: every round runs each engine once, one after the other.
    for rnd in range(args.rounds):
        for fa in fa_settings:
            name = f"llama-fa-{'on' if fa else 'off'}"
            if "prefill" not in skip:
                record(name + "/prefill", llama("prefill", fa, ids=ids, tokens=[128, 512, 1024], repeats=args.repeats))
            if "decode" not in skip:
                record(name + "/decode", llama("decode", fa, ids=ids, context=128, steps=64, repeats=args.repeats))
            time.sleep(0.3)
        for name, model in cellar_models:
            if "prefill" not in skip:
                record(name + "/prefill", cellar("prefill", model, "--ids", idsFile, "--tokens", "128,512,1024"))
            if "decode" not in skip:
                record(name + "/decode", cellar("decode", model, "--ids", idsFile, "--context", "128", "--steps", "64"))
            time.sleep(0.3)
        print(f"bench: round {rnd + 1}/{args.rounds} of prefill/decode done (load {loadavg():.2f})", flush=True)

    summary = {}
    def med(xs): return statistics.median(xs) if xs else float("nan")
    for e in engines:
        pre = results["runs"].get(e + "/prefill", [])
        for n in (128, 512, 1024):
            secs = [s for r in pre for row in r["prefill"] if row["tokens"] == n for s in row["seconds"]]
            if secs: summary.setdefault(e, {})[f"prefill_{n}_tps"] = n / med(secs)
        dec = results["runs"].get(e + "/decode", [])
        secs = [s for r in dec for s in r["decode"]["seconds"]]
        if secs: summary.setdefault(e, {})["decode_tps"] = dec[0]["decode"]["steps"] / med(secs)
    llamas = [e for e in engines if e.startswith("llama")]
    def best_llama(key):
        vals = [(summary.get(e, {}).get(key, 0), e) for e in llamas]
        return max(vals) if vals else (0, None)

    # Classification: the better flash-attention setting of prefill at 512 (or the only one).
    fa_class = best_llama("prefill_512_tps")[1] or f"llama-fa-{'on' if fa_settings[-1] else 'off'}"
    if "classify" not in skip:
        prompt_file = os.path.join(work, "prompts.jsonl")
        with open(prompt_file, "w") as f:
            for p in prompts: f.write(json.dumps({"ids": p}) + "\n")
        bounds = [len(prompts) * c // args.chunks for c in range(args.chunks + 1)]
        probs = {}
        for c in range(args.chunks):
            chunk = prompts[bounds[c]:bounds[c + 1]]
            cf = os.path.join(work, f"chunk{c}.jsonl")
            with open(cf, "w") as f:
                for p in chunk: f.write(json.dumps({"ids": p}) + "\n")
            r = llama("classify", fa_class == "llama-fa-on", prompts_file=cf, choices=choices)
            record(fa_class + "/classify", r); probs.setdefault(fa_class, []).extend(r["classify"]["probs"])
            time.sleep(0.3)
            for name, model in cellar_models:
                r = cellar("classify", model, "--prompts", cf, "--choices", ",".join(map(str, choices)))
                record(name + "/classify", r); probs.setdefault(name, []).extend(r["classify"]["probs"])
            print(f"bench: classification chunk {c + 1}/{args.chunks} done (load {loadavg():.2f})", flush=True)
        for e in [fa_class] + [n for n, _ in cellar_models]:
            rs = results["runs"][e + "/classify"]
            s = summary.setdefault(e, {})
            s["classify_prompts_per_s"] = sum(r["classify"]["prompts"] for r in rs) / sum(r["classify"]["seconds"] for r in rs)
            s["classify_chunk_median_prompts_per_s"] = med([r["classify"]["prompts"] / r["classify"]["seconds"] for r in rs])
            s["classify_tokens_per_s"] = sum(r["classify"]["tokens"] for r in rs) / sum(r["classify"]["seconds"] for r in rs)
            s["classify_peak_rss_mib"] = max(r["peak_rss_bytes"] for r in rs) / 2**20
        for name, _ in cellar_models:
            deltas = [max(abs(x - y) for x, y in zip(a, b)) for a, b in zip(probs[name], probs[fa_class])]
            summary[name]["max_abs_dP"] = max(deltas)
            summary[name]["median_abs_dP"] = med(deltas)
            summary[name]["prompts_over_0.03"] = sum(d > 0.03 for d in deltas)
            summary[name]["argmax_agree"] = sum(max(range(3), key=a.__getitem__) == max(range(3), key=b.__getitem__)
                                                for a, b in zip(probs[name], probs[fa_class]))
        results["classify_tokens"] = sum(len(p) for p in prompts)
        results["classify_llama_setting"] = fa_class
    for e in engines:
        rss = [r["peak_rss_bytes"] for k, rs in results["runs"].items() if k.startswith(e + "/") for r in rs]
        if rss: summary.setdefault(e, {})["peak_rss_mib"] = max(rss) / 2**20

    # Cellar's achieved GFLOP/s against the sgemm ceiling it measures itself.
    ceiling = run_json([args.cellar, "debug", "bench", "sgemm", "--threads", str(args.threads)])["gflops"]
    cfg = {"layers": 30, "hidden": 576, "ffn": 1536, "q": 576, "kv": 192, "vocab": 49152}
    per_token = 2 * cfg["layers"] * (cfg["hidden"] * (cfg["q"] + 2 * cfg["kv"]) + cfg["q"] * cfg["hidden"] + 3 * cfg["hidden"] * cfg["ffn"])
    def flops(n):  # one sequence of n tokens, logits at the last one
        attention = cfg["layers"] * 2 * 2 * cfg["q"] * n * (n + 1) / 2
        return per_token * n + attention + 2 * cfg["vocab"] * cfg["hidden"]
    results["sgemm_ceiling_gflops"] = ceiling
    for name, _ in cellar_models:
        s = summary.get(name, {})
        if "prefill_512_tps" in s:
            s["prefill_512_gflops"] = flops(512) / (512 / s["prefill_512_tps"]) / 1e9
        if "classify_prompts_per_s" in s:
            total = sum(flops(len(p)) for p in prompts)
            s["classify_gflops"] = total / (len(prompts) / s["classify_prompts_per_s"]) / 1e9
        s["sgemm_ceiling_gflops"] = ceiling
    results["summary"] = summary
    results["load_average_end"] = loadavg()

    keys = ["prefill_128_tps", "prefill_512_tps", "prefill_1024_tps", "decode_tps", "classify_prompts_per_s",
            "classify_chunk_median_prompts_per_s", "peak_rss_mib", "classify_peak_rss_mib"]
    print(f"\nmedians, {args.threads} threads; llama.cpp = the better of {', '.join(llamas)} per figure"
          f" (classification: {fa_class}); machine load {results['load_average_start']:.2f} → {results['load_average_end']:.2f}")
    print(f"{'figure':38}" + "".join(f"{e:>16}" for e in engines) + "".join(f"{'ratio ' + n:>18}" for n, _ in cellar_models))
    results["ratios"] = {}
    for k in keys:
        vals = [summary.get(e, {}).get(k) for e in engines]
        if all(v is None for v in vals): continue
        lower_better = "rss" in k
        ref = [summary.get(e, {}).get(k) for e in llamas]
        ref = [v for v in ref if v is not None]
        best = (min(ref) if lower_better else max(ref)) if ref else None
        line = f"{k:38}" + "".join(f"{v:16.2f}" if v is not None else f"{'-':>16}" for v in vals)
        for n, _ in cellar_models:
            v = summary.get(n, {}).get(k)
            ratio = v / best if v is not None and best else None
            results["ratios"].setdefault(n, {})[k] = ratio
            line += f"{ratio:18.2f}" if ratio is not None else f"{'-':>18}"
        print(line)
    for n, _ in cellar_models:
        s = summary.get(n, {})
        if "max_abs_dP" in s:
            print(f"{n}: max |ΔP| vs llama.cpp {s['max_abs_dP']:.4f} (median {s['median_abs_dP']:.4f}, "
                  f"{s['prompts_over_0.03']} prompts over 0.03, argmax agrees on {s['argmax_agree']}/{len(prompts)})")
        if "prefill_512_gflops" in s:
            print(f"{n}: {s['prefill_512_gflops']:.1f} GFLOP/s at prefill 512"
                  + (f", {s['classify_gflops']:.1f} in classification" if "classify_gflops" in s else "")
                  + f"; sgemm ceiling (M=512,K=576,N=1536, {args.threads} threads) {ceiling:.1f} GFLOP/s")
    out = args.out or os.path.join(HERE, "results", time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + ".json")
    with open(out, "w") as f: json.dump(results, f, indent=1)
    print(f"bench: results in {os.path.relpath(out, ROOT)}")

main()

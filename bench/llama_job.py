"""The llama.cpp half of bench/run: one job per process, one JSON object on stdout, the same
schema as `cellar debug bench JOB`. Runs under the llama-cpp-python venv."""
import json, math, resource, sys, time
import llama_cpp

def main():
    a = json.loads(sys.argv[1])
    t0 = time.perf_counter()
    llm = llama_cpp.Llama(model_path=a["model"], n_ctx=a.get("n_ctx", 2048), n_threads=a["threads"],
                          n_threads_batch=a["threads"], flash_attn=a["flash_attn"], verbose=False)
    out = {"job": a["job"], "threads": a["threads"], "flash_attn": a["flash_attn"],
           "load_seconds": time.perf_counter() - t0}
    job = a["job"]
    if job == "prefill":
        ids = a["ids"]
        rows = []
        for n in a["tokens"]:
            times = []
            for r in range(a["repeats"] + 1):
                llm.reset()
                t = time.perf_counter()
                llm.eval(ids[:n])
                if r > 0:
                    times.append(time.perf_counter() - t)
            rows.append({"tokens": n, "seconds": times})
        out["prefill"] = rows
    elif job == "decode":
        ids, ctx, steps = a["ids"], a["context"], a["steps"]
        times = []
        for _ in range(a["repeats"]):
            llm.reset()
            llm.eval(ids[:ctx])
            t = time.perf_counter()
            for s in range(steps):
                llm.eval([ids[ctx + s]])
            times.append(time.perf_counter() - t)
        out["decode"] = {"steps": steps, "context": ctx, "seconds": times}
    elif job == "classify":
        # The prompts come as a JSONL file of {"ids": [...]} (a chunk of 50 is too long for argv).
        prompts = [json.loads(l)["ids"] for l in open(a["prompts_file"]) if l.strip()]
        choices = a["choices"]
        probs = []
        t = time.perf_counter()
        previous = []
        for ids in prompts:
            # llama-cpp-python's own generate() reuses the KV cache of the longest prefix shared
            # with the previous prompt; do the same (eval drops the cache past n_tokens).
            keep = 0
            while keep < min(len(previous), len(ids)) - 1 and previous[keep] == ids[keep]:
                keep += 1
            llm.n_tokens = keep
            llm.eval(ids[keep:])
            previous = ids
            # llama-cpp-python no longer copies logits into llm.scores unless logits_all: read
            # the last position's row straight from the context.
            logits = llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)
            sel = [float(logits[c]) for c in choices]
            m = max(sel)
            e = [math.exp(x - m) for x in sel]
            s = sum(e)
            probs.append([x / s for x in e])
        out["classify"] = {"prompts": len(prompts), "tokens": sum(len(p) for p in prompts),
                           "seconds": time.perf_counter() - t, "probs": probs}
    out["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(out))

main()

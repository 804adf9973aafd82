"""llama.cpp prefill and decode tokens/s on a GGUF at 2 threads (flash attention on and off)."""
import random
import sys
import time

from llama_cpp import Llama

for flash in (False, True):
    llm = Llama(model_path=sys.argv[1], n_ctx=2048, n_batch=2048, n_threads=2, flash_attn=flash, verbose=False)
    out = []
    for n in (128, 512, 1024):
        best = float("inf")
        for _ in range(3):
            ids = [random.randrange(100, 40000) for _ in range(n)]
            llm.reset(); t0 = time.perf_counter(); llm.eval(ids); best = min(best, time.perf_counter() - t0)
        out.append(f"prefill {n}: {n / best:.0f} tokens/s")
    llm.reset(); llm.eval([random.randrange(100, 40000) for _ in range(64)])
    t0 = time.perf_counter()
    for _ in range(100):
        llm.eval([random.randrange(100, 40000)])
    out.append(f"decode: {100 / (time.perf_counter() - t0):.1f} tokens/s")
    print(f"LLAMA.CPP (flash_attn={flash}):\n" + "\n".join(out))

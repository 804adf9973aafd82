"""MB/s of the Python `tokenizers` library on the benchmark text, one line per encode, best of
three. usage: hf_bench.py TOKENIZER_JSON TEXT_FILE (TOKENIZERS_PARALLELISM=false for one thread)."""
import sys
import time

from tokenizers import Tokenizer

tok = Tokenizer.from_file(sys.argv[1])
text = open(sys.argv[2], encoding="utf-8").read()
lines = text.split("\n")
size = len(text.encode("utf-8"))
best, count = None, 0
for _ in range(3):
    t0 = time.perf_counter()
    enc = tok.encode_batch(lines, add_special_tokens=False)
    dt = time.perf_counter() - t0
    count = sum(len(e.ids) for e in enc)
    best = dt if best is None else min(best, dt)
print(f"{size / best / 1e6:.2f} MB/s  {count} tokens")

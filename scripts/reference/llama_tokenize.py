"""Reference ids from llama.cpp (llama-cpp-python) for a GGUF file's tokenizer.

usage: python llama_tokenize.py MODEL.gguf < corpus.json > ids.txt
stdin: a JSON array of strings. stdout: a header line "# fnv1a64 <hex> count <n>" (FNV-1a over
each string's UTF-8 followed by a NUL byte, so a fixture can prove which corpus it belongs to),
then one line per string: its ids separated by spaces (no BOS; special tokens in the text parsed).
"""
import json
import sys

from llama_cpp import Llama

corpus = json.load(sys.stdin)
llm = Llama(model_path=sys.argv[1], vocab_only=True, verbose=False)

h = 0xCBF29CE484222325
for s in corpus:
    for b in s.encode("utf-8") + b"\0":
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
out = [f"# fnv1a64 {h:016x} count {len(corpus)}"]
for s in corpus:
    out.append(" ".join(str(i) for i in llm.tokenize(s.encode("utf-8"), add_bos=False, special=True)))
sys.stdout.write("\n".join(out) + "\n")

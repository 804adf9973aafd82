#!/usr/bin/env python3
"""Reference token ids, per-position argmaxes and greedy continuations of SmolLM2-135M-Instruct
computed by llama.cpp (llama-cpp-python) on the same GGUF the engine loads.

    /root/.cache/cellar/llama-venv/bin/python scripts/reference/llamacpp_logits.py \
        bundles/SmolLM2-135M-Instruct.Q4_1.gguf ../shared/data/arc_easy_test.jsonl \
        Tests/ModelsTests/Fixtures/smollm2-llamacpp.json

Texts are tokenized by llama.cpp itself and the ids stored, so the Swift test needs no tokenizer.
"""
import hashlib
import json
import sys

import numpy as np
from llama_cpp import Llama

gguf, arc, out = sys.argv[1], sys.argv[2], sys.argv[3]
llm = Llama(model_path=gguf, n_ctx=2048, n_batch=2048, logits_all=True, n_threads=2, verbose=False)


def tokenize(text, special=False):
    return llm.tokenize(text.encode("utf-8"), add_bos=False, special=special)


def argmaxes(ids):
    llm.reset()
    llm.eval(ids)
    scores = np.asarray(llm.scores[: len(ids)])
    return [int(i) for i in scores.argmax(axis=1)]


def greedy(ids, n=20):
    llm.reset()
    llm.eval(ids)
    out = []
    for _ in range(n):
        nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        out.append(nxt)
        llm.eval([nxt])
    return out


# ~1,000 tokens of English: ARC-Easy questions with their choices, in file order.
questions = [json.loads(line) for line in open(arc, encoding="utf-8")]
english, paragraphs = [], []
for q in questions:
    paragraphs.append(q["question"] + " " + " ".join(q["choices"]))
    english = tokenize("\n\n".join(paragraphs))
    if len(english) >= 1000:
        break

system = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
def chat(user):
    return (f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
            "<|im_start|>assistant\n")

# A chat prompt of ~250 tokens: a multiple-choice question as a competitor would template it.
q = questions[-1]
options = "\n".join(f"{l}. {t}" for l, t in zip(q["choice_labels"], q["choices"]))
chat_ids = tokenize(chat("Read the passage and answer the question.\n\n" + "\n".join(paragraphs[:6])
                         + "\n\nQuestion: " + q["question"] + "\n" + options + "\nAnswer with the letter only."), special=True)
prompts = [
    tokenize("The capital of France is"),
    tokenize("def fibonacci(n):\n    "),
    tokenize(chat("What is 12 times 7?"), special=True),
    tokenize("Once upon a time, in a small village by the sea,"),
]

result = {
    "generator": "llama-cpp-python " + __import__("llama_cpp").__version__,
    "gguf_sha256": hashlib.sha256(open(gguf, "rb").read()).hexdigest(),
    "sequences": [
        {"name": "english", "ids": english, "argmax": argmaxes(english)},
        {"name": "chat", "ids": chat_ids, "argmax": argmaxes(chat_ids)},
    ],
    "greedy": [{"prompt": p, "continuation": greedy(p)} for p in prompts],
}
with open(out, "w") as f:
    json.dump(result, f, separators=(",", ":"))
print(f"english {len(english)} tokens, chat {len(chat_ids)} tokens, {len(prompts)} greedy prompts -> {out}")

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


def margin(row):
    top = np.sort(row)[-2:]
    return float(top[1] - top[0])


def argmaxes(ids):
    """Per position: llama.cpp's argmax and its lead over the runner-up, in logits."""
    llm.reset()
    llm.eval(ids)
    scores = np.asarray(llm.scores[: len(ids)])
    return [int(i) for i in scores.argmax(axis=1)], [round(margin(r), 3) for r in scores]


def greedy(ids, n=20):
    """20 greedy tokens and, per step, the chosen token's lead over the runner-up."""
    llm.reset()
    llm.eval(ids)
    out, leads = [], []
    for _ in range(n):
        row = np.asarray(llm.scores[llm.n_tokens - 1])
        nxt = int(np.argmax(row))
        leads.append(round(margin(row), 3))
        out.append(nxt)
        llm.eval([nxt])
    return out, leads


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

# A chat prompt of ~800 tokens: a multiple-choice question as a competitor would template it.
q = questions[-1]
options = "\n".join(f"{l}. {t}" for l, t in zip(q["choice_labels"], q["choices"]))
chat_ids = tokenize(chat("Read the passage and answer the question.\n\n" + "\n".join(paragraphs[:30])
                         + "\n\nQuestion: " + q["question"] + "\n" + options + "\nAnswer with the letter only."), special=True)
candidates = [
    tokenize("The capital of France is"),
    tokenize("def fibonacci(n):\n    "),
    tokenize(chat("What is 12 times 7?"), special=True),
    tokenize("Once upon a time, in a small village by the sea,"),
    tokenize(chat("Write a haiku about autumn leaves."), special=True),
    tokenize("The water cycle has four main stages:"),
    tokenize(chat("List three primary colours."), special=True),
    tokenize("import numpy as np\n\n"),
    tokenize("Photosynthesis is the process by which"),
    tokenize(chat("What is the capital of Japan?"), special=True),
]
# llama.cpp rounds activations to 8 bits and so moves logits by up to ~0.8 from an exact float32
# computation (MEASURED.md): where a step's lead is small, another exact engine may fairly pick
# the runner-up, and the continuations part from there. The leads let the test tell the two apart.
greedy_runs = [{"prompt": p, "continuation": c, "margin": m} for p in candidates for c, m in [greedy(p)]]

result = {
    "generator": "llama-cpp-python " + __import__("llama_cpp").__version__,
    "gguf_sha256": hashlib.sha256(open(gguf, "rb").read()).hexdigest(),
    "sequences": [
        {"name": name, "ids": ids, "argmax": a, "margin": m}
        for name, ids in [("english", english), ("chat", chat_ids)] for a, m in [argmaxes(ids)]
    ],
    "greedy": greedy_runs,
}
with open(out, "w") as f:
    json.dump(result, f, separators=(",", ":"))
print(f"english {len(english)} tokens, chat {len(chat_ids)} tokens, {len(greedy_runs)} greedy prompts -> {out}")

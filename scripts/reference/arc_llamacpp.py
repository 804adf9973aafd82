#!/usr/bin/env python3
"""ARC-Easy through llama.cpp (llama-cpp-python), scored the way SmolLM2's authors did and the
way recipes/arc-easy.toml does: zero-shot, the model's chat template on the user message
"Question: {question}\\nAnswer:", each choice " {text}" scored as a continuation, acc_norm
(sum of the continuation's token log-probabilities / characters of the choice without its
leading space), lighteval's split (the context's trailing whitespace moves into the
continuation; the continuation is what encoding the whole text adds after the context's tokens).

    /root/.cache/cellar/llama-venv/bin/python scripts/reference/arc_llamacpp.py \\
        bundles/SmolLM2-135M-Instruct.Q4_1.gguf ../shared/data/arc_easy_test.jsonl [--limit N] [--out FILE.json]

Prints the accuracy; --out writes {"rows", "correct", "accuracy", "predictions": [index...]}.
"""
import argparse
import json

import jinja2
import numpy as np
from jinja2.sandbox import ImmutableSandboxedEnvironment
from llama_cpp import Llama

parser = argparse.ArgumentParser()
parser.add_argument("gguf")
parser.add_argument("data")
parser.add_argument("--limit", type=int, default=0)
parser.add_argument("--out")
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()

llm = Llama(model_path=args.gguf, n_ctx=2048, n_batch=512, logits_all=True, n_threads=args.threads, verbose=False)
template = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                         extensions=[jinja2.ext.loopcontrols]).from_string(llm.metadata["tokenizer.chat_template"])


def encode(text):
    return llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)


def log_softmax(row):
    row = np.asarray(row, dtype=np.float64)
    m = row.max()
    return row - (m + np.log(np.exp(row - m).sum()))


def score(question, choices):
    text = template.render(messages=[{"role": "user", "content": f"Question: {question}\nAnswer:"}],
                           add_generation_prompt=True, bos_token="<|im_start|>", eos_token="<|im_end|>")
    context = text.rstrip()
    trailing = text[len(context):]
    context_ids = encode(context)
    llm.reset()
    llm.eval(context_ids)
    n = len(context_ids)
    first = log_softmax(llm.scores[n - 1])
    scores = []
    for choice in choices:
        whole = encode(context + trailing + choice)
        cont = whole[n:] if whole[:n] == context_ids and len(whole) > n else encode(trailing + choice)
        total = first[cont[0]]
        if len(cont) > 1:
            llm.n_tokens = n          # eval() drops the KV cache past n_tokens first
            llm.eval(cont[:-1])
            for j in range(1, len(cont)):
                total += log_softmax(llm.scores[n + j - 1])[cont[j]]
        length = len(choice) - 1 if choice.startswith(" ") else len(choice)
        scores.append(total / max(1, length))
    return int(np.argmax(scores))


rows = [json.loads(line) for line in open(args.data, encoding="utf-8") if line.strip()]
if args.limit:
    rows = rows[: args.limit]
predictions = [score(r["question"], [" " + c for c in r["choices"]]) for r in rows]
correct = sum(int(p == r["label_index"]) for p, r in zip(predictions, rows))
result = {"rows": len(rows), "correct": correct, "accuracy": correct / len(rows), "predictions": predictions}
print(f"llama.cpp ARC-Easy acc_norm: {correct}/{len(rows)} = {100 * correct / len(rows):.2f}%")
if args.out:
    with open(args.out, "w") as f:
        json.dump(result, f)

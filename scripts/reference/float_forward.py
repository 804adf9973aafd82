#!/usr/bin/env python3
"""An exact forward pass of a Llama-family GGUF in numpy: weights dequantized by the `gguf`
package, every activation kept in float64 (or float32 with --float32). It is the third opinion
when Cellar and llama.cpp disagree: llama.cpp rounds activations to 8 bits (and, with flash
attention, K/V and the attention sum to float16), Cellar computes in float32.

    python3 scripts/reference/float_forward.py MODEL.gguf PROMPTS.jsonl OUT.json --choices 49,50,36521
    python3 scripts/reference/float_forward.py MODEL.gguf Tests/ModelsTests/Fixtures/smollm2-llamacpp.json \
        OUT.json --agreement

PROMPTS.jsonl holds one {"ids": [...]} per line (bench/results/work/prompts.jsonl). OUT.json gets,
per prompt, the softmax over the choice ids' logits at the last position, renormalised over
the choices, in the same shape as the bench's "probs". With --agreement it recomputes every
position of the fixture's sequences and counts where its argmax equals llama.cpp's.
"""
import argparse
import json
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def load(path, dtype):
    reader = GGUFReader(path)
    meta = {f.name: f for f in reader.fields.values()}

    def scalar(key):
        f = meta[key]
        return f.parts[f.data[0]][0].item()

    arch = bytes(meta["general.architecture"].parts[meta["general.architecture"].data[0]]).decode()
    cfg = {
        "layers": int(scalar(f"{arch}.block_count")),
        "heads": int(scalar(f"{arch}.attention.head_count")),
        "kv_heads": int(scalar(f"{arch}.attention.head_count_kv")),
        "eps": float(scalar(f"{arch}.attention.layer_norm_rms_epsilon")),
        "theta": float(scalar(f"{arch}.rope.freq_base")),
    }
    weights = {}
    for t in reader.tensors:
        # GGUF lists dims innermost first; numpy wants [rows, columns].
        shape = [int(d) for d in reversed(t.shape)]
        w = dequantize(t.data, t.tensor_type).reshape(shape)
        weights[t.name] = w.astype(dtype)
    return cfg, weights


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope(x, positions, theta):
    # x: [tokens, heads, head_dim]. GGUF stores Q/K rows permuted for llama.cpp's interleaved
    # RoPE, so on the stored weights adjacent pairs (2i, 2i+1) rotate together.
    d = x.shape[-1]
    inv = theta ** (-np.arange(0, d, 2, dtype=np.float64) / d)          # [d/2]
    ang = positions[:, None].astype(np.float64) * inv[None, :]           # [tokens, d/2]
    cos, sin = np.cos(ang)[:, None, :].astype(x.dtype), np.sin(ang)[:, None, :].astype(x.dtype)
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = a * cos - b * sin
    out[..., 1::2] = a * sin + b * cos
    return out


def final_hidden(cfg, w, ids, dtype):
    """The final-normed hidden state of every position: [tokens, hidden]."""
    n = len(ids)
    x = w["token_embd.weight"][ids].astype(dtype)                      # [n, hidden]
    pos = np.arange(n)
    heads, kvh = cfg["heads"], cfg["kv_heads"]
    hd = x.shape[1] // heads
    mask = np.triu(np.full((n, n), -np.inf, dtype=dtype), 1)
    for layer in range(cfg["layers"]):
        p = f"blk.{layer}."
        h = rms_norm(x, w[p + "attn_norm.weight"], cfg["eps"])
        q = (h @ w[p + "attn_q.weight"].T).reshape(n, heads, hd)
        k = (h @ w[p + "attn_k.weight"].T).reshape(n, kvh, hd)
        v = (h @ w[p + "attn_v.weight"].T).reshape(n, kvh, hd)
        q, k = rope(q, pos, cfg["theta"]), rope(k, pos, cfg["theta"])
        out = np.empty((n, heads, hd), dtype=dtype)
        for head in range(heads):
            g = head // (heads // kvh)
            s = (q[:, head, :] @ k[:, g, :].T) / np.sqrt(hd) + mask     # [n, n]
            s = np.exp(s - s.max(axis=1, keepdims=True))
            out[:, head, :] = (s / s.sum(axis=1, keepdims=True)) @ v[:, g, :]
        x = x + out.reshape(n, -1) @ w[p + "attn_output.weight"].T
        h = rms_norm(x, w[p + "ffn_norm.weight"], cfg["eps"])
        gate = h @ w[p + "ffn_gate.weight"].T
        up = h @ w[p + "ffn_up.weight"].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ w[p + "ffn_down.weight"].T
    return rms_norm(x, w["output_norm.weight"], cfg["eps"])


def head(w):
    return w.get("output.weight", w["token_embd.weight"])


def last_logits(cfg, w, ids, rows, dtype):
    return head(w)[rows] @ final_hidden(cfg, w, ids, dtype)[-1]


def agreement(cfg, w, fixture, dtype):
    """Per sequence of a llamacpp_logits.py fixture: how often the exact argmax equals llama.cpp's,
    overall and where llama.cpp's lead over its runner-up is at least 0.8 logits."""
    out = {}
    for seq in json.load(open(fixture))["sequences"]:
        ids = np.asarray(seq["ids"])
        logits = final_hidden(cfg, w, ids, dtype) @ head(w).T                # [tokens, vocab]
        ours = logits.argmax(axis=1)
        top2 = np.sort(logits, axis=1)[:, -2:]
        same = [int(a == b) for a, b in zip(ours, seq["argmax"])]
        decisive = [s for s, m in zip(same, seq["margin"]) if m >= 0.8]
        out[seq["name"]] = {"positions": len(same), "agree": sum(same),
                            "decisive_positions": len(decisive), "decisive_agree": sum(decisive),
                            "argmax": [int(a) for a in ours],
                            "margin": [round(float(t[1] - t[0]), 5) for t in top2]}
        print(f"{seq['name']}: {sum(same)}/{len(same)} agree with llama.cpp "
              f"({sum(decisive)}/{len(decisive)} where it leads by >= 0.8)", file=sys.stderr)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("prompts", help="PROMPTS.jsonl, or with --agreement a llamacpp_logits.py fixture")
    ap.add_argument("out")
    ap.add_argument("--choices", help="comma-separated token ids")
    ap.add_argument("--agreement", action="store_true",
                    help="per-position argmax agreement with the fixture's llama.cpp argmaxes")
    ap.add_argument("--float32", action="store_true")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    dtype = np.float32 if args.float32 else np.float64
    cfg, w = load(args.model, dtype)
    if args.agreement:
        result = {"generator": "scripts/reference/float_forward.py --agreement", "dtype": str(np.dtype(dtype)),
                  "sequences": agreement(cfg, w, args.prompts, dtype)}
        json.dump(result, open(args.out, "w"))
        return
    rows = [int(c) for c in args.choices.split(",")]
    probs = []
    prompts = [json.loads(line)["ids"] for line in open(args.prompts)]
    if args.limit:
        prompts = prompts[: args.limit]
    for i, ids in enumerate(prompts):
        z = last_logits(cfg, w, np.asarray(ids), rows, dtype).astype(np.float64)
        e = np.exp(z - z.max())
        probs.append([float(p) for p in e / e.sum()])
        print(f"{i + 1}/{len(prompts)}", file=sys.stderr, flush=True)
    json.dump({"probs": probs, "dtype": str(np.dtype(dtype))}, open(args.out, "w"))


if __name__ == "__main__":
    main()

"""Reference ids from the Python `tokenizers` library, for the Swift parity tests.

stdin: {"corpus": [str], "tokenizers": [path to tokenizer.json]}
stdout: {path: {"with": [[id]], "without": [null | [k, m] | [id...]], "decoded": [null | str],
                "skipped": [null | str]}}
"with" holds encode(s, add_special_tokens=True). "without" (add_special_tokens=False) is
null when identical to "with", {"trim": [k, m]} when it is "with" less k leading and m trailing
ids, else the ids. "decoded" decodes the "without" ids (skip_special_tokens=False) and "skipped"
the "with" ids (skip_special_tokens=True); null means the input string itself. The compact
forms keep the output small enough to parse quickly.
"""
import json
import sys

from tokenizers import Tokenizer


def compact_without(w, wo):
    if w == wo:
        return None
    for k in range(0, min(3, len(w)) + 1):
        for m in range(0, min(3, len(w) - k) + 1):
            if w[k:len(w) - m] == wo:
                return {"trim": [k, m]}
    return wo


request = json.load(sys.stdin)
corpus = request["corpus"]
result = {}
for path in request["tokenizers"]:
    tok = Tokenizer.from_file(path)
    with_special = [e.ids for e in tok.encode_batch(corpus, add_special_tokens=True)]
    without = [e.ids for e in tok.encode_batch(corpus, add_special_tokens=False)]
    decoded = tok.decode_batch(without, skip_special_tokens=False)
    skipped = tok.decode_batch(with_special, skip_special_tokens=True)
    result[path] = {
        "with": with_special,
        "without": [compact_without(w, wo) for w, wo in zip(with_special, without)],
        "decoded": [None if d == s else d for d, s in zip(decoded, corpus)],
        "skipped": [None if d == s else d for d, s in zip(skipped, corpus)],
    }
json.dump(result, sys.stdout, ensure_ascii=False, separators=(",", ":"))

"""Reference ids from the Python `tokenizers` library, for the Swift parity tests.

stdin: {"corpus": [str], "tokenizers": [path to tokenizer.json]}
stdout: {path: {"with": [[id]], "without": [[id]], "decoded": [str], "skipped": [str]}}
"decoded" decodes the ids without added special tokens (skip_special_tokens=False), "skipped"
the ids with them, skip_special_tokens=True.
"""
import json
import sys

from tokenizers import Tokenizer

request = json.load(sys.stdin)
corpus = request["corpus"]
result = {}
for path in request["tokenizers"]:
    tok = Tokenizer.from_file(path)
    with_special = [e.ids for e in tok.encode_batch(corpus, add_special_tokens=True)]
    without = [e.ids for e in tok.encode_batch(corpus, add_special_tokens=False)]
    decoded = tok.decode_batch(without, skip_special_tokens=False)
    skipped = tok.decode_batch(with_special, skip_special_tokens=True)
    result[path] = {"with": with_special, "without": without, "decoded": decoded, "skipped": skipped}
json.dump(result, sys.stdout, ensure_ascii=False)

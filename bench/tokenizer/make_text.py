"""Writes a few MB of deterministic mixed text (prose, code, numbers, accents, CJK, Arabic,
emoji), one paragraph per line, for the tokenizer benchmark."""
import random
import sys

rng = random.Random(20261129)
words = ("the of and to in is that for it as was with be by on not he this are or his from at which but have an they "
         "you were her she there been one all we their has would when if so what can more no out up into do time only "
         "model token probability recipe cache inference benchmark kaggle submission tie answer question").split()
code = ["def f(x):\n    return x * 2", "for (int i = 0; i < n; ++i) { sum += a[i]; }", "let y = try parse(json, file: \"a.json\")",
        "SELECT id, name FROM users WHERE age > 30;", "import numpy as np\narr = np.zeros((3, 4), dtype=np.float32)"]
other = ["naïve café résumé Straße", "日本語のテキストを含む文章です。", "中文字符和标点符号。", "مرحبا بالعالم العربي",
         "Привет, как дела?", "👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽 ❤️", "\t\tindented  with   spaces"]
target = int(sys.argv[2]) if len(sys.argv) > 2 else 4_000_000
out, size = [], 0
while size < target:
    kind = rng.random()
    if kind < 0.7:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(20, 120)))
        line = line.capitalize() + ". " + str(rng.randint(0, 10**rng.randint(1, 9))) + " items."
    elif kind < 0.85:
        line = rng.choice(code)
    else:
        line = " ".join(rng.choice(other) for _ in range(rng.randint(1, 5)))
    out.append(line)
    size += len(line.encode()) + 1
open(sys.argv[1], "w", encoding="utf-8").write("\n".join(out) + "\n")

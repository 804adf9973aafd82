import TestSupport

/// A deterministic corpus that exercises every branch of the pre-tokenizers and the BPE model:
/// prose, code, whitespace runs, digits, accents (composed and decomposed), CJK, Arabic, emoji
/// with ZWJ, special-token strings inside text, and random scalars from every plane.
enum TokenizerCorpus {

    static let words = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "Hello", "world", "It's", "don't",
                        "we'll", "they're", "I'm", "you've", "she'd", "DON'T", "WE'LL", "model", "token", "Kaggle",
                        "probability", "tie", "A", "B", "résumé", "naïve", "café", "Straße", "Ωmega", "ﬁnance", "ℌilbert"]
    static let code = ["func f(x: Int) -> Int { return x * 2 }", "for i in range(10):\n    print(i)\n",
                       "if (a != b && c <= d) { x += 1; }", "let s = \"quoted \\\"string\\\"\";", "    def __init__(self):\n\t\tpass",
                       "#include <stdio.h>\nint main() { printf(\"%d\\n\", 42); }", "x=1;y=2;z=x**y//3", "<div class='a'>b</div>",
                       "SELECT * FROM t WHERE id = 123456789;", "a_b-c.d/e\\f|g~h^i`j@k#l$m%n&o*p(q)r"]
    static let whitespace = [" ", "  ", "   ", "    ", "\t", "\t\t", "\n", "\n\n", "\r\n", " \n", "\n ", " \t ", "\u{A0}", "\u{3000}",
                             "\u{2003}", "\u{85}", "\u{2028}", "\r", "        ", "\n\n\n  "]
    static let specials = ["<|endoftext|>", "<s>", "</s>", "<unk>", "<|im_start|>", "<|im_end|>", "[INST]", "[/INST]",
                           "<|assistant|>", "<|user|>", "<|end|>", "<|system|>", ">>TITLE<<", "<|padding|>", "<repo_name>",
                           "[TOOL_CALLS]", "<|placeholder1|>", "<mask>", " <mask> "]
    static let emoji = ["👨‍👩‍👧‍👦", "🏳️‍🌈", "👍🏽", "❤️", "🧑‍💻", "😀", "🇫🇷", "👩🏾‍🔬", "🤖", "#️⃣"]
    static let scripts = ["日本語のテキスト", "中文字符测试", "한국어 문장", "مرحبا بالعالم", "١٢٣٤٥ ٦٧٨", "Привет, мир!",
                          "Γειά σου κόσμε", "שלום עולם", "नमस्ते दुनिया", "ภาษาไทย", "e\u{301}te\u{301}", "A\u{30A}ngstro\u{308}m",
                          "½ ² ³ ¼ Ⅻ ⑤ 𝟙𝟚", "ﬀ ﬁ ﬂ ™ ℡ ㎏"]

    static func randomScalar(_ r: inout SplitMix64) -> Character {
        while true {
            let plane = r.below(10)
            let v: UInt32
            switch plane {
            case 0...3: v = UInt32(0x20 + r.below(0x2FE0))
            case 4...5: v = UInt32(0x3000 + r.below(0xD000 - 0x3000))
            case 6: v = UInt32(0xE000 + r.below(0x2000))
            case 7: v = UInt32(0x10000 + r.below(0x10000))
            case 8: v = UInt32(0x20000 + r.below(0x20000))
            default: v = UInt32(0x40000 + r.below(0x10FFFF - 0x40000))
            }
            if let s = Unicode.Scalar(v) { return Character(s) }
        }
    }

    static func number(_ r: inout SplitMix64) -> String {
        var s = ""
        for _ in 0..<(1 + r.below(14)) { s += String(r.below(10)) }
        switch r.below(4) {
        case 0: return s
        case 1: return s + "." + String(r.below(1000))
        case 2: return "-" + s
        default: return "$" + s + ",000"
        }
    }

    static func fragment(_ r: inout SplitMix64) -> String {
        switch r.below(10) {
        case 0, 1: return (0..<(1 + r.below(8))).map { _ in r.pick(words) }.joined(separator: " ")
        case 2: return r.pick(code)
        case 3: return r.pick(whitespace)
        case 4: return number(&r)
        case 5: return r.pick(specials)
        case 6: return r.pick(emoji)
        case 7: return r.pick(scripts)
        case 8: return String((0..<(1 + r.below(6))).map { _ in randomScalar(&r) })
        default: return r.pick(["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'ſx", "'Ks", "'RE", "'Ll", "''", "'", ".", "...", "?!", "—", "--", "“", "”", "\u{2581}", "▁▁x"])
        }
    }

    /// `count` strings, the same on every run.
    static func make(count: Int = 5_200, seed: UInt64 = 0xCE11A4) -> [String] {
        var r = SplitMix64(seed: seed)
        var out = ["", " ", "  ", "\n", "a", "Hello world", " Hello", "Hello ", "<s>", " <s> ", "<|endoftext|>", "1234567",
                   "\t\tindented", "trailing   ", "   leading"]
        while out.count < count {
            var s = ""
            for _ in 0..<(1 + r.below(6)) {
                s += fragment(&r)
                if r.below(3) == 0 { s += r.pick(whitespace) } else if r.below(2) == 0 { s += " " }
            }
            out.append(s)
        }
        return out
    }
}

import Foundation
import Text

/// libFuzzer entry for tokenizer.json loading (built by scripts/fuzz with the Tensors and Text
/// sources): any bytes give a Tokenizer or an error; a loaded tokenizer encodes and decodes a
/// short mixed-script string with every id inside its vocabulary. Never a crash or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let tokenizer = try? Tokenizer(tokenizerJSON: Data(bytes: data, count: size)) else { return 0 }
    for text in samples {
        let ids = tokenizer.encode(text)
        for id in ids where id < 0 { fatalError("negative id \(id) for \(text)") }
        for id in ids { _ = tokenizer.token(id) }
        _ = tokenizer.decode(ids)
        _ = tokenizer.decode(ids, skipSpecialTokens: true)
    }
    _ = tokenizer.decode([-1, 0, Int32.max])
    return 0
}

let samples = ["Hello world, it's 2026!  ", "héllo\tçava 🙂 日本語 <s>x</s>\n\n  a"]

/// Our own TOML 1.0 reader (https://toml.io/en/v1.0.0). Every value keeps where it was written,
/// so recipe errors can point at `file:line:column`.
public enum TOML {
    /// Parses a whole document. `file` only names the source in errors.
    public static func parse(_ text: String, file: String) throws(TOMLError) -> TOMLTable {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Parses raw bytes, rejecting invalid UTF-8 with the position of the first bad byte.
    public static func parse(bytes: [UInt8], file: String) throws(TOMLError) -> TOMLTable {
        if let bad = TOMLScanner.firstInvalidUTF8(bytes) {
            throw TOMLError(file: file, position: SourcePosition(line: bad.line, column: bad.column),
                            message: "invalid UTF-8 (byte 0x\(String(bytes[bad.index], radix: 16, uppercase: true)) at offset \(bad.index))")
        }
        // A byte order mark is allowed at the very start only.
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        var parser = TOMLParser(bytes: body, file: file)
        return try parser.parseDocument()
    }
}

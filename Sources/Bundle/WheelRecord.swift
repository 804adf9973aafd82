import Foundation
import Store

/// A wheel's `*.dist-info/RECORD` (PEP 376/427): one CSV row per file, `path,sha256=<urlsafe
/// base64 without padding>,size`. The unpacker checks every extracted file against it.
struct WheelRecord {
    /// path → expected digest; rows without a hash (RECORD itself, signatures) are absent.
    var digests: [String: Digest] = [:]
    var listed: Set<String> = []

    static func isRecordPath(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        return parts.count == 2 && parts[0].hasSuffix(".dist-info") && parts[1] == "RECORD"
    }

    init(_ data: Data, archive: String, entry: String) throws(BundleError) {
        let text = String(decoding: data, as: UTF8.self)
        for (number, line) in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let fields = WheelRecord.csvFields(String(line))
            guard fields.count == 3 else {
                throw BundleError(archive: archive, entry: entry, "line \(number + 1): expected 3 comma-separated fields, got \(fields.count)")
            }
            listed.insert(fields[0])
            if fields[1].isEmpty { continue }
            guard fields[1].hasPrefix("sha256="), let digest = WheelRecord.digest(urlsafeBase64: String(fields[1].dropFirst(7))) else {
                throw BundleError(archive: archive, entry: entry, "line \(number + 1): expected 'sha256=<base64>', got '\(fields[1])'")
            }
            digests[fields[0]] = digest
        }
    }

    static func digest(urlsafeBase64 s: String) -> Digest? {
        var b64 = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64) else { return nil }
        return Digest(bytes: data)
    }

    /// Minimal CSV: commas separate, double quotes wrap fields that contain commas or quotes.
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" { quoted = false } else { field.append(c) }
            } else if c == "\"" {
                if !field.isEmpty { field.append(c) }
                quoted = true
            } else if c == "," {
                fields.append(field); field = ""
            } else {
                field.append(c)
            }
        }
        fields.append(field)
        return fields
    }
}

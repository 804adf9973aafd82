import Foundation
import JSON

/// The parsed and validated JSON header of a safetensors file:
/// `[u64 little-endian N][N bytes of JSON][data section]`, offsets in the JSON relative to the
/// data section. Everything is checked before any tensor is touched, so a truncated or lying
/// file fails here with one message instead of crashing later.
public struct SafetensorsHeader: Sendable {
    /// Headers larger than this are refused (the `safetensors` library uses the same cap).
    public static let maximumHeaderBytes = 100 * 1024 * 1024
    public static let maximumRank = 16

    public let tensors: [String: TensorInfo]
    /// Tensor names in data order.
    public let names: [String]
    public let metadata: [String: String]
    /// Absolute offset of the data section (8 + header length).
    public let dataOffset: Int
    /// Bytes the data section must have: the largest `data_offsets` end.
    public let dataByteCount: Int

    /// Reads only the header of `url`, not the data: for planners that size a model from its
    /// headers. The data section is not required to be present (synthesised headers are allowed).
    public static func read(_ url: URL) throws(SafetensorsError) -> SafetensorsHeader {
        let file = url.path
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw SafetensorsError(file: file, "cannot be opened")
        }
        defer { try? handle.close() }
        let prefix: Data
        do { prefix = try handle.read(upToCount: 8) ?? Data() } catch { throw SafetensorsError(file: file, "cannot be read (\(error.localizedDescription))") }
        guard prefix.count == 8 else { throw SafetensorsError(file: file, "is \(prefix.count) bytes long, too short for the 8-byte header length") }
        let length = prefix.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard length <= UInt64(maximumHeaderBytes) else {
            throw SafetensorsError(file: file, "header length \(length) at byte 0 exceeds the \(maximumHeaderBytes)-byte limit")
        }
        let json: Data
        do { json = try handle.read(upToCount: Int(length)) ?? Data() } catch { throw SafetensorsError(file: file, "cannot be read (\(error.localizedDescription))") }
        guard json.count == Int(length) else {
            throw SafetensorsError(file: file, "header length \(length) at byte 0 runs past the end of the file (\(8 + json.count) bytes)")
        }
        let result: Result<SafetensorsHeader, SafetensorsError> = json.withUnsafeBytes { b in
            do throws(SafetensorsError) { return .success(try parse(json: b, dataOffset: 8 + Int(length), dataAvailable: nil, file: file)) }
            catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses the header at the start of a whole file and checks every tensor lies inside it.
    static func parse(file bytes: UnsafeRawBufferPointer, path: String) throws(SafetensorsError) -> SafetensorsHeader {
        guard bytes.count >= 8 else { throw SafetensorsError(file: path, "is \(bytes.count) bytes long, too short for the 8-byte header length") }
        let length = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard length <= UInt64(maximumHeaderBytes) else {
            throw SafetensorsError(file: path, "header length \(length) at byte 0 exceeds the \(maximumHeaderBytes)-byte limit")
        }
        guard 8 + Int(length) <= bytes.count else {
            throw SafetensorsError(file: path, "header length \(length) at byte 0 runs past the end of the file (\(bytes.count) bytes)")
        }
        let json = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + Int(length))])
        return try parse(json: json, dataOffset: 8 + Int(length), dataAvailable: bytes.count - 8 - Int(length), file: path)
    }

    static func parse(json: UnsafeRawBufferPointer, dataOffset: Int, dataAvailable: Int?, file: String) throws(SafetensorsError) -> SafetensorsHeader {
        let root: JSONValue
        do { root = try JSONParser.parse(json, file: file, options: .header) } catch {
            throw SafetensorsError(file: file, "header JSON is invalid at byte \(8 + error.offset): \(error.message)")
        }
        guard case .object(let members) = root else { throw SafetensorsError(file: file, "header JSON is not an object") }
        var tensors: [String: TensorInfo] = [:]
        var spans: [(begin: Int, end: Int, name: String)] = []
        var metadata: [String: String] = [:]
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let entries) = value else { throw SafetensorsError(file: file, "__metadata__ is not an object of strings") }
                for (k, v) in entries {
                    guard case .string(let s) = v else { throw SafetensorsError(file: file, "__metadata__ entry \"\(k)\" is not a string") }
                    metadata[k] = s
                }
                continue
            }
            let (info, begin, end) = try tensorInfo(name: name, value, dataOffset: dataOffset, file: file)
            if let available = dataAvailable, end > available {
                throw SafetensorsError(file: file, "tensor '\(name)' data_offsets [\(begin), \(end)] run past the end of the data section (\(available) bytes)")
            }
            tensors[name] = info
            spans.append((begin, end, name))
        }
        spans.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var previous: (end: Int, name: String)? = nil
        for s in spans {
            if let p = previous, s.begin < p.end, s.end > s.begin {
                throw SafetensorsError(file: file, "tensor '\(s.name)' data_offsets start at \(s.begin), inside tensor '\(p.name)' (which ends at \(p.end))")
            }
            if s.end > (previous?.end ?? 0) || previous == nil { previous = (s.end, s.name) }
        }
        return SafetensorsHeader(tensors: tensors, names: spans.map(\.name), metadata: metadata,
                                 dataOffset: dataOffset, dataByteCount: spans.map(\.end).max() ?? 0)
    }

    private static func tensorInfo(name: String, _ value: JSONValue, dataOffset: Int, file: String) throws(SafetensorsError) -> (TensorInfo, Int, Int) {
        func bad(_ what: String) -> SafetensorsError { SafetensorsError(file: file, "tensor '\(name)' \(what)") }
        guard case .object = value else { throw bad("is not an object with dtype, shape and data_offsets") }
        guard case .string(let dtypeName)? = value["dtype"] else { throw bad("has no string dtype") }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw bad("has unsupported dtype \"\(dtypeName)\" (expected one of \(DType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard case .array(let dims)? = value["shape"] else { throw bad("has no shape array") }
        guard dims.count <= maximumRank else { throw bad("has rank \(dims.count), more than \(maximumRank)") }
        var shape: [Int] = []
        var elements = 1
        for d in dims {
            guard case .integer(let n) = d, n >= 0 else { throw bad("has a shape entry that is not a non-negative integer") }
            shape.append(n)
            let (product, overflow) = elements.multipliedReportingOverflow(by: n)
            guard !overflow else { throw bad("has shape \(shape) whose element count overflows") }
            elements = product
        }
        guard case .array(let offsets)? = value["data_offsets"], offsets.count == 2,
              case .integer(let begin) = offsets[0], case .integer(let end) = offsets[1] else {
            throw bad("has no data_offsets [begin, end] of two integers")
        }
        guard begin >= 0, end >= begin else { throw bad("has data_offsets [\(begin), \(end)] that are not 0 <= begin <= end") }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, bytes == end - begin else {
            throw bad("has shape \(shape) of \(dtypeName) (\(overflow ? "too many" : String(bytes)) bytes) but data_offsets [\(begin), \(end)] span \(end - begin) bytes")
        }
        guard begin <= Int.max - dataOffset - (end - begin) else { throw bad("has data_offsets too large") }
        return (TensorInfo(name: name, dtype: dtype, shape: shape, offset: dataOffset + begin, byteCount: end - begin), begin, end)
    }
}

import Foundation
import CellKit

/// Why a plan or run stopped. Each description is one sentence naming the cell and the cause.
public enum RunnerError: Error, Sendable, CustomStringConvertible {
    case unknownKind(cell: String, kind: String)
    case unknownCell(option: String, id: String, known: [String])
    case missingInput(cell: String, parameter: String, source: String, path: String)
    /// The file is gone and the last manifest's digest for it names no cache entry.
    case missingInputNotCached(cell: String, parameter: String, source: String, path: String)
    case missingUpstreamFile(cell: String, parameter: String, reference: String, upstream: String)
    case upstreamNotCached(cell: String, upstream: String)
    case cellFailed(cell: String, kind: String, message: String)
    /// Reading an input or storing outputs failed (a store error, named with its cell).
    case storage(cell: String, message: String)
    case badRecipeName(String)
    case io(String)

    public var description: String {
        switch self {
        case .unknownKind(let cell, let kind):
            return "cell '\(cell)' has kind '\(kind)', which this cellar does not know"
        case .unknownCell(let option, let id, let known):
            return "\(option) names cell '\(id)', but the recipe's cells are \(known.map { "'\($0)'" }.joined(separator: ", "))"
        case .missingInput(let cell, let parameter, let source, let path):
            return "cell '\(cell)': input \(parameter) = \"\(source)\" does not exist (looked for \(path))"
        case .missingInputNotCached(let cell, let parameter, let source, let path):
            return "cell '\(cell)' must run but its input \(parameter) = \"\(source)\" does not exist (looked for \(path)); the manifest's digest for it names no cached outputs (a package made without --with-inputs needs its inputs to run a cell again)"
        case .missingUpstreamFile(let cell, let parameter, let reference, let upstream):
            return "cell '\(cell)': input \(parameter) = \"\(reference)\" names a file that cell '\(upstream)' did not produce"
        case .upstreamNotCached(let cell, let upstream):
            return "--only \(cell) needs the outputs of cell '\(upstream)', which are not cached; run the recipe (or --only \(upstream)) first"
        case .cellFailed(let cell, let kind, let message):
            return "cell '\(cell)' (\(kind)) failed: \(message)"
        case .storage(let cell, let message):
            return "cell '\(cell)': \(message)"
        case .badRecipeName(let name):
            return "recipe name '\(name)' cannot name the manifest folder artifacts/\(name)/ (it is reserved or not a folder name)"
        case .io(let message):
            return message
        }
    }

    /// Runs `body`, naming `cell` in any error that does not already name it.
    static func naming<T>(_ cell: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as RunnerError { throw e } catch {
            throw RunnerError.storage(cell: cell, message: fileErrorSentence(error, staging: nil) ?? String(describing: error))
        }
    }

    /// A cell's thrown error as one sentence, without repeating the cell's id.
    /// `staging` is the cell's output folder, shown as "output <path>" in file errors.
    static func message(of error: any Error, cell: String, staging: URL? = nil) -> String {
        if let e = error as? CellError, e.cellID == cell { return e.message }
        if let sentence = fileErrorSentence(error, staging: staging) { return sentence }
        return String(describing: error)
    }

    /// Foundation's file errors describe themselves on Linux as `Error Domain=NSCocoaErrorDomain
    /// Code=512 "(null)" UserInfo={…}`; a full disk or a file-size limit must read as one
    /// sentence instead: "cannot write output out.txt: File too large".
    static func fileErrorSentence(_ error: any Error, staging: URL?) -> String? {
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return nil }
        var reason: String? = nil
        if ns.domain == NSPOSIXErrorDomain { reason = String(cString: strerror(Int32(ns.code))) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? any Error {
            let u = underlying as NSError
            if u.domain == NSPOSIXErrorDomain { reason = String(cString: strerror(Int32(u.code))) }
        }
        if reason == nil, ns.code == CocoaError.fileWriteOutOfSpace.rawValue { reason = "no space left on device" }
        let verb = (CocoaError.fileReadUnknown.rawValue..<CocoaError.fileWriteUnknown.rawValue).contains(ns.code) ? "read"
            : (CocoaError.fileWriteUnknown.rawValue..<1024).contains(ns.code) ? "write" : "access"
        var path = ns.userInfo[NSFilePathErrorKey] as? String ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        if let p = path, let staging, p.hasPrefix(staging.path + "/") {
            path = "output " + p.dropFirst(staging.path.count + 1)
        }
        return "cannot \(verb) \(path ?? "a file"): \(reason ?? ns.localizedDescription)"
    }
}

import Foundation
import Tensors

/// What a model says about its prompts beyond the tokenizer itself: the chat template, the
/// BOS/EOS/UNK/PAD tokens, and whether encoding adds BOS/EOS. Read from tokenizer_config.json
/// (and chat_template.jinja) in a Hugging Face folder, or from a GGUF file's metadata.
public struct TokenizerConfig: Sendable {
    public var chatTemplate: String?
    public var bosToken: String?
    public var eosToken: String?
    public var unknownToken: String?
    public var paddingToken: String?
    /// Whether encoding with special tokens puts BOS first: `add_bos_token` when the config has
    /// it, otherwise whatever tokenizer.json's post-processor does.
    public var addBOS: Bool
    public var addEOS: Bool

    public init(chatTemplate: String? = nil, bosToken: String? = nil, eosToken: String? = nil, unknownToken: String? = nil,
                paddingToken: String? = nil, addBOS: Bool = false, addEOS: Bool = false) {
        self.chatTemplate = chatTemplate; self.bosToken = bosToken; self.eosToken = eosToken
        self.unknownToken = unknownToken; self.paddingToken = paddingToken; self.addBOS = addBOS; self.addEOS = addEOS
    }

    /// A Hugging Face folder (tokenizer_config.json optional), a tokenizer.json inside one, or a .gguf file.
    public static func load(model: URL) throws -> TokenizerConfig {
        try load(model: model, deriveAddBOS: true)
    }

    /// `deriveAddBOS` false skips reading tokenizer.json when the config is silent about BOS.
    static func load(model: URL, deriveAddBOS: Bool) throws -> TokenizerConfig {
        if isGGUF(model) {
            let gguf = try GGUFFile(model)
            let m = try GGUFTokenizerMetadata(gguf: gguf)
            return TokenizerConfig(chatTemplate: m.chatTemplate, bosToken: m.bosToken, eosToken: m.eosToken,
                                   unknownToken: m.unknownID.flatMap { $0 >= 0 && $0 < m.tokens.count ? m.tokens[$0] : nil },
                                   paddingToken: m.paddingID.flatMap { $0 >= 0 && $0 < m.tokens.count ? m.tokens[$0] : nil },
                                   addBOS: m.addsBOS, addEOS: m.addsEOS)
        }
        let folder = modelFolder(model)
        let configURL = folder.appendingPathComponent("tokenizer_config.json")
        var config = TokenizerConfig()
        var addBOS: Bool? = nil
        if FileManager.default.fileExists(atPath: configURL.path) {
            let json = try JSONParser.parse(try TokenizerFileLimits.read(configURL, limit: TokenizerFileLimits.maximumConfigBytes), file: configURL.path)
            guard json.members != nil else { throw TokenizerError(file: configURL.path, place: "", message: "expected a JSON object") }
            func token(_ key: String) throws(TokenizerError) -> String? {
                guard let v = json[key], !v.isNull else { return nil }
                if let s = v.string { return s }
                if let s = v["content"]?.string { return s }
                throw TokenizerError(file: configURL.path, place: key, message: "expected a string or an object with \"content\"")
            }
            config.bosToken = try token("bos_token")
            config.eosToken = try token("eos_token")
            config.unknownToken = try token("unk_token")
            config.paddingToken = try token("pad_token")
            addBOS = json["add_bos_token"]?.bool
            config.addEOS = json["add_eos_token"]?.bool ?? false
            if let t = json["chat_template"], !t.isNull {
                if let s = t.string { config.chatTemplate = s }
                else if let list = t.array {
                    // [{name, template}]: the "default" one, else the first.
                    let named = list.first { $0["name"]?.string == "default" } ?? list.first
                    config.chatTemplate = named?["template"]?.string
                } else {
                    throw TokenizerError(file: configURL.path, place: "chat_template", message: "expected a string or a list of {name, template}")
                }
            }
        }
        let jinja = folder.appendingPathComponent("chat_template.jinja")
        if config.chatTemplate == nil, FileManager.default.fileExists(atPath: jinja.path) {
            guard let text = String(data: try TokenizerFileLimits.read(jinja, limit: TokenizerFileLimits.maximumConfigBytes), encoding: .utf8) else {
                throw TokenizerError(file: jinja.path, place: "", message: "is not valid UTF-8")
            }
            config.chatTemplate = text
        }
        if let addBOS {
            config.addBOS = addBOS
        } else if deriveAddBOS {
            let tokenizerURL = folder.appendingPathComponent("tokenizer.json")
            if FileManager.default.fileExists(atPath: tokenizerURL.path) {
                let json = try JSONParser.parse(try TokenizerFileLimits.read(tokenizerURL, limit: TokenizerFileLimits.maximumTokenizerJSONBytes), file: tokenizerURL.path)
                if case .template(let prefix, _) = try PostProcessor.parse(json["post_processor"] ?? .null, file: tokenizerURL.path, place: "post_processor") {
                    config.addBOS = !prefix.isEmpty
                }
            }
        }
        return config
    }

    static func isGGUF(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { return false }
        if url.pathExtension.lowercased() == "gguf" { return true }
        guard let h = FileHandle(forReadingAtPath: url.path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: 4)) == Data("GGUF".utf8)
    }

    /// The folder of a model given as a folder or as a file inside it.
    static func modelFolder(_ url: URL) -> URL {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue { return url }
        return url.deletingLastPathComponent()
    }
}

extension Tokenizer {
    /// The tokenizer of a model: a Hugging Face folder (tokenizer.json, with BOS/EOS from
    /// tokenizer_config.json), a tokenizer.json file, or a .gguf file.
    public static func load(model: URL) throws -> Tokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model.path, isDirectory: &isDirectory) else {
            throw TokenizerError(file: model.path, place: "", message: "no such file or folder")
        }
        if TokenizerConfig.isGGUF(model) {
            return try Tokenizer(gguf: GGUFTokenizerMetadata(gguf: GGUFFile(model)))
        }
        let folder = TokenizerConfig.modelFolder(model)
        let file = isDirectory.boolValue ? folder.appendingPathComponent("tokenizer.json") : model
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw TokenizerError(file: file.path, place: "", message: "missing (expected a Hugging Face tokenizer.json or a .gguf file)")
        }
        let config = try TokenizerConfig.load(model: folder, deriveAddBOS: false)
        let json = try JSONParser.parse(try TokenizerFileLimits.read(file, limit: TokenizerFileLimits.maximumTokenizerJSONBytes), file: file.path)
        return try Tokenizer(json: json, file: file.path, bosToken: config.bosToken, eosToken: config.eosToken)
    }
}

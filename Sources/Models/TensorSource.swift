/// Where the weight builder reads tensors, by Hugging Face name (model.layers.N.self_attn.q_proj.weight, ...).
/// The safetensors and GGUF loaders adapt their files to this.
public protocol TensorSource {
    /// A floating-point tensor as float32, row-major, with its shape; nil when absent.
    func floats(_ name: String) throws -> (values: [Float], shape: [Int])?
    /// An I32 tensor (AWQ qweight, qzeros); nil when absent.
    func int32s(_ name: String) throws -> (values: [Int32], shape: [Int])?
    /// An F16 tensor kept as half floats (AWQ scales); nil when absent.
    func halves(_ name: String) throws -> (values: [Float16], shape: [Int])?
    /// Names the source in messages.
    var sourceName: String { get }
}

extension Architecture {
    /// Llama: `attention_bias` puts a bias on q, k, v and o alike.
    static let llama = Architecture(modelType: "llama") { json, config in
        let bias = (json["attention_bias"] as? Bool) ?? false
        config.qkvBias = bias
        config.outputBias = bias
    }
}

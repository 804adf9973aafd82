import Foundation

extension Architecture {
    /// Qwen2: biases on q, k and v (never o); the window applies only when use_sliding_window is set.
    static let qwen2 = Architecture(modelType: "qwen2") { json, config in
        config.qkvBias = true
        config.outputBias = false
        if (json["use_sliding_window"] as? Bool) == true {
            config.slidingWindow = (json["sliding_window"] as? NSNumber)?.intValue
        }
    }
}

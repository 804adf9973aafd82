import Foundation

extension Architecture {
    /// Mistral: Llama plus a sliding attention window.
    static let mistral = Architecture(modelType: "mistral") { json, config in
        config.slidingWindow = (json["sliding_window"] as? NSNumber)?.intValue
    }
}

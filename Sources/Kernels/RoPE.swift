import Foundation

/// Rotary position embedding in Hugging Face's half-split layout: within each head of size d,
/// element i pairs with element i + d/2 and the pair rotates by position · inverseFrequency[i].
public struct RoPE: Sendable {
    public let headDim: Int
    /// [headDim / 2]
    public let inverseFrequencies: [Float]

    public init(headDim: Int, inverseFrequencies: [Float]) {
        self.headDim = headDim; self.inverseFrequencies = inverseFrequencies
    }

    /// Plain RoPE: inverseFrequency[i] = theta^(-2i/d).
    public init(headDim: Int, theta: Double) {
        self.init(headDim: headDim, inverseFrequencies: (0..<headDim / 2).map {
            Float(1 / pow(theta, Double(2 * $0) / Double(headDim)))
        })
    }

    /// cos | sin of every (position, frequency): [tokens, 2, headDim / 2], computed once per
    /// forward pass and shared by every layer's queries and keys.
    public func table(positions: UnsafePointer<Int32>, tokens: Int, into out: UnsafeMutablePointer<Float>) {
        let half = headDim / 2
        inverseFrequencies.withUnsafeBufferPointer { inv in
            for t in 0..<tokens {
                let p = Double(positions[t])
                let row = out + t * headDim
                for i in 0..<half {
                    // Angles in double: position · frequency loses digits in float at long context.
                    let a = p * Double(inv[i])
                    row[i] = Float(cos(a)); row[half + i] = Float(sin(a))
                }
            }
        }
    }

    /// As `apply(_:tokens:heads:stride:positions:)` with the rows of `table(positions:)`.
    public func apply(_ x: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, stride: Int, table: UnsafePointer<Float>) {
        let half = headDim / 2
        for t in 0..<tokens {
            let cosTable = table + t * headDim, sinTable = cosTable + half
            for h in 0..<heads {
                let v = x + t * stride + h * headDim
                for i in 0..<half {
                    let a = v[i], b = v[i + half]
                    v[i] = a * cosTable[i] - b * sinTable[i]
                    v[i + half] = b * cosTable[i] + a * sinTable[i]
                }
            }
        }
    }

    /// x: [tokens, heads, headDim] with row stride `stride` floats between tokens;
    /// positions: [tokens]. Rotated in place.
    public func apply(_ x: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, stride: Int,
                      positions: UnsafePointer<Int32>) {
        let half = headDim / 2
        withUnsafeTemporaryAllocation(of: Float.self, capacity: headDim) { cs in
            let cosTable = cs.baseAddress!, sinTable = cs.baseAddress! + half
            inverseFrequencies.withUnsafeBufferPointer { inv in
                for t in 0..<tokens {
                    let p = Double(positions[t])
                    for i in 0..<half {
                        // Angles in double: position · frequency loses digits in float at long context.
                        let a = p * Double(inv[i])
                        cosTable[i] = Float(cos(a)); sinTable[i] = Float(sin(a))
                    }
                    for h in 0..<heads {
                        let v = x + t * stride + h * headDim
                        for i in 0..<half {
                            let a = v[i], b = v[i + half]
                            v[i] = a * cosTable[i] - b * sinTable[i]
                            v[i + half] = b * cosTable[i] + a * sinTable[i]
                        }
                    }
                }
            }
        }
    }
}

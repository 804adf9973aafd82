/// One device's working buffers, grown on demand and reused across calls so the decode loop
/// does not allocate.
final class Scratch: @unchecked Sendable {
    private var buffers: [UnsafeMutablePointer<Float>] = []
    private var capacities: [Int] = []

    /// Buffer `index` with room for at least `count` floats.
    func buffer(_ index: Int, _ count: Int) -> UnsafeMutablePointer<Float> {
        while buffers.count <= index { buffers.append(.allocate(capacity: 1)); capacities.append(1) }
        if capacities[index] < count {
            buffers[index].deallocate()
            buffers[index] = .allocate(capacity: count)
            capacities[index] = count
        }
        return buffers[index]
    }

    deinit { for b in buffers { b.deallocate() } }
}

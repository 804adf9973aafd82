import Foundation
import Synchronization

/// One thread per device beyond the first (device 0 runs on the caller's thread). Owned threads,
/// not DispatchQueue.concurrentPerform, which sometimes ran both halves on one thread.
final class DeviceWorkers: @unchecked Sendable {
    let count: Int
    private var job: (@Sendable (Int) -> Void)?
    private let start: [DispatchSemaphore]
    private let done = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)

    init(count: Int) {
        self.count = count
        start = (0..<max(0, count - 1)).map { _ in DispatchSemaphore(value: 0) }
        for d in 1..<max(1, count) {
            let t = Thread { [unowned self] in self.loop(device: d) }
            t.name = "cellar-device-\(d)"
            t.stackSize = 1 << 22
            t.start()
        }
    }

    private func loop(device d: Int) {
        while true {
            start[d - 1].wait()
            if stopping.load(ordering: .acquiring) { done.signal(); return }
            job?(d)
            done.signal()
        }
    }

    /// Runs body(d) for every device d at once and returns when all are done.
    func run(_ body: @escaping @Sendable (Int) -> Void) {
        if count == 1 { body(0); return }
        job = body
        for s in start { s.signal() }
        body(0)
        for _ in start { done.wait() }
        job = nil
    }

    func shutdown() {
        stopping.store(true, ordering: .releasing)
        for s in start { s.signal() }
        for _ in start { done.wait() }
    }
}

/// Devices of a tensor split meet here between the phases of a layer. Spins briefly (phases are
/// short), then yields the core so a busy machine is not starved.
final class SpinBarrier: @unchecked Sendable {
    private let parties: Int
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)

    init(parties: Int) { self.parties = parties }

    func wait() {
        guard parties > 1 else { return }
        let g = generation.load(ordering: .acquiring)
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == parties {
            arrived.store(0, ordering: .relaxed)
            generation.store(g + 1, ordering: .releasing)
            return
        }
        var spins = 0
        while generation.load(ordering: .acquiring) == g {
            spins += 1
            if spins > 2000 { sched_yield() }
        }
    }
}

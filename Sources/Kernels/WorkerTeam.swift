import Foundation
import Synchronization

/// A fixed team of threads that run each job together and return when all are done (fork-join):
/// how one device spreads a matrix product, attention or an element-wise pass over its cores.
/// The caller is member 0. Between jobs the other members spin briefly (the next job of a
/// forward pass comes within microseconds), then sleep on a condition variable, so an idle
/// engine costs no CPU. OpenBLAS runs single-threaded inside each member.
public final class WorkerTeam: @unchecked Sendable {
    public let size: Int
    /// What the threads share. They hold it, not the team, so a team dropped before its threads
    /// have even started can still stop them cleanly.
    private let state: TeamState

    public init(size: Int) {
        self.size = max(1, size)
        state = TeamState(size: self.size)
        for member in 1..<self.size {
            let t = Thread { [state] in state.loop(member: member) }
            t.name = "cellar-worker-\(member)"
            t.stackSize = 1 << 22
            t.start()
        }
    }

    deinit { state.stop() }

    /// Runs body(member) for every member 0..<size at once; returns when all have returned.
    public func run(_ body: (Int) -> Void) { state.run(body) }

    /// Runs body(range) with `count` items cut into one contiguous share per member (each share
    /// a multiple of `align` items, except the last). Fewer than `serialBelow` items run on the
    /// caller alone: waking the team costs more than a decode step's row of element-wise work.
    public func split(_ count: Int, align: Int = 1, serialBelow: Int = 0, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        if count < serialBelow { body(0..<count); return }
        let n = size
        run { m in
            let r = Self.share(count, member: m, of: n, align: align)
            if !r.isEmpty { body(r) }
        }
    }

    /// Member m's share of `count` items among n members, shares aligned to `align` items.
    public static func share(_ count: Int, member m: Int, of n: Int, align: Int = 1) -> Range<Int> {
        let units = (count + align - 1) / align
        let lo = min(count, units * m / n * align), hi = min(count, units * (m + 1) / n * align)
        return lo..<hi
    }
}

/// The job, the counters and the sleeping place of a team's threads.
final class TeamState: @unchecked Sendable {
    let size: Int
    private var job: ((Int) -> Void)?
    private let generation = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let exited = DispatchSemaphore(value: 0)
    /// Spins before sleeping: a few hundred microseconds.
    private static let spinLimit = 100_000

    init(size: Int) {
        self.size = size
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
    }

    deinit {
        pthread_cond_destroy(wake); pthread_mutex_destroy(mutex)
        wake.deallocate(); mutex.deallocate()
    }

    /// Tells the threads to leave and waits until they have.
    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex); pthread_cond_broadcast(wake); pthread_mutex_unlock(mutex)
        for _ in 1..<size { exited.wait() }
    }

    func run(_ body: (Int) -> Void) {
        guard size > 1 else { body(0); return }
        withoutActuallyEscaping(body) { body in
            job = body
            finished.store(0, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex); pthread_cond_broadcast(wake); pthread_mutex_unlock(mutex)
            }
            body(0)
            var spins = 0
            while finished.load(ordering: .acquiring) < size - 1 {
                spins += 1
                if spins > Self.spinLimit { sched_yield() }
            }
            job = nil
        }
    }

    func loop(member: Int) {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins > Self.spinLimit {
                    pthread_mutex_lock(mutex)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(wake, mutex) }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(mutex)
                    break
                }
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { exited.signal(); return }
            job?(member)
            finished.add(1, ordering: .releasing)
        }
    }
}

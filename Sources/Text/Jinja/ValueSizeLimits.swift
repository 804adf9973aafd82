/// Checks made before building a string or list whose size a template controls, so that
/// doubling a string in a loop, `'x' * n`, `center(10**12)` or joining a million large strings
/// stops with a limit error before the allocation, not after memory runs out. Strings are held
/// to the output cap (nothing larger could be rendered anyway), lists to the iteration cap.
extension Interpreter {
    func checkStringBytes(_ bytes: Int, _ what: String, at offset: Int) throws(LocatedError) {
        guard bytes >= 0, bytes <= limits.outputBytes else {
            throw LocatedError(.limit, "\(what) would exceed the output limit of \(limits.outputBytes) bytes", at: offset)
        }
    }

    func checkListCount(_ count: Int, _ what: String, at offset: Int) throws(LocatedError) {
        guard count >= 0, count <= limits.iterations else {
            throw LocatedError(.limit, "\(what) would have more than \(limits.iterations) items", at: offset)
        }
    }

    /// `a + b` without overflow (an overflow is over every cap).
    func sum(_ a: Int, _ b: Int) -> Int { a.addingReportingOverflow(b).overflow ? Int.max : a + b }
    func product(_ a: Int, _ b: Int) -> Int { a.multipliedReportingOverflow(by: b).overflow ? Int.max : a * b }

    /// Python's str.replace with the result's size checked first: the count of replacements is
    /// found by splitting (bounded by the input) only when the cheap bound is over the cap.
    func checkedReplace(_ s: String, _ old: String, _ new: String, count: Int, at offset: Int) throws(LocatedError) -> String {
        let growth = new.utf8.count - old.utf8.count
        if growth > 0 {
            var occurrences = old.isEmpty ? s.unicodeScalars.count + 1 : s.utf8.count / old.utf8.count
            if count >= 0 { occurrences = min(occurrences, count) }
            if sum(s.utf8.count, product(growth, occurrences)) > limits.outputBytes && !old.isEmpty {
                occurrences = StringBytes.split(s, old).count - 1
                if count >= 0 { occurrences = min(occurrences, count) }
            }
            try checkStringBytes(sum(s.utf8.count, product(growth, occurrences)), "replace()", at: offset)
        }
        return StringBytes.replace(s, old, new, count: count)
    }
}

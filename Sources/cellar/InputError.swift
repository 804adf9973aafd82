/// A command's input (a file it reads, the model it was given) is wrong: one sentence naming
/// the file and the place, printed without the usage line and exiting 1. Misused arguments are
/// `UsageError`s instead (exit 2).
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

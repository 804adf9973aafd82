/// The date `strftime_now` formats: pinned by the caller so a rendered prompt (and the cache key
/// derived from it) never changes with the clock. The default, 26 July 2024, is the date
/// transformers' reference renders (../shared/chat-templates) pin.
public struct PinnedDate: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) { self.year = year; self.month = month; self.day = day }

    public static let standard = PinnedDate(year: 2024, month: 7, day: 26)

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]
    static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// 0 = Monday (Python's weekday()).
    var weekday: Int {
        // Days since 1970-01-01 (a Thursday) by the civil-from-days inverse.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return ((days % 7) + 7 + 3) % 7
    }

    var dayOfYear: Int {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return lengths.prefix(max(0, month - 1)).reduce(0, +) + day
    }

    /// C `strftime` at midnight of the pinned day (C locale).
    func format(_ pattern: String) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let m = max(1, min(12, month))
        var out = ""
        var scalars = pattern.unicodeScalars[...]
        while let c = scalars.popFirst() {
            guard c == "%", let f = scalars.popFirst() else { out.unicodeScalars.append(c); continue }
            var code = f
            var unpadded = false
            if f == "-", let g = scalars.popFirst() { code = g; unpadded = true }
            switch code {
            case "d": out += unpadded ? "\(day)" : two(day)
            case "e": out += day < 10 ? " \(day)" : "\(day)"
            case "m": out += unpadded ? "\(m)" : two(m)
            case "Y": out += "\(year)"
            case "y": out += two(((year % 100) + 100) % 100)
            case "b", "h": out += String(PinnedDate.monthNames[m - 1].prefix(3))
            case "B": out += PinnedDate.monthNames[m - 1]
            case "a": out += String(PinnedDate.weekdayNames[weekday].prefix(3))
            case "A": out += PinnedDate.weekdayNames[weekday]
            case "j": out += String(repeating: "0", count: max(0, 3 - String(dayOfYear).count)) + String(dayOfYear)
            case "H", "M", "S", "I":
                out += unpadded ? (code == "I" ? "12" : "0") : (code == "I" ? "12" : "00")
            case "p": out += "AM"
            case "F": out += "\(year)-\(two(m))-\(two(day))"
            case "D": out += "\(two(m))/\(two(day))/\(two(((year % 100) + 100) % 100))"
            case "%": out += "%"
            default: out += "%" + (unpadded ? "-" : "") + String(code)
            }
        }
        return out
    }
}

/// RFC 3339 date-times as TOML 1.0 allows them: offset date-time, local date-time, local date
/// and local time, each checked for real calendar values (leap years, 60-second leap seconds).
enum TOMLDateTimeParser {
    /// True when the token begins like a date (`dddd-`) or a time (`dd:`), so that a failure
    /// to parse it should be reported as a bad date-time rather than a bad number.
    static func looksLikeDateTime(_ t: [UInt8]) -> Bool {
        func digit(_ i: Int) -> Bool { i < t.count && TOMLScanner.isDigit(t[i]) }
        if digit(0) && digit(1) && digit(2) && digit(3) && t.count > 4 && t[4] == UInt8(ascii: "-") { return true }
        if digit(0) && digit(1) && t.count > 2 && t[2] == UInt8(ascii: ":") { return true }
        return false
    }

    static func parse(_ t: [UInt8]) -> Result<TOMLDateTime, TOMLNumbers.Message> {
        let text = String(decoding: t, as: UTF8.self)
        var p = 0
        func number(_ count: Int) -> Int? {
            guard p + count <= t.count else { return nil }
            var v = 0
            for k in p..<(p + count) {
                guard TOMLScanner.isDigit(t[k]) else { return nil }
                v = v * 10 + Int(t[k] - 0x30)
            }
            p += count
            return v
        }
        func take(_ c: Character) -> Bool {
            guard p < t.count, let a = c.asciiValue, t[p] == a else { return false }
            p += 1
            return true
        }
        func fail(_ why: String) -> Result<TOMLDateTime, TOMLNumbers.Message> {
            .failure(TOMLNumbers.Message("invalid date-time '\(text)': \(why)"))
        }

        var result = TOMLDateTime(kind: .localTime)
        let hasDate = t.count > 4 && t[4] == UInt8(ascii: "-")
        if hasDate {
            guard let y = number(4), take("-"), let m = number(2), take("-"), let d = number(2) else {
                return fail("expected YYYY-MM-DD")
            }
            guard (1...12).contains(m) else { return fail("month \(m) is out of range 01–12") }
            let days = daysIn(month: m, year: y)
            guard (1...days).contains(d) else { return fail("day \(d) is out of range 01–\(days) for that month") }
            result = TOMLDateTime(kind: .localDate, year: y, month: m, day: d)
            if p == t.count { return .success(result) }
            guard take("T") || take("t") || take(" ") else { return fail("expected 'T' between date and time") }
            result.kind = .localDateTime
        }
        guard let h = number(2), take(":"), let mi = number(2), take(":"), let s = number(2) else {
            return fail("expected HH:MM:SS")
        }
        guard h <= 23 else { return fail("hour \(h) is out of range 00–23") }
        guard mi <= 59 else { return fail("minute \(mi) is out of range 00–59") }
        guard s <= 60 else { return fail("second \(s) is out of range 00–60") }
        result.hour = h; result.minute = mi; result.second = s
        if take(".") {
            let start = p
            while p < t.count && TOMLScanner.isDigit(t[p]) { p += 1 }
            guard p > start else { return fail("expected digits after '.'") }
            result.fraction = String(decoding: t[start..<p], as: UTF8.self)
        }
        if p == t.count { return .success(result) }
        guard hasDate else { return fail("a time without a date cannot have an offset") }
        if take("Z") || take("z") {
            result.offsetMinutes = 0
        } else if p < t.count && (t[p] == UInt8(ascii: "+") || t[p] == UInt8(ascii: "-")) {
            let sign = t[p] == UInt8(ascii: "-") ? -1 : 1
            p += 1
            guard let oh = number(2), take(":"), let om = number(2) else { return fail("expected an offset ±HH:MM") }
            guard oh <= 23, om <= 59 else { return fail("offset out of range") }
            result.offsetMinutes = sign * (oh * 60 + om)
        } else {
            return fail("unexpected '\(String(decoding: t[p...], as: UTF8.self))' after the time")
        }
        guard p == t.count else { return fail("unexpected '\(String(decoding: t[p...], as: UTF8.self))' after the offset") }
        result.kind = .offsetDateTime
        return .success(result)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension TOMLDateTime {
    /// RFC 3339 text as toml-test writes it: `T` between date and time, `Z` for UTC.
    public var rfc3339: String {
        func pad(_ v: Int?, _ n: Int) -> String {
            let s = String(v ?? 0)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        var out = ""
        if kind != .localTime { out += "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))" }
        if kind == .localDate { return out }
        if kind != .localTime { out += "T" }
        out += "\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
        if let fraction { out += "." + fraction }
        if kind == .offsetDateTime, let o = offsetMinutes {
            if o == 0 { out += "Z" } else { out += (o < 0 ? "-" : "+") + pad(abs(o) / 60, 2) + ":" + pad(abs(o) % 60, 2) }
        }
        return out
    }
}

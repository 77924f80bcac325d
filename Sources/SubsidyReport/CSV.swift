import Foundation

/// CSV for Excel and WPS: UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting,
/// '.' decimals, no thousands separators, money with 2 decimals; a text cell starting with
/// `= + - @`, TAB or CR gets a leading apostrophe so a spreadsheet never runs it as a formula.
public struct CSVTable: Sendable {
    public enum Cell: Sendable {
        case text(String)
        /// Money, 万元: two decimals.
        case money(Double)
        /// A probability or rate: six decimals.
        case fraction(Double)
        /// A count or mean count: `decimals` decimals.
        case number(Double, decimals: Int)
        case integer(Int)
    }

    public var header: [String]
    public var rows: [[Cell]] = []

    public init(header: [String]) { self.header = header }

    public mutating func add(_ row: [Cell]) { rows.append(row) }

    public static func escape(_ s: String) -> String {
        var t = s
        // TAB and CR start formulas too in Excel and LibreOffice (OWASP CSV injection).
        if let f = t.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(f), Double(t) == nil { t = "'" + t }
        if t.contains(",") || t.contains("\"") || t.contains("\n") || t.contains("\r") || t.hasPrefix("'") && t.contains(" ") {
            t = "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return t
    }

    public static func format(_ c: Cell) -> String {
        switch c {
        case let .text(s): return escape(s)
        case let .money(x): return fixed(x, 2)
        case let .fraction(x): return fixed(x, 6)
        case let .number(x, d): return fixed(x, d)
        case let .integer(i): return String(i)
        }
    }

    /// Fixed-point text with '.' decimals whatever the locale; -0.00 prints as 0.00.
    ///
    /// Rounds half to even on the shortest round-trip decimal form of `x` (Swift's
    /// `description`), which is exactly what Foundation's locale-aware `String(format:locale:)`
    /// printed before (checked against it on 3·10⁶ values; a test keeps checking), at about
    /// 1 µs instead of ~45 µs a call: `--dump-trials` writes millions of cells.
    public static func fixed(_ x: Double, _ decimals: Int) -> String {
        let decimals = Swift.min(Swift.max(decimals, 0), 40)
        guard x.isFinite else { return "" }
        if let s = fixedFast(x, decimals) { return s }
        return fixedShortest(x, decimals)
    }

    static let powersOfTen: [Double] = (0...9).map { pow(10, Double($0)) }

    /// The common case without the shortest-digits walk: y = |x|·10^d is rounded directly when it
    /// is far (many ulps) from a tie, where rounding x, y or x's shortest decimal form all agree.
    /// Near a tie (…5 exactly, as 0.125 or 2.675 are written) it returns nil and `fixedShortest`
    /// decides, as Foundation did. Digits are written into a stack buffer: no allocation for the
    /// short strings CSV cells are.
    @inline(__always)
    static func fixedFast(_ x: Double, _ decimals: Int) -> String? {
        guard decimals <= 9 else { return nil }
        let y = x.magnitude * powersOfTen[decimals]
        guard y < 4e15 else { return nil }
        let fl = y.rounded(.down), f = y - fl
        let eps = Swift.max(y, 1) * 8 * Double.ulpOfOne
        guard abs(f - 0.5) > eps else { return nil }
        var r = UInt64(fl) + (f > 0.5 ? 1 : 0)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buf -> String in
            var i = 32
            func put(_ c: UInt8) { i -= 1; buf[i] = c }
            var written = 0
            repeat {
                if written == decimals && decimals > 0 { put(UInt8(ascii: ".")) }
                put(UInt8(48 + r % 10)); r /= 10; written += 1
            } while r > 0 || written <= decimals
            if x < 0 && (i..<32).contains(where: { buf[$0] > 48 && buf[$0] <= 57 }) { put(UInt8(ascii: "-")) }
            return String(decoding: UnsafeBufferPointer(rebasing: buf[i..<32]), as: UTF8.self)
        }
    }

    /// Rounds half to even on the shortest round-trip decimal form of `x` (see `fixed`).
    static func fixedShortest(_ x: Double, _ decimals: Int) -> String {
        let neg = x < 0
        // Shortest round-trip digits of |x| and the decimal exponent: |x| = 0.d1d2… × 10^e.
        var digits: [UInt8] = []
        var exp10 = 0
        var seenDot = false, inExp = false, expSign = 1, expVal = 0, leadingZeros = true, intDigits = 0
        for c in x.magnitude.description.utf8 {
            if inExp {
                if c == UInt8(ascii: "-") { expSign = -1 } else if c == UInt8(ascii: "+") {} else { expVal = expVal * 10 + Int(c - 48) }
                continue
            }
            switch c {
            case UInt8(ascii: "."): seenDot = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExp = true
            default:
                let v = c - 48
                if leadingZeros && v == 0 { if seenDot { exp10 -= 1 }; continue }
                leadingZeros = false
                digits.append(v)
                if !seenDot { intDigits += 1 }
            }
        }
        exp10 += intDigits + expSign * expVal
        while digits.last == 0 { digits.removeLast() }
        if digits.isEmpty { exp10 = 0 }
        // Keep the digits up to position exp10 + decimals.
        let keep = exp10 + decimals
        var kept: [UInt8] = keep > 0 ? Array(digits.prefix(keep)) : []
        if keep > 0 && kept.count < keep { kept += [UInt8](repeating: 0, count: keep - kept.count) }
        var roundUp = false
        if keep >= 0 && keep < digits.count {
            let next = digits[keep]
            let rest = digits[(keep + 1)...].contains { $0 != 0 }
            let lastEven = (kept.last ?? 0) % 2 == 0
            roundUp = next > 5 || (next == 5 && (rest || !lastEven))
        }
        // keep < 0: the value is below half a unit of the last place: rounds to 0.
        var e = exp10
        if roundUp {
            var i = kept.count - 1
            while i >= 0 { if kept[i] == 9 { kept[i] = 0; i -= 1 } else { kept[i] += 1; break } }
            if i < 0 { kept.insert(1, at: 0); e += 1 }
        }
        // kept holds the digits from 10^(e-1) down to 10^-decimals.
        let total = e + decimals
        if kept.count < total { kept = [UInt8](repeating: 0, count: total - kept.count) + kept }
        if total <= 0 { kept = [] }
        let intCount = Swift.max(0, kept.count - decimals)
        var out = [UInt8]()
        out.reserveCapacity(kept.count + 3)
        let allZero = !kept.contains { $0 != 0 }
        if neg && !allZero { out.append(UInt8(ascii: "-")) }
        if intCount == 0 { out.append(48) } else { out += kept[0..<intCount].map { $0 + 48 } }
        if decimals > 0 {
            out.append(UInt8(ascii: "."))
            let frac = Array(kept[intCount...])
            let pad = decimals - frac.count
            if pad > 0 { out += [UInt8](repeating: 48, count: pad) }
            out += frac.map { $0 + 48 }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The file's bytes: BOM, header, rows, CRLF.
    public var data: Data {
        var out = "\u{FEFF}" + header.map(Self.escape).joined(separator: ",") + "\r\n"
        for r in rows { out += r.map(Self.format).joined(separator: ",") + "\r\n" }
        return Data(out.utf8)
    }
}

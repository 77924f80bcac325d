import SubsidyModel
import Testing

@Suite("Diagnostics")
struct DiagnosticsTests {
    @Test("sorted: files in the order first seen, then line and column; stable for equal places")
    func sortedAcrossFiles() {
        var bag = DiagnosticBag()
        func add(_ file: String, _ line: Int, _ col: Int, _ key: String) {
            bag.add(SourceLocation(file: file, line: line, column: col), key, Message(zh: "问题", en: "problem"))
        }
        add("what-if.yaml", 10, 3, "a")
        add("builtin:pingluo-draft", 1, 1, "b")
        add("what-if.yaml", 5, 7, "c")
        add("builtin:pingluo-draft", 92, 1, "d")
        add("what-if.yaml", 5, 2, "e")
        add("what-if.yaml", 5, 2, "f")
        add("builtin:pingluo-draft", 17, 13, "g")
        #expect(bag.sorted.map(\.key) == ["e", "f", "c", "a", "b", "g", "d"])
    }

    @Test("render: FILE:LINE:COL: KEY: message, and FILE: message without a position")
    func render() {
        let d = Diagnostic(SourceLocation(file: "a.yaml", line: 3, column: 5), key: "policy.overrun", Message(zh: "不对", en: "wrong"))
        #expect(d.render(.en) == "a.yaml:3:5: policy.overrun: wrong")
        #expect(d.render(.zh) == "a.yaml:3:5: policy.overrun: 不对")
        let e = Diagnostic(SourceLocation(file: "--set", line: 0, column: 0), key: "", Message(zh: "不对", en: "wrong"))
        #expect(e.render(.en) == "--set: wrong")
    }

    @Test("numbers in messages: plain for ordinary sizes, an exponent for tiny or huge ones")
    func numbersInMessages() {
        #expect(formatNumber(45) == "45")
        #expect(formatNumber(0.6) == "0.6")
        #expect(formatNumber(-40) == "-40")
        #expect(formatNumber(0.000123) == "0.000123")
        #expect(formatNumber(1234567.5) == "1234567.5")
        #expect(formatNumber(1e12) == "1000000000000")
        #expect(formatNumber(-1e-9) == "-1e-09")
        #expect(formatNumber(1.5e20) == "1.5e+20")
        #expect(formatNumber(1e300) == "1e+300")
        #expect(formatNumber(.infinity) == "∞")
    }
}

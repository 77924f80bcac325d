import Foundation
@testable import SubsidyModel
import Testing

// Rule tests as data: every case in Tests/SubsidyModelTests/Rules/*.yaml is one firm under one
// policy (the bundled draft, a variant of it, plus `set` overrides) with the awards the rules must
// give. The format is described in Rules/README.md; a planner adds cases without writing Swift.
//
// The files are read by the program's own YAML reader (`YAMLReader`: located nodes; syntax
// errors, duplicate keys, aliases, tabs and bad UTF-8 reported as for scenario files) and checked
// with its `TreeDecoder` (unknown keys with a suggestion, numbers as in scenarios).

/// One expected value of a rule case.
enum Expected: Sendable, Equatable, CustomStringConvertible {
    case amount(Double)
    /// `eligible: rejected`: the hardware rule rejects the project (Rules.eligibleInvestment is nil).
    case rejected
    case flag(Bool)

    var description: String {
        switch self {
        case let .amount(x): return RuleCaseRunner.show(x)
        case .rejected: return "rejected"
        case let .flag(b): return b ? "true" : "false"
        }
    }
}

/// One case from a rule file.
struct RuleCase: Sendable, CustomTestStringConvertible {
    /// File name (in Rules/) and the line of the case's `- name:`.
    var file: String
    var line: Int
    var name: String
    /// A variant id of the bundled draft, or nil for the scenario without a variant (text rates).
    var variant: String?
    /// The case's `set:` overrides, as `--set` would give them (values keep their place in the file).
    var overrides: [Override]
    /// The file's `clause:` (what its cases pin), if it names one.
    var clause: String?
    /// A per-firm case has a firm; a payment case has one trial's payment (exactly one of the two).
    var firm: FirmFacts?
    var payment: PaymentCase?
    /// A count case (（六）–（八）): one trial's counts of firms and providers.
    var counts: CountCase?
    /// In file order; keys are `transformation`, `demand.cloud`, `eligible`, ... (per-firm cases) or
    /// `paid.transformation`, `used.regional`, `batch_paid.1`, ... (payment cases).
    var expect: [(key: String, value: Expected)]
    var tolerance: Double

    var testDescription: String { "\(file):\(line) \(name)" }
}

/// A problem in a rule file: `FILE:LINE:COL: message`.
struct CaseFileError: Error, Sendable, CustomStringConvertible {
    var file: String
    var line: Int
    var column: Int
    var message: String
    var description: String { "\(file):\(line):\(column): \(message)" }

    /// A diagnostic of the YAML reader or the tree decoder, in English.
    init(_ d: Diagnostic) {
        self.init(file: d.location.file, line: d.location.line, column: d.location.column,
                  message: d.key.isEmpty ? d.message.en : "\(d.key): \(d.message.en)")
    }

    init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }
}

/// The checks of one file's reading, collected in order: the decoder's own (unknown keys, wrong
/// kinds, numbers) and the case format's. Strict: a typo never silently drops a check.
final class CaseReader {
    var decoder = TreeDecoder()

    var errors: [CaseFileError] { decoder.bag.items.map(CaseFileError.init) }
    var count: Int { decoder.bag.items.count }

    func fail(_ node: YNode, _ message: String) { fail(node.location, message) }
    func fail(_ at: SubsidyModel.SourceLocation, _ message: String) { decoder.bag.add(at, "", Message(zh: message, en: message)) }

    /// The mapping's values by key; nil (with an error) if it is not a mapping or has a key outside `allowed`.
    func pairs(_ node: YNode, _ what: String, allowed: [String]) -> [String: YNode]? {
        let before = count
        let m = decoder.mapping(node, what, allowed: allowed)
        return count == before ? m : nil
    }

    /// A mapping's pairs in file order (none if it is not a mapping).
    func orderedPairs(_ node: YNode) -> [(String, YNode)] { (node.pairs ?? []).map { ($0.key, $0.value) } }

    /// A finite number, as a scenario file writes one (plain, no percent sign).
    func number(_ node: YNode, _ what: String) -> Double? { decoder.parseNumber(node, what) }

    /// `true` or `false`, written plain.
    func bool(_ node: YNode, _ what: String) -> Bool? {
        if case let .scalar(s, plain) = node.value, plain, s == "true" || s == "false" { return s == "true" }
        fail(node, "\(what): expected true or false, found \(node.kindName.en)")
        return nil
    }
}

/// Reads rule files. A bad case is reported and skipped; the other cases still run.
enum RuleCaseParser {
    static let lineKeys = ["transformation", "benchmark", "smart_factory", "cloud", "chain_case"]
    static let expectKeys = lineKeys + ["total", "demand_total", "ceiling_cut", "eligible", "accepted", "demand"]
    static let firmKeys = ["batch", "software", "hardware", "completed", "passes", "cloud", "smart_factory", "benchmark", "chain_case"]
    static let caseKeys = ["name", "variant", "set", "firm", "payment", "counts", "expect", "tolerance"]
    static let defaultTolerance = 1e-6

    static func parse(_ text: String, file: String) -> (cases: [RuleCase], errors: [CaseFileError]) {
        let root: YNode
        switch YAMLReader.parse(data: Data(text.utf8), file: file) {
        case let .success(r): root = r
        case let .failure(e): return ([], e.diagnostics.map(CaseFileError.init))
        }
        if root.isNull {
            return ([], [CaseFileError(file: file, line: 1, column: 1, message: "the file is empty: expected `cases:` with a list of cases")])
        }
        let r = CaseReader()
        let cases = parse(root, file: file, r)
        return (cases, r.errors)
    }

    static func parse(_ root: YNode, file: String, _ r: CaseReader) -> [RuleCase] {
        guard let top = r.pairs(root, "the file", allowed: ["clause", "cases", "tolerance"]) else { return [] }
        var clause: String?
        if let c = top["clause"] {
            if let s = c.scalar, !s.isEmpty { clause = s } else { r.fail(c, "clause: expected the clause the file's cases pin (text)") }
        }
        var fileTolerance = defaultTolerance
        if let t = top["tolerance"], let v = r.number(t, "tolerance") {
            if v < 0 { r.fail(t, "tolerance: must not be negative") } else { fileTolerance = v }
        }
        guard let casesNode = top["cases"] else {
            r.fail(root, "missing `cases:` (a list of cases)")
            return []
        }
        guard let items = casesNode.items, !items.isEmpty else {
            r.fail(casesNode, "cases: expected a non-empty list of cases")
            return []
        }
        var out: [RuleCase] = []
        var names: Set<String> = []
        for item in items {
            let before = r.count
            guard let m = r.pairs(item, "a case", allowed: caseKeys) else { continue }
            guard let nameNode = m["name"], let name = nameNode.scalar, !name.isEmpty else {
                r.fail(item, "a case needs a `name:` (text)")
                continue
            }
            if !names.insert(name).inserted { r.fail(nameNode, "case '\(name)': another case in this file has the same name") }
            func failCase(_ at: SubsidyModel.SourceLocation, _ message: String) { r.fail(at, "case '\(name)': \(message)") }

            var variant: String?
            if let v = m["variant"] {
                if let s = v.scalar, !s.isEmpty { variant = s } else { failCase(v.location, "variant: expected a variant id (text, e.g. table)") }
            }
            var overrides: [Override] = []
            if let s = m["set"] {
                if let sm = s.pairs {
                    for p in sm {
                        guard let path = ScenarioPath(p.key) else {
                            failCase(p.keyLocation, "set: '\(p.key)' is not a key path such as policy.batches[0].cap")
                            continue
                        }
                        overrides.append(Override(path: path, value: p.value, text: "\(p.key)=\(p.value.flowText)"))
                    }
                } else {
                    failCase(s.location, "set: expected a mapping of key paths to values, e.g. {policy.batches[0].cap: 45}")
                }
            }
            var tolerance = fileTolerance
            if let t = m["tolerance"], let v = r.number(t, "case '\(name)': tolerance") {
                if v < 0 { failCase(t.location, "tolerance: must not be negative") } else { tolerance = v }
            }
            // The firm, the payment or the counts.
            var facts: FirmFacts?
            var payment: PaymentCase?
            var counts: CountCase?
            if [m["firm"], m["payment"], m["counts"]].compactMap({ $0 }).count > 1 {
                failCase(item.location, "a case has one of `firm:`, `payment:` or `counts:`")
            }
            if let cn = m["counts"] {
                counts = parseCounts(cn, name: name, r)
            } else if let pn = m["payment"] {
                payment = parsePayment(pn, name: name, r)
            } else if let fn = m["firm"] {
                facts = parseFirm(fn, name: name, r)
            } else {
                failCase(item.location, "missing `firm:` (one firm's facts), `payment:` (one trial's payment) or `counts:` (one trial's counts)")
            }
            // What is expected.
            var expect: [(key: String, value: Expected)] = []
            if m["counts"] != nil, let en = m["expect"] {
                expect = parseCountsExpect(en, name: name, r)
            } else if m["payment"] != nil, let en = m["expect"] {
                expect = parsePaymentExpect(en, name: name, payment: payment, r)
            } else if let en = m["expect"] {
                expect = parseFirmExpect(en, name: name, r)
            } else {
                failCase(item.location, "missing `expect:`")
            }

            guard r.count == before, facts != nil || payment != nil || counts != nil else { continue }
            out.append(RuleCase(file: file, line: nameNode.location.line, name: name, variant: variant, overrides: overrides,
                                clause: clause, firm: facts, payment: payment, counts: counts, expect: expect, tolerance: tolerance))
        }
        return out
    }

    /// `firm:`: the batch (1-based), software and hardware (万元), the yes/no facts, a chain case's merit.
    static func parseFirm(_ fn: YNode, name: String, _ r: CaseReader) -> FirmFacts? {
        guard let f = r.pairs(fn, "case '\(name)': firm", allowed: firmKeys) else { return nil }
        func failCase(_ at: YNode, _ message: String) { r.fail(at, "case '\(name)': \(message)") }
        var batch: Int?
        if let b = f["batch"] {
            if let v = r.number(b, "case '\(name)': firm.batch") {
                if v >= 1, v == v.rounded(), v <= 100 { batch = Int(v) - 1 } else {
                    failCase(b, "firm.batch: expected a batch number from 1 (第一批 = 1), found \(RuleCaseRunner.show(v))")
                }
            }
        } else { failCase(fn, "firm: missing batch (1-based)") }
        func money(_ k: String, required: Bool) -> Double? {
            guard let n = f[k] else {
                if required { failCase(fn, "firm: missing \(k) (万元)") }
                return required ? nil : 0
            }
            guard let v = r.number(n, "case '\(name)': firm.\(k)") else { return nil }
            if v < 0 { failCase(n, "firm.\(k): must not be negative, found \(RuleCaseRunner.show(v))"); return nil }
            return v
        }
        func flag(_ k: String, _ def: Bool) -> Bool {
            guard let n = f[k] else { return def }
            return r.bool(n, "case '\(name)': firm.\(k)") ?? def
        }
        let s = money("software", required: true), h = money("hardware", required: true)
        let chain = money("chain_case", required: false)
        let completed = flag("completed", true), passes = flag("passes", true)
        let cloud = flag("cloud", false), smart = flag("smart_factory", false), bench = flag("benchmark", false)
        guard let batch, let s, let h, let chain else { return nil }
        return FirmFacts(batch: batch, software: s, hardware: h, completed: completed, passes: passes,
                         cloud: cloud, smartFactory: smart, benchmark: bench, chainCase: chain)
    }

    /// A per-firm case's `expect:`, in file order.
    static func parseFirmExpect(_ en: YNode, name: String, _ r: CaseReader) -> [(key: String, value: Expected)] {
        guard let e = r.pairs(en, "case '\(name)': expect", allowed: expectKeys) else { return [] }
        var expect: [(key: String, value: Expected)] = []
        for (k, v) in r.orderedPairs(en) {
            let path = "case '\(name)': expect.\(k)"
            switch k {
            case "accepted":
                if let b = r.bool(v, path) { expect.append((k, .flag(b))) }
            case "eligible":
                var probe = TreeDecoder()   // a number as scenarios write one, else the message names both choices
                if case .scalar("rejected", true) = v.value {
                    expect.append((k, .rejected))
                } else if let x = probe.parseNumber(v, path) {
                    expect.append((k, .amount(x)))
                } else {
                    r.fail(v, "\(path): expected a number or `rejected`, found \(v.kindName.en)")
                }
            case "demand":
                guard let d = r.pairs(v, path, allowed: lineKeys) else { continue }
                for (dk, dv) in r.orderedPairs(v) where d[dk] != nil {
                    if let x = r.number(dv, path + "." + dk) { expect.append(("demand." + dk, .amount(x))) }
                }
            default:
                if let x = r.number(v, path) { expect.append((k, .amount(x))) }
            }
        }
        if e.isEmpty { r.fail(en, "case '\(name)': expect: give at least one expected value") }
        return expect
    }
}

/// Loads the bundled rule files.
enum RuleCaseFiles {
    struct Loaded: Sendable {
        var files: [String] = []
        var cases: [RuleCase] = []
        var errors: [CaseFileError] = []
    }

    static let bundled: Loaded = {
        var out = Loaded()
        guard let dir = Bundle.module.url(forResource: "Rules", withExtension: nil),
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else {
            out.errors.append(CaseFileError(file: "Rules", line: 0, column: 0, message: "the Rules folder is not in the test bundle"))
            return out
        }
        for name in names.sorted() where name.hasSuffix(".yaml") {
            out.files.append(name)
            guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path),
                  let text = String(data: data, encoding: .utf8) else {
                out.errors.append(CaseFileError(file: name, line: 1, column: 1, message: "cannot read the file as UTF-8 text"))
                continue
            }
            let (cases, errors) = RuleCaseParser.parse(text, file: name)
            out.cases += cases
            out.errors += errors
        }
        return out
    }()
}

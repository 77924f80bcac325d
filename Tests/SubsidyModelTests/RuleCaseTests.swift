import Foundation
import SubsidyModel
import Testing
import Yams
import RealModule

// Rule tests as data: every case in Tests/SubsidyModelTests/Rules/*.yaml is one firm under one
// policy (the bundled draft, a variant of it, plus `set` overrides) with the awards the rules must
// give. The format is described in Rules/README.md; a planner adds cases without writing Swift.

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
    /// Overrides as `--set` takes them: `KEY=VALUE`, VALUE in YAML.
    var overrides: [String]
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
}

/// Reads rule files. Strict: unknown keys and wrong types are errors, so that a typo never
/// silently drops a check. A bad case is reported and skipped; the other cases still run.
enum RuleCaseParser {
    static let lineKeys = ["transformation", "benchmark", "smart_factory", "cloud", "chain_case"]
    static let expectKeys = lineKeys + ["total", "demand_total", "ceiling_cut", "eligible", "accepted", "demand"]
    static let firmKeys = ["batch", "software", "hardware", "completed", "passes", "cloud", "smart_factory", "benchmark", "chain_case"]
    static let caseKeys = ["name", "variant", "set", "firm", "payment", "counts", "expect", "tolerance"]
    static let defaultTolerance = 1e-6

    static func parse(_ text: String, file: String) -> (cases: [RuleCase], errors: [CaseFileError]) {
        var errors: [CaseFileError] = []
        func fail(_ node: Node?, _ message: String) {
            errors.append(CaseFileError(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1, message: message))
        }
        let root: Node
        do {
            guard let r = try Yams.compose(yaml: text) else {
                return ([], [CaseFileError(file: file, line: 1, column: 1, message: "the file is empty: expected `cases:` with a list of cases")])
            }
            root = r
        } catch let e as YamlError {
            switch e {
            case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
                let detail = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
                return ([], [CaseFileError(file: file, line: mark.line, column: mark.column, message: "YAML syntax error: \(detail)")])
            default:
                return ([], [CaseFileError(file: file, line: 1, column: 1, message: "YAML error: \(e)")])
            }
        } catch {
            return ([], [CaseFileError(file: file, line: 1, column: 1, message: "YAML error: \(error)")])
        }
        guard let top = pairs(root, "the file", allowed: ["clause", "cases", "tolerance"], fail) else { return ([], errors) }
        var clause: String?
        if let c = top["clause"] {
            if let s = c.scalar?.string, !s.isEmpty { clause = s } else { fail(c, "clause: expected the clause the file's cases pin (text)") }
        }
        var fileTolerance = defaultTolerance
        if let t = top["tolerance"], let v = number(t, "tolerance", fail) {
            if v < 0 { fail(t, "tolerance: must not be negative") } else { fileTolerance = v }
        }
        guard let casesNode = top["cases"] else {
            fail(root, "missing `cases:` (a list of cases)")
            return ([], errors)
        }
        guard let items = casesNode.sequence, !items.isEmpty else {
            fail(casesNode, "cases: expected a non-empty list of cases")
            return ([], errors)
        }
        var out: [RuleCase] = []
        var names: Set<String> = []
        for item in items {
            let before = errors.count
            guard let m = pairs(item, "a case", allowed: caseKeys, fail) else { continue }
            guard let nameNode = m["name"], let name = nameNode.scalar?.string, !name.isEmpty else {
                fail(item, "a case needs a `name:` (text)")
                continue
            }
            if !names.insert(name).inserted { fail(nameNode, "case '\(name)': another case in this file has the same name") }
            func failCase(_ node: Node?, _ message: String) { fail(node, "case '\(name)': \(message)") }

            var variant: String?
            if let v = m["variant"] {
                if let s = v.scalar?.string, !s.isEmpty { variant = s } else { failCase(v, "variant: expected a variant id (text, e.g. table)") }
            }
            var overrides: [String] = []
            if let s = m["set"] {
                if let sm = s.mapping {
                    for (k, v) in sm {
                        guard let key = k.scalar?.string else { failCase(k, "set: a key must be a key path such as policy.batches[0].cap"); continue }
                        do {
                            let value = try Yams.serialize(node: v).trimmingCharacters(in: .whitespacesAndNewlines)
                            overrides.append("\(key)=\(value)")
                        } catch {
                            failCase(v, "set.\(key): cannot write the value back as YAML (\(error))")
                        }
                    }
                } else {
                    failCase(s, "set: expected a mapping of key paths to values, e.g. {policy.batches[0].cap: 45}")
                }
            }
            var tolerance = fileTolerance
            if let t = m["tolerance"], let v = number(t, "case '\(name)': tolerance", fail) {
                if v < 0 { failCase(t, "tolerance: must not be negative") } else { tolerance = v }
            }
            // The firm.
            var facts: FirmFacts?
            var payment: PaymentCase?
            var counts: CountCase?
            if [m["firm"], m["payment"], m["counts"]].compactMap({ $0 }).count > 1 {
                failCase(item, "a case has one of `firm:`, `payment:` or `counts:`")
            }
            if let cn = m["counts"] {
                counts = parseCounts(cn, name: name, fail)
            } else if let pn = m["payment"] {
                payment = parsePayment(pn, name: name, fail)
            } else if let fn = m["firm"] {
                if let f = pairs(fn, "case '\(name)': firm", allowed: firmKeys, fail) {
                    var batch: Int?
                    if let b = f["batch"] {
                        if let v = number(b, "case '\(name)': firm.batch", fail) {
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
                        guard let v = number(n, "case '\(name)': firm.\(k)", fail) else { return nil }
                        if v < 0 { failCase(n, "firm.\(k): must not be negative, found \(RuleCaseRunner.show(v))"); return nil }
                        return v
                    }
                    func flag(_ k: String, _ def: Bool) -> Bool {
                        guard let n = f[k] else { return def }
                        return bool(n, "case '\(name)': firm.\(k)", fail) ?? def
                    }
                    let s = money("software", required: true), h = money("hardware", required: true)
                    let chain = money("chain_case", required: false)
                    let completed = flag("completed", true), passes = flag("passes", true)
                    let cloud = flag("cloud", false), smart = flag("smart_factory", false), bench = flag("benchmark", false)
                    if let batch, let s, let h, let chain {
                        facts = FirmFacts(batch: batch, software: s, hardware: h, completed: completed, passes: passes,
                                          cloud: cloud, smartFactory: smart, benchmark: bench, chainCase: chain)
                    }
                }
            } else { failCase(item, "missing `firm:` (one firm's facts), `payment:` (one trial's payment) or `counts:` (one trial's counts)") }
            // What is expected.
            var expect: [(key: String, value: Expected)] = []
            if m["counts"] != nil, let en = m["expect"] {
                expect = parseCountsExpect(en, name: name, fail)
            } else if m["payment"] != nil, let en = m["expect"] {
                expect = parsePaymentExpect(en, name: name, payment: payment, fail)
            } else if let en = m["expect"] {
                if let e = pairs(en, "case '\(name)': expect", allowed: expectKeys, fail) {
                    for (k, v) in orderedPairs(en) {
                        let path = "case '\(name)': expect.\(k)"
                        switch k {
                        case "accepted":
                            if let b = bool(v, path, fail) { expect.append((k, .flag(b))) }
                        case "eligible":
                            if v.scalar?.string == "rejected" { expect.append((k, .rejected)) }
                            else if let x = number(v, path, fail, orElse: "a number or `rejected`") { expect.append((k, .amount(x))) }
                        case "demand":
                            guard let d = pairs(v, path, allowed: lineKeys, fail) else { continue }
                            for (dk, dv) in orderedPairs(v) where d[dk] != nil {
                                if let x = number(dv, path + "." + dk, fail) { expect.append(("demand." + dk, .amount(x))) }
                            }
                        default:
                            if let x = number(v, path, fail) { expect.append((k, .amount(x))) }
                        }
                    }
                    if e.isEmpty { failCase(en, "expect: give at least one expected value") }
                }
            } else { failCase(item, "missing `expect:`") }

            guard errors.count == before, facts != nil || payment != nil || counts != nil else { continue }
            out.append(RuleCase(file: file, line: nameNode.mark?.line ?? item.mark?.line ?? 0, name: name, variant: variant,
                                overrides: overrides, clause: clause, firm: facts, payment: payment, counts: counts, expect: expect, tolerance: tolerance))
        }
        return (out, errors)
    }

    /// The mapping's pairs by key after checking every key is allowed; nil (with an error) if not a mapping.
    static func pairs(_ node: Node, _ what: String, allowed: [String], _ fail: (Node?, String) -> Void) -> [String: Node]? {
        guard let m = node.mapping else {
            fail(node, "\(what): expected a mapping (key: value)")
            return nil
        }
        var out: [String: Node] = [:]
        var ok = true
        for (k, v) in m {
            guard let key = k.scalar?.string, allowed.contains(key) else {
                fail(k, "\(what): unknown key '\(k.scalar?.string ?? "?")' (expected one of: \(allowed.joined(separator: ", ")))")
                ok = false
                continue
            }
            out[key] = v
        }
        return ok ? out : nil
    }

    static func orderedPairs(_ node: Node) -> [(String, Node)] {
        node.mapping.map { m in m.compactMap { k, v in k.scalar.map { ($0.string, v) } } } ?? []
    }

    /// A finite number written as a plain scalar.
    static func number(_ node: Node, _ what: String, _ fail: (Node?, String) -> Void, orElse: String = "a number") -> Double? {
        if let s = node.scalar, s.style == .plain, let v = Double(s.string.trimmingCharacters(in: .whitespaces)), v.isFinite { return v }
        fail(node, "\(what): expected \(orElse), found \(describe(node))")
        return nil
    }

    static func bool(_ node: Node, _ what: String, _ fail: (Node?, String) -> Void) -> Bool? {
        if let s = node.scalar, s.style == .plain {
            if s.string == "true" { return true }
            if s.string == "false" { return false }
        }
        fail(node, "\(what): expected true or false, found \(describe(node))")
        return nil
    }

    private static func describe(_ node: Node) -> String {
        switch node {
        case let .scalar(s): return "'\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
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

/// Runs a case through the rules and says what differs.
enum RuleCaseRunner {
    static func show(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(format: "%.6f", x)
    }

    /// The policy the case names: the bundled draft, its variant, the case's overrides on top.
    static func policy(for c: RuleCase) -> Result<Policy, CaseFileError> {
        func err(_ m: String) -> CaseFileError { CaseFileError(file: c.file, line: c.line, column: 1, message: m) }
        var overrides: [Override] = []
        for text in c.overrides {
            switch Override.parse(text) {
            case let .success(o): overrides.append(o)
            case let .failure(e): return .failure(err("set: \(e.render(.en))"))
            }
        }
        do {
            let loaded = try LoadedScenario.load(nil, overrides: overrides, only: c.variant.map { [$0] } ?? [])
            guard let variant = c.variant else { return .success(loaded.scenario.policy) }
            guard let v = loaded.variants.first(where: { $0.id == variant }) else { return .failure(err("no variant \(variant)")) }
            return .success(v.scenario.policy)
        } catch {
            return .failure(err("the policy cannot be built: \(error.render(.en))"))
        }
    }

    /// Failure messages; empty when the case holds.
    static func check(_ c: RuleCase) -> [String] {
        if let p = c.payment { return checkPayment(c, p) }
        if let n = c.counts { return checkCounts(c, n) }
        guard let f = c.firm else { return ["the case has neither a firm nor a payment"] }
        let policy: Policy
        switch self.policy(for: c) {
        case let .success(p): policy = p
        case let .failure(e): return [e.message]
        }
        let r = Rules.firmAwards(f, policy: policy)
        let eligible = Rules.eligibleInvestment(software: f.software, hardware: f.hardware, limit: policy.hardwareLimit,
                                                rule: policy.hardwareRule)
        let accepted = Rules.accepted(completed: f.completed, passes: f.passes)
        func line(_ k: String) -> LineID? { LineID(rawValue: k) }

        var failures: [String] = []
        for (key, want) in c.expect {
            let got: Expected
            switch key {
            case "total": got = .amount(r.paid.total)
            case "demand_total": got = .amount(r.demand.total)
            case "ceiling_cut": got = .amount(r.cut)
            case "eligible": got = eligible.map { .amount($0) } ?? .rejected
            case "accepted": got = .flag(accepted)
            case let k where k.hasPrefix("demand."):
                got = .amount(r.demand[line(String(k.dropFirst("demand.".count)))!])
            default: got = .amount(r.paid[line(key)!])
            }
            let same: Bool
            switch (want, got) {
            case let (.amount(a), .amount(b)): same = a.isApproximatelyEqual(to: b, absoluteTolerance: c.tolerance)
            default: same = want == got
            }
            if !same { failures.append("\(key): expected \(want), got \(got) (tolerance \(c.tolerance))") }
        }

        // Invariants every case must keep, whatever it expects.
        let counted = policy.ceilingLines.map { r.paid[$0] }.reduce(0, +)
        if counted > policy.ceiling + 1e-9 {
            failures.append("invariant: the lines under the ceiling total \(show(counted)), above the ceiling \(show(policy.ceiling))")
        }
        for l in LineID.firmLevel where r.paid[l] > r.demand[l] + 1e-12 || r.paid[l] < 0 {
            failures.append("invariant: \(l.rawValue) paid \(show(r.paid[l])) is not within [0, demand \(show(r.demand[l]))]")
        }
        if !(r.demand.total - r.paid.total).isApproximatelyEqual(to: r.cut, absoluteTolerance: 1e-9) {
            failures.append("invariant: demand \(show(r.demand.total)) − paid \(show(r.paid.total)) ≠ cut \(show(r.cut))")
        }
        let explained = Rules.explain(f, policy: policy)
        if explained.awards != r.paid || explained.demand != r.demand || explained.ceilingCut != r.cut {
            failures.append("invariant: Rules.explain disagrees with Rules.firmAwards")
        }
        return failures
    }
}

@Suite("Rule cases (Rules/*.yaml)")
struct RuleCaseTests {
    @Test("every rule file parses and names its clause, one file per clause, and the worked examples are all there")
    func filesParse() {
        let loaded = RuleCaseFiles.bundled
        for e in loaded.errors { Issue.record(Comment(rawValue: e.description)) }
        // One file per clause: each names it (`clause:`), and no two files name the same one.
        var fileOf: [String: String] = [:]
        for file in loaded.files {
            let clauses = Set(loaded.cases.filter { $0.file == file }.compactMap(\.clause))
            #expect(clauses.count == 1, "\(file): expected one `clause:`, found \(clauses.sorted())")
            for c in clauses {
                if let other = fileOf[c] { Issue.record("clause \(c) is in both \(other) and \(file)") }
                fileOf[c] = file
            }
        }
        for f in ["transformation.yaml", "hardware.yaml", "acceptance.yaml", "benchmark.yaml", "smart-factory.yaml", "cloud.yaml",
                  "chain-case.yaml", "ceiling.yaml", "payment-prorate.yaml", "payment-batch-order.yaml", "payment-lottery.yaml",
                  "payment-reallocate.yaml", "payment-sources.yaml", "service-provider.yaml", "professional-services.yaml"] {
            #expect(loaded.files.contains(f), "\(f) is missing")
        }
        // §9 has nine examples (#7 written out per hardware rule), each in its clause's file.
        for n in 1...9 { #expect(loaded.cases.contains { $0.name.hasPrefix("§9 #\(n)") }, "§9 #\(n) is missing") }
        #expect(loaded.cases.filter { $0.firm != nil }.count >= 40)
        // Every overrun rule has payment cases.
        for rule in OverrunRule.allCases {
            #expect(loaded.cases.contains { $0.payment?.rule == rule }, "no payment case for \(rule.rawValue)")
        }
    }

    @Test("rule case", arguments: RuleCaseFiles.bundled.cases)
    func ruleCase(_ c: RuleCase) {
        for failure in RuleCaseRunner.check(c) {
            Issue.record(Comment(rawValue: "\(c.file):\(c.line): case '\(c.name)': \(failure)"))
        }
    }

    /// Malformed rule files: each must give one clear error naming the file, line and problem.
    static let malformed: [(text: String, error: String)] = [
        ("cases:\n  - name: a\n    firm: {batch: 1, software: 1\n",
         "bad.yaml:4:1: YAML syntax error: while parsing a flow mapping, did not find expected ',' or '}'"),
        ("", "bad.yaml:1:1: the file is empty: expected `cases:` with a list of cases"),
        ("- name: a\n", "bad.yaml:1:1: the file: expected a mapping (key: value)"),
        ("tolerance: 0.1\n", "bad.yaml:1:1: missing `cases:` (a list of cases)"),
        ("cases: []\n", "bad.yaml:1:8: cases: expected a non-empty list of cases"),
        ("cases:\n  - firm: {batch: 1, software: 1, hardware: 0}\n    expect: {total: 0.6}\n",
         "bad.yaml:2:5: a case needs a `name:` (text)"),
        ("cases:\n  - name: a\n    expect: {total: 0}\n", "bad.yaml:2:5: case 'a': missing `firm:` (one firm's facts), `payment:` (one trial's payment) or `counts:` (one trial's counts)"),
        ("cases:\n  - name: a\n    firm: {batch: 1, sofware: 1, hardware: 0}\n    expect: {total: 0}\n",
         "bad.yaml:3:22: case 'a': firm: unknown key 'sofware' (expected one of: batch, software, hardware, completed, passes, cloud, smart_factory, benchmark, chain_case)"),
        ("cases:\n  - name: a\n    firm: {batch: 1, software: seventy, hardware: 0}\n    expect: {total: 0}\n",
         "bad.yaml:3:32: case 'a': firm.software: expected a number, found 'seventy'"),
        ("cases:\n  - name: a\n    firm: {batch: 0, software: 1, hardware: 0}\n    expect: {total: 0}\n",
         "bad.yaml:3:19: case 'a': firm.batch: expected a batch number from 1 (第一批 = 1), found 0"),
        ("cases:\n  - name: a\n    firm: {batch: 1, software: 1, hardware: 0, cloud: yes}\n    expect: {total: 0}\n",
         "bad.yaml:3:55: case 'a': firm.cloud: expected true or false, found 'yes'"),
        ("cases:\n  - name: a\n    firm: {batch: 1, software: 1, hardware: 0}\n    expect: {totl: 0}\n",
         "bad.yaml:4:14: case 'a': expect: unknown key 'totl' (expected one of: transformation, benchmark, smart_factory, cloud, chain_case, total, demand_total, ceiling_cut, eligible, accepted, demand)"),
        ("cases:\n  - name: a\n    firm: {batch: 1, software: 1, hardware: 0}\n    expect: {eligible: none}\n",
         "bad.yaml:4:24: case 'a': expect.eligible: expected a number or `rejected`, found 'none'"),
        ("cases:\n  - name: a\n    firm: {batch: 1, software: 1, hardware: 0}\n    expect: {}\n",
         "bad.yaml:4:13: case 'a': expect: give at least one expected value"),
        ("cases:\n  - name: a\n    firm: {batch: 1, software: 1, hardware: 0}\n    expect: {total: 0.6}\n"
            + "  - name: a\n    firm: {batch: 1, software: 1, hardware: 0}\n    expect: {total: 0.6}\n",
         "bad.yaml:5:11: case 'a': another case in this file has the same name"),
        ("cases:\n  - name: a\n    firm: {batch: 1, software: -1, hardware: 0}\n    expect: {total: 0}\n",
         "bad.yaml:3:32: case 'a': firm.software: must not be negative, found -1"),
        ("cases:\n  - name: a\n    payment: {overrun: prorat, budget: {cloud: {county: 1}}, demand: {cloud: 1}}\n    expect: {paid: {cloud: 1}}\n",
         "bad.yaml:3:24: case 'a': payment: overrun: expected one of prorate, batch_order, lottery, reallocate"),
        ("cases:\n  - name: a\n    payment: {overrun: prorate, budget: {cloud: {county: 1}}, demand: {clod: 1}}\n    expect: {paid: {cloud: 1}}\n",
         "bad.yaml:3:78: case 'a': payment.demand.clod: not a budget line (one of: transformation, benchmark, smart_factory, cloud, chain_case, service_provider, professional_services)"),
        ("cases:\n  - name: a\n    payment: {overrun: prorate, budget: {cloud: {county: 1}}, demand: {cloud: 1}}\n    expect: {paid: {benchmark: 1}}\n",
         "bad.yaml:4:32: case 'a': expect.paid.benchmark: not a line of this case (cloud)"),
        ("cases:\n  - name: a\n    payment: {overrun: lottery, budget: {cloud: {county: 1}}, demand: {cloud: 1}}\n    expect: {paid: {cloud: 1}}\n",
         "bad.yaml:3:14: case 'a': payment: lottery: the overrun rule is lottery, so give the awards in lottery order"),
    ]

    @Test("a malformed rule file gives a clear error, not a crash", arguments: 0..<malformed.count)
    func malformedFile(_ i: Int) {
        let (text, error) = Self.malformed[i]
        let (_, errors) = RuleCaseParser.parse(text, file: "bad.yaml")
        guard let first = errors.first else {
            Issue.record("no error for malformed file #\(i)")
            return
        }
        #expect(first.description == error)
    }

    @Test("a bad case among good ones is skipped and reported; the good ones still load")
    func badCaseSkipped() {
        let text = """
            cases:
              - name: good
                firm: {batch: 1, software: 10, hardware: 0}
                expect: {transformation: 6}
              - name: bad
                firm: {batch: 1, software: 10, hardware: 0}
                expect: {transformaton: 6}
            """
        let (cases, errors) = RuleCaseParser.parse(text, file: "mixed.yaml")
        #expect(cases.map(\.name) == ["good"])
        #expect(errors.count == 1)
        #expect(errors.first?.description.hasPrefix("mixed.yaml:7:14: case 'bad': expect: unknown key 'transformaton'") == true)
    }

    @Test("a wrong expectation, an unknown variant or a bad override fails with the case's name, not a crash")
    func failuresAreClear() throws {
        func one(_ body: String) throws -> RuleCase {
            let (cases, errors) = RuleCaseParser.parse("cases:\n  - name: probe\n" + body, file: "probe.yaml")
            #expect(errors.isEmpty, "\(errors)")
            return try #require(cases.first)
        }
        let wrong = try one("    firm: {batch: 1, software: 70, hardware: 30}\n    expect: {transformation: 48, eligible: rejected}\n")
        #expect(RuleCaseRunner.check(wrong) == [
            "transformation: expected 48, got 50 (tolerance 1e-06)",
            "eligible: expected rejected, got 100 (tolerance 1e-06)",
        ])
        let variant = try one("    variant: tabel\n    firm: {batch: 1, software: 1, hardware: 0}\n    expect: {total: 0.6}\n")
        #expect(RuleCaseRunner.check(variant) == [
            "the policy cannot be built: --variant: tabel: no such variant; did you mean 'table'? (variants in builtin:pingluo-draft: text, table)",
        ])
        let set = try one("    set: {\"policy.batches[0].rat\": 0.5}\n    firm: {batch: 1, software: 1, hardware: 0}\n    expect: {total: 0.6}\n")
        let failures = RuleCaseRunner.check(set)
        #expect(failures.count == 1)
        #expect(failures.first?.hasPrefix("the policy cannot be built: --set: policy.batches[0].rat: unknown key; did you mean 'rate'?") == true,
                "\(failures)")
    }
}

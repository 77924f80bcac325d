import Foundation
import SubsidyModel
import Testing
import RealModule

/// Runs a case through the rules and says what differs.
enum RuleCaseRunner {
    static func show(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(format: "%.6f", x)
    }

    /// The policy the case names: the bundled draft, its variant, the case's overrides on top.
    static func policy(for c: RuleCase) -> Result<Policy, CaseFileError> {
        func err(_ m: String) -> CaseFileError { CaseFileError(file: c.file, line: c.line, column: 1, message: m) }
        do {
            let loaded = try LoadedScenario.load(nil, overrides: c.overrides, only: c.variant.map { [$0] } ?? [])
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
         "bad.yaml:4:1: YAML syntax error: while parsing a flow mapping started at 3:11, did not find expected ',' or '}'"),
        ("", "bad.yaml:1:1: the file is empty: expected `cases:` with a list of cases"),
        ("- name: a\n", "bad.yaml:1:1: the file: expected a mapping (key: value), found a list"),
        ("tolerance: 0.1\n", "bad.yaml:1:1: missing `cases:` (a list of cases)"),
        ("cases: []\n", "bad.yaml:1:8: cases: expected a non-empty list of cases"),
        ("cases:\n  - firm: {batch: 1, software: 1, hardware: 0}\n    expect: {total: 0.6}\n",
         "bad.yaml:2:5: a case needs a `name:` (text)"),
        ("cases:\n  - name: a\n    expect: {total: 0}\n", "bad.yaml:2:5: case 'a': missing `firm:` (one firm's facts), `payment:` (one trial's payment) or `counts:` (one trial's counts)"),
        ("cases:\n  - name: a\n    firm: {batch: 1, sofware: 1, hardware: 0}\n    expect: {total: 0}\n",
         "bad.yaml:3:22: case 'a': firm.sofware: unknown key; did you mean 'software'? (expected one of: batch, software, hardware, completed, passes, cloud, smart_factory, benchmark, chain_case)"),
        ("cases:\n  - name: a\n    firm: {batch: 1, software: seventy, hardware: 0}\n    expect: {total: 0}\n",
         "bad.yaml:3:32: case 'a': firm.software: expected a number, found 'seventy'"),
        ("cases:\n  - name: a\n    firm: {batch: 0, software: 1, hardware: 0}\n    expect: {total: 0}\n",
         "bad.yaml:3:19: case 'a': firm.batch: expected a batch number from 1 (第一批 = 1), found 0"),
        ("cases:\n  - name: a\n    firm: {batch: 1, software: 1, hardware: 0, cloud: yes}\n    expect: {total: 0}\n",
         "bad.yaml:3:55: case 'a': firm.cloud: expected true or false, found 'yes'"),
        ("cases:\n  - name: a\n    firm: {batch: 1, software: 1, hardware: 0}\n    expect: {totl: 0}\n",
         "bad.yaml:4:14: case 'a': expect.totl: unknown key; did you mean 'total'? (expected one of: transformation, benchmark, smart_factory, cloud, chain_case, total, demand_total, ceiling_cut, eligible, accepted, demand)"),
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
        // What the program's own YAML reader adds: duplicate keys, aliases and tabs are errors, as in scenarios.
        ("cases:\n  - name: a\n    firm: {batch: 1, software: 1, software: 2, hardware: 0}\n    expect: {total: 0}\n",
         "bad.yaml:3:22: software: duplicate key (first defined on line 3); each key may appear once"),
        ("cases:\n  - name: a\n    firm: &f {batch: 1, software: 1, hardware: 0}\n    expect: {total: 0}\n  - name: b\n    firm: *f\n    expect: {total: 0}\n",
         "bad.yaml:6:5: YAML aliases (*name) are not supported; write the value out, or use base:"),
        ("cases:\n\t- name: a\n", "bad.yaml:2:1: tab character in indentation; YAML indents with spaces only"),
        ("cases:\n  - name: a\n    firm: {batch: 1, software: \"70\", hardware: 0}\n    expect: {total: 0}\n",
         "bad.yaml:3:32: case 'a': firm.software: expected a number, found the quoted text \"70\" (remove the quotes)"),
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
        #expect(errors.first?.description.hasPrefix("mixed.yaml:7:14: case 'bad': expect.transformaton: unknown key; did you mean 'transformation'?") == true,
                "\(errors)")
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
        // The override's value keeps its place in the rule file, so the message points there.
        #expect(failures.first?.hasPrefix("the policy cannot be built: probe.yaml:3:36: policy.batches[0].rat: unknown key; did you mean 'rate'?") == true,
                "\(failures)")
    }
}

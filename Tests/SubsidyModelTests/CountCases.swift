import Foundation
import SubsidyModel
import Testing
import RealModule

// Count rule cases (Rules/service-provider.yaml, Rules/professional-services.yaml): the clauses
// paid per trial rather than per firm, （六） by qualifying providers, （七）（八） by counts of pilot,
// completed and accepted firms (their fee bases), under the case's policy. The format is in
// Rules/README.md.

/// One trial's counts, as a rule file gives them.
struct CountCase: Sendable {
    var pilot = 0, completed = 0, accepted = 0, providers = 0
}

extension RuleCaseParser {
    static let countKeys = ["pilot", "completed", "accepted", "providers"]
    static let countExpectKeys = ["service_provider", "professional_services"]

    static func parseCounts(_ node: YNode, name: String, _ r: CaseReader) -> CountCase? {
        let what = "case '\(name)': counts"
        guard let m = r.pairs(node, what, allowed: countKeys) else { return nil }
        var c = CountCase()
        var ok = true
        for (k, v) in r.orderedPairs(node) where m[k] != nil {
            guard let x = r.number(v, "\(what).\(k)") else { ok = false; continue }
            guard x >= 0, x == x.rounded(), x < 1e6 else { r.fail(v, "\(what).\(k): expected a whole number ≥ 0"); ok = false; continue }
            switch k {
            case "pilot": c.pilot = Int(x)
            case "completed": c.completed = Int(x)
            case "accepted": c.accepted = Int(x)
            default: c.providers = Int(x)
            }
        }
        return ok ? c : nil
    }

    static func parseCountsExpect(_ node: YNode, name: String, _ r: CaseReader) -> [(key: String, value: Expected)] {
        let what = "case '\(name)': expect"
        guard r.pairs(node, what, allowed: countExpectKeys) != nil else { return [] }
        var out: [(key: String, value: Expected)] = []
        for (k, v) in r.orderedPairs(node) { if let x = r.number(v, "\(what).\(k)") { out.append((k, .amount(x))) } }
        if out.isEmpty { r.fail(node, "\(what): give at least one expected value") }
        return out
    }
}

extension RuleCaseRunner {
    /// Runs a count case through `Rules.serviceProviders` and `Rules.professionalServices`, the
    /// functions the trial kernel calls for （六） and （七）（八）.
    static func checkCounts(_ c: RuleCase, _ n: CountCase) -> [String] {
        let policy: Policy
        switch self.policy(for: c) {
        case let .success(p): policy = p
        case let .failure(e): return [e.message]
        }
        var failures: [String] = []
        for (key, want) in c.expect {
            let got = key == "service_provider"
                ? Rules.serviceProviders(qualifying: n.providers, policy: policy)
                : Rules.professionalServices(pilot: n.pilot, completed: n.completed, accepted: n.accepted, policy: policy)
            if case let .amount(a) = want, !a.isApproximatelyEqual(to: got, absoluteTolerance: c.tolerance) {
                failures.append("\(key): expected \(want), got \(show(got)) (tolerance \(c.tolerance))")
            }
        }
        return failures
    }
}

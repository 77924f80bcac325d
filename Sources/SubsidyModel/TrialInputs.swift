/// A trial-level input (Scenarios/MODEL.md §5): uncertainty about the world, drawn once per trial and
/// shared by all firms of that trial. These are what sensitivity analysis varies.
public struct TrialInput: Sendable, Hashable {
    /// Stable ASCII id: `firms_b1`, `completion_b2`, `price_factor`, ...
    public var id: String
    /// Chinese label for tables and charts.
    public var label: String
    /// The key path a variant or `--set` would override.
    public var path: String
    /// A count (firms, cases, providers): its values are whole numbers.
    public var isWhole: Bool { Schema.field(path)?.isWhole ?? false }
    public var distribution: Distribution
}

/// The trial-level inputs of a population, in a fixed order. Which keys are trial-level inputs,
/// their ids and their names are declared on their fields in `Schema.fields` (`trialInput:`).
public enum TrialInputs {
    /// Every trial-level input of `p`, fixed ones included (they still have a column).
    public static func list(_ p: Population) -> [TrialInput] {
        var out: [TrialInput] = []
        func add(_ path: String, _ d: Distribution, item: Int = 0) {
            // Every path given here is a trial-level input of the schema (a test walks them all).
            guard let field = Schema.field(path), let template = field.trialInput, let kp = ScenarioPath(path) else {
                preconditionFailure("\(path) is not a trial-level input of Schema.fields")
            }
            out.append(TrialInput(id: template.replacingOccurrences(of: "{n}", with: String(item + 1)),
                                  label: FieldInfo.of(kp).name, path: path, distribution: d))
        }
        switch p.firms {
        case let .perBatch(ds):
            for (i, d) in ds.enumerated() { add("population.firms.per_batch[\(i)]", d, item: i) }
        case let .total(t, share):
            add("population.firms.total", t)
            add("population.firms.batch1_share", share)
        }
        for (i, b) in p.batches.enumerated() {
            add("population.batches[\(i)].completion", b.completion, item: i)
            add("population.batches[\(i)].pass", b.pass, item: i)
        }
        add("population.price_factor", p.priceFactor)
        add("population.cloud_uptake", p.cloudUptake)
        add("population.chain_cases", p.chainCases)
        add("population.service_providers", p.serviceProviders)
        return out
    }

    /// The uncertain ones: what a tornado, a spider or Sobol indices vary.
    public static func uncertain(_ p: Population) -> [TrialInput] {
        list(p).filter { !$0.distribution.isFixed }
    }
}

extension TrialInputs {
    /// Correlations that name no trial-level input of `p`: one located diagnostic each, with a
    /// suggestion. Run by the loader, so `check` and `run` accept exactly the same files.
    public static func correlationProblems(_ p: Population) -> [Diagnostic] {
        guard !p.correlations.isEmpty else { return [] }
        let ids = list(p).map(\.id)
        var out: [Diagnostic] = []
        for (n, c) in p.correlations.enumerated() {
            for (key, id) in [("a", c.a), ("b", c.b)] where !ids.contains(id) {
                let hint = suggestion(for: id, in: ids)
                out.append(Diagnostic(c.location, key: "population.correlations[\(n)].\(key)", Message(
                    zh: "没有这个试验级输入 “\(id)”\(hint.map { "；是否想写 “\($0)”？" } ?? "")（可用：\(ids.joined(separator: ", "))）",
                    en: "no trial-level input '\(id)'\(hint.map { "; did you mean '\($0)'?" } ?? "") (expected one of: \(ids.joined(separator: ", ")))")))
            }
        }
        return out
    }
}

extension Population {
    /// Every distribution-valued key of the population with its concrete key path, in schema
    /// order: the trial-level inputs and the firm-level laws (investment, hardware share, score,
    /// chain-case award). A test holds it to the schema's `.distribution` fields.
    public var distributionSites: [(path: String, distribution: Distribution)] {
        var out: [(String, Distribution)] = []
        switch firms {
        case let .perBatch(ds): for (i, d) in ds.enumerated() { out.append(("population.firms.per_batch[\(i)]", d)) }
        case let .total(t, share): out += [("population.firms.total", t), ("population.firms.batch1_share", share)]
        }
        for (i, b) in batches.enumerated() {
            out += [("population.batches[\(i)].completion", b.completion), ("population.batches[\(i)].pass", b.pass)]
        }
        out += [("population.investment", investment), ("population.hardware_share", hardwareShare), ("population.score", score),
                ("population.price_factor", priceFactor), ("population.cloud_uptake", cloudUptake),
                ("population.chain_cases", chainCases), ("population.chain_case_award", chainCaseAward),
                ("population.service_providers", serviceProviders)]
        return out.map { (path: $0.0, distribution: $0.1) }
    }
}

/// A trial-level input (Scenarios/MODEL.md §5): uncertainty about the world, drawn once per trial and
/// shared by all firms of that trial. These are what sensitivity analysis varies.
public struct TrialInput: Sendable, Hashable {
    /// Stable ASCII id: `firms_b1`, `completion_b2`, `price_factor`, ...
    public var id: String
    /// Chinese label for tables and charts.
    public var label: String
    /// The key path a variant or `--set` would override.
    public var path: String
    public var distribution: Distribution
}

/// The trial-level inputs of a population, in a fixed order.
public enum TrialInputs {
    /// Every trial-level input of `p`, fixed ones included (they still have a column).
    public static func list(_ p: Population) -> [TrialInput] {
        var out: [TrialInput] = []
        switch p.firms {
        case let .perBatch(ds):
            for (i, d) in ds.enumerated() {
                out.append(TrialInput(id: "firms_b\(i + 1)", label: FieldInfo.batchName(i) + "企业数", path: "population.firms.per_batch[\(i)]", distribution: d))
            }
        case let .total(t, share):
            out.append(TrialInput(id: "firms_total", label: "试点企业总数", path: "population.firms.total", distribution: t))
            out.append(TrialInput(id: "batch1_share", label: "第一批占比", path: "population.firms.batch1_share", distribution: share))
        }
        for (i, b) in p.batches.enumerated() {
            out.append(TrialInput(id: "completion_b\(i + 1)", label: FieldInfo.batchName(i) + "按期完成率", path: "population.batches[\(i)].completion", distribution: b.completion))
            out.append(TrialInput(id: "pass_b\(i + 1)", label: FieldInfo.batchName(i) + "达二级率", path: "population.batches[\(i)].pass", distribution: b.pass))
        }
        out.append(TrialInput(id: "price_factor", label: "投资价格水平", path: "population.price_factor", distribution: p.priceFactor))
        out.append(TrialInput(id: "cloud_uptake", label: "上云比例", path: "population.cloud_uptake", distribution: p.cloudUptake))
        out.append(TrialInput(id: "chain_cases", label: "合格链式案例数", path: "population.chain_cases", distribution: p.chainCases))
        out.append(TrialInput(id: "service_providers", label: "合格服务商数", path: "population.service_providers", distribution: p.serviceProviders))
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

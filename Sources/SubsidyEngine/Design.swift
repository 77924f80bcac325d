import SubsidyModel

/// How the trial-level inputs of a block of trials are drawn (the "sample" stage): independent
/// uniforms from each trial's own stream, or a Latin hypercube per block; optionally with rank
/// correlations induced by Iman–Conover. Returns k columns of `count` uniforms in (0, 1).
public struct TrialDesign: Sendable {
    public var method: SamplingMethod
    /// Target rank correlations between input columns (k × k, unit diagonal), or nil.
    public var correlation: [[Double]]?
    public var seed: UInt64

    public init(method: SamplingMethod, correlation: [[Double]]? = nil, seed: UInt64) {
        self.method = method
        self.correlation = correlation
        self.seed = seed
    }

    public func block(index: Int, start: Int, count: Int, model: CompiledModel) throws -> [[Double]] {
        let k = model.inputs.count
        var cols: [[Double]]
        switch method {
        case .random:
            let r = RandomStream(seed: seed)
            cols = (0..<k).map { j in
                (0..<count).map { t in
                    r.select(.trialInput, trial: start + t, id: UInt32(j))
                    return r.open01()
                }
            }
        case .lhs:
            cols = DesignSupport.latinHypercube(n: count, k: k, seed: seed, stream: UInt32(truncatingIfNeeded: index))
        }
        if let c = correlation, count > k + 2 {
            cols = try DesignSupport.induceRankCorrelation(cols, target: c)
        }
        return cols
    }
}

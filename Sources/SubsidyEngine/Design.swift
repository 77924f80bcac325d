public import SubsidyModel

/// How the trial-level inputs of a block of trials are drawn (the "sample" stage): independent
/// uniforms from each trial's own stream, or a Latin hypercube per block; optionally with rank
/// correlations induced by Iman–Conover. Returns k columns of `count` uniforms in (0, 1).
public struct TrialDesign: Sendable {
    public var method: SamplingMethod
    /// Target rank correlations between input columns (k × k, unit diagonal), or nil.
    public var correlation: [[Double]]?
    public var seed: UInt64
    /// Two-level Monte Carlo (`TwoLevel`): the uniforms of each world (row w, one per input),
    /// and how many trials — populations of firms — each world gets. Trial t is in world
    /// t / `trialsPerWorld` and takes that world's row; its firms still come from trial t's own
    /// streams, so the worlds' populations differ and every variant sees the same ones.
    public var worlds: [[Double]]?
    public var trialsPerWorld = 1

    public init(method: SamplingMethod, correlation: [[Double]]? = nil, seed: UInt64) {
        self.method = method
        self.correlation = correlation
        self.seed = seed
    }

    /// True when a trial's uniforms depend on that trial alone (independent draws, no induced
    /// correlation): the trial loop's workers then draw them with `row`, in parallel.
    public var isPerTrial: Bool { method == .random && correlation == nil && worlds == nil }

    /// Column `j` of trial `t` in an independent design: the first uniform of stream (trialInput, t, j).
    @inline(__always)
    static func uniform(trial t: Int, column j: Int, stream r: RandomStream) -> Double {
        r.select(.trialInput, trial: t, id: UInt32(j))
        return r.open01()
    }

    /// Trial `t`'s row of a per-trial design (`isPerTrial`): the numbers `block` gives for it.
    /// `stream` must be a stream of this design's seed.
    /// Column j is `uniform(trial: t, column: j, ...)`, all columns in one vectorised call.
    func row(trial t: Int, stream r: RandomStream, into out: UnsafeMutableBufferPointer<Double>) {
        guard let base = out.baseAddress else { return }
        r.firstUniforms(.trialInput, trial: t, firstID: 0, count: out.count, into: base)
    }

    public func block(index: Int, start: Int, count: Int, model: CompiledModel) throws -> [[Double]] {
        let k = model.inputs.count
        if let worlds {
            let v = Swift.max(1, trialsPerWorld)
            return (0..<k).map { j in (0..<count).map { t in worlds[Swift.min((start + t) / v, worlds.count - 1)][j] } }
        }
        var cols: [[Double]]
        switch method {
        case .random:
            let r = RandomStream(seed: seed)
            cols = (0..<k).map { j in (0..<count).map { t in TrialDesign.uniform(trial: start + t, column: j, stream: r) } }
        case .lhs:
            cols = DesignSupport.latinHypercube(n: count, k: k, seed: seed, stream: UInt32(truncatingIfNeeded: index))
        }
        if let c = correlation, count > k + 2 {
            cols = try DesignSupport.induceRankCorrelation(cols, target: c)
        }
        return cols
    }
}

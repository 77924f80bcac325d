import Dispatch
public import Foundation  // public: RunOptions.threads defaults to ProcessInfo.processInfo.activeProcessorCount
import Synchronization
internal import CKernel
public import SubsidyModel

/// Running moments of one quantity over trials (Chan et al.'s pairwise update), merged in
/// trial order so the result does not depend on how trials were spread over threads.
public struct Moments: Sendable, Hashable {
    public var n: Int = 0
    public var mean: Double = 0
    public var m2: Double = 0

    public init() {}

    /// Moments of n values given as sums about a shift K: Σ(x−K) and Σ(x−K)².
    public init(count n: Int, shift: Double, sum s1: Double, sumOfSquares s2: Double) {
        self.n = n
        guard n > 0 else { return }
        mean = shift + s1 / Double(n)
        m2 = Swift.max(s2 - s1 * s1 / Double(n), 0)
    }

    @inline(__always)
    public mutating func add(_ x: Double) {
        n += 1
        let d = x - mean
        mean += d / Double(n)
        m2 += d * (x - mean)
    }

    public mutating func merge(_ o: Moments) {
        guard o.n > 0 else { return }
        guard n > 0 else { self = o; return }
        let total = n + o.n
        let d = o.mean - mean
        mean += d * Double(o.n) / Double(total)
        m2 += o.m2 + d * d * Double(n) * Double(o.n) / Double(total)
        n = total
    }

    /// Sample standard deviation.
    public var sd: Double { n > 1 ? (m2 / Double(n - 1)).squareRoot() : 0 }
    /// Monte Carlo standard error of the mean: sd/√n.
    public var standardError: Double { n > 0 ? sd / Double(n).squareRoot() : 0 }
}

/// Which estimate `--precision` drives below its target standard error.
public enum PrecisionEstimate: Sendable, Hashable {
    /// Every variant's headline probabilities: P(（一） short) and P(total demand > total funding).
    case headline
    /// One budget line's P(short) (`--precision-line LINE`).
    case line(LineID)
    /// P(some line short) (`--precision-line any`).
    case anyLine
    /// P(total demand > total funding) (`--precision-line total`).
    case total

    /// The record fields whose proportions the precision loop watches (those the layout has).
    public func fields(_ L: RecordLayout) -> [Int] {
        switch self {
        case .headline:
            let ti = L.lines.firstIndex(of: .transformation)
            return [L.total(.overrun)] + (ti.map { [L.line($0, .overrun)] } ?? [])
        case .line(let l): return L.lines.firstIndex(of: l).map { [L.line($0, .overrun)] } ?? []
        case .anyLine: return [L.total(.anyLineShort)]
        case .total: return [L.total(.overrun)]
        }
    }

    /// The option's value: a line id, `any`, `total`; nil for the headline.
    public var id: String? {
        switch self {
        case .headline: return nil
        case .line(let l): return l.rawValue
        case .anyLine: return "any"
        case .total: return "total"
        }
    }

    /// What the estimate is, in Chinese.
    public var chinese: String {
        switch self {
        case .headline: return "主要概率（（一）资金不足的概率与总需求超过总资金的概率）"
        case .line(let l): return "\(l.clause)\(l.chineseName)资金不足的概率"
        case .anyLine: return "至少一条预算行资金不足的概率"
        case .total: return "总需求超过总资金的概率"
        }
    }

    /// What the estimate is, in English.
    public var english: String {
        switch self {
        case .headline: return "the headline probabilities (P(（一） short) and P(total demand > funding))"
        case .line(let l): return "P(\(l.rawValue) short)"
        case .anyLine: return "P(some line short)"
        case .total: return "P(total demand > funding)"
        }
    }
}

/// How to run: trial count, threads, precision target, design of the trial-level inputs.
public struct RunOptions: Sendable {
    public var trials: Int
    public var threads: Int
    /// Keep adding blocks of trials until the standard error of every variant's headline
    /// probabilities — P(（一） short) and P(total demand > total funding) — is below this
    /// (never beyond `maxTrials`).
    public var precision: Double?
    /// Which estimate `precision` targets (default: the headline probabilities).
    public var precisionEstimate: PrecisionEstimate = .headline
    public var maxTrials: Int
    public var sampling: SamplingMethod
    /// Keep each trial's input values (for trials.csv and sensitivity).
    public var keepInputs: Bool
    /// Record fields kept for every trial (default: `RecordLayout.storedFields`). Sweeps with many
    /// points keep fewer to bound memory: trials × variants × fields × 8 bytes.
    public var storedFields: [Int]?
    /// Record fields whose moments are accumulated (default: every field). Sweeps and solves read
    /// a handful of the ~100 fields for hundreds of variants: the others' moments stay empty
    /// (`Moments.n == 0`), and a run with a precision target adds the fields it watches.
    public var momentFields: [Int]?

    public init(trials: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount, precision: Double? = nil,
                maxTrials: Int = 10_000_000, sampling: SamplingMethod = .random, keepInputs: Bool = true) {
        self.trials = trials
        self.threads = Swift.max(1, threads)
        self.precision = precision
        self.maxTrials = maxTrials
        self.sampling = sampling
        self.keepInputs = keepInputs
        self.storedFields = nil
        self.momentFields = nil
    }
}

/// Everything a run produced: moments of every record field, and the stored per-trial columns.
public struct SimulationResult: Sendable {
    public let model: CompiledModel
    public var trials: Int
    /// [variant][field]: moments over trials (n = 0 for fields outside `RunOptions.momentFields`).
    public var moments: [[Moments]]
    /// [variant][stored field (`storedFields` order)][trial].
    public var stored: [[[Double]]]
    /// Which record fields `stored` holds.
    public var storedFields: [Int]
    /// [input column (model.inputs order)][trial]; empty when inputs were not kept.
    public var inputValues: [[Double]]
    public var wallSeconds: Double
    public var threads: Int
    /// With a precision target: the largest standard error of the headline probabilities when the
    /// run stopped. Above the target means `maxTrials` was reached first (the report says so).
    public var precisionReached: Double? = nil
    public var precisionTarget: Double? = nil
    /// Which estimate the precision target was for.
    public var precisionEstimate: PrecisionEstimate = .headline
    public var precisionMissed: Bool { (precisionReached ?? 0) > (precisionTarget ?? .infinity) }

    public var layout: RecordLayout { model.layout }

    /// The stored per-trial values of record field `field` for variant `v` (must be a stored field).
    public func column(_ v: Int, _ field: Int) -> [Double] {
        guard let i = storedFields.firstIndex(of: field) else { return [] }
        return stored[v][i]
    }
}

/// The trial loop. Trials run in fixed chunks of `chunk` trials; each worker thread owns its
/// kernel and generator; chunk results are merged in chunk order. So the output is byte-identical
/// for any thread count, and each firm's draws depend only on (seed, trial, batch, firm index).
public enum Simulator {
    public static let chunk = 1024
    /// Trial-level designs (Latin hypercube, Iman–Conover) are built per block of this many trials.
    public static let designBlock = 8192

    public typealias Progress = @Sendable (_ done: Int, _ planned: Int) -> Void

    /// Trials per chunk (reduction unit) and per block (design and buffer unit) for a record size.
    static func lengths(recordDoubles: Int) -> (chunk: Int, block: Int) {
        var c = chunk
        while c > 16 && c * recordDoubles * 8 > 2_000_000 { c /= 2 }
        let block = Swift.max(8 * c, Swift.min(designBlock, (8_000_000 / recordDoubles) / c * c))
        return (c, block)
    }

    /// Runs the model. `design` builds the trial-level uniforms of a block (k columns × len trials).
    public static func run(_ model: CompiledModel, options: RunOptions, design: TrialDesign,
                           progress: Progress? = nil) throws -> SimulationResult {
        let start = Date()
        let L = model.layout
        let nv = model.variantCount
        let k = model.inputs.count
        let storedFields = options.storedFields ?? L.storedFields
        // Chunk and block lengths depend on the record size only (never on the thread count, so
        // results do not either; chunk boundaries fix the order in which moments are summed). They
        // were sized for a per-block record buffer that no longer exists and are kept, so the same
        // seed gives the same bits as before; a block has at least 8 chunks for the workers to share.
        let recordDoubles = Swift.max(1, nv * L.count)
        let (chunkLength, blockLength) = Simulator.lengths(recordDoubles: recordDoubles)
        var moments = Array(repeating: Array(repeating: Moments(), count: L.count), count: nv)
        // The fields whose moments are taken: every one (then one vectorised pass over the whole
        // record), or the listed ones and those a precision target watches.
        let allFields = options.momentFields == nil
        let momentFields: [Int] = options.momentFields.map { fs in
            Array(Set(fs.filter { (0..<L.count).contains($0) } + (options.precision == nil ? [] : options.precisionEstimate.fields(L)))).sorted()
        } ?? Array(0..<L.count)
        var stored = Array(repeating: Array(repeating: [Double](), count: storedFields.count), count: nv)
        var inputs = Array(repeating: [Double](), count: options.keepInputs ? k : 0)
        let reserve = options.precision == nil ? options.trials : Swift.min(options.maxTrials, options.trials * 4)
        var reached: Double?
        for v in 0..<nv { for f in 0..<storedFields.count { stored[v][f].reserveCapacity(reserve) } }
        for j in 0..<inputs.count { inputs[j].reserveCapacity(reserve) }

        try checkMemory(model, options: options, trials: reserve)
        let threads = options.threads
        var kernels = (0..<threads).map { _ in TrialKernel(model: model) }
        // Per-trial designs are drawn by the workers, each with its own stream of the design's seed.
        let designStreams = (0..<threads).map { _ in RandomStream(seed: design.seed) }
        let perTrialDesign = design.isPerTrial
        let nsf = storedFields.count
        var inVals: [Double] = [], uRows: [Double] = []
        // Per worker: one trial's records, the chunk's first trial's (the shifts), and the shifted
        // sums and sums of squares: 4 × variants × fields doubles each, however long the block.
        // With listed fields (sweeps, solve), one variant's record at a time and the listed
        // fields' shifts and sums only: fields + 3 × variants × listed.
        let recLen = nv * L.count
        let nListedFields = momentFields.count
        let workerStride = allFields ? 4 * recLen : L.count + 3 * nv * nListedFields
        var workerScratch = [Double](repeating: 0, count: threads * workerStride)
        // Stored fields and input values of a block, column by column, so they append as runs.
        var storedBlock: [Double] = [], inputBlock: [Double] = []
        // Per chunk, variant and listed field, its moments: computed by the worker, merged below in
        // chunk order. Allocated once: every entry the merge reads is written in every block (a
        // sweep's 882 variants × every field had been 34 MB allocated and zeroed per block of 128 trials).
        let maxChunks = (blockLength + chunkLength - 1) / chunkLength
        var chunkMoments = [Moments](repeating: Moments(), count: maxChunks * nv * nListedFields)
        var done = 0
        var target = options.trials
        var block = 0
        while done < target {
            let len = Swift.min(blockLength, target - done)
            // Per-block buffers (input values, design rows), allocated once and reused.
            if inVals.count < len * k { inVals = [Double](repeating: 0, count: blockLength * k) }
            if uRows.count < len * k { uRows = [Double](repeating: 0, count: blockLength * k) }
            if storedBlock.count < blockLength * nv * nsf { storedBlock = [Double](repeating: 0, count: blockLength * nv * nsf) }
            if inputBlock.count < blockLength * k { inputBlock = [Double](repeating: 0, count: blockLength * k) }
            if !perTrialDesign {
                let u = try design.block(index: block, start: done, count: len, model: model)   // [k][len]
                for j in 0..<k { for t in 0..<len { uRows[t * k + j] = u[j][t] } }
            }
            let chunks = (len + chunkLength - 1) / chunkLength
            let base = done
            let fieldCount = L.count
            let keepInputs = options.keepInputs

            // Workers claim chunks in turn (a slow worker never holds up the others); each chunk's
            // results go to fixed places, so the output does not depend on who ran what.
            let nextChunk = Atomic<Int>(0)
            let storedList = storedFields
            momentFields.withUnsafeBufferPointer { lf in
            storedList.withUnsafeBufferPointer { sf in
            workerScratch.withUnsafeMutableBufferPointer { scr in
                inVals.withUnsafeMutableBufferPointer { iv in
                    uRows.withUnsafeMutableBufferPointer { ur in
                        kernels.withUnsafeMutableBufferPointer { ks in
                            chunkMoments.withUnsafeMutableBufferPointer { cm in
                                storedBlock.withUnsafeMutableBufferPointer { sb in
                                    inputBlock.withUnsafeMutableBufferPointer { ib in
                                let lp = UnsafeSendable(lf), fp = UnsafeSendable(sf)
                                let wp = UnsafeSendable(scr), ip = UnsafeSendable(iv), up = UnsafeSendable(ur), kp = UnsafeSendable(ks)
                                let mp = UnsafeSendable(cm), sp = UnsafeSendable(sb), bp = UnsafeSendable(ib)
                                let workers = Swift.min(threads, chunks)
                                DispatchQueue.concurrentPerform(iterations: workers) { w in
                                    while true {
                                        let c = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
                                        guard c < chunks else { break }
                                        let lo = c * chunkLength, hi = Swift.min(len, lo + chunkLength)
                                        // Each trial's records go to this worker's scratch and are taken in at once,
                                        // while they are in cache: shifted sums per field (shift = the field's value
                                        // in the chunk's first trial: no division per value), each field summing its
                                        // values in trial order; then the stored fields, column by column.
                                        let scratch = wp.value.baseAddress! + w * workerStride
                                        let listed = lp.value, nListed = listed.count
                                        let stored = fp.value
                                        let columns = sp.value.baseAddress!
                                        // Shifts and sums of (variant v, listed field j) at v · nListed + j (every
                                        // field listed: the record's own layout).
                                        let shift: UnsafeMutablePointer<Double>, a: UnsafeMutablePointer<Double>, q: UnsafeMutablePointer<Double>
                                        if allFields {
                                            shift = scratch + recLen; a = scratch + 2 * recLen; q = scratch + 3 * recLen
                                        } else {
                                            let m = nv * nListed
                                            shift = scratch + fieldCount; a = shift + m; q = a + m
                                        }
                                        for t in lo..<hi {
                                            let inRow = UnsafeMutableBufferPointer(rebasing: ip.value[(t * k)..<((t + 1) * k)])
                                            let uRowM = UnsafeMutableBufferPointer(rebasing: up.value[(t * k)..<((t + 1) * k)])
                                            if perTrialDesign { design.row(trial: base + t, stream: designStreams[w], into: uRowM) }
                                            for j in 0..<k { inRow[j] = 0 }   // inputs only some populations have stay 0
                                            if allFields {
                                                let out = UnsafeMutableBufferPointer(start: scratch, count: recLen)
                                                kp.value[w].evaluate(trial: base + t, u: UnsafeBufferPointer(uRowM), inputValues: inRow, out: out)
                                                let row = scratch
                                                if t == lo {
                                                    for i in 0..<recLen { shift[i] = row[i]; a[i] = 0; q[i] = 0 }
                                                }
                                                // The sums over the whole record, vectorised (CKernel, AVX2 where the machine has it).
                                                ck_shifted_sums(Int64(recLen), row, shift, a, q)
                                                for v in 0..<nv {
                                                    for si in 0..<nsf { columns[(v * nsf + si) * blockLength + t] = row[v * fieldCount + stored[si]] }
                                                }
                                            } else {
                                                // Each variant's record taken in as it is written: the same shifted
                                                // sums for the listed fields, then its stored fields.
                                                let first = t == lo
                                                let record = UnsafeMutableBufferPointer(start: scratch, count: fieldCount)
                                                kp.value[w].evaluate(trial: base + t, u: UnsafeBufferPointer(uRowM), inputValues: inRow, record: record) { v, r in
                                                    let vb = v &* nListed
                                                    for j in 0..<nListed {
                                                        let x = r[listed[j]]
                                                        if first { shift[vb &+ j] = x; a[vb &+ j] = 0; q[vb &+ j] = 0 }
                                                        let d = x - shift[vb &+ j]
                                                        a[vb &+ j] += d
                                                        q[vb &+ j] += d * d
                                                    }
                                                    for si in 0..<nsf { columns[(v &* nsf &+ si) &* blockLength &+ t] = r[stored[si]] }
                                                }
                                            }
                                        }
                                        for v in 0..<nv {
                                            let mbase = (c * nv + v) * nListed, vb = v * nListed
                                            for j in 0..<nListed {
                                                mp.value[mbase + j] = Moments(count: hi - lo, shift: shift[vb + j], sum: a[vb + j], sumOfSquares: q[vb + j])
                                            }
                                        }
                                        if keepInputs {
                                            for j in 0..<k { for t in lo..<hi { bp.value[j * blockLength + t] = ip.value[t * k + j] } }
                                        }
                                    }
                                }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            } }
            // Reduce in trial order: chunk by chunk.
            for c in 0..<chunks {
                for v in 0..<nv {
                    let mbase = (c * nv + v) * nListedFields
                    for (j, f) in momentFields.enumerated() { moments[v][f].merge(chunkMoments[mbase + j]) }
                }
            }
            storedBlock.withUnsafeBufferPointer { sb in
                for v in 0..<nv {
                    for si in 0..<nsf {
                        let col = (v * nsf + si) * blockLength
                        stored[v][si].append(contentsOf: UnsafeBufferPointer(rebasing: sb[col..<(col + len)]))
                    }
                }
            }
            if options.keepInputs {
                inputBlock.withUnsafeBufferPointer { ib in
                    for j in 0..<k { inputs[j].append(contentsOf: UnsafeBufferPointer(rebasing: ib[(j * blockLength)..<(j * blockLength + len)])) }
                }
            }
            done += len
            block += 1
            if let e = options.precision, done >= target {
                // The targeted probabilities (by default the headline ones: （一）'s shortfall and the
                // pooled total), per variant. Their Wilson half-width / 1.96 is the standard error,
                // and stays positive at 0 and 1.
                let fields = options.precisionEstimate.fields(L)
                let worst = (0..<nv).flatMap { v in fields.map { f -> Double in
                    let w = Statistics.wilson(proportion: moments[v][f].mean, trials: done)
                    return (w.high - w.low) / (2 * Statistics.z975)
                } }.max() ?? 0
                reached = worst
                if worst > e, done < options.maxTrials {
                    target = Swift.min(options.maxTrials, done + blockLength)
                }
            }
            progress?(done, target)
        }
        var result = SimulationResult(model: model, trials: done, moments: moments, stored: stored, storedFields: storedFields, inputValues: inputs,
                                      wallSeconds: Date().timeIntervalSince(start), threads: threads)
        result.precisionTarget = options.precision
        result.precisionReached = reached
        result.precisionEstimate = options.precisionEstimate
        return result
    }

    /// Trials that would not fit: the count asked for, what it needs and the most that fit.
    public struct MemoryError: Error, Sendable {
        public var trials: Int, bytes: Double, budget: Double, most: Int
        public init(trials: Int, bytes: Double, budget: Double, most: Int) {
            self.trials = trials
            self.bytes = bytes
            self.budget = budget
            self.most = most
        }
    }

    /// The memory a run may take, in bytes: half of the physical memory, or half of what the
    /// address-space limit (ulimit -v) leaves beside what the process already maps, when lower.
    public static func memoryBudget() -> Double {
        var budget = Double(ProcessInfo.processInfo.physicalMemory) / 2
        var rl = rlimit()
        #if os(Linux)
        let got = getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &rl)
        #else
        let got = getrlimit(RLIMIT_AS, &rl)
        #endif
        if got == 0, rl.rlim_cur != rlim_t.max {
            var mapped = 0.0
            #if os(Linux)
            if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
               let pages = statm.split(separator: " ").first.flatMap({ Double($0) }) {
                mapped = pages * Double(sysconf(Int32(_SC_PAGESIZE)))
            }
            #endif
            budget = Swift.min(budget, Swift.max(Double(rl.rlim_cur) - mapped, 0) / 2)
        }
        return budget
    }

    /// Throws `MemoryError` when `trials` trials of `model` under `options` (every trial's stored
    /// fields are kept for exact quantiles) would need more than `memoryBudget()`: refused before
    /// anything is allocated, instead of the allocation failing (a trap) mid-run.
    public static func checkMemory(_ model: CompiledModel, options: RunOptions, trials: Int) throws {
        try checkMemory(trials: trials, bytesPerTrial: Double(bytesPerTrial(model, options: options)))
    }

    /// Throws `MemoryError` when `trials` trials of about `per` bytes each exceed `memoryBudget()`;
    /// its `most` is a multiple of `granularity` (a run's blocks of 8192 trials by default).
    public static func checkMemory(trials: Int, bytesPerTrial per: Double, granularity: Int = 8192) throws {
        let budget = memoryBudget()
        guard Double(trials) * per > budget else { return }
        throw MemoryError(trials: trials, bytes: Double(trials) * per, budget: budget,
                          most: Int((budget / Swift.max(per, 1)).rounded(.down)) / granularity * granularity)
    }

    /// Bytes a run keeps per trial: the stored record fields of every variant and, with
    /// `keepInputs`, the trial-level inputs (8 bytes each). Memory grows with trials by this much.
    public static func bytesPerTrial(_ model: CompiledModel, options: RunOptions) -> Int {
        let fields = options.storedFields?.count ?? model.layout.storedFields.count
        return 8 * (model.variantCount * fields + (options.keepInputs ? model.inputs.count : 0))
    }

    /// Evaluates explicit design rows (trial-level uniforms, one row per point) with firm draws
    /// keyed by `trialIndex[i]`, and returns the chosen record fields: [variant][field][row].
    /// This is the "evaluate" stage of sensitivity analysis; rows sharing a trial index see the same firms.
    public static func evaluate(_ model: CompiledModel, rows: [[Double]], trialIndex: [Int], fields: [Int],
                                threads: Int) -> [[[Double]]] {
        let L = model.layout
        let nv = model.variantCount
        let k = model.inputs.count
        let n = rows.count
        let recLen = nv * L.count
        var flat = [Double](repeating: 0.5, count: n * k)
        for (i, r) in rows.enumerated() { for j in 0..<Swift.min(k, r.count) { flat[i * k + j] = r[j] } }
        var records = [Double](repeating: 0, count: n * recLen)
        var kernels = (0..<Swift.max(1, threads)).map { _ in TrialKernel(model: model) }
        let chunks = (n + chunk - 1) / chunk
        let tIdx = trialIndex
        let workers = Swift.max(1, Swift.min(threads, chunks))
        records.withUnsafeMutableBufferPointer { rec in
            flat.withUnsafeBufferPointer { ur in
                kernels.withUnsafeMutableBufferPointer { ks in
                    let rp = UnsafeSendable(rec), up = UnsafeSendable(ur), kp = UnsafeSendable(ks)
                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                        var c = w
                        while c < chunks {
                            for t in (c * chunk)..<Swift.min(n, (c + 1) * chunk) {
                                let uRow = UnsafeBufferPointer(rebasing: up.value[(t * k)..<((t + 1) * k)])
                                let out = UnsafeMutableBufferPointer(rebasing: rp.value[(t * recLen)..<((t + 1) * recLen)])
                                kp.value[w].evaluate(trial: tIdx[t], u: uRow, inputValues: nil, out: out)
                            }
                            c += workers
                        }
                    }
                }
            }
        }
        return (0..<nv).map { v in fields.map { f in (0..<n).map { records[$0 * recLen + v * L.count + f] } } }
    }
}

/// Wraps a pointer for use inside `concurrentPerform`; each worker touches disjoint parts.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}

/// f(0), …, f(n − 1) computed on all cores, returned in index order. The indices are dealt to a
/// few stripes per core (stripe s takes s, s + stripes, …), so jobs of uneven cost still balance;
/// `f` must be safe to call from several threads at once. Tables, sweep points, per-variant analyses.
func concurrentMap<T>(_ n: Int, _ f: @Sendable (Int) -> T) -> [T] {
    guard n > 0 else { return [] }
    let slots = ConcurrentSlots<T>(count: n)
    let stripes = Swift.max(1, Swift.min(n, ProcessInfo.processInfo.activeProcessorCount * 4))
    DispatchQueue.concurrentPerform(iterations: stripes) { s in
        var i = s
        while i < n { slots.set(i, f(i)); i += stripes }
    }
    return slots.values
}

/// `concurrentMap`'s results, slot i written by one worker only, then read in order. Raw storage:
/// no exclusivity check (an array property would be one access per write, from many threads).
private final class ConcurrentSlots<T>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<T?>
    let count: Int
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: Swift.max(count, 1))
        slots.initialize(repeating: nil, count: count)
    }
    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
    func set(_ i: Int, _ v: T) { slots[i] = v }
    var values: [T] { (0..<count).map { slots[$0]! } }
}

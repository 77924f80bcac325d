public import SubsidyModel

/// Where each per-trial quantity sits in a variant's record of doubles. One record per trial
/// per variant; money in 万元, indicators 0/1, counts as doubles.
public struct RecordLayout: Sendable, Hashable {
    public let lines: [LineID]
    public let sources: [String]
    public let batches: Int
    public let segments: Int

    public static let perLine = 8
    /// `unmetIfOverrun` = unmet when demand > budget, else 0; `reallocated` = county money this line gave to others (reallocate rule).
    public enum LineField: Int, CaseIterable, Sendable { case demand, paid, unmet, unspent, payoutRatio, overrun, unmetIfOverrun, reallocated }
    public static let perSource = 3
    public enum SourceField: Int, CaseIterable, Sendable { case used, unspent, notFullyUsed }
    public static let perBatch = 9
    public enum BatchField: Int, CaseIterable, Sendable { case firms, completed, accepted, demand, paid, atCap, eligible, investment, awarded }
    public static let perSegment = 5
    public enum SegmentField: Int, CaseIterable, Sendable { case firms, accepted, demand, atCap, eligible }
    /// `gapIfOverrun` = total demand − total funding when positive (the pooled gap); `anyLineShort` = 1 when some line's demand exceeds its budget.
    public enum TotalField: Int, CaseIterable, Sendable { case demand, paid, unmet, unspent, overrun, gapIfOverrun, anyLineShort }
    public enum MiscField: Int, CaseIterable, Sendable { case ceilingCuts, ceilingCutAmount, benchmarkFirms, smartFactories, cloudFirms, chainCasesFunded }

    /// The source whose use the reports headline ("regional" in the draft): the one that
    /// `funding[].only_lines` restricts, else the first. Found from the data, never by id.
    public let restrictedSource: Int

    public init(lines: [LineID], sources: [String], batches: Int, segments: Int, restrictedSource: Int = 0) {
        self.lines = lines
        self.sources = sources
        self.batches = batches
        self.segments = segments
        self.restrictedSource = restrictedSource
        totalOffset = lines.count * Self.perLine
        sourceOffset = totalOffset + TotalField.allCases.count
        batchOffset = sourceOffset + sources.count * Self.perSource
        segmentOffset = batchOffset + batches * Self.perBatch
        miscOffset = segmentOffset + segments * Self.perSegment
        count = miscOffset + MiscField.allCases.count
    }

    // Stored once: the trial loop reads them for every record (a computed chain cost ~300
    // instructions per trial, measured by callgrind).
    public let totalOffset: Int
    public let sourceOffset: Int
    public let batchOffset: Int
    public let segmentOffset: Int
    public let miscOffset: Int
    public let count: Int

    @inline(__always) public func line(_ i: Int, _ f: LineField) -> Int { i * Self.perLine + f.rawValue }
    @inline(__always) public func total(_ f: TotalField) -> Int { totalOffset + f.rawValue }
    @inline(__always) public func source(_ i: Int, _ f: SourceField) -> Int { sourceOffset + i * Self.perSource + f.rawValue }
    @inline(__always) public func batch(_ i: Int, _ f: BatchField) -> Int { batchOffset + i * Self.perBatch + f.rawValue }
    @inline(__always) public func segment(_ i: Int, _ f: SegmentField) -> Int { segmentOffset + i * Self.perSegment + f.rawValue }
    @inline(__always) public func misc(_ f: MiscField) -> Int { miscOffset + f.rawValue }

    /// Fields kept for every trial (for exact percentiles, charts, paired differences):
    /// each line's demand, total demand and paid, each source's unspent money.
    public var storedFields: [Int] {
        lines.indices.map { line($0, .demand) } + [total(.demand), total(.paid)] + sources.indices.map { source($0, .unspent) }
    }
}

/// A record layout's offsets without its arrays, for the trial kernel: copying a `RecordLayout`
/// retains its two arrays, which every worker shares, and in a sweep (one `apply` per point,
/// variant and trial) those atomic retains on shared cache lines cost about a quarter of the run
/// (perf). This copy is plain integers.
struct RecordOffsets: Sendable {
    let lineCount: Int, sourceCount: Int, batches: Int, segments: Int
    let totalOffset: Int, sourceOffset: Int, batchOffset: Int, segmentOffset: Int, miscOffset: Int, count: Int

    init(_ L: RecordLayout) {
        lineCount = L.lines.count; sourceCount = L.sources.count; batches = L.batches; segments = L.segments
        totalOffset = L.totalOffset; sourceOffset = L.sourceOffset; batchOffset = L.batchOffset
        segmentOffset = L.segmentOffset; miscOffset = L.miscOffset; count = L.count
    }

    // Wrapping arithmetic: every index is below `count` (a few hundred), so nothing can overflow,
    // and the kernel computes these for every field it writes of every variant and trial.
    @inline(__always) func line(_ i: Int, _ f: RecordLayout.LineField) -> Int { i &* RecordLayout.perLine &+ f.rawValue }
    @inline(__always) func total(_ f: RecordLayout.TotalField) -> Int { totalOffset &+ f.rawValue }
    @inline(__always) func source(_ i: Int, _ f: RecordLayout.SourceField) -> Int { sourceOffset &+ i &* RecordLayout.perSource &+ f.rawValue }
    @inline(__always) func batch(_ i: Int, _ f: RecordLayout.BatchField) -> Int { batchOffset &+ i &* RecordLayout.perBatch &+ f.rawValue }
    @inline(__always) func segment(_ i: Int, _ f: RecordLayout.SegmentField) -> Int { segmentOffset &+ i &* RecordLayout.perSegment &+ f.rawValue }
    @inline(__always) func misc(_ f: RecordLayout.MiscField) -> Int { miscOffset &+ f.rawValue }
}

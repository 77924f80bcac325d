import Foundation

// The commands' own manifest fields, written beside `Manifest.Header` in one JSON object.
extension Manifest {
    /// `run`: trial-level sampling, the command that reproduces the CSVs, the simulation's own time.
    public struct RunFields: Fields, Equatable {
        public static let command = "run"
        /// `random` or `lhs`.
        public var sampling: String
        public var reproduce: String
        /// Seconds spent simulating (of `wall_seconds`), rounded to milliseconds.
        public var simulationSeconds: Double

        enum CodingKeys: String, CodingKey { case sampling, reproduce, simulationSeconds = "simulation_seconds" }

        public init(sampling: String, reproduce: String, simulationSeconds: Double) {
            self.sampling = sampling
            self.reproduce = reproduce
            self.simulationSeconds = simulationSeconds
        }
    }

    /// `sweep`: the axes with their values as typed, the line charted, populations drawn per trial.
    public struct SweepFields: Fields, Equatable {
        public static let command = "sweep"
        public struct Axis: Codable, Sendable, Equatable {
            public var key: String
            public var values: [String]
            public init(key: String, values: [String]) {
                self.key = key
                self.values = values
            }
        }
        public var axes: [Axis]
        /// A line id or `total`.
        public var line: String
        public var populationsPerTrial: Int

        enum CodingKeys: String, CodingKey { case axes, line, populationsPerTrial = "populations_per_trial" }

        public init(axes: [Axis], line: String, populationsPerTrial: Int) {
            self.axes = axes
            self.line = line
            self.populationsPerTrial = populationsPerTrial
        }
    }

    /// `solve`: the question as asked (key and interval as typed) and the lattice searched.
    public struct SolveFields: Fields, Equatable {
        public static let command = "solve"
        public var vary: String
        public var interval: String
        /// The probability that must not be exceeded (`--max-overrun`, or `--alpha` with `--min-use`).
        public var target: Double
        /// `overrun` or `underuse`.
        public var metric: String
        /// `--line` (a line id or `total`), as given or defaulted, whichever the metric.
        public var line: String
        public var minimize: Bool
        public var step: Double
        /// `--source`, else the scenario's restricted source, else empty.
        public var source: String

        public init(vary: String, interval: String, target: Double, metric: String, line: String, minimize: Bool, step: Double,
                    source: String) {
            self.vary = vary
            self.interval = interval
            self.target = target
            self.metric = metric
            self.line = line
            self.minimize = minimize
            self.step = step
            self.source = source
        }
    }

    /// `sensitivity`: per variant (`variant`, `inputs`), or over several (`variants`, in the folder
    /// that holds their sub-folders); the analysis settings either way.
    public struct SensitivityFields: Fields, Equatable {
        public static let command = "sensitivity"
        public var variant: String?
        public var variants: [String]?
        public var outputMetric: String
        public var sobolN: Int
        public var oatTrials: Int
        /// Ids of the trial-level inputs analysed.
        public var inputs: [String]?

        enum CodingKeys: String, CodingKey {
            case variant, variants, outputMetric = "output_metric", sobolN = "sobol_n", oatTrials = "oat_trials", inputs
        }

        public init(variant: String? = nil, variants: [String]? = nil, outputMetric: String, sobolN: Int, oatTrials: Int,
                    inputs: [String]? = nil) {
            self.variant = variant
            self.variants = variants
            self.outputMetric = outputMetric
            self.sobolN = sobolN
            self.oatTrials = oatTrials
            self.inputs = inputs
        }
    }

    /// `compare`: the entries compared (id, label, where each comes from) and whether they are
    /// the readings of one scenario. The header's scenario is the first entry's.
    public struct CompareFields: Fields, Equatable {
        public static let command = "compare"
        public struct Entry: Codable, Sendable, Equatable {
            public var id: String
            public var label: String
            public var source: String
            public init(id: String, label: String, source: String) {
                self.id = id
                self.label = label
                self.source = source
            }
        }
        public var entries: [Entry]
        public var readings: Bool

        public init(entries: [Entry], readings: Bool) {
            self.entries = entries
            self.readings = readings
        }
    }

    /// `rebalance`: the target asked (per line or joint, its confidence, the rounding unit, the
    /// lines held), the independent check run, and what came out (feasible, caps, extra money).
    public struct RebalanceFields: Fields, Equatable {
        public static let command = "rebalance"
        public var maxShort: Double
        public var confidence: Double
        /// `per_line` or `joint`.
        public var target: String
        public var unitWan: Double
        /// Line ids whose budget was kept.
        public var hold: [String]
        /// Decimal text, as the header's seed.
        public var checkSeed: String
        public var checkTrials: Int
        public var feasible: Bool
        public var withCaps: Bool
        /// The batch caps proposed with --with-caps (万元), else empty; the draft's when
        /// `capsFit` is false (not even caps of 0 meet the target).
        public var capsWan: [Double]
        /// With --with-caps: whether some caps meet the target with the money there is.
        public var capsFit: Bool?
        /// Extra money per funding source id (万元) the target needs beyond what there is.
        public var extraWan: [String: Double]

        enum CodingKeys: String, CodingKey {
            case maxShort = "max_short", confidence, target, unitWan = "unit_wan", hold, checkSeed = "check_seed",
                 checkTrials = "check_trials", feasible, withCaps = "with_caps", capsWan = "caps_wan", capsFit = "caps_fit", extraWan = "extra_wan"
        }

        public init(maxShort: Double, confidence: Double, target: String, unitWan: Double, hold: [String], checkSeed: String,
                    checkTrials: Int, feasible: Bool, withCaps: Bool, capsWan: [Double], capsFit: Bool? = nil, extraWan: [String: Double]) {
            self.maxShort = maxShort
            self.confidence = confidence
            self.target = target
            self.unitWan = unitWan
            self.hold = hold
            self.checkSeed = checkSeed
            self.checkTrials = checkTrials
            self.feasible = feasible
            self.withCaps = withCaps
            self.capsWan = capsWan
            self.capsFit = capsFit
            self.extraWan = extraWan
        }
    }
}

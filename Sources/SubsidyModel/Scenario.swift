/// A complete, validated scenario: what the measure funds (lines and sources), the policy
/// (rates, caps, awards, fees, ceiling, overrun rule), the firm population, and how to simulate.
/// Money is in 万元 (10,000 yuan), rates are fractions in [0, 1], counts are integers.
public struct Scenario: Sendable {
    public var id: String
    public var title: String
    public var source: String
    public var funding: [FundingSource]
    public var lines: [BudgetLine]
    public var policy: Policy
    public var population: Population
    public var simulation: SimulationSettings
    /// Variant specs as written; `LoadedScenario.variants` holds them applied.
    public var variantSpecs: [VariantSpec]

    /// The budget line with this id.
    public func line(_ id: LineID) -> BudgetLine? { lines.first { $0.id == id } }
    /// Total money, 万元.
    public var totalFunding: Double { funding.map(\.amount).reduce(0, +) }
    /// The first source whose money may pay only some lines (`only_lines`; the regional grant in
    /// the draft), whatever it is called. Nil when every source may pay any line.
    public var restrictedSource: FundingSource? { funding.first { $0.onlyLines != nil } }
}

/// A funding source (资金来源): the regional grant (自治区) or the county's match (县级配套).
public struct FundingSource: Sendable, Hashable {
    public var id: String
    public var name: String
    /// 万元.
    public var amount: Double
    /// Which lines this money may pay; nil = any line. Regional money pays （一） only.
    public var onlyLines: [LineID]?
    /// The lines may hold less of this money than `amount` (the rest stays unallocated: never
    /// paid, counted as unspent); `allow_unallocated: true` in the file.
    public var allowUnallocated: Bool = false

    public init(id: String, name: String, amount: Double, onlyLines: [LineID]?, allowUnallocated: Bool = false) {
        self.id = id
        self.name = name
        self.amount = amount
        self.onlyLines = onlyLines
        self.allowUnallocated = allowUnallocated
    }
}

/// The seven budget lines of the draft's 资金支持方向及资金概算表.
public enum LineID: String, Sendable, Hashable, CaseIterable, Codable {
    case transformation
    case benchmark
    case smartFactory = "smart_factory"
    case cloud
    case chainCase = "chain_case"
    case serviceProvider = "service_provider"
    case professionalServices = "professional_services"

    /// The clause(s) of the draft that create the line.
    public var clause: String {
        switch self {
        case .transformation: return "（一）"
        case .benchmark: return "（二）"
        case .smartFactory: return "（三）"
        case .cloud: return "（四）"
        case .chainCase: return "（五）"
        case .serviceProvider: return "（六）"
        case .professionalServices: return "（七）（八）"
        }
    }

    public var chineseName: String {
        switch self {
        case .transformation: return "数字化改造"
        case .benchmark: return "标杆企业"
        case .smartFactory: return "先进级智能工厂"
        case .cloud: return "上云用云"
        case .chainCase: return "链式转型案例"
        case .serviceProvider: return "优质服务商"
        case .professionalServices: return "专业支撑服务"
        }
    }

    /// The part of the draft (and of its budget table) the line belongs to: 1 for 一、着力推进智改数转
    /// (（一）–（四）), 2 for 二、提升数转供给质效 (（五）–（八）).
    public var part: Int {
        switch self {
        case .transformation, .benchmark, .smartFactory, .cloud: return 1
        case .chainCase, .serviceProvider, .professionalServices: return 2
        }
    }

    /// The headings of the draft's two parts, as its budget table writes them.
    public static let partNames = [1: "一、着力推进智改数转，深化数字赋能增效", 2: "二、提升数转供给质效，优化协同转型生态"]

    /// Firm-level award lines, in clause order (the order of the per-project ceiling).
    public static let firmLevel: [LineID] = [.transformation, .benchmark, .smartFactory, .cloud, .chainCase]
}

/// A budget line: its money per funding source (万元).
public struct BudgetLine: Sendable, Hashable {
    public var id: LineID
    public var name: String
    public var clause: String
    /// Source id → 万元.
    public var budget: [String: Double]
    /// Source ids in scenario order, for stable output.
    public var sourceOrder: [String]

    /// Total budget of the line, 万元.
    public var total: Double { sourceOrder.map { budget[$0] ?? 0 }.reduce(0, +) }
}

/// A batch's subsidy terms under （一）: `award = min(rate × eligible investment, cap)`.
public struct BatchPolicy: Sendable, Hashable {
    public var name: String
    /// Fraction of eligible investment, in [0, 1].
    public var rate: Double
    /// 万元.
    public var cap: Double
}

/// How the "hardware ≤ 30% of the project's total" rule is read (Scenarios/MODEL.md §3).
public enum HardwareRule: String, Sendable, Hashable, CaseIterable {
    /// Eligible hardware = min(H, limit × (S + H)). Default.
    case trimTotal = "trim_total"
    /// Eligible hardware = min(H, limit/(1−limit) × S): hardware is `limit` of what is paid on.
    case trimEligible = "trim_eligible"
    /// A project whose hardware exceeds `limit` of its total gets nothing under （一）.
    case reject
}

/// What happens when a line's demand exceeds its money (Scenarios/MODEL.md §4).
public enum OverrunRule: String, Sendable, Hashable, CaseIterable {
    /// Every award on the line scaled by budget/demand.
    case prorate
    /// Batch 1 paid in full first, batch 2 prorated from what is left (lines without batches: prorate).
    case batchOrder = "batch_order"
    /// Awards paid in full in a random order until the money runs out; the next in line gets the rest.
    case lottery
    /// County money unspent on other lines covers overruns (regional money only ever pays （一））; the rest prorated.
    case reallocate
}

/// Which firms a per-firm service fee is paid for.
public enum FeeBasis: String, Sendable, Hashable, CaseIterable {
    /// Every pilot firm.
    case pilot
    /// Firms that finish by the deadline.
    case completed
    /// Firms that finish and reach 二级 (验收通过).
    case accepted
}

/// A per-firm fee under （七）（八）.
public struct Fee: Sendable, Hashable {
    /// 万元 per firm.
    public var amount: Double
    public var basis: FeeBasis
}

/// The policy: every number of the measure that a planner may change. Applied after the
/// population is drawn; never changes what is drawn.
public struct Policy: Sendable, Hashable {
    /// （一）: one entry per batch, batch 1 first.
    public var batches: [BatchPolicy]
    /// Hardware share limit of the project total (0.30 in the draft).
    public var hardwareLimit: Double
    public var hardwareRule: HardwareRule
    /// （二）: how many benchmark firms, and the award each (万元).
    public var benchmarkCount: Int
    public var benchmarkAmount: Double
    /// （三）: award per newly rated 先进级 smart factory (万元).
    public var smartFactoryAmount: Double
    /// （四）: award per firm deploying cloud (万元).
    public var cloudAmount: Double
    /// （五）: how many chain cases are funded, and the most each may get (万元).
    public var chainCaseCount: Int
    public var chainCaseAmount: Double
    /// （六）: how many providers are rewarded, and the award each (万元).
    public var serviceProviderCount: Int
    public var serviceProviderAmount: Double
    /// （七） process management fee, per firm.
    public var processManagementFee: Fee
    /// （八） acceptance testing fee, per firm.
    public var acceptanceFee: Fee
    /// （八） audit fee, per firm.
    public var auditFee: Fee
    /// Path research and general support (fixed, 万元), charged to the professional-services line.
    public var researchCost: Double
    /// Per-project ceiling (同一项目…不超过70万元), 万元, and the lines it covers.
    public var ceiling: Double
    public var ceilingLines: [LineID]
    public var overrun: OverrunRule
    /// Under `lottery`: stop at the first award that does not fit, or go on to smaller ones.
    public var lotteryStop: LotteryStop = .firstMisfit
}

/// How `lottery` rations a short line: a reading the draft leaves open (it names no rationing rule).
public enum LotteryStop: String, Sendable, Hashable, CaseIterable {
    /// Whole awards in the random order until one does not fit; that firm and everyone after it
    /// wait, and the rest of the money stays unspent. Default.
    case firstMisfit = "first_misfit"
    /// An award that does not fit is skipped (that firm waits) and the next ones are paid while
    /// money remains: the line's money runs out as far as whole awards allow.
    case untilEmpty = "until_empty"
}

/// What happens to a funded chain case when its holder must be an accepted pilot firm
/// (`chain_case_holder: top_firm`) and fewer firms were accepted than cases are funded.
public enum ChainCaseUnheld: String, Sendable, Hashable, CaseIterable {
    /// The case is not funded (no pilot firm holds it). Default.
    case unfunded
    /// The case is funded as if held outside the pilot (no ceiling applies to it).
    case outside
}

/// Who holds the funded chain cases, for the per-project ceiling.
public enum ChainCaseHolder: String, Sendable, Hashable, CaseIterable {
    /// A firm outside the pilot (a 链主 or leading firm): the ceiling never touches the award.
    case outside
    /// The accepted pilot firm with the highest score: the award counts toward its ceiling.
    case topFirm = "top_firm"
}

/// How many pilot firms there are: per batch, or a total split by a batch-1 share.
public enum FirmCounts: Sendable, Hashable {
    case perBatch([Distribution])
    case total(Distribution, batch1Share: Distribution)
}

/// Trial-level uncertainty for one batch.
public struct BatchPopulation: Sendable, Hashable {
    /// Probability a firm finishes by 2026-09-30 (trial level).
    public var completion: Distribution
    /// Probability a firm that finished reaches 二级 (trial level).
    public var pass: Distribution
}

/// An industry segment: its share of firms and how it differs from the others.
public struct Segment: Sendable, Hashable {
    public var id: String
    public var name: String
    /// Fraction of pilot firms; segment shares sum to 1.
    public var share: Double
    /// Multiplies the investment median.
    public var investmentFactor: Double
    /// Probability an accepted firm of this segment is newly rated 先进级 (firm level).
    public var smartFactory: Double
}

/// The firm population (Scenarios/MODEL.md §5): trial-level quantities (uncertainty about the world,
/// drawn once per trial) and firm-level quantities (variability between firms).
public struct Population: Sendable, Hashable {
    public var firms: FirmCounts
    /// One per batch, batch 1 first.
    public var batches: [BatchPopulation]
    public var segments: [Segment]
    /// Firm level: total project investment (software + cloud + hardware), 万元, before the segment factor.
    public var investment: Distribution
    /// Firm level: hardware fraction of the project total.
    public var hardwareShare: Distribution
    /// Firm level: the bureau's score for benchmark selection (higher is better).
    public var score: Distribution
    /// Trial level: multiplies every firm's investment (price level, uncertainty about the median).
    public var priceFactor: Distribution
    /// Trial level: probability a pilot firm deploys cloud in the named areas.
    public var cloudUptake: Distribution
    /// Trial level: number of qualifying chain cases.
    public var chainCases: Distribution
    /// Per case: the award the case merits (万元), before the policy's cap.
    public var chainCaseAward: Distribution
    public var chainCaseHolder: ChainCaseHolder
    /// With `chainCaseHolder == .topFirm`: what happens to a funded case no accepted firm can hold.
    public var chainCaseUnheld: ChainCaseUnheld = .unfunded
    /// Trial level: number of providers that qualify for （六）.
    public var serviceProviders: Distribution
    /// Rank correlations between trial-level inputs (Iman–Conover), by input id.
    public var correlations: [Correlation]
    /// What each input rests on (`basis:`, `confidence:`), by its concrete path
    /// (`population.investment`, `population.batches[1].pass`, `population.segments[0]`).
    /// Documentation only: no number depends on it.
    public var notes: [String: InputNote] = [:]

    /// Largest firm count allowed per batch (memory guard).
    public static let maxFirmsPerBatch = 100_000

    /// The population without what only documents it (the inputs' notes, where correlations were
    /// written): two populations the same here draw the same firms in every trial, whichever file
    /// or line they were written in (a what-if over the draft has the draft's firms).
    public var drawn: Population {
        var p = self
        p.notes = [:]
        p.correlations = correlations.map { var c = $0; c.location = SourceLocation(file: "", line: 0, column: 0); return c }
        return p
    }
}

/// A target Spearman rank correlation between two trial-level inputs.
public struct Correlation: Sendable, Hashable {
    public var a: String
    public var b: String
    public var rho: Double
    public var location: SourceLocation
}

/// How trial-level inputs are sampled.
public enum SamplingMethod: String, Sendable, Hashable, CaseIterable {
    /// Independent draws per trial.
    case random
    /// Latin hypercube per block of trials.
    case lhs
}

public struct SimulationSettings: Sendable, Hashable {
    public var trials: Int
    public var seed: UInt64
    public var sampling: SamplingMethod

    /// What a scenario without `simulation:` (or without one of its keys) runs: the defaults of
    /// `Schema.fields`.
    public static let defaults: SimulationSettings = {
        func def(_ path: String) -> SchemaField.Default? { Schema.field(path)?.default }
        guard case let .whole(trials)? = def("simulation.trials"), case let .whole(seed)? = def("simulation.seed"),
              case let .word(w)? = def("simulation.sampling"), let sampling = SamplingMethod(rawValue: w) else {
            preconditionFailure("Schema.fields lacks the simulation defaults")
        }
        return SimulationSettings(trials: trials, seed: UInt64(seed), sampling: sampling)
    }()

    /// The most trials a search (sweep, solve, sensitivity) runs per point by default: each of its
    /// many points is a run of its own. `compare` and `rebalance` run the scenario's own count, so
    /// the draft's figures in their reports are the run report's (the same simulated firms).
    public static let whatIfTrialCap = 20_000
    /// Trials of a search without --trials: the scenario's, at most `whatIfTrialCap`.
    public var whatIfTrials: Int { Swift.min(trials, Self.whatIfTrialCap) }
}

/// A named set of overrides (a reform, in OpenFisca's terms): data, not code.
public struct VariantSpec: Sendable {
    public var id: String
    public var label: String
    public var overrides: [(path: ScenarioPath, value: YNode, location: SourceLocation)]
}

/// A scenario with one variant applied.
public struct ResolvedVariant: Sendable {
    /// One value that this variant (its own `set:`) or the command line laid over the file.
    public struct Change: Sendable {
        public var path: ScenarioPath
        /// The value evaluated at `path`: the change's own, with any later change inside it applied.
        public var value: YNode
        /// The value in the file before any variant or `--set` changed it (nil when the file has none).
        public var was: YNode?
        public init(path: ScenarioPath, value: YNode, was: YNode? = nil) { self.path = path; self.value = value; self.was = was }
    }

    public var id: String
    /// The name as the file writes it (`label:`), or the scenario's title for the implicit `base` variant.
    public var name: String
    /// What the variant's own `set:` and then the command line changed, in that order.
    public var changes: [Change]
    public var scenario: Scenario
    /// What was evaluated, in words: the name, the batch terms of the resolved policy, and every
    /// other change (`label(omitting: [])`). Never a value that was not the one run.
    public var label: String

    public init(id: String, name: String, changes: [Change], scenario: Scenario) {
        self.id = id
        self.name = name
        self.changes = changes
        self.scenario = scenario
        self.label = ""
        self.label = label(omitting: [])
    }

    /// The same variant under another id (sweep points).
    public func renamed(_ newID: String) -> ResolvedVariant {
        var v = self
        v.id = newID
        return v
    }
}

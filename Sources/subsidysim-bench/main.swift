// `make bench`: release-mode throughput of the engine on the bundled draft scenario.
// Prints firm-trials per second, wall time and peak RSS for each case. Not a test: numbers
// depend on the machine; record them in notes, not in assertions.
import Foundation
import SubsidyEngine
import SubsidyModel
import SubsidyReport

func peakRSSMiB() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(0), &u)  // RUSAGE_SELF
    return Double(u.ru_maxrss) / 1024
}

func line(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }

let args = CommandLine.arguments
let quick = args.contains("--quick")
/// `--only sweep|sobol`: that case alone (A/B comparisons of a change); with `--one`, on one
/// thread; `--point-trials N`, the sweep at N trials per point.
let only: String? = args.firstIndex(of: "--only").flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
let cores = ProcessInfo.processInfo.activeProcessorCount
let loaded: LoadedScenario
do { loaded = try LoadedScenario.load(nil) } catch {
    print("cannot load the bundled scenario: \(error.render(.en))")
    exit(70)
}
let compileStart = Date()
let model = CompiledModel(loaded, seed: loaded.scenario.simulation.seed)
let compileSeconds = Date().timeIntervalSince(compileStart)
let design = TrialDesign(method: .random, seed: model.seed)

line("subsidysim bench — bundled draft scenario, \(model.variantCount) variants (common random numbers), \(cores) cores, GSL \(Engine.gslVersion)")
line(String(format: "compile (quantile tables, all cores): %.3f s", compileSeconds))
line("case                          trials    threads   wall s    firm-trials/s   trials/s    peak RSS MiB")
var cases: [(Int, Int)] = only != nil ? [] : quick ? [(20_000, 1), (20_000, cores)] : [(100_000, 1), (100_000, cores), (1_000_000, cores)]
// `--trials N [--threads K]`: one case only (for A/B comparisons of a change).
if let i = args.firstIndex(of: "--trials"), i + 1 < args.count, let n = Int(args[i + 1]) {
    var k = 1
    if let j = args.firstIndex(of: "--threads"), j + 1 < args.count, let t = Int(args[j + 1]) { k = Swift.max(1, t) }
    cases = [(n, k)]
}
/// trials → threads → (firm-trials per second, peak RSS MiB after the case).
var measured: [Int: [Int: (rate: Double, rss: Double)]] = [:]
for (trials, threads) in cases {
    let t0 = Date()
    guard let r = try? Simulator.run(model, options: RunOptions(trials: trials, threads: threads, keepInputs: true), design: design) else {
        print("run failed"); exit(70)
    }
    let wall = Date().timeIntervalSince(t0)
    let L = r.layout
    let firmsPerTrial = (0..<L.batches).map { r.moments[0][L.batch($0, .firms)].mean }.reduce(0, +)
    let firmTrials = firmsPerTrial * Double(trials)
    measured[trials, default: [:]][threads] = (firmTrials / wall, peakRSSMiB())
    line(String(format: "run default               %8d  %7d   %7.3f   %13.0f   %9.0f   %10.1f",
                trials, threads, wall, firmTrials / wall, Double(trials) / wall, peakRSSMiB()))
    if trials == 100_000 && threads == 1 {
        // What --dump-trials adds to a run: trials.csv for every trial (target: about one second at 100k).
        let t1 = Date()
        let bytes = RunTables.trials(r).data.count
        line(String(format: "  + --dump-trials (trials.csv, %.0f MB)          %7.3f", Double(bytes) / 1e6, Date().timeIntervalSince(t1)))
    }
}

/// The issue-13 targets, printed beside each measured figure (release build, this machine).
func target(_ what: String, _ value: Double, _ unit: String, _ op: String, _ goal: Double, decimals: Int = 3) {
    let met = op == "≤" ? value <= goal : value >= goal
    let v = String(format: "%.\(decimals)f", value), g = String(format: "%.\(decimals)f", goal)
    line("  target: \(what) \(v) \(unit)   (target \(op) \(g) \(unit))   \(met ? "met" : "NOT MET")")
}

/// Wall time of `subsidysim ARGS` (the program beside this one), or nil when it is not there.
func timedRun(_ arguments: [String]) -> Double? {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("subsidysim")
    guard FileManager.default.isExecutableFile(atPath: exe.path) else { return nil }
    let p = Process()
    p.executableURL = exe
    p.arguments = arguments
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    let t0 = Date()
    guard (try? p.run()) != nil else { return nil }
    p.waitUntilExit()
    return p.terminationStatus == 0 ? Date().timeIntervalSince(t0) : nil
}

if let only {
    do {
        if only == "sweep" {
            let axes = [try SweepAxis.parse("policy.batches[0].cap=30:60:1.5").get(), try SweepAxis.parse("policy.batches[0].rate=0.4:0.7:0.015").get()]
            let t0 = Date()
            let th = args.contains("--one") ? 1 : cores
            // `--point-trials N`: fewer trials per point (under callgrind, say).
            let perPoint = args.firstIndex(of: "--point-trials").flatMap { $0 + 1 < args.count ? Int(args[$0 + 1]) : nil } ?? 20_000
            _ = try WhatIf.sweep(loaded, axes: axes, lines: [.transformation], trials: perPoint, seed: model.seed, threads: th, design: design)
            target("sweep 21×21 @20k, all cores", Date().timeIntervalSince(t0), "s", "≤", 5)
            // Where it goes: the points resolved (each the scenario decoded again), compiled, simulated.
            let t1 = Date()
            let (_, variants) = try WhatIf.resolve(loaded, axes: axes)
            let t2 = Date()
            let m = CompiledModel(variants: variants, seed: model.seed)
            let t3 = Date()
            line(String(format: "  of which: resolve %d points %.3f s, compile %d variants %.3f s", axes[0].texts.count * axes[1].texts.count,
                        t2.timeIntervalSince(t1), m.variantCount, t3.timeIntervalSince(t2)))
        } else if only == "sobol" {
            let t1 = Date()
            _ = try Sensitivity.analyse(loaded, variant: 0, metric: .totalDemand, seed: model.seed, threads: cores, sobolN: 16384, shapleyPermutations: 0)
            target("Sobol N=2^14, all cores", Date().timeIntervalSince(t1), "s", "≤", 2)
        } else {
            line("--only: sweep or sobol"); exit(64)
        }
    } catch {
        print("bench failed: \(error)"); exit(70)
    }
} else if !quick && !args.contains("--trials") {
    line("")
    line("issue #13 targets (instructions per trial: scripts/callgrind-per-trial, run by make bench after this)")
    target("compile", compileSeconds, "s", "≤", 0.030)
    if let one = measured[100_000]?[1] { target("trial loop, 1 thread, 100k", one.rate / 1e6, "M firm-trials/s", "≥", 25, decimals: 1) }
    if let m = measured[1_000_000]?[cores] { target("peak RSS after 1M trials", m.rss, "MiB", "≤", 300 / 1.048576, decimals: 0) }
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-bench-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    // End to end as a user runs it: the program started afresh, tables, charts, summary.md, 报告.docx, 结果.xlsx.
    for (threads, goal) in [(1, 0.7), (cores, 0.5)] {
        let times = (0..<3).compactMap { _ in timedRun(["run", "--quiet", "--threads", "\(threads)", "--output", scratch + "/run"]) }
        if let best = times.min() {
            target("subsidysim run 100k, \(threads) thread\(threads == 1 ? "" : "s"), end to end (best of 3)", best, "s", "≤", goal)
        } else {
            line("  subsidysim run: .build/release/subsidysim is missing or failed (make bench builds it)")
        }
    }
    do {
        let axes = [try SweepAxis.parse("policy.batches[0].cap=30:60:1.5").get(), try SweepAxis.parse("policy.batches[0].rate=0.4:0.7:0.015").get()]
        let t0 = Date()
        let s = try WhatIf.sweep(loaded, axes: axes, lines: [.transformation], trials: 20_000, seed: model.seed, threads: cores, design: design)
        let wall = Date().timeIntervalSince(t0)
        let pv = s.points.count * s.variantIDs.count
        line(String(format: "sweep 21×21 cap×rate, 20k trials per point: %d points × %d variants, %.3f s, %.0f point-variant-trials/s, peak RSS %.1f MiB",
                    s.points.count, s.variantIDs.count, wall, Double(pv * 20_000) / wall, peakRSSMiB()))
        target("sweep 21×21 @20k, all cores", wall, "s", "≤", 5)
        let t1 = Date()
        let r = try Sensitivity.analyse(loaded, variant: 0, metric: .totalDemand, seed: model.seed, threads: cores, sobolN: 16384,
                                        shapleyPermutations: 0)
        let wall1 = Date().timeIntervalSince(t1)
        line(String(format: "sensitivity, Sobol N=16384, k=%d (%d evaluations): %.3f s, peak RSS %.1f MiB",
                    r.inputs.count, (r.inputs.count + 2) * 16384, wall1, peakRSSMiB()))
        target("Sobol N=2^14, all cores", wall1, "s", "≤", 2)
        let t2 = Date()
        let sh = try Sensitivity.analyse(loaded, variant: 0, metric: .totalDemand, seed: model.seed, threads: cores, sobolN: 4096)
        line(String(format: "sensitivity as sensitivity runs it (tornado, deciles, Sobol N=4096, Shapley %d permutations): %.3f s, peak RSS %.1f MiB",
                    sh.shapley?.permutations ?? 0, Date().timeIntervalSince(t2), peakRSSMiB()))
    } catch {
        print("bench failed: \(error)")
        exit(70)
    }
}

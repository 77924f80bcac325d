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
var cases: [(Int, Int)] = quick ? [(20_000, 1), (20_000, cores)] : [(100_000, 1), (100_000, cores), (1_000_000, cores)]
// `--trials N [--threads K]`: one case only (for A/B comparisons of a change).
if let i = args.firstIndex(of: "--trials"), i + 1 < args.count, let n = Int(args[i + 1]) {
    var k = 1
    if let j = args.firstIndex(of: "--threads"), j + 1 < args.count, let t = Int(args[j + 1]) { k = Swift.max(1, t) }
    cases = [(n, k)]
}
for (trials, threads) in cases {
    let t0 = Date()
    guard let r = try? Simulator.run(model, options: RunOptions(trials: trials, threads: threads, keepInputs: true), design: design) else {
        print("run failed"); exit(70)
    }
    let wall = Date().timeIntervalSince(t0)
    let L = r.layout
    let firmsPerTrial = (0..<L.batches).map { r.moments[0][L.batch($0, .firms)].mean }.reduce(0, +)
    let firmTrials = firmsPerTrial * Double(trials)
    line(String(format: "run default               %8d  %7d   %7.3f   %13.0f   %9.0f   %10.1f",
                trials, threads, wall, firmTrials / wall, Double(trials) / wall, peakRSSMiB()))
    if trials == 100_000 && threads == 1 {
        // What --dump-trials adds to a run: trials.csv for every trial (target: about one second at 100k).
        let t1 = Date()
        let bytes = RunTables.trials(r).data.count
        line(String(format: "  + --dump-trials (trials.csv, %.0f MB)          %7.3f", Double(bytes) / 1e6, Date().timeIntervalSince(t1)))
    }
}

if !quick && !args.contains("--trials") {
    // Issue targets: an 11 × 11 cap × rate sweep at 20k trials per point; Sobol at N = 2^12.
    do {
        let axes = [try SweepAxis.parse("policy.batches[0].cap=30:60:3").get(), try SweepAxis.parse("policy.batches[0].rate=0.4:0.7:0.03").get()]
        let t0 = Date()
        let s = try WhatIf.sweep(loaded, axes: axes, lines: [.transformation], trials: 20_000, seed: model.seed, threads: cores, design: design)
        let wall = Date().timeIntervalSince(t0)
        line(String(format: "sweep 11×11 cap×rate          %8d  %7d   %7.3f   %13@   %9.0f   %10.1f   (trials/s = point-trials per second)",
                    20_000, cores, wall, "-" as NSString, Double(s.points.count * 20_000) / wall, peakRSSMiB()))
        let t1 = Date()
        let r = try Sensitivity.analyse(loaded, variant: 0, metric: .totalDemand, seed: model.seed, threads: cores, sobolN: 4096)
        let wall1 = Date().timeIntervalSince(t1)
        line(String(format: "sensitivity (Sobol N=4096, k=%d) %5d  %7d   %7.3f   %13@   %9@   %10.1f",
                    r.inputs.count, (r.inputs.count + 2) * 4096, cores, wall1, "-" as NSString, "-" as NSString, peakRSSMiB()))
    } catch {
        print("bench failed: \(error)")
        exit(70)
    }
}

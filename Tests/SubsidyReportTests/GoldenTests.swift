import Foundation
import Testing
import SubsidyEngine
import SubsidyModel
@testable import SubsidyReport

/// Golden output: every shipped scenario at a fixed seed and a small trial count, its tables
/// byte for byte against files committed under `Tests/SubsidyReportTests/Golden/<id>/`.
/// A change to any of them is a change to what the program reports: when it is meant, regenerate
/// with `SUBSIDYSIM_REGENERATE_GOLDEN=1 swift test --filter Golden` and say why in the commit.
@Suite("Golden output of the shipped scenarios")
struct GoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let goldenDir = root.appendingPathComponent("Golden")
    static let scenariosDir = root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scenarios")
    static let trials = 2000
    static let seed: UInt64 = 20251201
    static let tables = ["summary.csv", "batches.csv", "sources.csv", "variants.csv"]

    static var scenarios: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: scenariosDir.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    static func tablesOf(_ file: String) throws -> [String: Data] {
        let loaded = try LoadedScenario.load(scenariosDir.appendingPathComponent(file).path)
        let model = CompiledModel(loaded, seed: seed)
        let design = try TrialDesign.forScenario(model, scenario: loaded.scenario, sampling: nil, seed: seed).design
        let r = try Simulator.run(model, options: RunOptions(trials: trials, threads: 2, sampling: design.method), design: design)
        let s = r.summaries()
        return ["summary.csv": RunTables.summary(s).data, "batches.csv": RunTables.batches(s).data,
                "sources.csv": RunTables.sources(s).data, "variants.csv": RunTables.variantDifferences(r).data]
    }

    @Test("tables of every file in Scenarios/ are byte-identical to the committed golden files", arguments: scenarios)
    func golden(_ file: String) throws {
        let got = try Self.tablesOf(file)
        let dir = Self.goldenDir.appendingPathComponent(String(file.dropLast(5)))
        if ProcessInfo.processInfo.environment["SUBSIDYSIM_REGENERATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (name, data) in got { try data.write(to: dir.appendingPathComponent(name)) }
            return
        }
        for name in Self.tables {
            let want = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path)
            #expect(want != nil, "no golden file \(file)/\(name): regenerate with SUBSIDYSIM_REGENERATE_GOLDEN=1")
            guard let want, let data = got[name] else { continue }
            if data != want {
                let a = String(decoding: want, as: UTF8.self).components(separatedBy: "\r\n")
                let b = String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n")
                let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
                Issue.record("\(file)/\(name) differs from the golden file at row \(i + 1):\n  golden: \(i < a.count ? a[i] : "<end>")\n  now:    \(i < b.count ? b[i] : "<end>")")
            }
        }
    }
}

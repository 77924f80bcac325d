import Foundation
import Testing
import SubsidyEngine
import SubsidyModel
@testable import SubsidyReport

/// Hostile input through the report and the command line (issue 9): formula guards, pairwise
/// tables, the precision cap, exit codes and messages of the built `subsidysim`.
@Suite("Hostile input: report and command line")
struct HostileReportTests {
    @Test("a text cell starting with TAB or CR gets the formula guard too")
    func csvTabAndCR() {
        #expect(CSVTable.escape("\tcmd") == "'\tcmd")
        #expect(CSVTable.escape("\r=1+1").hasPrefix("\"'\r"))
        #expect(CSVTable.escape("-5") == "-5")
    }

    static func variantsYAML(_ n: Int) -> String {
        "base: builtin:pingluo-draft\nvariants:\n" + (0..<n).map { "  - {id: v\($0), set: {\"policy.batches[0].cap\": \(40 + $0)}}" }.joined(separator: "\n") + "\n"
    }

    static func load(_ text: String, _ sets: [String] = []) throws -> LoadedScenario {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-hr-\(UUID().uuidString).yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try LoadedScenario.load(path, overrides: sets.map { try Override.parse($0).get() })
    }

    @Test("variants.csv pairs every variant with the first only: n − 1 pairs, not n(n−1)/2")
    func variantPairs() throws {
        let loaded = try Self.load(Self.variantsYAML(4))
        let model = CompiledModel(loaded, seed: 1)
        let r = try Simulator.run(model, options: RunOptions(trials: 200, threads: 2), design: TrialDesign(method: .random, seed: 1))
        let t = RunTables.variantDifferences(r)
        let perPair = r.layout.lines.count + 1
        #expect(t.rows.count == 3 * perPair)
        #expect(Set(t.rows.map { CSVTable.format($0[0]) }) == ["v0"])
    }

    @Test("a precision target the trial cap cannot reach is reported as missed, in the result and summary.md")
    func precisionMissed() throws {
        let loaded = try LoadedScenario.load(nil)
        let model = CompiledModel(loaded, seed: 3)
        var o = RunOptions(trials: 8192, threads: 2, precision: 1e-9)
        o.maxTrials = 16384
        let r = try Simulator.run(model, options: o, design: TrialDesign(method: .random, seed: 3))
        #expect(r.trials == 16384)
        #expect(r.precisionMissed)
        let md = RunReport(loaded: loaded, result: r, findings: [], commandLine: ["test"], startTime: Date(), dumpTrials: false,
                           programVersion: "test", sampling: .random).markdown(r.summaries(), charts: [])
        #expect(md.contains("未达到精度目标"))
        var met = RunOptions(trials: 8192, threads: 2, precision: 0.4)
        met.maxTrials = 16384
        #expect(!(try Simulator.run(model, options: met, design: TrialDesign(method: .random, seed: 3))).precisionMissed)
    }

    // MARK: the built command

    static let binary: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/subsidysim")

    static func cli(_ args: [String]) throws -> (code: Int32, err: String) {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        // Messages in Chinese whatever the machine's locale.
        var environment = ProcessInfo.processInfo.environment
        for k in ["LC_ALL", "LC_MESSAGES", "LANG"] { environment[k] = nil }
        p.environment = environment
        let pipe = Pipe()
        p.standardError = pipe
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("exit codes and messages: check --threads, award --batch, solve --in, base: \"\"")
    func commandLine() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build first: swift build --build-tests")
        for t in ["0", "-5"] {
            let r = try Self.cli(["check", "--threads", t])
            #expect(r.code == 64, "check --threads \(t): \(r.err)")
        }
        let award = try Self.cli(["award", "--batch", "9", "--software", "70", "--passes"])
        #expect(award.code == 64)
        #expect(award.err.contains("--batch 9") && award.err.contains("1 = 第一批") && award.err.contains("2 = 第二批"), "\(award.err)")
        // A negative start is read as the interval (and then refused by the key's own range, located).
        let neg = try Self.cli(["solve", "--vary", "policy.batches[0].cap", "--in", "-5:5", "--max-overrun", "0.05", "--trials", "100",
                                "--output", FileManager.default.temporaryDirectory.appendingPathComponent("hr-\(UUID().uuidString)").path])
        #expect(neg.code == 65)
        #expect(neg.err.contains("policy.batches[0].cap") && neg.err.contains("-5"))
        let huge = try Self.cli(["solve", "--vary", "policy.batches[0].cap", "--in", "0:1e308", "--max-overrun", "0.05"])
        #expect(huge.code == 64)
        #expect(huge.err.contains("超出 [-1e9, 1e9]"), "\(huge.err)")
        let hugeEn = try Self.cli(["solve", "--vary", "policy.batches[0].cap", "--in", "0:1e308", "--max-overrun", "0.05", "--lang", "en"])
        #expect(hugeEn.code == 64 && hugeEn.err.contains("outside [-1e9, 1e9]"), "\(hugeEn.err)")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hr-\(UUID().uuidString).yaml").path
        try Data("base: \"\"\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let base = try Self.cli(["check", path])
        #expect(base.code == 65)
        #expect(base.err.contains("\(path):1:7: base:"))
    }
}

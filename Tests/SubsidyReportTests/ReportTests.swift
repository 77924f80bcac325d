import Foundation
import Testing
import SubsidyEngine
import SubsidyModel
@testable import SubsidyReport

@Suite("CSV, output folders and the run report")
struct ReportTests {
    @Test("CSV: BOM, CRLF, RFC 4180 quoting, formula escaping, '.' decimals")
    func csvFormat() {
        var t = CSVTable(header: ["名称 name", "金额（万元） amount_wan"])
        t.add([.text("a,b"), .money(1234.5)])
        t.add([.text("say \"hi\""), .money(-0.001)])
        t.add([.text("=SUM(A1)"), .fraction(0.5)])
        t.add([.text("-5"), .integer(3)])
        t.add([.text("+x"), .number(2.25, decimals: 1)])
        let bytes = [UInt8](t.data)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let rows = text.components(separatedBy: "\r\n")
        #expect(rows[0] == "名称 name,金额（万元） amount_wan")
        #expect(rows[1] == "\"a,b\",1234.50")
        #expect(rows[2] == "\"say \"\"hi\"\"\",0.00")
        #expect(rows[3] == "'=SUM(A1),0.500000")
        #expect(rows[4] == "-5,3")          // a number stays a number
        #expect(rows[5] == "'+x,2.2" || rows[5] == "'+x,2.3")
        #expect(rows.last == "")
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test("the fast fixed-point formatter prints exactly what Foundation's String(format:locale:) printed")
    func fixedMatchesFoundation() {
        func reference(_ x: Double, _ d: Int) -> String {
            let s = String(format: "%.\(d)f", locale: Locale(identifier: "en_US_POSIX"), x)
            if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(s.dropFirst()) }
            return s
        }
        var xs: [Double] = [0, -0.0, 0.125, 206.705, 2.675, 1.005, 39.495, 0.375, 1e-7, 123456.785, 0.005, 9.995, 99.995, -0.004,
                            -0.005, -2.675, 1e15, 1.234e20, Double.leastNonzeroMagnitude, 0.9999995, 1234567.8901234, 2800, 0.05]
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        for _ in 0..<6000 {
            let m = Double(next()) / Double(1 << 53) * 2 - 1
            xs.append(m * pow(10, Double(Int(next() % 21) - 8)))
            xs.append((Double(Int(next() % 200_001) - 100_000) + 0.5) / pow(10, Double(next() % 7)))
        }
        var bad: [String] = []
        for x in xs { for d in [0, 1, 2, 6] where CSVTable.fixed(x, d) != reference(x, d) { bad.append("\(x) %.\(d)f") } }
        #expect(bad.isEmpty, "\(bad.prefix(10))")
        #expect(CSVTable.fixed(.nan, 2) == "" && CSVTable.fixed(-0.001, 2) == "0.00")
    }

    static func write(_ loaded: LoadedScenario, threads: Int, seed: UInt64, to dir: URL) throws {
        let model = CompiledModel(loaded, seed: seed)
        let r = try Simulator.run(model, options: RunOptions(trials: 1500, threads: threads), design: TrialDesign(method: .random, seed: seed))
        let report = RunReport(loaded: loaded, result: r, findings: [], commandLine: ["test"], startTime: Date(), dumpTrials: true,
                               programVersion: "test", sampling: .random)
        _ = try report.write(to: dir.path)
    }

    static func csvs(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) where f.hasSuffix(".csv") {
            out[f] = FileManager.default.contents(atPath: dir.appendingPathComponent(f).path)
        }
        return out
    }

    @Test("byte-identical CSVs for threads 1, 2 and 8; identical for the same seed; different for another")
    func byteIdentical() throws {
        let loaded = try LoadedScenario.load(nil)
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        try Self.write(loaded, threads: 1, seed: 5, to: base.appendingPathComponent("t1"))
        try Self.write(loaded, threads: 2, seed: 5, to: base.appendingPathComponent("t2"))
        try Self.write(loaded, threads: 8, seed: 5, to: base.appendingPathComponent("t8"))
        try Self.write(loaded, threads: 2, seed: 6, to: base.appendingPathComponent("s6"))
        let a = try Self.csvs(base.appendingPathComponent("t1"))
        #expect(a.count >= 8)
        #expect(a["trials.csv"] != nil)
        #expect(a == (try Self.csvs(base.appendingPathComponent("t2"))))
        #expect(a == (try Self.csvs(base.appendingPathComponent("t8"))))
        #expect(a["summary.csv"] != (try Self.csvs(base.appendingPathComponent("s6")))["summary.csv"])
        // The folder has the manifest, summary.md and the chart scripts; no temporary debris beside it.
        let t1 = base.appendingPathComponent("t1")
        for f in ["manifest.json", "summary.md", "charts/total_demand.gp", "charts/exceedance.gp", "charts/lines.gp", "charts/unspent.gp"] {
            #expect(FileManager.default.fileExists(atPath: t1.appendingPathComponent(f).path), "missing \(f)")
        }
        let debris = try FileManager.default.contentsOfDirectory(atPath: base.path).filter { $0.hasPrefix(".") }
        #expect(debris.isEmpty)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: t1.appendingPathComponent("manifest.json"))) as? [String: Any]
        #expect(manifest?["seed"] as? String == "5")
        #expect((manifest?["outputs"] as? [[String: Any]])?.contains { $0["file"] as? String == "summary.csv" } == true)
        // The keys users and scripts read, exactly; and the file decodes as the typed manifest.
        #expect(manifest.map { Set($0.keys) } == ["command", "command_line", "generator", "gsl_version", "outputs", "program", "reproduce",
                                                  "sampling", "scenario", "seed", "simulation_seconds", "start_time", "threads", "trials",
                                                  "units", "version", "wall_seconds"])
        #expect((manifest?["scenario"] as? [String: Any]).map { Set($0.keys) }
                == ["file", "files_read", "id", "overrides", "sha256_after_base_and_set", "variants"])
        let typed = try JSONDecoder().decode(Manifest.Document<Manifest.RunFields>.self,
                                             from: Data(contentsOf: t1.appendingPathComponent("manifest.json")))
        #expect(typed.header.command == "run" && typed.header.trials == 1500 && typed.fields.sampling == "random")
        #expect(typed.fields.reproduce.hasPrefix("subsidysim run --seed 5"))
    }

    @Test("a foreign or partial manifest reads back as nil fields, never an error")
    func recordedIsTolerant() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-recorded-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        func recorded(_ json: String) throws -> Manifest.Recorded? {
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
            try json.write(to: base.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
            return Manifest.recorded(in: base.path)
        }
        #expect(try recorded("{}") == Manifest.Recorded(sha256: nil, start: nil))
        #expect(try recorded("{\"start_time\": 5, \"scenario\": \"x\"}") == Manifest.Recorded(sha256: nil, start: nil))
        #expect(try recorded("{\"scenario\": {\"sha256_after_base_and_set\": [1]}, \"start_time\": \"t\"}") == Manifest.Recorded(sha256: nil, start: "t"))
        #expect(try recorded("{\"scenario\": {\"sha256_after_base_and_set\": \"ab\"}, \"other\": null}") == Manifest.Recorded(sha256: "ab", start: nil))
        #expect(try recorded("[1, 2]") == nil)
        #expect(try recorded("not json") == nil)
    }

    @Test("a failed write leaves the previous output untouched and no debris")
    func failedWrite() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-atomic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let dest = base.appendingPathComponent("out")
        var first = OutputFolder(dest.path)
        first.add("a.csv", text: "old")
        first.add("manifest.json", text: listingManifest(["a.csv": "old"]))   // an existing folder is replaced only if it is an output
        try first.commit()
        var second = OutputFolder(dest.path)
        second.add("a.csv", text: "new")
        struct Boom: Error {}
        #expect(throws: OutputFolder.WriteError.self) { try second.commit { _ in throw Boom() } }
        #expect(String(decoding: FileManager.default.contents(atPath: dest.appendingPathComponent("a.csv").path) ?? Data(), as: UTF8.self) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path) == ["out"])
        // A successful one replaces it whole.
        var third = OutputFolder(dest.path)
        third.add("b.csv", text: "b")
        third.add("manifest.json", text: listingManifest(["b.csv": "b"]))
        try third.commit()
        #expect(!FileManager.default.fileExists(atPath: dest.appendingPathComponent("a.csv").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path) == ["out"])
    }

    @Test("a run killed mid-write leaves the previous output intact; the next run clears its debris")
    func killedRun() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-kill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let dest = base.appendingPathComponent("out")
        var first = OutputFolder(dest.path)
        first.add("a.csv", text: "old")
        first.add("manifest.json", text: listingManifest(["a.csv": "old"]))   // an existing folder is replaced only if it is an output
        try first.commit()
        // A child process that starts writing the same destination and is killed with SIGKILL inside its write.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        let tmp = base.appendingPathComponent(".out.tmp-PID-1").path
        child.arguments = ["-c", "d=$(echo '\(tmp)' | sed \"s/PID/$$/\"); mkdir -p \"$d\"; echo partial > \"$d/a.csv\"; kill -9 $$"]
        try child.run()
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(String(decoding: FileManager.default.contents(atPath: dest.appendingPathComponent("a.csv").path) ?? Data(), as: UTF8.self) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path).count == 2)   // out + the dead run's debris
        var next = OutputFolder(dest.path)
        next.add("a.csv", text: "new")
        next.add("manifest.json", text: listingManifest(["a.csv": "new"]))
        try next.commit()
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path) == ["out"])
    }

    @Test("check finds the text/table contradiction and the implied counts")
    func audit() throws {
        let loaded = try LoadedScenario.load(nil)
        let e = try Audit.expectations(loaded, trials: 500, threads: 2)
        let fs = Audit.findings(loaded, expectations: e)
        #expect(fs.contains { $0.severity == .warning && $0.zh.contains("正文") && $0.zh.contains("概算表") && $0.zh.contains("60.00%") })
        #expect(fs.contains { $0.clauses.contains("（七）") && $0.zh.contains("≈ 56.1 家") })   // 105 / 1.87
        #expect(fs.contains { $0.clauses.contains("（三）") && $0.zh.contains("5.0 家") })
        #expect(fs.contains { $0.clauses.contains("（四）") && $0.zh.contains("15.0 家") })
        #expect(!fs.contains { $0.severity == .error })
        #expect(fs.first?.severity == .warning)
        // A third reading with the text's rates (hardware read strictly) is no second contradiction.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("three.yaml")
        try """
            base: builtin:pingluo-draft
            id: three
            variants:
              - {id: text, label: 正文费率}
              - id: table
                label: 概算表费率
                set: {"policy.batches[0].rate": 0.50, "policy.batches[1].rate": 0.40}
              - id: text-reject
                label: 正文费率与硬件从严
                set: {policy.hardware.rule: reject}
            """.write(to: file, atomically: true, encoding: .utf8)
        let three = try LoadedScenario.load(file.path)
        let f3 = Audit.findings(three, expectations: try Audit.expectations(three, trials: 300, threads: 2))
        #expect(f3.filter { $0.zh.contains("两种读法不一致") }.count == 1, "\(f3.map(\.zh))")
    }

    /// `check --format markdown` is pasted into documents: a title or a name holding Markdown's
    /// active characters stays text (one row per finding, three cells, no link, no heading), and
    /// trim_total's underscores are not emphasis.
    @Test("check's Markdown keeps names and code words literal")
    func auditMarkdown() throws {
        let loaded = try LoadedScenario.load(nil)
        var fs = Audit.findings(loaded, expectations: try Audit.expectations(loaded, trials: 300, threads: 2))
        fs.append(Finding(severity: .note, clauses: ["（一）|x"], zh: "名称 [点我](http://x) | 多一列 *强调* <b>", en: "x"))
        let md = Audit.render(fs, format: "markdown", lang: .zh, title: "标题 # | [a](b)\n# 注入")
        let lines = md.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "# 草案审查：标题 \\# \\| \\[a\\](b) \\# 注入")
        let rows = lines.filter { $0.hasPrefix("| ") }
        #expect(rows.count == fs.count + 1)
        for r in rows {
            // Three cells: four unescaped bars.
            var bars = 0, prev: Character = " "
            for c in r { if c == "|" && prev != "\\" { bars += 1 }; prev = c }
            #expect(bars == 4, "\(r)")
        }
        #expect(md.contains("trim\\_total"))
        #expect(md.contains("\\[点我\\](http://x)") && md.contains("\\<b\\>"))
    }
}

import Foundation
import Testing
import SubsidyEngine
import SubsidyModel
@testable import SubsidyReport

func tempDir(_ tag: String) -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-\(tag)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

func text(_ url: URL) -> String {
    String(decoding: FileManager.default.contents(atPath: url.path) ?? Data(), as: UTF8.self)
}

/// A manifest.json whose `outputs` list `files` (path: content) as a command's manifest does.
func listingManifest(_ files: [String: String]) -> String {
    let listed = files.keys.sorted().map { k in
        "{\"file\": \"\(k)\", \"bytes\": \(files[k]!.utf8.count), \"sha256\": \"\(SHA256.hex(Data(files[k]!.utf8)))\"}"
    }
    return "{\"outputs\": [\(listed.joined(separator: ", "))]}"
}

/// A pid that is certainly not running (a child that has exited and been reaped).
func deadPid() throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/true")
    try p.run()
    p.waitUntilExit()
    return p.processIdentifier
}

/// Running (a zombie waiting for its reaper is not).
func alive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    let stat = String(decoding: FileManager.default.contents(atPath: "/proc/\(pid)/stat") ?? Data(), as: UTF8.self)
    guard let close = stat.lastIndex(of: ")") else { return true }
    return !stat[close...].dropFirst(2).hasPrefix("Z")
}

/// Waits up to `seconds` for `pid` to stop running.
func gone(_ pid: Int32, within seconds: Double = 5) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while alive(pid) && Date() < deadline { usleep(20_000) }
    return !alive(pid)
}

@Suite("gnuplot is bounded; output folders are whole and honest", .serialized)
struct OutputSafetyTests {
    // MARK: gnuplot children

    @Test("a gnuplot that hangs is killed after its time limit, with its group; the chart is reported, not left empty")
    func timeout() throws {
        let dir = tempDir("timeout")
        defer { try? FileManager.default.removeItem(at: dir) }
        let charts = dir.appendingPathComponent("charts")
        try FileManager.default.createDirectory(at: charts, withIntermediateDirectories: true)
        let hang = """
        set terminal pngcairo
        set output 'hang.png'
        set print 'pid.txt'
        print system("echo $PPID")
        unset print
        pause 100
        plot x
        """
        try hang.write(to: charts.appendingPathComponent("hang.gp"), atomically: true, encoding: .utf8)
        try "set terminal pngcairo\nset output 'ok.png'\nplot x\nset terminal svg\nset output 'ok.svg'\nreplot\nunset output\n"
            .write(to: charts.appendingPathComponent("ok.gp"), atomically: true, encoding: .utf8)
        let t0 = Date()
        let r = Charts.render(folder: charts, plans: [Charts.Plan("hang", caption: "挂起", script: hang), Charts.Plan("ok", caption: "正常", script: "")],
                              timeout: 1.5)
        #expect(Date().timeIntervalSince(t0) < 10)
        #expect(r.outcomes[0].omitted?.contains("秒未完成") == true)
        #expect(r.outcomes[1].drawn)
        #expect(!FileManager.default.fileExists(atPath: charts.appendingPathComponent("hang.png").path))   // no 0-byte PNG
        let pid = Int32(text(charts.appendingPathComponent("pid.txt")).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(pid > 0 && !alive(pid))
        #expect(!ChildProcesses.live.contains(pid))   // other suites may be drawing charts at the same time
    }

    @Test("a chart gnuplot fails on is an omission with the reason, never a 0-byte file; the others are drawn")
    func failedChart() throws {
        let dir = tempDir("failed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let charts = dir.appendingPathComponent("charts")
        try FileManager.default.createDirectory(at: charts, withIntermediateDirectories: true)
        try "set terminal pngcairo\nset output 'bad.png'\nplot 'missing.csv' using 1:2\n".write(to: charts.appendingPathComponent("bad.gp"), atomically: true, encoding: .utf8)
        try "set terminal pngcairo\nset output 'ok.png'\nplot x\nset terminal svg\nset output 'ok.svg'\nreplot\nunset output\n"
            .write(to: charts.appendingPathComponent("ok.gp"), atomically: true, encoding: .utf8)
        let r = Charts.render(folder: charts, plans: [Charts.Plan("bad", caption: "坏", script: ""), Charts.Plan("ok", caption: "好", script: "")])
        #expect(r.outcomes[0].omitted?.contains("gnuplot 出错") == true)
        #expect(!FileManager.default.fileExists(atPath: charts.appendingPathComponent("bad.png").path))
        #expect(r.outcomes[1].drawn)
        let md = Charts.markdown(r.outcomes)
        #expect(md.contains("![好](charts/ok.png)") && !md.contains("![坏]") && md.contains("未绘制"))
    }

    @Test("charts that share a gnuplot: one that fails is drawn again alone and omitted with its own reason; the rest are drawn")
    func failedChartInAShare() throws {
        let dir = tempDir("failed-share")
        defer { try? FileManager.default.removeItem(at: dir) }
        let charts = dir.appendingPathComponent("charts")
        try FileManager.default.createDirectory(at: charts, withIntermediateDirectories: true)
        try "set terminal pngcairo\nset output 'bad.png'\nplot 'missing.csv' using 1:2\n".write(to: charts.appendingPathComponent("bad.gp"), atomically: true, encoding: .utf8)
        let names = ["bad", "a", "b", "c", "d"]
        for n in names.dropFirst() {
            try "reset session\nset terminal pngcairo\nset output '\(n).png'\nplot x\nset terminal svg\nset output '\(n).svg'\nreplot\nunset output\n"
                .write(to: charts.appendingPathComponent("\(n).gp"), atomically: true, encoding: .utf8)
        }
        let r = Charts.render(folder: charts, plans: names.map { Charts.Plan($0, caption: $0, script: "") })
        #expect(r.outcomes[0].omitted?.contains("gnuplot 出错") == true)
        #expect(r.warnings.count == 1 && r.warnings[0].contains("bad"))
        #expect(!FileManager.default.fileExists(atPath: charts.appendingPathComponent("bad.png").path))
        for o in r.outcomes.dropFirst() {
            #expect(o.drawn, "\(o.name): \(o.omitted ?? "")")
            #expect(regularFileSize(charts.appendingPathComponent("\(o.name).svg").path) ?? 0 > 0)
        }
    }

    // MARK: damaged data

    @Test("zero-all (no money, no demand): no 0-byte chart, summary links only charts that exist, manifest lists only files that exist")
    func zeroAll() throws {
        let dir = tempDir("zero")
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = """
        base: \(Self.draftPath)
        id: zero-all
        title: 零
        funding:
          - {id: regional, name: 自治区奖补资金, amount: 0, only_lines: [transformation]}
          - {id: county, name: 县级配套资金, amount: 0}
        lines:
        \(["transformation", "benchmark", "smart_factory", "cloud", "chain_case", "service_provider", "professional_services"].map { "  - {id: \($0), name: x, clause: （一）, budget: {regional: 0, county: 0}}" }.joined(separator: "\n"))
        population:
          firms:
            per_batch: [0, 0]
          chain_cases: 0
          service_providers: 0
        policy:
          benchmark: {count: 0, amount: 0}
          service_provider: {count: 0, amount: 0}
          chain_case: {count: 0, amount: 0}
          services:
            process_management: {amount: 0, basis: accepted}
            acceptance: {amount: 0, basis: completed}
            audit: {amount: 0, basis: completed}
            research: 0
        """
        let file = dir.appendingPathComponent("zero-all.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let loaded = try LoadedScenario.load(file.path)
        let r = try Simulator.run(CompiledModel(loaded, seed: 1), options: RunOptions(trials: 300, threads: 2), design: TrialDesign(method: .random, seed: 1))
        let out = dir.appendingPathComponent("out")
        _ = try RunReport(loaded: loaded, result: r, findings: [], commandLine: [], startTime: Date(), dumpTrials: false,
                          programVersion: "test", sampling: .random).write(to: out.path)
        Self.assertHonest(out)
        let md = text(out.appendingPathComponent("summary.md"))
        #expect(md.contains("未绘制") && md.contains("总需求在所有试验中都等于 0.00"))
    }

    /// Every linked chart exists and is non-empty; no file is empty; the manifest lists exactly the files there, with their sizes.
    static func assertHonest(_ out: URL, _ kept: Set<String> = []) {
        let md = text(out.appendingPathComponent("summary.md"))
        let links = md.components(separatedBy: "](").dropFirst().compactMap { $0.split(separator: ")").first.map(String.init) }
        for l in links where l.hasSuffix(".png") {
            #expect((regularFileSize(out.appendingPathComponent(l).path) ?? 0) > 0, "summary links \(l), which is missing or empty")
        }
        var files: [String: Int] = [:]
        if let e = FileManager.default.enumerator(atPath: out.path) {
            for case let f as String in e where f != "manifest.json" && !kept.contains(where: { f.hasPrefix($0) }) {
                if let n = regularFileSize(out.appendingPathComponent(f).path) {
                    files[f] = n
                    #expect(n > 0 || !f.hasSuffix(".png") && !f.hasSuffix(".svg"), "\(f) is empty")
                }
            }
        }
        let m = (try? JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json")))) as? [String: Any]
        let listed = Dictionary(uniqueKeysWithValues: ((m?["outputs"] as? [[String: Any]]) ?? []).map { ($0["file"] as? String ?? "", $0["bytes"] as? Int ?? -1) })
        #expect(listed == files)
    }

    /// How the report-writing tests say they were started (seed 2, two threads).
    static let invocation = Manifest.Invocation(version: "test", commandLine: ["test"], start: Date(), seed: 2, threads: 2)

    static var draftPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scenarios/pingluo-draft.yaml").path
    }

    @Test("sensitivity with an infinite metric: no 0-byte tornado PNGs; the omission is stated")
    func infiniteSensitivity() throws {
        let loaded = try LoadedScenario.load(nil)
        var r = try Sensitivity.analyse(loaded, variant: 0, metric: OutputMetric.parse("total_demand")!, seed: 2, threads: 2,
                                        oatTrials: 100, mcTrials: 400, sobolN: 64, bootstrap: 20)
        r.baseline = .infinity
        for i in r.tornado.indices { r.tornado[i].outputHigh = .infinity }
        for i in r.spider.indices { r.spider[i] = r.spider[i].map { _ in .infinity } }
        let dir = tempDir("sens-inf")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try SensitivityReport.write([r], loaded: loaded, to: dir.appendingPathComponent("out").path, invocation: Self.invocation)
        let out = dir.appendingPathComponent("out")
        Self.assertHonest(out)
        #expect(regularFileSize(out.appendingPathComponent("charts/tornado.png").path) == nil)
        #expect(text(out.appendingPathComponent("summary.md")).contains("龙卷风图（P10/P90）（charts/tornado.png）："))
    }

    @Test("sensitivity of two variants is one folder, written at once, with a manifest over both")
    func sensitivityTwoVariants() throws {
        let loaded = try LoadedScenario.load(nil)
        let rs = try (0..<2).map {
            try Sensitivity.analyse(loaded, variant: $0, metric: OutputMetric.parse("total_demand")!, seed: 2, threads: 2,
                                    oatTrials: 100, mcTrials: 400, sobolN: 64, bootstrap: 20)
        }
        let dir = tempDir("sens-two")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        _ = try SensitivityReport.write(rs, loaded: loaded, to: out.path, invocation: Self.invocation)
        let decoder = JSONDecoder()
        for v in ["text", "table"] {
            #expect((regularFileSize(out.appendingPathComponent("\(v)/charts/tornado.png").path) ?? 0) > 0)
            let m = try decoder.decode(Manifest.Document<Manifest.SensitivityFields>.self,
                                       from: Data(contentsOf: out.appendingPathComponent("\(v)/manifest.json")))
            #expect(m.fields.variant == v && m.fields.variants == nil && m.fields.inputs == rs[0].inputs.map(\.id))
            #expect(m.header.command == "sensitivity" && m.header.trials == 400 && m.header.seed == "2")
        }
        let top = text(out.appendingPathComponent("manifest.json"))
        let m = try decoder.decode(Manifest.Document<Manifest.SensitivityFields>.self, from: Data(top.utf8))
        #expect(m.fields.variants == ["text", "table"] && m.fields.variant == nil && m.fields.inputs == nil)
        #expect(top.contains("text/summary.csv") == false && top.contains("table/sensitivity.csv"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out"])
    }

    // MARK: stale sub-folders

    @Test("a sweep/solve/sensitivity folder from another scenario is flagged in the new summary.md, with when; a current one is not")
    func stale() throws {
        let loaded = try LoadedScenario.load(nil)
        let dir = tempDir("stale")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out.appendingPathComponent("sweep-old"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: out.appendingPathComponent("solve-current"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: out.appendingPathComponent("sensitivity-total_demand/text"), withIntermediateDirectories: true)
        func manifest(_ sha: String, _ when: String) -> String {
            "{\"program\": \"subsidysim\", \"start_time\": \"\(when)\", \"scenario\": {\"sha256_after_base_and_set\": \"\(sha)\"}}"
        }
        try "{}".write(to: out.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        try manifest("0123456789abcdef0123", "2025-01-02T03:04:05Z").write(to: out.appendingPathComponent("sweep-old/manifest.json"), atomically: true, encoding: .utf8)
        try manifest(loaded.sha256, "2025-02-02T00:00:00Z").write(to: out.appendingPathComponent("solve-current/manifest.json"), atomically: true, encoding: .utf8)
        try manifest("fedcba9876543210fedc", "2025-03-03T00:00:00Z").write(to: out.appendingPathComponent("sensitivity-total_demand/text/manifest.json"), atomically: true, encoding: .utf8)
        let r = try Simulator.run(CompiledModel(loaded, seed: 1), options: RunOptions(trials: 300, threads: 2), design: TrialDesign(method: .random, seed: 1))
        let warnings = try RunReport(loaded: loaded, result: r, findings: [], commandLine: [], startTime: Date(), dumpTrials: false,
                                     programVersion: "test", sampling: .random).write(to: out.path)
        let md = text(out.appendingPathComponent("summary.md"))
        #expect(md.contains("`sweep-old/` 来自另一个情景") && md.contains("2025-01-02T03:04:05Z"))
        #expect(md.contains("`sensitivity-total_demand/` 来自另一个情景") && md.contains("2025-03-03"))
        #expect(!md.contains("solve-current"))
        #expect(warnings.contains { $0.contains("sweep-old") })
        // The kept folders survive the swap.
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("sweep-old/manifest.json").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("sensitivity-total_demand/text/manifest.json").path))
    }

    // MARK: atomic output folder

    static func commit(_ dest: URL, _ files: [String: String], keep: Bool = false, fail: Bool = false) throws {
        var f = OutputFolder(dest.path)
        for (k, v) in files { f.add(k, text: v) }
        // A manifest that lists them, as every command's does (so the next commit may replace them).
        f.add("manifest.json", text: listingManifest(files))
        if keep { f.keepSubfolders = { $0.hasPrefix("sweep-") } }
        struct Boom: Error {}
        try f.commit { _ in if fail { throw Boom() } }
    }

    @Test("the swap is an exchange: new content in place, old removed, no debris; the same without RENAME_EXCHANGE")
    func exchange() throws {
        for disable in [false, true] {
            OutputFolder.disableExchange = disable
            defer { OutputFolder.disableExchange = false }
            let dir = tempDir("exchange")
            defer { try? FileManager.default.removeItem(at: dir) }
            let dest = dir.appendingPathComponent("out")
            try Self.commit(dest, ["a.csv": "old"])
            try FileManager.default.createDirectory(at: dest.appendingPathComponent("sweep-x"), withIntermediateDirectories: true)
            try "s".write(to: dest.appendingPathComponent("sweep-x/s.csv"), atomically: true, encoding: .utf8)
            try Self.commit(dest, ["b.csv": "new"], keep: true)
            #expect(text(dest.appendingPathComponent("b.csv")) == "new")
            #expect(!FileManager.default.fileExists(atPath: dest.appendingPathComponent("a.csv").path))
            #expect(text(dest.appendingPathComponent("sweep-x/s.csv")) == "s")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out"])
        }
    }

    @Test("killed between the two renames (no exchange): the next run restores the old copy instead of deleting it, even if it then fails")
    func restoreOld() throws {
        let dir = tempDir("restore")
        defer { try? FileManager.default.removeItem(at: dir) }
        let dest = dir.appendingPathComponent("out")
        try Self.commit(dest, ["a.csv": "old"])
        let pid = try deadPid()
        // What a run killed between `rename(out, .out.old-PID-1)` and `rename(tmp, out)` leaves.
        #expect(rename(dest.path, dir.appendingPathComponent(".out.old-\(pid)-1").path) == 0)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".out.tmp-\(pid)-2"), withIntermediateDirectories: true)
        // The next run fails (e.g. a full disk): the previous output must still exist.
        #expect(throws: OutputFolder.WriteError.self) { try Self.commit(dest, ["a.csv": "new"], fail: true) }
        #expect(text(dest.appendingPathComponent("a.csv")) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out"])
    }

    @Test("a FIFO in the output folder (as a kept name or inside a kept folder) never blocks the run")
    func fifo() throws {
        let dir = tempDir("fifo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let dest = dir.appendingPathComponent("out")
        try Self.commit(dest, ["a.csv": "old"])
        #expect(mkfifo(dest.appendingPathComponent("sweep-fifo").path, 0o644) == 0)
        try FileManager.default.createDirectory(at: dest.appendingPathComponent("sweep-x"), withIntermediateDirectories: true)
        #expect(mkfifo(dest.appendingPathComponent("sweep-x/pipe").path, 0o644) == 0)
        try "s".write(to: dest.appendingPathComponent("sweep-x/s.csv"), atomically: true, encoding: .utf8)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var error: Error?
        let d = dest
        Thread.detachNewThread {
            do { try Self.commit(d, ["b.csv": "new"], keep: true) } catch let e { error = e }
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 20) == .success, "commit blocked on a FIFO")
        #expect(error == nil)
        #expect(text(dest.appendingPathComponent("sweep-x/s.csv")) == "s")
        #expect(!FileManager.default.fileExists(atPath: dest.appendingPathComponent("sweep-fifo").path))
    }

    @Test("an output folder holding a file subsidysim did not write, or one changed since (an edited rebalanced.yaml, a Word lock file), is not replaced")
    func foreignFiles() throws {
        let dir = tempDir("foreign")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        try Self.commit(out, ["a.csv": "x", "rebalanced.yaml": "base: x.yaml\n", "charts/c.gp": "plot"], keep: true)
        try Self.commit(out, ["a.csv": "y", "rebalanced.yaml": "base: x.yaml\n"], keep: true)   // its own files: replaced
        #expect(text(out.appendingPathComponent("a.csv")) == "y")
        // A kept sweep folder is not looked into.
        try FileManager.default.createDirectory(at: out.appendingPathComponent("sweep-a"), withIntermediateDirectories: true)
        try "mine".write(to: out.appendingPathComponent("sweep-a/notes.txt"), atomically: true, encoding: .utf8)
        try Self.commit(out, ["a.csv": "z", "rebalanced.yaml": "base: x.yaml\n"], keep: true)
        for (name, content) in [("my.yaml", "base: builtin:pingluo-draft\n"), ("~$报告.docx", "lock"), ("charts/extra.png", "png")] {
            let u = out.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: u, atomically: true, encoding: .utf8)
            do { try Self.commit(out, ["a.csv": "w"], keep: true); Issue.record("replaced a folder holding \(name)") } catch let e as OutputFolder.WriteError {
                #expect(e.zh.contains(name) && e.en.contains(name), "\(e.zh)")
            }
            #expect(text(u) == content)
            try FileManager.default.removeItem(at: u)
        }
        // Edited in place: same size or not, the planner's text is kept.
        let edited = out.appendingPathComponent("rebalanced.yaml")
        for content in ["base: y.yaml\n", "base: x.yaml\n# mine\n"] {
            try content.write(to: edited, atomically: true, encoding: .utf8)
            do { try Self.commit(out, ["a.csv": "w"], keep: true); Issue.record("replaced an edited file") } catch let e as OutputFolder.WriteError {
                #expect(e.zh.contains("rebalanced.yaml"))
            }
            #expect(text(edited) == content)
        }
    }

    @Test("--output / and folders that are not subsidysim output are refused with a clear message; write errors name the real path and the reason")
    func messages() throws {
        let root = OutputFolder("/")
        do { try root.commit(); Issue.record("replaced /") } catch let e as OutputFolder.WriteError {
            #expect(e.zh.contains("根目录") && e.en.contains("root folder") && !e.en.contains("Success"))
        }
        let dir = tempDir("msg")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "keep me".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        do { try Self.commit(dir, ["a.csv": "x"]); Issue.record("replaced a folder that is not an output") } catch let e as OutputFolder.WriteError {
            #expect(e.zh.contains("manifest.json"))
        }
        #expect(text(dir.appendingPathComponent("notes.txt")) == "keep me")
        // A file where a folder must go: the message names DEST/…, never the temporary folder, and says why.
        var f = OutputFolder(dir.appendingPathComponent("out").path)
        f.add("charts", text: "a file")
        f.add("charts/x.gp", text: "x")
        do { try f.commit(); Issue.record("no error") } catch let e as OutputFolder.WriteError {
            #expect(e.zh.contains(dir.appendingPathComponent("out/charts").path) && !e.zh.contains(".tmp-"))
            #expect(e.zh.contains("不是文件夹") && e.en.contains("Not a directory"))
        }
        // A folder that cannot be made in a parent that exists (/proc refuses new entries): the
        // message names the folder asked for, not its parent.
        if FileManager.default.fileExists(atPath: "/proc/self") {
            do { try OutputFolder("/proc/subsidysim-out").commit(); Issue.record("wrote into /proc") } catch let e as OutputFolder.WriteError {
                #expect(e.zh.contains("/proc/subsidysim-out") && e.en.contains("/proc/subsidysim-out"), "\(e.zh)")
            }
        }
        #expect(OutputFolder.reason(ENOSPC, .zh).hasPrefix("磁盘空间不足"))
        #expect(OutputFolder.reason(ENOSPC, .en) == "No space left on device")
    }
}

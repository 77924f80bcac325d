import Foundation
import Testing
import RealModule

/// The real commands, as a planner types them: the built `subsidysim` binary (built by
/// `swift build --build-tests`, which `swift test` runs), in a scratch folder, with small trial
/// counts. Exit codes, messages in both languages, and the what-if cases of "What-ifs a planner can trust".
@Suite("The command line, end to end", .serialized)
struct CLITests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: String {
        for c in [Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("subsidysim").path,
                  repo.appendingPathComponent(".build/debug/subsidysim").path] where FileManager.default.isExecutableFile(atPath: c) {
            return c
        }
        return repo.appendingPathComponent(".build/debug/subsidysim").path
    }

    struct Result { var status: Int32; var out: String; var err: String }

    /// Runs `subsidysim args…` in `dir` (a fresh scratch folder when nil), with a time limit. The
    /// locale variables are cleared (the program then speaks Chinese, whatever the machine's
    /// locale); `environment` entries are set on top of the test's own environment.
    @discardableResult
    static func cli(_ args: [String], in dir: URL, timeout: TimeInterval = 300, environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        for k in ["LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE", "COLUMNS"] { env[k] = nil }
        p.environment = env.merging(environment) { $1 }
        // Output to files, not pipes: a chatty command can never block on a full pipe.
        let outURL = dir.appendingPathComponent(".cli-out-\(UUID().uuidString)"), errURL = dir.appendingPathComponent(".cli-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        let od = (try? Data(contentsOf: outURL)) ?? Data(), ed = (try? Data(contentsOf: errURL)) ?? Data()
        return Result(status: p.terminationStatus, out: String(decoding: od, as: UTF8.self), err: String(decoding: ed, as: UTF8.self))
    }

    static func scratch() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        try Data(contentsOf: repo.appendingPathComponent("Scenarios/pingluo-draft.yaml")).write(to: d.appendingPathComponent("pingluo-draft.yaml"))
        return d
    }

    /// Rows of a CSV the program wrote (BOM and CRLF removed; no quoted commas in the columns read here).
    static func csv(_ url: URL) throws -> [[String]] {
        var text = try String(contentsOf: url, encoding: .utf8)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.map { $0.components(separatedBy: ",") }
    }

    /// summary.csv: (variant, line id) → column `name`'s value.
    static func summary(_ dir: URL, _ column: String) throws -> [String: Double] {
        let rows = try csv(dir.appendingPathComponent("summary.csv"))
        let c = try #require(rows[0].firstIndex { $0.hasSuffix(" " + column) }, "no column \(column)")
        var out: [String: Double] = [:]
        for r in rows.dropFirst() { out["\(r[0])/\(r[2])"] = Double(r[c]) }
        return out
    }

    @Test("exit codes: 0 ok, 64 usage, 65 bad scenario or --set, 66 missing file, 73 cannot write; messages in zh and en")
    func exitCodes() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        #expect(try Self.cli(["check"], in: d).status == 0)
        #expect(try Self.cli(["run", "--bogus"], in: d).status == 64)
        let v = try Self.cli(["run", "--variant", "txt", "--trials", "10"], in: d)
        #expect(v.status == 64 && v.err.contains("“text”"))
        let bad = try Self.cli(["run", "--set", "policy.batches[0].rate=2", "--trials", "10"], in: d)
        #expect(bad.status == 65 && bad.err.contains("policy.batches[0].rate"))
        let badEn = try Self.cli(["run", "--set", "policy.batches[0].rate=2", "--trials", "10", "--lang", "en"], in: d)
        #expect(badEn.status == 65 && badEn.err.contains("problem(s) in the scenario"))
        #expect(try Self.cli(["run", "nope.yaml"], in: d).status == 66)
        try "x".write(to: d.appendingPathComponent("afile"), atomically: true, encoding: .utf8)
        let w = try Self.cli(["run", "--trials", "10", "--quiet", "--output", "afile/out"], in: d)
        #expect(w.status == 73, "\(w.err)")
        let en = try Self.cli(["check", "--lang", "en"], in: d)
        #expect(en.status == 0 && en.out.contains("column sums to"))
    }

    @Test("run writes convergence.csv, its chart and 收敛与精度, the same bytes for 1 and 2 threads; --precision-line is checked and named")
    func convergenceAndPrecisionLine() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let a = try Self.cli(["run", "--trials", "3000", "--threads", "1", "--quiet", "--no-docx", "--no-xlsx", "--output", "a"], in: d)
        let b = try Self.cli(["run", "--trials", "3000", "--threads", "2", "--quiet", "--no-docx", "--no-xlsx", "--output", "b"], in: d)
        #expect(a.status == 0 && b.status == 0, "\(a.err)\(b.err)")
        let ca = try Data(contentsOf: d.appendingPathComponent("a/convergence.csv"))
        #expect(ca == (try Data(contentsOf: d.appendingPathComponent("b/convergence.csv"))))
        let rows = try Self.csv(d.appendingPathComponent("a/convergence.csv"))
        #expect(rows[0] == ["试验次数 trials", "方案 variant", "指标 metric", "估计 estimate", "95%下限 low95", "95%上限 high95"])
        // The last row of each probability series is summary.csv's value, as printed.
        let p = try Self.summary(d.appendingPathComponent("a"), "p_overrun")
        let last = rows.dropFirst().filter { $0[0] == "3000" && $0[1] == "text" && $0[2] == "transformation" }
        #expect(last.count == 1 && Double(last[0][3]) == p["text/transformation"])
        let md = try String(contentsOf: d.appendingPathComponent("a/summary.md"), encoding: .utf8)
        #expect(md.contains("## 收敛与精度") && md.contains("达到精度的试验次数") && md.contains("采用默认标准"))
        #expect(FileManager.default.fileExists(atPath: d.appendingPathComponent("a/charts/convergence.gp").path))

        let alone = try Self.cli(["run", "--precision-line", "cloud", "--trials", "10"], in: d)
        #expect(alone.status == 64 && alone.err.contains("--precision-line 须与 --precision 同用"))
        let aloneEn = try Self.cli(["run", "--precision-line", "cloud", "--trials", "10", "--lang", "en"], in: d)
        #expect(aloneEn.status == 64 && aloneEn.err.contains("--precision-line needs --precision"))
        let bad = try Self.cli(["run", "--precision", "0.01", "--precision-line", "clod"], in: d)
        #expect(bad.status == 64 && bad.err.contains("cloud") && bad.err.contains("any") && bad.err.contains("total"))
        let badEn = try Self.cli(["run", "--precision", "0.01", "--precision-line", "clod", "--lang", "en"], in: d)
        #expect(badEn.status == 64 && badEn.err.contains("invalid") && badEn.err.contains("professional_services"))

        let ok = try Self.cli(["run", "--precision", "0.004", "--precision-line", "cloud", "--trials", "1000", "--no-docx", "--no-xlsx", "--output", "c"], in: d)
        #expect(ok.status == 0, "\(ok.err)")
        #expect(ok.out.contains("--precision 0.004 针对（四）"))
        let mc = try String(contentsOf: d.appendingPathComponent("c/summary.md"), encoding: .utf8)
        #expect(mc.contains("（--precision-line cloud）") && mc.contains("概率的标准误不超过 --precision 0.004"))
    }

    static let trap = """
    base: pingluo-draft.yaml
    id: trap
    title: 第一批上限降到30万
    policy:
      batches:
        - {name: 第一批, rate: 0.60, cap: 30}
        - {name: 第二批, rate: 0.50, cap: 30}
    """

    @Test("trap.yaml: lowering both caps to 30 lowers （一） demand under both variants, and the labels say 30万")
    func trap() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        try Self.trap.write(to: d.appendingPathComponent("trap.yaml"), atomically: true, encoding: .utf8)
        let a = try Self.cli(["run", "trap.yaml", "--trials", "400", "--quiet", "-o", "t"], in: d)
        #expect(a.status == 0, "\(a.err)")
        #expect(!a.err.contains("警告"), "\(a.err)")
        #expect(try Self.cli(["run", "pingluo-draft.yaml", "--trials", "400", "--quiet", "-o", "p"], in: d).status == 0)
        let t = try Self.summary(d.appendingPathComponent("t"), "demand_mean_wan"), p = try Self.summary(d.appendingPathComponent("p"), "demand_mean_wan")
        for v in ["text", "table"] {
            let lowered = try #require(t["\(v)/transformation"]), before = try #require(p["\(v)/transformation"])
            #expect(lowered < before - 50, "\(v): \(lowered) vs \(before)")
        }
        let labels = try Self.csv(d.appendingPathComponent("t/summary.csv")).dropFirst().map { $0[1] }
        #expect(labels.contains("正文费率（第一批60%/30万，第二批50%/30万）") && labels.contains("概算表费率（第一批50%/30万，第二批40%/30万）"))
    }

    @Test("a change an inherited variant undoes is a located warning on run and a finding of check")
    func undoneWarning() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        try Self.trap.replacingOccurrences(of: "rate: 0.60, cap: 30", with: "rate: 0.55, cap: 30")
            .write(to: d.appendingPathComponent("w.yaml"), atomically: true, encoding: .utf8)
        let r = try Self.cli(["run", "w.yaml", "--trials", "100", "--quiet", "-o", "o"], in: d)
        #expect(r.status == 0)
        #expect(r.err.contains("警告：") && r.err.contains("w.yaml:6:") && r.err.contains("“table”"), "\(r.err)")
        let c = try Self.cli(["check", "w.yaml"], in: d)
        #expect(c.out.contains("“table”") && c.out.contains("variants: []"))
    }

    @Test("labels after --set state the values run; no '--set' in summary.csv, summary.md or the chart scripts")
    func labelsAfterSet() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let r = try Self.cli(["run", "--set", "policy.batches[0].rate=0.55", "--trials", "200", "--quiet", "-o", "o"], in: d)
        #expect(r.status == 0, "\(r.err)")
        let labels = Set(try Self.csv(d.appendingPathComponent("o/summary.csv")).dropFirst().map { $0[1] })
        #expect(labels == ["正文费率（第一批55%/50万，第二批50%/40万）", "概算表费率（第一批55%/50万，第二批40%/40万）"])
        let md = try String(contentsOf: d.appendingPathComponent("o/summary.md"), encoding: .utf8)
        // Only the commands that reproduce the run (方法与重现) and its proposed table (结论's
        // rebalance command) may, and must, say --set.
        let prose = md.components(separatedBy: "\n").filter { !$0.contains("重现命令") && !$0.contains("subsidysim rebalance") }.joined(separator: "\n")
        #expect(!prose.contains("--set") && md.contains("第一批补助比例改为55%"), "\(md)")
        #expect(md.components(separatedBy: "\n").contains { $0.contains("重现命令") && $0.contains("--set") })
        // The reproduce command quotes a --set with brackets (a shell would glob it).
        let manifest = try String(contentsOf: d.appendingPathComponent("o/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("--set 'policy.batches[0].rate=0.55'"), "\(manifest)")
        for f in try FileManager.default.contentsOfDirectory(atPath: d.appendingPathComponent("o/charts").path) where f.hasSuffix(".gp") {
            #expect(!(try String(contentsOf: d.appendingPathComponent("o/charts/\(f)"), encoding: .utf8)).contains("--set"), "\(f)")
        }
    }

    @Test("the total rows under reject: pooled P≈0 with no pooled gap; line by line P(some line short) with the lines' gaps")
    func totalRows() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        #expect(try Self.cli(["run", "--set", "policy.hardware.rule=reject", "--trials", "500", "--quiet", "-o", "o"], in: d).status == 0)
        let o = d.appendingPathComponent("o")
        let p = try Self.summary(o, "p_overrun"), gap = try Self.summary(o, "unmet_mean_wan")
        for v in ["text", "table"] {
            let pooledP = try #require(p["\(v)/total_pooled"]), pooledGap = try #require(gap["\(v)/total_pooled"])
            #expect(pooledP < 0.01 && (pooledP > 0 || pooledGap == 0))
            #expect(try #require(p["\(v)/total_lines"]) > 0.9 && (try #require(gap["\(v)/total_lines"])) > 10)
        }
    }

    /// One firm per trial, award min(r·X, cap) against a budget of 50, X lognormal: P(short) is 0 for
    /// caps up to 50 and P(r·X > 50) above, which r makes exactly 5%: flat at the target from 50 to 80.
    static func flatScenario() -> String {
        let mu = log(60.0), sigma = 0.5
        let rate = 50 / exp(mu + 1.6448536269514722 * sigma)
        return """
        id: flat
        title: 平坦的风险曲线
        funding:
          - {id: regional, name: 自治区, amount: 50, only_lines: [transformation]}
          - {id: county, name: 县级, amount: 100}
        lines:
          - {id: transformation, budget: {regional: 50, county: 0}}
          - {id: benchmark, budget: {regional: 0, county: 10}}
          - {id: smart_factory, budget: {regional: 0, county: 10}}
          - {id: cloud, budget: {regional: 0, county: 10}}
          - {id: chain_case, budget: {regional: 0, county: 10}}
          - {id: service_provider, budget: {regional: 0, county: 10}}
          - {id: professional_services, budget: {regional: 0, county: 50}}
        policy:
          batches:
            - {name: 第一批, rate: \(rate), cap: 60}
          hardware: {limit: 0.3, rule: trim_total}
          benchmark: {count: 0, amount: 5}
          smart_factory: {amount: 4}
          cloud: {amount: 1}
          chain_case: {count: 1, amount: 30}
          service_provider: {count: 3, amount: 5}
          services: {process_management: 1, acceptance: 0.8, audit: 0.07, research: 0}
          ceiling: {amount: 1000}
        population:
          firms:
            per_batch: [1]
          batches:
            - {completion: 1, pass: 1}
          segments:
            - {id: all, name: 全部, share: 1, investment_factor: 1, smart_factory: 0}
          investment: {dist: lognormal, mu: \(mu), sigma: \(sigma)}
          hardware_share: 0
          cloud_uptake: 0
          chain_cases: 0
        simulation: {trials: 4000, seed: 8}
        """
    }

    @Test("solve on a flat curve says the cap does not determine the answer above a value; answers sit on the 0.1万 lattice")
    func flatSolve() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        try Self.flatScenario().write(to: d.appendingPathComponent("flat.yaml"), atomically: true, encoding: .utf8)
        let r = try Self.cli(["solve", "flat.yaml", "--vary", "policy.batches[0].cap", "--in", "20:80", "--line", "transformation",
                              "--max-overrun", "0.05", "--json", "-o", "s"], in: d, timeout: 600)
        #expect(r.status == 0, "\(r.err)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]])
        #expect(rows.first?["status"] as? String == "undetermined", "\(r.out)")
        #expect(rows.first?["answer_high"] as? Double == 80)
        let low = try #require(rows.first?["answer_low"] as? Double)
        #expect(low.isApproximatelyEqual(to: 50, absoluteTolerance: 0.15), "the chance is 0 up to a cap of 50: \(low)")
        for key in ["answer", "answer_low"] {
            if let x = rows.first?[key] as? Double { #expect((x * 10).isApproximatelyEqual(to: (x * 10).rounded(), absoluteTolerance: 1e-9), "\(key) \(x) not at 0.1万") }
        }
        let md = try String(contentsOf: d.appendingPathComponent("s/summary.md"), encoding: .utf8)
        #expect(md.contains("不决定能否达标") && md.contains("50万元"))
    }

    @Test("solve refuses a key that holds a word, naming it in Chinese and pointing to sweep (exit 65)")
    func solveWord() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let r = try Self.cli(["solve", "--vary", "policy.overrun", "--in", "0:1", "--max-overrun", "0.1", "--trials", "200", "-o", "s"], in: d)
        #expect(r.status == 65 && r.err.contains("资金不足时的兑付规则") && r.err.contains("sweep"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: d.appendingPathComponent("s").path))
    }

    @Test("renamed funding sources give the same numbers")
    func renamedSources() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let draft = try String(contentsOf: d.appendingPathComponent("pingluo-draft.yaml"), encoding: .utf8)
        try draft.replacingOccurrences(of: "regional", with: "zzq").replacingOccurrences(of: "county", with: "xj")
            .write(to: d.appendingPathComponent("renamed.yaml"), atomically: true, encoding: .utf8)
        #expect(try Self.cli(["run", "renamed.yaml", "--trials", "300", "--quiet", "-o", "b"], in: d).status == 0)
        #expect(try Self.cli(["run", "pingluo-draft.yaml", "--trials", "300", "--quiet", "-o", "a"], in: d).status == 0)
        #expect(try Data(contentsOf: d.appendingPathComponent("a/summary.csv")) == Data(contentsOf: d.appendingPathComponent("b/summary.csv")))
        let sa = try Self.csv(d.appendingPathComponent("a/sources.csv")).dropFirst().map { $0.dropFirst(3) }
        let sb = try Self.csv(d.appendingPathComponent("b/sources.csv")).dropFirst().map { $0.dropFirst(3) }
        #expect(sa == sb)
    }

    @Test("run --two-level U×V: two_level.csv, its chart and section on the draft and on a what-if with correlations; the same bytes for 1 and 2 threads; checked options")
    func twoLevel() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        try """
        base: pingluo-draft.yaml
        id: corr
        population:
          correlations:
            - {a: firms_b1, b: firms_b2, rho: 0.6}
            - {a: completion_b1, b: pass_b1, rho: -0.4}
        """.write(to: d.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        let a = try Self.cli(["run", "--two-level", "40x50", "--threads", "1", "--quiet", "--no-docx", "--no-xlsx", "--output", "a"], in: d)
        let b = try Self.cli(["run", "--two-level", "40×50", "--threads", "2", "--quiet", "--no-docx", "--no-xlsx", "--output", "b"], in: d)
        #expect(a.status == 0 && b.status == 0, "\(a.err)\(b.err)")
        let ta = try Data(contentsOf: d.appendingPathComponent("a/two_level.csv"))
        #expect(ta == (try Data(contentsOf: d.appendingPathComponent("b/two_level.csv"))))
        let rows = try Self.csv(d.appendingPathComponent("a/two_level.csv"))
        #expect(rows[0].count == 13 && rows.count == 1 + 2 * 9)
        // The pooled column is summary.csv's probability (the same trials).
        let p = try Self.summary(d.appendingPathComponent("a"), "p_overrun")
        let tr = try #require(rows.first { $0[0] == "text" && $0[1] == "transformation" })
        #expect(abs((Double(tr[3]) ?? -1) - (p["text/transformation"] ?? -2)) < 1e-6)
        #expect(tr[10] == "40" && tr[11] == "50")
        let md = try String(contentsOf: d.appendingPathComponent("a/summary.md"), encoding: .utf8)
        #expect(md.contains("## 假设的不确定性（两层模拟）") && md.contains("在 80% 的假设组合下，该概率介于"))
        #expect(!md.contains("## 收敛与精度") && !FileManager.default.fileExists(atPath: d.appendingPathComponent("a/convergence.csv").path))
        #expect(FileManager.default.fileExists(atPath: d.appendingPathComponent("a/charts/two_level.gp").path))
        let manifest = try String(contentsOf: d.appendingPathComponent("a/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("--two-level 40x50"))
        // A what-if with correlated inputs: the worlds carry the correlations.
        let c = try Self.cli(["run", "c.yaml", "--two-level", "40x50", "--quiet", "--no-docx", "--no-xlsx", "--output", "c"], in: d)
        #expect(c.status == 0, "\(c.err)")
        #expect(FileManager.default.fileExists(atPath: d.appendingPathComponent("c/two_level.csv").path))
        // Checked before anything runs.
        for (args, zh) in [(["--two-level", "200"], "应写成 U×V"), (["--two-level", "5x50"], "U ≥ 20"), (["--two-level", "40x50", "--trials", "100"], "不能与 --trials 同用"),
                           (["--two-level", "40x50", "--precision", "0.01"], "不能与 --precision 同用"), (["--two-level", "5000x5000"], "超过上限")] {
            let r = try Self.cli(["run"] + args + ["--quiet"], in: d)
            #expect(r.status == 64 && r.err.contains(zh), "\(args): \(r.err)")
        }
        let en = try Self.cli(["run", "--two-level", "abc", "--lang", "en"], in: d)
        #expect(en.status == 64 && en.err.contains("--two-level must be U×V"))
    }

    @Test("sensitivity writes shapley.csv and its section, on the draft and with correlated inputs; shares sum to 1, beside Sobol's indices")
    func shapley() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        try """
        base: pingluo-draft.yaml
        id: corr
        population:
          correlations:
            - {a: firms_b1, b: firms_b2, rho: 0.8}
        """.write(to: d.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        for (file, correlated) in [("", false), ("c.yaml", true)] {
            let out = correlated ? "c" : "a"
            let r = try Self.cli(["sensitivity"] + (file.isEmpty ? [] : [file]) + ["--variant", "text", "--sobol-n", "256", "--output", out], in: d)
            #expect(r.status == 0, "\(r.err)")
            let rows = try Self.csv(d.appendingPathComponent("\(out)/shapley.csv"))
            #expect(rows[0] == ["序号 index", "名称 label", "输入 id", "Shapley效应 effect", "Shapley占比 share", "占比下限 share_low", "占比上限 share_high", "S1", "ST"])
            let shares = rows.dropFirst().compactMap { Double($0[4]) }
            #expect(shares.count == rows.count - 1 && abs(shares.reduce(0, +) - 1) < 1e-4)
            let md = try String(contentsOf: d.appendingPathComponent("\(out)/summary.md"), encoding: .utf8)
            #expect(md.contains("## Shapley 效应（考虑输入间的相关性）"))
            #expect(md.contains(correlated ? "按高斯 copula" : "本情景的输入相互独立"))
            // N = 256 is too small to tell some indices from zero: said in the summary and on the terminal.
            #expect(md.contains("无法把它与 0 区分") && r.err.contains("区间包含 0"))
        }
    }

    @Test("check and run reject the same bad correlation id, located, with exit 65")
    func checkRunAgree() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        try """
        base: pingluo-draft.yaml
        id: corr
        population:
          correlations:
            - {a: firms_b1, b: firm_b2, rho: 0.5}
        """.write(to: d.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        let c = try Self.cli(["check", "c.yaml"], in: d), r = try Self.cli(["run", "c.yaml", "--trials", "10"], in: d)
        #expect(c.status == 65 && r.status == 65)
        #expect(c.err.contains("c.yaml:5:") && c.err.contains("firms_b2"))
        #expect(c.err.components(separatedBy: "\n").first == r.err.components(separatedBy: "\n").first)
    }

    @Test("base never falls back: a missing base is 66 naming builtin:pingluo-draft; new writes a file that runs; scenario show prints the draft")
    func baseNewShow() throws {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: d) }
        try Self.trap.write(to: d.appendingPathComponent("trap.yaml"), atomically: true, encoding: .utf8)
        let m = try Self.cli(["run", "trap.yaml", "--trials", "10"], in: d)
        #expect(m.status == 66 && m.err.contains("trap.yaml:1:7") && m.err.contains("base: builtin:pingluo-draft"))
        let n = try Self.cli(["new", "mine.yaml"], in: d)
        #expect(n.status == 0)
        let r = try Self.cli(["run", "mine.yaml", "--trials", "200", "--quiet"], in: d)
        #expect(r.status == 0, "\(r.err)")
        #expect(FileManager.default.fileExists(atPath: d.appendingPathComponent("Output/mine/summary.csv").path))
        #expect(try Self.cli(["new", "mine.yaml"], in: d).status == 73)
        // Names YAML or a shell would misread still give a file that runs, and a command that runs it.
        for (name, shown) in [("null.yaml", "subsidysim run null.yaml"), ("-.yaml", "subsidysim run ./-.yaml"), ("a b.yaml", "subsidysim run 'a b.yaml'")] {
            let w = try Self.cli(["new", "--", name], in: d)
            #expect(w.status == 0 && w.out.contains(shown), "\(name): \(w.out) \(w.err)")
            #expect(try Self.cli(["check", "./" + name], in: d).status == 0, "\(name)")
        }
        #expect(try Self.cli(["new", ""], in: d).status == 64)
        let missing = try Self.cli(["new", "nowhere/x.yaml"], in: d)
        #expect(missing.status == 73 && missing.err.contains("nowhere 这个文件夹不存在"), "\(missing.err)")
        let show = try Self.cli(["scenario", "show"], in: d)
        let file = try Data(contentsOf: Self.repo.appendingPathComponent("Scenarios/pingluo-draft.yaml"))
        #expect(show.status == 0 && Data(show.out.utf8) == file)
    }

    @Test("award: --passes or --fails is required, a bad batch names the valid ones, absurd amounts are refused, the prorating note is there")
    func award() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let none = try Self.cli(["award", "--batch", "1", "--software", "70", "--hardware", "30"], in: d)
        #expect(none.status == 64 && none.err.contains("--passes") && none.err.contains("--fails"))
        let ok = try Self.cli(["award", "--batch", "1", "--software", "70", "--hardware", "30", "--passes", "--variant", "text"], in: d)
        #expect(ok.status == 0 && ok.out.contains("50") && ok.out.contains("按比例兑付"))
        let b = try Self.cli(["award", "--batch", "3", "--software", "70", "--passes"], in: d)
        #expect(b.status == 64 && b.err.contains("1 = 第一批") && b.err.contains("2 = 第二批"))
        #expect(try Self.cli(["award", "--batch", "1", "--software", "-5", "--passes"], in: d).status == 64)
        #expect(try Self.cli(["award", "--batch", "1", "--software", "2000000", "--passes"], in: d).status == 64)
        let big = try Self.cli(["award", "--batch", "1", "--software", "800000", "--passes"], in: d)
        #expect(big.status == 0 && big.err.contains("警告"))
    }

    @Test("--dump-trials costs little: 20k trials with and without it")
    func dumpTrials() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let t0 = Date()
        #expect(try Self.cli(["run", "--trials", "20000", "--quiet", "-o", "a"], in: d).status == 0)
        let plain = Date().timeIntervalSince(t0)
        let t1 = Date()
        #expect(try Self.cli(["run", "--trials", "20000", "--quiet", "--dump-trials", "-o", "b"], in: d).status == 0)
        let dumped = Date().timeIntervalSince(t1)
        let rows = try Self.csv(d.appendingPathComponent("b/trials.csv"))
        #expect(rows.count == 20001)
        // Not a timing test of the machine: a generous ratio that the old per-cell formatter (~20×) failed by far.
        #expect(dumped < plain * 4 + 5, "with --dump-trials \(dumped) s, without \(plain) s")
    }
}

@Suite("compare and rebalance, as a planner runs them")
struct CompareRebalanceCLITests {
    @Test("compare the draft with a what-if; compare --readings; each writes its table, chart and summary in Chinese")
    func compare() throws {
        let d = try CLITests.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        try "base: pingluo-draft.yaml\nid: caps40\ntitle: 上限40万\npolicy:\n  batches:\n    - {name: 第一批, rate: 0.60, cap: 40}\n    - {name: 第二批, rate: 0.50, cap: 30}\n"
            .write(to: d.appendingPathComponent("caps40.yaml"), atomically: true, encoding: .utf8)
        let r = try CLITests.cli(["compare", "pingluo-draft.yaml", "caps40.yaml", "--trials", "1500", "-o", "c"], in: d, timeout: 600)
        #expect(r.status == 0, "\(r.err)")
        for f in ["compare.csv", "sources.csv", "summary.md", "manifest.json", "charts/short_by_line.png", "charts/short_difference.png"] {
            #expect(FileManager.default.fileExists(atPath: d.appendingPathComponent("c/" + f).path), "\(f)")
        }
        let md = try String(contentsOf: d.appendingPathComponent("c/summary.md"), encoding: .utf8)
        #expect(md.contains("同一批模拟企业") && md.contains("（一）数字化改造资金不足的概率从"))
        let rows = try CLITests.csv(d.appendingPathComponent("c/compare.csv"))
        #expect(rows.count == 1 + 4 * 8)   // 4 entries × (7 lines + any line)
        // A policy-only what-if over the draft has the draft's firms (its inputs' notes point into
        // another file, which does not make them other firms).
        #expect(rows.dropFirst().allSatisfy { $0[4] == "yes" }, "\(rows.map { $0[4] })")
        // Each entry is labelled with what it evaluates: titles differ here, so each is headed by its title.
        let labels = Set(rows.dropFirst().map { $0[2] })
        #expect(labels.contains("上限40万｜正文费率（第一批60%/40万，第二批50%/30万）"), "\(labels)")
        // Files alike in title, variant and terms (one changes a key no label states): headed by the file.
        try "base: pingluo-draft.yaml\nid: hw\npolicy:\n  hardware: {limit: 0.25, rule: trim_total}\n"
            .write(to: d.appendingPathComponent("hw.yaml"), atomically: true, encoding: .utf8)
        let alike = try CLITests.cli(["compare", "pingluo-draft.yaml", "hw.yaml", "--variant", "text", "--trials", "300", "--no-docx", "-o", "h"], in: d, timeout: 600)
        #expect(alike.status == 0, "\(alike.err)")
        let hl = Set(try CLITests.csv(d.appendingPathComponent("h/compare.csv")).dropFirst().map { $0[2] })
        #expect(hl == ["pingluo-draft.yaml｜正文费率（第一批60%/50万，第二批50%/40万）", "hw.yaml｜正文费率（第一批60%/50万，第二批50%/40万）"], "\(hl)")
        let readings = try CLITests.cli(["compare", "--readings", "--trials", "1500", "-o", "r"], in: d, timeout: 600)
        #expect(readings.status == 0, "\(readings.err)")
        let rmd = try String(contentsOf: d.appendingPathComponent("r/summary.md"), encoding: .utf8)
        #expect(rmd.contains("硬件超限") && rmd.contains("不设70万单个项目上限") && rmd.contains("链式案例由"))
        #expect(FileManager.default.fileExists(atPath: d.appendingPathComponent("r/charts/short_difference.png").path))
        // Two files with other funding sources: refused, exit 65, nothing written.
        let draft = try String(contentsOf: d.appendingPathComponent("pingluo-draft.yaml"), encoding: .utf8)
        try draft.replacingOccurrences(of: "county", with: "xj").write(to: d.appendingPathComponent("xj.yaml"), atomically: true, encoding: .utf8)
        let bad = try CLITests.cli(["compare", "pingluo-draft.yaml", "xj.yaml", "--trials", "200", "-o", "x"], in: d)
        #expect(bad.status == 65 && bad.err.contains("资金来源"), "\(bad.err)")
        #expect(!FileManager.default.fileExists(atPath: d.appendingPathComponent("x").path))
    }

    @Test("rebalance writes the table in the draft's layout and a scenario that run accepts as it is")
    func rebalance() throws {
        let d = try CLITests.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let r = try CLITests.cli(["rebalance", "pingluo-draft.yaml", "--trials", "2000", "--unit", "5", "-o", "rb"], in: d, timeout: 600)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("建议的资金概算表"))
        let table = try CLITests.csv(d.appendingPathComponent("rb/budget_table.csv"))
        #expect(table.contains { $0.contains("小计") } && table.last?.first == "合计")
        let run = try CLITests.cli(["run", "rb/rebalanced.yaml", "--trials", "500", "--quiet", "-o", "again"], in: d, timeout: 600)
        #expect(run.status == 0 && !run.err.contains("警告"), "\(run.err)")
        let bad = try CLITests.cli(["rebalance", "--max-short", "5"], in: d)
        #expect(bad.status == 64 && bad.err.contains("--max-short"))
    }

    @Test("what a command says it ran is what ran: --sampling lhs is used; simulation, id and title cannot be changed by a variant, a sweep or solve; a key given twice to --set and a line listed twice are errors; a one-letter name works")
    func whatRanIsWhatIsSaid() throws {
        let d = try CLITests.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        // --sampling lhs runs Latin hypercube: other numbers than random, and the manifest and reproduce command say so.
        for m in ["lhs", "random"] {
            let r = try CLITests.cli(["run", "pingluo-draft.yaml", "--trials", "3000", "--sampling", m, "--quiet", "--no-docx", "--no-xlsx", "-o", m], in: d)
            #expect(r.status == 0, "\(r.err)")
        }
        let lhs = try Data(contentsOf: d.appendingPathComponent("lhs/summary.csv")), random = try Data(contentsOf: d.appendingPathComponent("random/summary.csv"))
        #expect(lhs != random)
        let manifest = try String(contentsOf: d.appendingPathComponent("lhs/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"sampling\" : \"lhs\"") && manifest.contains("--trials 3000 --sampling lhs"), "\(manifest)")

        try """
            base: pingluo-draft.yaml
            id: vs
            variants:
              - id: a
              - id: b
                label: seed7
                set: {simulation.seed: 7}
              - id: c
                set: {title: 新标题}
            """.write(to: d.appendingPathComponent("vs.yaml"), atomically: true, encoding: .utf8)
        let v = try CLITests.cli(["check", "vs.yaml"], in: d)
        #expect(v.status == 65 && v.err.contains("vs.yaml:7:") && v.err.contains("方案的 set 不能修改 simulation.seed") && v.err.contains("vs.yaml:9:")
                && v.err.contains("方案的 set 不能修改 title"), "\(v.err)")
        let sw = try CLITests.cli(["sweep", "pingluo-draft.yaml", "--sweep", "simulation.seed=1,2", "--trials", "200"], in: d)
        #expect(sw.status == 65 && sw.err.contains("--sweep") && sw.err.contains("不能扫描或求解"), "\(sw.err)")
        let so = try CLITests.cli(["solve", "--vary", "title", "--in", "1:2", "--max-overrun", "0.05", "--trials", "200"], in: d)
        #expect(so.status == 65 && so.err.contains("--vary") && so.err.contains("title 不能扫描或求解"), "\(so.err)")

        let twice = try CLITests.cli(["run", "--set", "policy.cloud.amount=1", "--set", "policy.cloud.amount=2", "--trials", "100"], in: d)
        #expect(twice.status == 65 && twice.err.contains("--set 写了两次 policy.cloud.amount"), "\(twice.err)")
        // The same key written two ways is the same key.
        let zeros = try CLITests.cli(["run", "--set", "policy.batches[0].cap=45", "--set", "policy.batches[00].cap=46", "--trials", "100"], in: d)
        #expect(zeros.status == 65 && zeros.err.contains("--set 写了两次"), "\(zeros.err)")
        // The seed, trials and sampling have their options (which win over the file): --set of them would be named while the option ran.
        let seed = try CLITests.cli(["run", "--seed", "1", "--set", "simulation.seed=5", "--trials", "100"], in: d)
        #expect(seed.status == 65 && seed.err.contains("simulation.seed 不能用 --set 修改"), "\(seed.err)")
        // A sweep axis once per key, and not also fixed by a plain --set.
        let axes = try CLITests.cli(["sweep", "--sweep", "policy.batches[0].cap=30,40", "--sweep", "policy.batches[0].cap=50,60", "--trials", "100"], in: d)
        #expect(axes.status == 65 && axes.err.contains("扫描了两次"), "\(axes.err)")
        let fixed = try CLITests.cli(["sweep", "--set", "policy.batches[0].cap=45", "--set", "policy.batches[0].cap=30,40", "--trials", "100"], in: d)
        #expect(fixed.status == 65 && fixed.err.contains("也被 --set policy.batches[0].cap=45 固定"), "\(fixed.err)")
        // A point's value the schema refuses is named by the option it came from.
        let badPoint = try CLITests.cli(["sweep", "--sweep", "policy.batches[0].rate=0.5,1.1", "--trials", "100"], in: d)
        #expect(badPoint.status == 65 && badPoint.err.hasPrefix("--sweep: policy.batches[0].rate: 比率 1.1 超出 [0, 1]"), "\(badPoint.err)")
        let badIn = try CLITests.cli(["solve", "--vary", "policy.batches[0].rate", "--in", "0.2:3", "--max-overrun", "0.05", "--trials", "100"], in: d)
        #expect(badIn.status == 65 && badIn.err.hasPrefix("--in: policy.batches[0].rate: 比率 3 超出 [0, 1]"), "\(badIn.err)")
        // Inside a --set mapping a sweep is fine: the mapping is the base its points change.
        let inside = try CLITests.cli(["sweep", "--set", "policy.hardware={rule: reject, limit: 0.3}", "--sweep", "policy.hardware.limit=0.2,0.3",
                                       "--trials", "200", "--quiet", "-o", "sw"], in: d)
        #expect(inside.status == 0, "\(inside.err)")
        let lines = try CLITests.cli(["award", "--set", "policy.ceiling.lines=[transformation, transformation, cloud]", "--batch", "1",
                                  "--software", "70", "--hardware", "30", "--passes", "--cloud", "--variant", "text"], in: d)
        #expect(lines.status == 65 && lines.err.contains("policy.ceiling.lines[1]") && lines.err.contains("写了两次"), "\(lines.err)")

        // A negative number after an option reads as an option: the message says how to write it.
        let neg = try CLITests.cli(["run", "--seed", "-1", "--trials", "10"], in: d)
        let negText = neg.err.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined()
        #expect(neg.status == 64 && negText.contains("“-1” 以减号开头") && negText.contains("--seed=-1"), "\(neg.err)")
        // The same file twice in compare would be two identical entries.
        let dup = try CLITests.cli(["compare", "pingluo-draft.yaml", "./pingluo-draft.yaml", "--trials", "100"], in: d)
        #expect(dup.status == 64 && dup.err.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined().contains("同一个情景文件写了两次"), "\(dup.err)")
        // `new b`: Foundation's path methods trap on some one-character names; the file is written.
        let b = try CLITests.cli(["new", "b"], in: d)
        #expect(b.status == 0 && FileManager.default.fileExists(atPath: d.appendingPathComponent("b").path), "\(b.err)")
        #expect(try CLITests.cli(["check", "b"], in: d).status == 0)
    }

    @Test("the rebalance command the run's 结论 names fits the very table the run proposes")
    func conclusionRebalanceCommand() throws {
        let d = try CLITests.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let r = try CLITests.cli(["run", "pingluo-draft.yaml", "--trials", "6000", "--set", "policy.cloud.amount=0.8", "--quiet", "--no-docx", "--no-xlsx", "-o", "o"], in: d)
        #expect(r.status == 0, "\(r.err)")
        let md = try String(contentsOf: d.appendingPathComponent("o/summary.md"), encoding: .utf8)
        let cmd = try #require(md.components(separatedBy: "`").first { $0.hasPrefix("subsidysim rebalance ") }, "\(md)")
        #expect(cmd == "subsidysim rebalance pingluo-draft.yaml --seed 20251201 --trials 6000 --set policy.cloud.amount=0.8")
        // The run's proposed （一） county budget, e.g. "| （一）数字化改造 | 2000 → 2000 | 600 → 784 |".
        let row = try #require(md.components(separatedBy: "\n").first { $0.hasPrefix("| （一）数字化改造 | ") && $0.contains("→") })
        let county = try #require(row.components(separatedBy: " | ")[2].components(separatedBy: "→ ").last)
        let args = Array(cmd.components(separatedBy: " ").dropFirst()) + ["--quiet", "--no-docx", "--no-xlsx", "-o", "rb"]
        let rb = try CLITests.cli(args, in: d)
        #expect(rb.status == 0, "\(rb.err)")
        let yaml = try String(contentsOf: d.appendingPathComponent("rb/rebalanced.yaml"), encoding: .utf8)
        #expect(yaml.contains("county: \(county.trimmingCharacters(in: .whitespaces))"), "\(county)\n\(yaml)")
        // A --set of a whole mapping that leaves out keys of the file's cannot be written into
        // rebalanced.yaml (rebalance refuses it): no command is named then.
        let whole = try CLITests.cli(["run", "pingluo-draft.yaml", "--trials", "6000", "--set", "population.investment={dist: lognormal, median: 50, p90: 130, min: 10, max: 400}",
                                      "--quiet", "--no-docx", "--no-xlsx", "-o", "w"], in: d)
        #expect(whole.status == 0, "\(whole.err)")
        let wmd = try String(contentsOf: d.appendingPathComponent("w/summary.md"), encoding: .utf8)
        #expect(wmd.contains("建议的资金概算表") && !wmd.contains("`subsidysim rebalance ") && wmd.contains("在它自己的试验上重新求这张表"), "\(wmd)")
    }
}

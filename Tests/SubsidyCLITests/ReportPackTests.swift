import Foundation
import Testing

/// The review pack a planner sends on: 报告.docx from `run` (pandoc), read back by pandoc.
@Suite("The Word report", .serialized)
struct ReportPackTests {
    static var pandoc: String? {
        ["/usr/bin/pandoc", "/usr/local/bin/pandoc"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The standard output of `executable arguments…`, and its exit status.
    static func capture(_ executable: String, _ arguments: [String]) throws -> (out: String, status: Int32) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), p.terminationStatus)
    }

    /// `pandoc -f docx -t FORMAT FILE`: what another program reads in the document.
    /// --standalone: the title (the document's Title paragraph) is part of what is read.
    static func readBack(_ docx: URL, as format: String = "plain") throws -> String {
        let r = try capture(try #require(pandoc), ["-f", "docx", "-t", format, "--standalone", "--wrap=none", docx.path])
        #expect(r.status == 0)
        return r.out
    }

    /// The names of the parts in a .docx (a zip), by `unzip -Z1`.
    static func parts(_ docx: URL) throws -> [String] {
        try capture("/usr/bin/unzip", ["-Z1", docx.path]).out.split(separator: "\n").map(String.init)
    }

    /// One part's text, by `unzip -p`.
    static func part(_ docx: URL, _ name: String) throws -> String {
        try capture("/usr/bin/unzip", ["-p", docx.path, name]).out
    }

    @Test("run writes 报告.docx: 结论 first with a verdict and a move, the tables, the audit, the assumptions, the method, every chart; same bytes twice",
          .enabled(if: pandoc != nil))
    func wordReport() throws {
        let d = try CLITests.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let r = try CLITests.cli(["run", "pingluo-draft.yaml", "--trials", "3000", "-o", "a", "--quiet"], in: d, timeout: 600)
        #expect(r.status == 0, "\(r.err)")
        let docx = d.appendingPathComponent("a/报告.docx")
        let text = try Self.readBack(docx)
        // The headings, in order: 结论 first.
        let headings = ["结论", "测算结果", "图表", "资金不足的原因", "草案审查", "主要假设", "方法与重现"]
        let md = try Self.readBack(docx, as: "markdown")
        let found = headings.compactMap { h in md.range(of: "\n# " + h)?.lowerBound }
        #expect(found.count == headings.count && found == found.sorted(), "\(md.prefix(400))")
        #expect(text.contains("正文费率（第一批60%/50万，第二批50%/40万）：不够。"))
        #expect(text.contains("在总资金不变的前提下，从（一）调出"))
        #expect(text.contains("建议的资金概算表"))
        // Tables: the lines table with its rows, the assumptions register with bases and levels.
        #expect(md.contains("（四）上云用云") && md.contains("不足概率（95%区间）"))
        #expect(text.contains("杭州按40%补助平均22万元") && text.contains("置信度"))
        #expect(text.contains("只反映模拟次数带来的误差"))
        #expect(text.contains("20251201") && text.contains("subsidysim 0."))
        // Every chart the run drew is in the document, once.
        let charts = try FileManager.default.contentsOfDirectory(atPath: d.appendingPathComponent("a/charts").path).filter { $0.hasSuffix(".png") }
        let media = try Self.parts(docx).filter { $0.hasPrefix("word/media/") }
        #expect(!charts.isEmpty && media.count == charts.count, "\(charts) \(media)")
        // The style sheet: A4, headings numbered 一、（一）, Noto CJK fonts.
        let styles = try Self.part(docx, "word/styles.xml"), numbering = try Self.part(docx, "word/numbering.xml")
        let document = try Self.part(docx, "word/document.xml")
        #expect(document.contains("w:w=\"11906\"") && document.contains("w:h=\"16838\""))
        #expect(numbering.contains("chineseCounting") && numbering.contains("%1、") && numbering.contains("（%2）"))
        #expect(styles.contains("Noto Serif CJK SC") && styles.contains("Noto Sans CJK SC"))
        // The manifest lists it; a second run gives the same bytes.
        let manifest = try String(contentsOf: d.appendingPathComponent("a/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("报告.docx"))
        let again = try CLITests.cli(["run", "pingluo-draft.yaml", "--trials", "3000", "-o", "b", "--quiet", "--threads", "1"], in: d, timeout: 600)
        #expect(again.status == 0)
        #expect(try Data(contentsOf: docx) == Data(contentsOf: d.appendingPathComponent("b/报告.docx")))
    }

    @Test("--no-docx writes none; without pandoc the run still succeeds and says how to install it", .enabled(if: pandoc != nil))
    func withoutPandoc() throws {
        let d = try CLITests.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let off = try CLITests.cli(["run", "pingluo-draft.yaml", "--trials", "500", "-o", "a", "--quiet", "--no-docx"], in: d)
        #expect(off.status == 0, "\(off.err)")
        #expect(!FileManager.default.fileExists(atPath: d.appendingPathComponent("a/报告.docx").path))
        #expect(FileManager.default.fileExists(atPath: d.appendingPathComponent("a/summary.md").path))
        let none = try CLITests.cli(["run", "pingluo-draft.yaml", "--trials", "500", "-o", "b", "--quiet"], in: d,
                                    environment: ["SUBSIDYSIM_PANDOC": ""])
        #expect(none.status == 0, "\(none.err)")
        #expect(none.err.contains("没有找到 pandoc") && none.err.contains("apt-get install pandoc"), "\(none.err)")
        #expect(!FileManager.default.fileExists(atPath: d.appendingPathComponent("b/报告.docx").path))
        #expect(FileManager.default.fileExists(atPath: d.appendingPathComponent("b/summary.csv").path))
        // A pandoc that fails: a warning, the rest written, no temporary files left.
        let fake = d.appendingPathComponent("fake-pandoc")
        try "#!/bin/sh\necho broken >&2\nexit 3\n".write(to: fake, atomically: true, encoding: .utf8)
        chmod(fake.path, 0o755)
        let broken = try CLITests.cli(["run", "pingluo-draft.yaml", "--trials", "500", "-o", "c", "--quiet"], in: d,
                                      environment: ["SUBSIDYSIM_PANDOC": fake.path])
        #expect(broken.status == 0 && broken.err.contains("pandoc 退出码 3") && broken.err.contains("broken"), "\(broken.err)")
        let left = try FileManager.default.contentsOfDirectory(atPath: d.appendingPathComponent("c").path)
        #expect(!left.contains { $0.hasPrefix(".report") } && !left.contains("报告.docx"), "\(left)")
    }

    @Test("text from the scenario stays text in the document: no HTML, TeX, math, link or remote image from a title or a name",
          .enabled(if: pandoc != nil))
    func hostileText() throws {
        let d = try CLITests.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let title = #"<b>粗</b> $x^2$ ![远程](http://127.0.0.1:9/x.png) [链接](http://127.0.0.1:9/) \textbf{T} `code` @cite ~sub~ ^sup^ ~~删~~"#
        let draft = try String(contentsOf: d.appendingPathComponent("pingluo-draft.yaml"), encoding: .utf8)
        let yaml = draft.replacingOccurrences(of: "title: 平罗县中小企业数字化转型试点若干措施（征求意见稿）",
                                              with: "title: '\(title.replacingOccurrences(of: "'", with: "''"))'")
            .replacingOccurrences(of: "name: 县级配套资金", with: "name: '县级 | 配套 <i>资金</i>'")
        try yaml.write(to: d.appendingPathComponent("hostile.yaml"), atomically: true, encoding: .utf8)
        let r = try CLITests.cli(["run", "hostile.yaml", "--trials", "500", "-o", "h", "--quiet"], in: d)
        #expect(r.status == 0, "\(r.err)")
        #expect(!r.err.contains("WARNING") && !r.err.contains("fetch"), "\(r.err)")
        let docx = d.appendingPathComponent("h/报告.docx")
        let text = try Self.readBack(docx)
        #expect(text.contains(title), "\(text.prefix(300))")
        #expect(text.contains("县级 | 配套 <i>资金</i>"))
        let document = try Self.part(docx, "word/document.xml")
        #expect(!document.contains("<w:hyperlink") && !document.contains("oMath"))
        let rels = try Self.part(docx, "word/_rels/document.xml.rels")
        #expect(!rels.contains("127.0.0.1"))
    }

    static var soffice: Bool {
        ["/usr/bin/soffice", "/usr/local/bin/soffice"].contains { FileManager.default.isExecutableFile(atPath: $0) }
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/pdftoppm")
    }

    @Test("scripts/report-preview renders the document to PDF and PNG pages (where LibreOffice is installed)",
          .enabled(if: pandoc != nil && soffice))
    func preview() throws {
        let d = try CLITests.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let r = try CLITests.cli(["run", "pingluo-draft.yaml", "--trials", "500", "-o", "p", "--quiet"], in: d, timeout: 600)
        #expect(r.status == 0, "\(r.err)")
        let p = Process()
        p.executableURL = CLITests.repo.appendingPathComponent("scripts/report-preview")
        p.arguments = [d.appendingPathComponent("p").path]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: d.appendingPathComponent("p/preview").path)
        #expect(files.contains("报告.pdf"))
        // The draft's report runs to several A4 pages (结论, tables, charts, register, method).
        #expect(files.filter { $0.hasPrefix("报告-") && $0.hasSuffix(".png") }.count >= 6, "\(files)")
    }
}

import Foundation
import SubsidyModel

/// 报告.docx: the Markdown a command already writes, turned into a Word document by pandoc with
/// the project's reference document (`scripts/make-reference-docx`: A4, Noto CJK fonts, headings
/// numbered 一、（一）1., three-line tables, 16 cm of text for the charts).
///
/// Safety: the Markdown is the program's own, with every text from a scenario escaped
/// (`Markdown.text`), and pandoc reads it with raw HTML, raw TeX, raw attributes, math,
/// citations and sub/superscripts switched off, so no file's text can reach pandoc as anything but
/// text. pandoc runs in the output's staging folder on a file written there, with a time limit, in
/// its own process group (`Gnuplot.run`); its only images are the charts the command drew.
///
/// Reproducibility: `SOURCE_DATE_EPOCH` is fixed, so pandoc stamps the same dates and the same
/// bytes come out of the same run.
public enum WordReport {
    public static let fileName = "报告.docx"
    /// Where the document's figures go: the reference document's 16 cm of text width.
    public static let printWidth = "16cm"

    /// What pandoc may read in our Markdown: pipe tables, emphasis, lists, block quotes, images with
    /// a width; nothing that passes text through as code or fetches anything.
    static let inputFormat = "markdown" + [
        "raw_html", "raw_tex", "raw_attribute", "tex_math_dollars", "tex_math_single_backslash", "citations",
        "superscript", "subscript", "native_divs", "native_spans", "fenced_divs", "bracketed_spans",
        "yaml_metadata_block", "smart", "emoji", "footnotes", "inline_notes", "implicit_header_references",
    ].map { "-" + $0 }.joined()

    /// 2026-01-01T00:00:00Z: the date pandoc writes into the document's properties.
    static let sourceDateEpoch = "1767225600"

    /// The reference document, embedded in the program.
    static var referenceDocument: Data { Data(PackageResources.reference_docx) }

    /// The pandoc to run: `SUBSIDYSIM_PANDOC` if set (an empty value means none, for tests), else
    /// `pandoc` on PATH.
    static func pandoc() -> String? {
        if let p = ProcessInfo.processInfo.environment["SUBSIDYSIM_PANDOC"] { return p.isEmpty ? nil : p }
        return Charts.which("pandoc")
    }

    /// How to get pandoc, for the message when it is missing.
    public static let installHint = (zh: "未生成 报告.docx：没有找到 pandoc。安装方法：sudo apt-get install pandoc（或运行 scripts/bootstrap），然后重新运行；其余结果不受影响。",
                                     en: "报告.docx not written: pandoc was not found. Install it (sudo apt-get install pandoc, or scripts/bootstrap) and run again; the other results are unaffected.")

    /// The Markdown with each table's title — a one-line paragraph in bold (`**资金来源**（万元）`)
    /// right before a table — made pandoc's table caption (`Table: …`): in the document it is the
    /// table's centred title, kept on the page of the table (the reference's Table Caption style),
    /// where a plain paragraph could be left at the foot of the page before it.
    static func tableTitles(_ markdown: String) -> String {
        var lines = markdown.components(separatedBy: "\n")
        // pandoc also reads a caption after a table as that table's, unless that table has its own
        // caption before it: a title right after an uncaptioned table stays a paragraph, so it can
        // never be given to the table above it.
        func previousBlockIsTable(_ i: Int) -> Bool {
            guard let j = lines[..<i].lastIndex(where: { !$0.isEmpty }), lines[j].hasPrefix("|") else { return false }
            let start = (lines[..<j].lastIndex { !$0.hasPrefix("|") } ?? -1) + 1
            let captioned = start >= 2 && lines[start - 1].isEmpty && lines[start - 2].hasPrefix("Table: ")
            return !captioned
        }
        for i in lines.indices where lines[i].hasPrefix("**") && (i == 0 || lines[i - 1].isEmpty)
            && i + 2 < lines.count && lines[i + 1].isEmpty && lines[i + 2].hasPrefix("|") && !previousBlockIsTable(i) {
            lines[i] = "Table: " + lines[i]
        }
        return lines.joined(separator: "\n")
    }

    /// Writes `报告.docx` from `markdown` into the staging folder (charts referenced as
    /// `charts/NAME.png` must already be there). Returns nil on success, or a warning: pandoc
    /// missing, failed or timed out (the document is then not written, and the rest of the output
    /// stands), or pandoc's own warnings about a document it did write.
    public static func write(markdown: String, in staging: OutputFolder.Staging, timeout: Double = Gnuplot.defaultTimeout) -> String? {
        guard let pandoc = pandoc() else { return installHint.zh }
        let dir = staging.url.path
        let source = ".report-source.md", reference = ".report-reference.docx", output = ".report-output.docx"
        defer {
            for f in [source, reference, output] { unlink(dir + "/" + f) }
        }
        do {
            try staging.write(source, text: tableTitles(markdown))
            try staging.write(reference, referenceDocument)
            let args = ["--from", inputFormat, "--to", "docx", "--reference-doc", reference, "--shift-heading-level-by=-1",
                        // Every table longer than this is laid out by its separator row's dashes (MarkdownTable).
                        "--columns=20",
                        "--resource-path", ".", "--output", output, source]
            let r = try Gnuplot.run(pandoc, args, in: dir, timeout: timeout, environment: ["SOURCE_DATE_EPOCH": sourceDateEpoch])
            guard r.ok else {
                let why = r.timedOut ? "超过 \(Int(timeout)) 秒未完成" : "pandoc 退出码 \(r.status)"
                let detail = r.stderr.split(separator: "\n").prefix(3).joined(separator: " ")
                return "未生成 报告.docx：\(why)\(detail.isEmpty ? "" : "（\(detail)）")；其余结果不受影响。"
            }
            guard let data = OutputFolder.readRegular(dir + "/" + output), !data.isEmpty else {
                return "未生成 报告.docx：pandoc 没有写出文件；其余结果不受影响。"
            }
            try staging.write(fileName, data)
            let warnings = r.stderr.split(separator: "\n").filter { $0.contains("WARNING") }
            return warnings.isEmpty ? nil : "报告.docx 已生成，但 pandoc 提示：" + warnings.prefix(3).joined(separator: "；")
        } catch {
            return "未生成 报告.docx：\(error)；其余结果不受影响。"
        }
    }
}

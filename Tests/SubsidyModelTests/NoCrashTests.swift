import Foundation
import SubsidyModel
import Testing

/// No input may crash the loader: mutations of the bundled draft (lines deleted, duplicated,
/// cut off; bytes replaced by characters YAML cares about) must each load or fail with at
/// least one diagnostic that renders in both languages. Deterministic: no random seeds.
@Suite("No input crashes the loader")
struct NoCrashTests {
    enum Mutation: String, CaseIterable, Sendable {
        case deleteLine, duplicateLine, truncateAfterLine, replaceByte
    }

    static func variants(_ m: Mutation, of text: [UInt8]) -> [(String, [UInt8])] {
        let lines = text.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        func join(_ ls: [[UInt8]]) -> [UInt8] { Array(ls.joined(separator: [0x0A])) }
        switch m {
        case .deleteLine:
            return lines.indices.map { i in ("line \(i + 1) deleted", join(Array(lines[..<i] + lines[(i + 1)...]))) }
        case .duplicateLine:
            return lines.indices.map { i in ("line \(i + 1) written twice", join(Array(lines[...i] + lines[i...]))) }
        case .truncateAfterLine:
            return lines.indices.map { i in ("cut after line \(i + 1)", join(Array(lines[...i]))) }
        case .replaceByte:
            let replacements: [UInt8] = [0x3A, 0x5B, 0x7B, 0x2D, 0x09, 0x22, 0x00, 0xFF, 0x26, 0x2A, 0x25, 0x23, 0x20, 0x0A, 0x7D, 0x2C, 0x3F, 0x21, 0x7C, 0x3E]
            return stride(from: 0, to: text.count, by: 29).enumerated().map { k, i in
                var t = text
                let r = replacements[k % replacements.count]
                t[i] = r
                return ("byte \(i) replaced by 0x\(String(r, radix: 16))", t)
            }
        }
    }

    @Test("mutated drafts load or fail cleanly", arguments: Mutation.allCases)
    func mutations(_ m: Mutation) throws {
        let draft = [UInt8](try #require(LoadedScenario.builtinData()))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-mt-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var loaded = 0, failed = 0
        for (i, (what, bytes)) in Self.variants(m, of: draft).enumerated() {
            let path = dir.appendingPathComponent("m\(i).yaml").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try LoadedScenario.load(path)
                loaded += 1
            } catch {
                failed += 1
                if error.diagnostics.isEmpty { Issue.record("\(what): an error without diagnostics") }
                for d in error.diagnostics where d.message.en.isEmpty || d.message.zh.isEmpty || d.render(.zh).isEmpty {
                    Issue.record(Comment(rawValue: "\(what): a diagnostic without text: \(d)"))
                }
            }
        }
        #expect(loaded + failed > 0)
    }
}

import Foundation

/// How sure the scenario's author is of a population input (the assumptions register's 置信度).
public enum Confidence: String, Sendable, Hashable, CaseIterable {
    case high = "高"
    case medium = "中"
    case low = "低"

    /// The words a scenario may write: 高/中/低, or high/medium/low.
    public init?(word: String) {
        switch word.trimmedWhitespace.lowercased() {
        case "高", "high": self = .high
        case "中", "medium": self = .medium
        case "低", "low": self = .low
        default: return nil
        }
    }

    public var english: String {
        switch self {
        case .high: return "high"
        case .medium: return "medium"
        case .low: return "low"
        }
    }
}

/// What a population input rests on: `basis:` (the source or reasoning, as text) and
/// `confidence:` (高/中/低), written beside the input's value in the scenario:
/// `investment: {dist: lognormal, median: 45, p90: 120, basis: 杭州按40%补助平均22万, confidence: 低}`.
/// A bare number takes them through the fixed law: `{dist: fixed, value: 3, basis: …, confidence: 中}`.
/// Notes are documentation: they change no number the engine computes.
public struct InputNote: Sendable, Hashable {
    public var basis: String?
    public var confidence: Confidence?
    public var location: SourceLocation

    public init(basis: String?, confidence: Confidence?, location: SourceLocation) {
        self.basis = basis
        self.confidence = confidence
        self.location = location
    }

    /// The keys a distribution's mapping (and a segment's) may carry beside its parameters.
    public static let keys = ["basis", "confidence"]
}

extension TreeDecoder {
    /// Reads `basis:` and `confidence:` of the mapping at `path` into `notes[path]` (nothing when
    /// neither is given). `basis` is text (at most `Limits.maxTextLength` characters);
    /// `confidence` one of 高/中/低 (high/medium/low).
    mutating func inputNote(_ m: [String: YNode], at path: String, node: YNode) {
        guard m["basis"] != nil || m["confidence"] != nil else { return }
        var basis: String?
        if let b = m["basis"] { basis = string(b, path + ".basis", parent: node)?.trimmedWhitespaceAndNewlines }
        var confidence: Confidence?
        if let c = m["confidence"], let w = string(c, path + ".confidence", parent: node) {
            confidence = Confidence(word: w)
            if confidence == nil {
                let hint = suggestion(for: w, in: ["high", "medium", "low"])
                bag.add(c.location, path + ".confidence", Message(
                    zh: "置信度 “\(w)” 不是可用的取值\(hint.map { "；是否想写 “\($0)”？" } ?? "")（可用：高、中、低，或 high、medium、low）",
                    en: "confidence '\(w)' is not allowed\(hint.map { "; did you mean '\($0)'?" } ?? "") (expected one of: 高, 中, 低 or high, medium, low)"))
            }
        }
        notes[path] = InputNote(basis: basis.flatMap { $0.isEmpty ? nil : $0 }, confidence: confidence, location: node.location)
    }
}

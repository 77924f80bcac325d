import Foundation
import Yams

/// A YAML value with the place it came from. Scenario files are read into this tree first,
/// so that `base:` merging, variants and `--set` overrides work on data before it is typed,
/// and every later error can still name its file, line and column.
public struct YNode: Sendable {
    public indirect enum Value: Sendable {
        /// A scalar's text; `plain` is false for quoted scalars (which are never numbers or null).
        case scalar(String, plain: Bool)
        case mapping([Pair])
        case sequence([YNode])
    }

    public struct Pair: Sendable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: YNode
    }

    public var value: Value
    public var location: SourceLocation
    /// The scalar was tagged `!!str` in its file (so not plain: text, as if quoted); kept to say so.
    public var taggedText = false

    public init(_ value: Value, _ location: SourceLocation, taggedText: Bool = false) {
        self.value = value
        self.location = location
        self.taggedText = taggedText
    }

    public var isNull: Bool {
        if case let .scalar(s, plain) = value, plain, ["", "~", "null", "Null", "NULL"].contains(s) { return true }
        return false
    }

    public var pairs: [Pair]? {
        if case let .mapping(p) = value { return p }
        return nil
    }

    public var items: [YNode]? {
        if case let .sequence(s) = value { return s }
        return nil
    }

    public var scalar: String? {
        if case let .scalar(s, _) = value { return s }
        return nil
    }

    public subscript(key: String) -> YNode? {
        pairs?.first { $0.key == key }?.value
    }

    /// A short name of the node's kind, for "expected ..., found ..." messages.
    var kindName: Message {
        switch value {
        case .mapping: return Message(zh: "映射", en: "a mapping")
        case .sequence: return Message(zh: "列表", en: "a list")
        case .scalar:
            if isNull { return Message(zh: "空值", en: "nothing") }
            // A huge scalar (a 50 MB title) is named by its start, not repeated in full.
            var t = scalar ?? ""
            if t.count > 60 { t = String(t.prefix(60)) + "…" }
            return Message(zh: "“\(t)”", en: "'\(t)'")
        }
    }

    /// The tree on one line in YAML flow style (`{dist: beta, mean: 0.5, sd: 0.1}`), for messages and labels.
    public var flowText: String {
        switch value {
        case let .scalar(s, _): return s
        case let .mapping(ps): return "{" + ps.map { $0.key + ": " + $0.value.flowText }.joined(separator: ", ") + "}"
        case let .sequence(xs): return "[" + xs.map(\.flowText).joined(separator: ", ") + "]"
        }
    }

    /// Canonical text of the tree (sorted by nothing: key order kept), used for the scenario hash.
    public var canonicalText: String {
        var out = ""
        func emit(_ n: YNode, _ indent: String) {
            switch n.value {
            case let .scalar(s, plain):
                out += plain ? s : "\"\(s)\""
                out += "\n"
            case let .mapping(ps):
                out += "{\n"
                for p in ps {
                    out += indent + "  " + p.key + ": "
                    emit(p.value, indent + "  ")
                }
                out += indent + "}\n"
            case let .sequence(xs):
                out += "[\n"
                for x in xs {
                    out += indent + "  - "
                    emit(x, indent + "  ")
                }
                out += indent + "]\n"
            }
        }
        emit(self, "")
        return out
    }
}

// MARK: - Merging and overrides

extension YNode {
    /// Keys that are alternative ways to write the same thing: a child that uses one way drops
    /// the base's other ways (firm counts per batch or as a total; and each distribution family's
    /// forms from `DistributionFamily.all`: a lognormal by median/p90 or mu/sigma, a beta by
    /// mean/sd or a/b, a gamma by shape/scale or mean/sd).
    static let alternativeKeys: [[Set<String>]] = [[["per_batch"], ["total", "batch1_share"]]] + DistributionFamily.alternativeKeyGroups

    /// `base` with `self` laid over it: mappings merge key by key (recursively); anything else
    /// in `self` replaces what `base` had (lists are replaced whole). A distribution written
    /// with `dist:` replaces the base's distribution whole, and a child that writes one of
    /// `alternativeKeys` drops the base's alternatives, so parameters of two ways never mix.
    func merged(over base: YNode) -> YNode {
        guard case let .mapping(mine) = value, case var .mapping(theirs) = base.value else { return self }
        if mine.contains(where: { $0.key == "dist" }) { return self }
        let myKeys = Set(mine.map(\.key))
        for groups in Self.alternativeKeys {
            for g in groups where !g.isDisjoint(with: myKeys) {
                let others = groups.filter { $0 != g }.reduce(into: Set<String>()) { $0.formUnion($1) }
                theirs.removeAll { others.contains($0.key) && !myKeys.contains($0.key) }
            }
        }
        for p in mine {
            if let i = theirs.firstIndex(where: { $0.key == p.key }) {
                theirs[i] = Pair(key: p.key, keyLocation: p.keyLocation, value: p.value.merged(over: theirs[i].value))
            } else {
                theirs.append(p)
            }
        }
        return YNode(.mapping(theirs), location)
    }

    func removingKey(_ key: String) -> YNode {
        guard case let .mapping(ps) = value else { return self }
        return YNode(.mapping(ps.filter { $0.key != key }), location)
    }
}

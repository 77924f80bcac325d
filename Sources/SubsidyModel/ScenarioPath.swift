// Key paths into the scenario tree (`policy.batches[0].rate`), and getting and setting by them.
import Foundation

/// A path into the scenario tree, as variants and `--set` write it: `policy.batches[0].rate`.
public struct ScenarioPath: Sendable, Hashable, CustomStringConvertible {
    /// Whether key path `a` is `b` or lies inside it, as written ("policy.batches[0].cap" lies
    /// within "policy.batches" and "policy"; "policy.batches_x" does not).
    public static func key(_ a: String, liesWithin b: String) -> Bool {
        a == b || a.hasPrefix(b + ".") || a.hasPrefix(b + "[")
    }

    public enum Step: Sendable, Hashable {
        case key(String)
        case index(Int)
    }
    public var steps: [Step]
    public var description: String

    /// Parses `a.b[0].c`; nil when the text is not a key path.
    public init?(_ text: String) {
        var steps: [Step] = []
        var i = text.startIndex
        var current = ""
        func flush() -> Bool {
            if current.isEmpty { return false }
            steps.append(.key(current)); current = ""; return true
        }
        var afterIndex = false
        while i < text.endIndex {
            let c = text[i]
            if c == "." {
                if !afterIndex && !flush() { return nil }
                afterIndex = false
            } else if c == "[" {
                if !afterIndex && !flush() { return nil }
                guard let close = text[i...].firstIndex(of: "]"), let n = Int(text[text.index(after: i)..<close]), n >= 0 else { return nil }
                steps.append(.index(n))
                i = close
                afterIndex = true
            } else if c.isLetter || c.isNumber || c == "_" || c == "-" {
                if afterIndex { return nil }
                current.append(c)
            } else {
                return nil
            }
            i = text.index(after: i)
        }
        if !afterIndex && !flush() { return nil }
        self.steps = steps
        self.description = text
    }

    /// Builds a path from steps (for messages and sweeps).
    public init(steps: [Step]) {
        self.steps = steps
        var s = ""
        for step in steps {
            switch step {
            case let .key(k): s += s.isEmpty ? k : "." + k
            case let .index(n): s += "[\(n)]"
            }
        }
        self.description = s
    }
}

extension YNode {
    /// Sets the value at `path`. Every step but the last must exist; the last may add a key to a
    /// mapping (the typed decoding then rejects keys the schema does not know).
    /// Returns a message saying which step does not exist, or nil on success.
    mutating func set(_ path: ScenarioPath, to newValue: YNode) -> Message? {
        set(path.steps[...], to: newValue, walked: [])
    }

    private mutating func set(_ steps: ArraySlice<ScenarioPath.Step>, to newValue: YNode, walked: [ScenarioPath.Step]) -> Message? {
        guard let step = steps.first else {
            self = newValue
            return nil
        }
        let here = ScenarioPath(steps: walked + [step]).description
        switch (step, value) {
        case let (.key(k), .mapping(ps)):
            var ps = ps
            if let i = ps.firstIndex(where: { $0.key == k }) {
                if let m = ps[i].value.set(steps.dropFirst(), to: newValue, walked: walked + [step]) { return m }
                value = .mapping(ps)
                return nil
            }
            if steps.count == 1 {
                ps.append(Pair(key: k, keyLocation: newValue.location, value: newValue))
                value = .mapping(ps)
                return nil
            }
            let known = ps.map(\.key)
            let hint = suggestion(for: k, in: known).map { (zh: "；是否想写 “\($0)”？", en: "; did you mean '\($0)'?") }
            return Message(zh: "路径 \(here) 不存在\(hint?.zh ?? "")", en: "path \(here) does not exist\(hint?.en ?? "")")
        case let (.index(n), .sequence(xs)):
            guard n < xs.count else {
                return Message(zh: "路径 \(here) 不存在（列表只有 \(xs.count) 项，下标从 0 开始）",
                               en: "path \(here) does not exist (the list has \(xs.count) items, indexed from 0)")
            }
            var xs = xs
            if let m = xs[n].set(steps.dropFirst(), to: newValue, walked: walked + [step]) { return m }
            value = .sequence(xs)
            return nil
        case (.key, _):
            return Message(zh: "路径 \(here) 不存在（\(ScenarioPath(steps: walked).description) 不是映射）",
                           en: "path \(here) does not exist (\(ScenarioPath(steps: walked).description) is not a mapping)")
        case (.index, _):
            return Message(zh: "路径 \(here) 不存在（\(ScenarioPath(steps: walked).description) 不是列表）",
                           en: "path \(here) does not exist (\(ScenarioPath(steps: walked).description) is not a list)")
        }
    }

    /// The node at `path`, if every step exists.
    public func get(_ path: ScenarioPath) -> YNode? {
        var n = self
        for step in path.steps {
            switch step {
            case let .key(k): guard let c = n[k] else { return nil }; n = c
            case let .index(i): guard let xs = n.items, i < xs.count else { return nil }; n = xs[i]
            }
        }
        return n
    }
}

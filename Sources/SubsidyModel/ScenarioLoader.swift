import Foundation

/// An override given on the command line: `--set KEY=VALUE` (VALUE is YAML: `0.5`, `{dist: beta, mean: 0.9, sd: 0.05}`).
public struct Override: Sendable {
    public var path: ScenarioPath
    public var value: YNode
    /// As typed, for the manifest.
    public var text: String

    /// Parses `KEY=VALUE`; the error names the option and what was expected.
    public static func parse(_ text: String, option: String = "--set") -> Result<Override, ScenarioError> {
        let loc = SourceLocation(file: option, line: 0, column: 0)
        guard let eq = text.firstIndex(of: "=") else {
            return .failure(ScenarioError(.invalid, [Diagnostic(loc, key: text, Message(
                zh: "应写成 键路径=值，例如 policy.batches[0].cap=45", en: "expected KEY=VALUE, e.g. policy.batches[0].cap=45"))]))
        }
        let key = String(text[..<eq]).trimmedWhitespace
        let valueText = String(text[text.index(after: eq)...])
        guard let path = ScenarioPath(key) else {
            return .failure(ScenarioError(.invalid, [Diagnostic(loc, key: key, Message(
                zh: "“\(key)” 不是合法的键路径（例：policy.batches[0].rate）", en: "'\(key)' is not a key path (e.g. policy.batches[0].rate)"))]))
        }
        switch YAMLReader.parse(data: Data(valueText.utf8), file: option) {
        case let .success(node):
            var n = node
            relocate(&n, to: loc)
            return .success(Override(path: path, value: n, text: text))
        case let .failure(e):
            return .failure(ScenarioError(.invalid, e.diagnostics.map { Diagnostic(loc, key: key, $0.message) }))
        }
    }

    /// Values typed on the command line have no file position: point them all at the option.
    private static func relocate(_ n: inout YNode, to loc: SourceLocation) {
        n.location = loc
        switch n.value {
        case var .mapping(ps):
            for i in ps.indices { ps[i].keyLocation = loc; relocate(&ps[i].value, to: loc) }
            n.value = .mapping(ps)
        case var .sequence(xs):
            for i in xs.indices { relocate(&xs[i], to: loc) }
            n.value = .sequence(xs)
        case .scalar: break
        }
    }

    public init(path: ScenarioPath, value: YNode, text: String) {
        self.path = path
        self.value = value
        self.text = text
    }

    /// A numeric override, as sweeps make them. The value is written so that it reads back as
    /// exactly `number` (formatNumber keeps 6 significant digits: 0.5234567891 would become
    /// 0.523457 and 1e-7 would become 0).
    public init(path: ScenarioPath, number: Double) {
        let loc = SourceLocation(file: "--set", line: 0, column: 0)
        let text = exactNumber(number)
        self.init(path: path, value: YNode(.scalar(text, plain: true), loc), text: "\(path)=\(text)")
    }
}

/// A scenario read from disk (or the bundled draft), with `base:` merged, variants applied and
/// `--set` overrides laid over every variant. Everything is validated before anything runs.
public struct LoadedScenario: Sendable {
    /// What was loaded, for messages and the manifest (a path, or `builtin:pingluo-draft`).
    public var file: String
    /// The scenario itself, with `--set` applied (no variant).
    public var scenario: Scenario
    /// One per variant, in file order; a scenario without variants has one, `base`.
    public var variants: [ResolvedVariant]
    /// SHA-256 of the merged tree (after `base:` and `--set`), hex.
    public var sha256: String
    /// Every file read (the scenario and its bases), for the manifest.
    public var files: [String]
    /// The merged tree with `--set` applied, for sweeps that override further.
    public var tree: YNode
    public var overrides: [Override]
    /// Located warnings from loading (e.g. a value this file changes that an inherited variant
    /// sets back): printed by every command, listed by `check` and in the run's findings.
    public var warnings: [Diagnostic] = []
    /// The warnings from reading the files (before overrides), kept for `with(_:)`.
    var readWarnings: [Diagnostic] = []

    /// The bundled draft scenario (`Scenarios/pingluo-draft.yaml`, embedded at build time).
    public static let builtinName = "builtin:pingluo-draft"

    /// The bundled draft's bytes, compiled into the binary (`.embedInCode`), so `subsidysim run`
    /// works from any folder and the binary needs no resource bundle beside it.
    public static func builtinData() -> Data? {
        Data(PackageResources.pingluo_draft_yaml)
    }

    /// Loads `path` (nil: the bundled draft), applies `overrides` to every variant, keeps the
    /// variants named in `only` (all when empty), and validates it all.
    public static func load(_ path: String?, overrides: [Override] = [], only: [String] = []) throws(ScenarioError) -> LoadedScenario {
        var files: [String] = []
        var warnings: [Diagnostic] = []
        let tree = try readMerged(path ?? builtinName, chain: [], files: &files, warnings: &warnings)
        var l = try resolve(tree: tree, file: path ?? builtinName, files: files, overrides: overrides, only: only)
        l.readWarnings = warnings
        l.warnings = warnings + l.warnings
        return l
    }

    /// The number at `path` as variant `id` sees it in the file: the variant's own override if it
    /// sets one, else the scenario's value (before `--set`). Nil when absent or not a number.
    public func number(at path: ScenarioPath, variant id: String) -> Double? {
        let spec = scenario.variantSpecs.first { $0.id == id }
        let node = spec?.overrides.last { $0.path == path }?.value ?? tree.get(path)
        return node?.scalar.flatMap(Double.init)
    }

    /// The `--set` changes that give a mapping where the file has one with keys they leave out
    /// (those keys then take their defaults, unlike in a file laid over this one with `base:`),
    /// with the keys left out.
    public func replacedMappings() -> [(Override, [String])] {
        overrides.compactMap { o in
            guard let given = o.value.pairs?.map(\.key), let inFile = storedBase.get(o.path)?.pairs?.map(\.key) else { return nil }
            let left = inFile.filter { !given.contains($0) }
            return left.isEmpty ? nil : (o, left)
        }
    }

    /// One `--set` change in words, named as the file names things ("制造业名称改为装备制造业").
    public func describe(_ o: Override) -> String {
        FieldInfo.describeChange(o.path, o.value, in: scenario, was: storedBase.get(o.path))
    }

    /// Re-resolves the same scenario with more overrides (sweep points, solve steps).
    public func with(_ more: [Override]) throws(ScenarioError) -> LoadedScenario {
        // The same variants as before; a scenario without variants has only the implicit `base`.
        var l = try LoadedScenario.resolve(tree: baseTree, file: file, files: files, overrides: overrides + more,
                                           only: scenario.variantSpecs.isEmpty ? [] : variants.map(\.id), keepIDs: true)
        l.readWarnings = readWarnings
        l.warnings = readWarnings + l.warnings
        return l
    }

    private var baseTree: YNode { storedBase }
    private var storedBase: YNode

    static func resolve(tree base: YNode, file: String, files: [String], overrides: [Override], only: [String],
                        keepIDs: Bool = false) throws(ScenarioError) -> LoadedScenario {
        var bag = DiagnosticBag()
        var tree = base.removingKey("base")
        for o in overrides {
            if let m = settable(o.path, at: .commandLine) ?? tree.set(o.path, to: o.value) { bag.add(o.value.location, o.path.description, m) }
        }
        if !bag.isEmpty { throw ScenarioError(.invalid, bag.sorted) }
        var decoder = TreeDecoder()
        decoder.overridden = Set(overrides.map(\.path.description))
        let scenario = decoder.scenario(tree)
        guard let scenario else { throw ScenarioError(.invalid, orUnexplained(decoder.bag.sorted, tree)) }

        var specs = scenario.variantSpecs
        if !only.isEmpty {
            for id in only where !specs.contains(where: { $0.id == id }) {
                let all = specs.map(\.id)
                let hint = suggestion(for: id, in: all)
                bag.add(SourceLocation(file: "--variant", line: 0, column: 0), id, Message(
                    zh: "没有这个方案\(hint.map { "；是否想写 “\($0)”？" } ?? "")（\(file) 中的方案：\(all.isEmpty ? "无" : all.joined(separator: ", "))）",
                    en: "no such variant\(hint.map { "; did you mean '\($0)'?" } ?? "") (variants in \(file): \(all.isEmpty ? "none" : all.joined(separator: ", ")))"))
            }
            if !bag.isEmpty { throw ScenarioError(.invalid, bag.items) }
            specs = only.compactMap { id in specs.first { $0.id == id } }
        }
        // A variant's label is generated from what it evaluates (ResolvedVariant.label), so a
        // change made by the file, a variant or the command line always shows in it.
        // Each change with the value evaluated at its key (a later change inside it included: a
        // variant's whole batch list with --set's rate in it), and the value the file had there.
        // A key changed twice (a variant's set, then --set; --set, then a sweep's or solve's point)
        // is one change, the later one: the earlier was not evaluated.
        func changes(_ os: [(path: ScenarioPath, value: YNode)], in t: YNode) -> [ResolvedVariant.Change] {
            os.enumerated().filter { i, o in !os[(i + 1)...].contains { $0.path.steps == o.path.steps } }.map(\.element).map { ResolvedVariant.Change(path: $0.path, value: t.get($0.path) ?? $0.value, was: base.get($0.path)) }
        }
        let commandLineOverrides = overrides.map { (path: $0.path, value: $0.value) }
        var variants: [ResolvedVariant] = []
        if specs.isEmpty {
            variants = [ResolvedVariant(id: "base", name: scenario.title, changes: changes(commandLineOverrides, in: tree), scenario: scenario)]
        }
        for spec in specs {
            var vt = base.removingKey("base")
            for o in spec.overrides {
                if let m = settable(o.path, at: .variant) ?? vt.set(o.path, to: o.value) {
                    bag.add(o.location, o.path.description, variantProblem(m, variant: spec.id, from: o.location, file: file))
                }
            }
            for o in overrides {
                if let m = vt.set(o.path, to: o.value) { bag.add(o.value.location, o.path.description, m) }
            }
            var d = TreeDecoder()
            d.overridden = Set((spec.overrides.map(\.path) + overrides.map(\.path)).map(\.description))
            if let s = d.scenario(vt) {
                let own = spec.overrides.map { (path: $0.path, value: $0.value) }
                variants.append(ResolvedVariant(id: spec.id, name: spec.label, changes: changes(own + commandLineOverrides, in: vt), scenario: s))
            } else {
                for diag in orUnexplained(d.bag.items, vt) {
                    // A problem an override caused is reported with the variant that made it.
                    var dd = diag
                    if !decoder.bag.items.contains(diag) {
                        dd.message = variantProblem(diag.message, variant: spec.id, from: spec.overrides.first?.location, file: file)
                    }
                    bag.add(dd)
                }
            }
        }
        // Checks that need the whole population (correlation ids): in the loader, so that `check`
        // and `run` accept exactly the same files.
        for v in variants { for d in TrialInputs.correlationProblems(v.scenario.population) { bag.add(d) } }
        if !bag.isEmpty { throw ScenarioError(.invalid, bag.sorted) }
        if variants.isEmpty { throw ScenarioError(.invalid, orUnexplained([], tree)) }
        let hash = SHA256.hex(Data(tree.canonicalText.utf8))
        var l = LoadedScenario(file: file, scenario: scenario, variants: variants, sha256: hash, files: files, tree: tree,
                               overrides: overrides, storedBase: base)
        l.warnings = unallocatedWarnings(scenario, tree: tree)
        return l
    }

    /// Money a source with `allow_unallocated: true` keeps off every line: one located warning each.
    static func unallocatedWarnings(_ s: Scenario, tree: YNode) -> [Diagnostic] {
        s.funding.enumerated().compactMap { i, f in
            let sum = s.lines.map { $0.budget[f.id] ?? 0 }.reduce(0, +)
            guard f.allowUnallocated, f.amount - sum > 0.005 else { return nil }
            let loc = ScenarioPath("funding[\(i)].amount").flatMap { tree.get($0)?.location } ?? tree.location
            let left = formatNumber(f.amount - sum)
            return Diagnostic(loc, key: "funding[\(i)].amount", Message(
                zh: "\(f.name)有 \(left) 万元未分配到任何预算行（allow_unallocated: true）：这部分资金不兑付，计入结余",
                en: "\(left) 万元 of '\(f.id)' is on no budget line (allow_unallocated: true): it is never paid and counts as unspent"))
        }
    }

    /// Where a change of a key comes from: `--set` (every variant), a variant's `set:`, or a
    /// sweep's or solve's points.
    public enum ChangeSite: Sendable { case commandLine, variant, whatIf }

    /// Why `path` cannot be changed from `site`, or nil. `base` is resolved when files are read
    /// and `variants` is what the variants are, so neither can be overridden. A variant or a
    /// what-if point cannot change `simulation` (every variant and point runs on the same trials:
    /// the one seed, trial count and sampling method of the run) nor `id` or `title` (the whole
    /// scenario's): such a change would be named in the labels while nothing it says was run.
    /// `--set simulation…` is refused too: --seed, --trials and --sampling say it, and win.
    public static func settable(_ path: ScenarioPath, at site: ChangeSite) -> Message? {
        guard case let .key(top)? = path.steps.first else { return nil }
        switch (top, site) {
        case ("base", _):
            return Message(zh: "base 不能用 --set、方案或 sweep/solve 改写：读取文件时就已确定（请在情景文件中写 base:）",
                           en: "base cannot be overridden: it is resolved when the file is read (write base: in the scenario file)")
        case ("variants", .commandLine):
            // --set applies to every variant, so it cannot also say what the variants are.
            return Message(zh: "variants 不能用 --set 改写：--set 对每个方案都生效；方案本身请在情景文件中修改（只算其中几个方案用 --variant）",
                           en: "variants cannot be overridden with --set: --set applies to every variant; change the variants in the scenario file (run only some of them with --variant)")
        case ("variants", .variant):
            return Message(zh: "方案的 set 不能改写 variants：一个方案不能定义其他方案；请直接修改情景文件中的 variants 列表",
                           en: "a variant's set cannot change variants: a variant cannot define the variants; edit the variants list in the scenario file")
        case ("variants", .whatIf):
            return Message(zh: "variants 不能扫描或求解；要比较几个方案，请在情景文件中写 variants，或用 compare",
                           en: "variants cannot be swept or solved for; write the variants in the scenario file, or use compare")
        case ("simulation", .commandLine):
            // Each has its option, which also wins over the file: a --set beside it would be
            // named in the report while the option's value ran. (A key simulation does not have
            // is left to the decoder, whose message lists the keys it has.)
            guard path.steps.count == 1 || Schema.field(path) != nil else { return nil }
            return Message(zh: "\(path) 不能用 --set 修改：种子、试验次数和抽样方法请用 --seed、--trials、--sampling（或写在情景文件的 simulation 中）",
                           en: "\(path) cannot be set with --set: use --seed, --trials, --sampling (or write it under simulation in the scenario file)")
        case ("simulation", .variant):
            return Message(zh: "方案的 set 不能修改 \(path)：各方案用同一批模拟企业（同一种子、试验次数与抽样方法），否则无法比较；请改情景文件的 simulation，或运行时用 --seed、--trials、--sampling",
                           en: "a variant's set cannot change \(path): every variant runs on the same simulated firms (one seed, trial count and sampling method), or they could not be compared; change simulation in the scenario file, or use --seed, --trials, --sampling")
        case ("simulation", .whatIf):
            return Message(zh: "\(path) 不能扫描或求解：每个点都用同一批模拟企业与同样的试验次数；要换种子、试验次数或抽样方法，请用 --seed、--trials、--sampling",
                           en: "\(path) cannot be swept or solved for: every point runs on the same simulated firms and trial count; use --seed, --trials, --sampling")
        case ("id", .variant), ("title", .variant):
            return Message(zh: "方案的 set 不能修改 \(top)：它属于整个情景；方案的名称写在该方案的 label 中",
                           en: "a variant's set cannot change \(top): it belongs to the whole scenario; a variant's name is its label")
        case ("id", .whatIf), ("title", .whatIf):
            return Message(zh: "\(top) 不能扫描或求解：它不改变计算结果",
                           en: "\(top) cannot be swept or solved for: it changes no result")
        default:
            return nil
        }
    }

    /// A scenario that failed to decode always says why: a decoder path that gives up without a
    /// diagnostic is a bug, reported as such rather than as an error with nothing to show.
    static func orUnexplained(_ diagnostics: [Diagnostic], _ tree: YNode) -> [Diagnostic] {
        guard diagnostics.isEmpty else { return diagnostics }
        return [Diagnostic(tree.location, key: "", Message(
            zh: "情景无法读取，但未能指出原因（这是程序缺陷，请报告并附上情景文件）",
            en: "the scenario could not be read, and no reason was found (a bug: please report it with the scenario file)"))]
    }

    /// Reads a file and, recursively, its `base:` chain; the child is laid over its base.
    static func readMerged(_ path: String, chain: [String], files: inout [String], warnings: inout [Diagnostic]) throws(ScenarioError) -> YNode {
        let data: Data
        let canonical: String
        if path == builtinName {
            guard let d = builtinData() else {
                throw ScenarioError(.missingInput, [Diagnostic(SourceLocation(file: path, line: 0, column: 0), key: "",
                    Message(zh: "内置情景缺失（构建不完整）", en: "the bundled scenario is missing (incomplete build)"))])
            }
            data = d
            canonical = path
        } else {
            let url = URL(fileURLWithPath: path)
            canonical = url.standardizedFileURL.path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw ScenarioError(.missingInput, [Diagnostic(SourceLocation(file: path, line: 0, column: 0), key: "",
                    Message(zh: "找不到情景文件", en: "scenario file not found"))])
            }
            // Only regular files, and only up to the size limit, are read: a FIFO or device would block
            // or never end, and a huge file would take minutes before the first message.
            // stat(2) follows symlinks (Scenarios/pingluo-draft.yaml is one).
            var st = stat()
            let statted = stat(path, &st) == 0
            if !isDir.boolValue, statted, st.st_mode & S_IFMT != S_IFREG {
                throw ScenarioError(.missingInput, [Diagnostic(SourceLocation(file: path, line: 0, column: 0), key: "",
                    Message(zh: "不是普通文件（设备、管道或套接字），不能作为情景文件读取", en: "not a regular file (a device, pipe or socket); it cannot be read as a scenario"))])
            }
            if statted, Int(truncatingIfNeeded: st.st_size) > Limits.maxFileBytes {
                let size = Int(truncatingIfNeeded: st.st_size)
                throw ScenarioError(.invalid, [Diagnostic(SourceLocation(file: path, line: 0, column: 0), key: "",
                    Message(zh: "情景文件有 \(size) 字节，超过上限 \(Limits.maxFileBytes) 字节（4 MiB）",
                            en: "the scenario file has \(size) bytes, more than the limit of \(Limits.maxFileBytes) bytes (4 MiB)"))])
            }
            guard !isDir.boolValue, let d = FileManager.default.contents(atPath: path), d.count <= Limits.maxFileBytes else {
                throw ScenarioError(.missingInput, [Diagnostic(SourceLocation(file: path, line: 0, column: 0), key: "",
                    Message(zh: isDir.boolValue ? "这是目录，不是情景文件" : "无法读取情景文件",
                            en: isDir.boolValue ? "this is a folder, not a scenario file" : "cannot read the scenario file"))])
            }
            data = d
        }
        files.append(path)
        let tree: YNode
        switch YAMLReader.parse(data: data, file: path) {
        case let .success(t): tree = t
        case let .failure(e): throw e
        }
        if tree.isNull {
            throw ScenarioError(.invalid, [Diagnostic(tree.location, key: "", Message(
                zh: "文件是空的（或只有注释）：应写出情景（id、funding、lines、policy、population），或写 base: 与要改的键",
                en: "the file is empty (or only comments): expected a scenario (id, funding, lines, policy, population), or base: and the keys it changes"))])
        }
        // A base whose top level is a list or a text would merge as nothing: the child's keys
        // alone, reported as missing ones in the child. Named here, in the file that has it.
        guard tree.pairs != nil else {
            throw ScenarioError(.invalid, [Diagnostic(tree.location, key: "", TreeDecoder.expected(TreeDecoder.aMapping, found: tree))])
        }
        guard let baseNode = tree["base"] else { return tree }
        guard case let .scalar(baseName, _) = baseNode.value, !baseNode.isNull,
              !baseName.trimmedWhitespace.isEmpty else {
            throw ScenarioError(.invalid, [Diagnostic(baseNode.location, key: "base", Message(
                zh: "base 应为另一个情景文件的路径", en: "base must be the path of another scenario file"))])
        }
        var basePath: String
        if baseName.hasPrefix("builtin:") {
            basePath = baseName
        } else if baseName.hasPrefix("/") {
            basePath = baseName
        } else if path == builtinName {
            basePath = baseName
        } else {
            basePath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(baseName).path
        }
        // Never a silent fallback: a base that is not where the file says is an error. The bundled
        // draft is named explicitly (`base: builtin:pingluo-draft`).
        if !basePath.hasPrefix("builtin:") && !FileManager.default.fileExists(atPath: basePath) {
            let draftHint = PathName.last(baseName) == "pingluo-draft.yaml"
            throw ScenarioError(.missingInput, [Diagnostic(baseNode.location, key: "base", Message(
                zh: "找不到 base 文件 \(basePath)（base 的路径相对于本文件所在的文件夹）"
                    + (draftHint ? "；要以程序内置的征求意见稿为基础，请写 base: \(builtinName)" : ""),
                en: "base file \(basePath) not found (a base path is relative to this file's folder)"
                    + (draftHint ? "; to build on the bundled draft, write base: \(builtinName)" : "")))])
        }
        if basePath.hasPrefix("builtin:") && basePath != builtinName {
            throw ScenarioError(.missingInput, [Diagnostic(baseNode.location, key: "base", Message(
                zh: "没有内置情景 \(basePath)（可用：\(builtinName)）", en: "no bundled scenario \(basePath) (available: \(builtinName))"))])
        }
        let baseCanonical = basePath == builtinName ? basePath : URL(fileURLWithPath: basePath).standardizedFileURL.path
        let newChain = chain + [canonical]
        if newChain.contains(baseCanonical) {
            let cycle = (newChain + [baseCanonical]).map { PathName.last($0) }.joined(separator: " → ")
            throw ScenarioError(.invalid, [Diagnostic(baseNode.location, key: "base", Message(
                zh: "base 形成循环：\(cycle)", en: "base chain forms a cycle: \(cycle)"))])
        }
        if newChain.count > 16 {
            throw ScenarioError(.invalid, [Diagnostic(baseNode.location, key: "base", Message(
                zh: "base 层数超过 16", en: "more than 16 levels of base"))])
        }
        let parent = try readMerged(basePath, chain: newChain, files: &files, warnings: &warnings).removingKey("base")
        let own = tree.removingKey("base")
        let merged = own.merged(over: parent)
        if own["variants"] == nil {
            warnings += undoneChanges(merged: merged, parent: parent, file: path, baseFile: basePath)
        }
        return merged
    }

    /// A problem a variant's `set:` (or the command line inside it) causes, named with the
    /// variant; when the variant comes from a base file (`from`, where its `set:` is), the two
    /// ways out of it as well.
    static func variantProblem(_ m: Message, variant id: String, from at: SourceLocation?, file: String) -> Message {
        guard let at, !at.file.isEmpty, !at.file.hasPrefix("--"), at.file != file else {
            return Message(zh: "（方案 \(id)）" + m.zh, en: "(variant \(id)) " + m.en)
        }
        let from = PathName.last(at.file)
        return Message(
            zh: "（方案 \(id)，继承自 \(from)）" + m.zh + "。可以：① 在本文件中写出 variants（重写各方案及其 set）；或 ② 写 variants: []，不用继承的方案",
            en: "(variant \(id), inherited from \(from)) " + m.en + ". Either (1) write variants: in this file (restate each variant and its set), "
                + "or (2) write variants: [] to drop the inherited variants")
    }

    /// Values this file changes that a variant it inherits sets back: the variant would run with
    /// its own value and the file's change would never reach a trial. One located warning each,
    /// naming the file, the key, the variant, and the two ways out.
    /// 0.6 and 0.60 are the same value: restating a number as it was is no change.
    static func sameNumber(_ a: YNode, _ b: YNode) -> Bool {
        guard let x = a.scalar.flatMap({ Double($0.trimmedWhitespace) }),
              let y = b.scalar.flatMap({ Double($0.trimmedWhitespace) }) else { return false }
        return x == y
    }

    static func undoneChanges(merged: YNode, parent: YNode, file: String, baseFile: String) -> [Diagnostic] {
        guard case let .sequence(vs)? = parent["variants"]?.value else { return [] }
        var out: [Diagnostic] = []
        let baseName = PathName.last(baseFile)
        for v in vs {
            guard let id = v["id"]?.scalar, let pairs = v["set"]?.pairs else { continue }
            for pair in pairs {
                guard let kp = ScenarioPath(pair.key), let now = merged.get(kp), let before = parent.get(kp),
                      now.canonicalText != before.canonicalText, !sameNumber(now, before), now.location.file == file else { continue }
                let f = FieldInfo.of(kp)
                out.append(Diagnostic(now.location, key: kp.description, Message(
                    zh: "本文件把\(f.name)改为 \(f.format(now))，但从 \(baseName) 继承的方案 “\(id)” 把它设为 \(f.format(pair.value))，"
                        + "该方案运行时用的是后者，本文件的改动不起作用。可以：① 在本文件中写出 variants（重写各方案及其 set）；"
                        + "或 ② 写 variants: []，不用继承的方案，只算本文件的政策",
                    en: "this file changes \(kp) to \(now.flowText), but variant '\(id)' inherited from \(baseName) sets it to "
                        + "\(pair.value.flowText), so that variant runs with its own value and this change has no effect. Either "
                        + "(1) write variants: in this file (restate each variant and its set), or (2) write variants: [] to drop "
                        + "the inherited variants and run this file's policy alone")))
            }
        }
        return out
    }
}


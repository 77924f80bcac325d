import ArgumentParser
import Foundation
import SubsidyModel
import SubsidyReport

/// `subsidysim scenario show`: the bundled draft scenario, so that an error pointing into
/// `builtin:pingluo-draft` can be followed.
struct ScenarioCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "scenario",
            abstract: L("显示程序内置的征求意见稿情景（builtin:pingluo-draft），或情景文件中每个键的说明。",
                        "Print the bundled draft scenario (builtin:pingluo-draft), or the reference of every scenario key."),
            discussion: L("""
            示例：
              subsidysim scenario show > pingluo-draft.yaml
              subsidysim scenario keys > KEYS.md
            """, """
            Examples:
              subsidysim scenario show > pingluo-draft.yaml
              subsidysim scenario keys > KEYS.md
            """),
            subcommands: [Show.self, Keys.self]
        )
    }

    struct Keys: ParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(
                commandName: "keys",
                abstract: L("列出情景文件可写的每个键：中文名称、取值与范围、单位、默认值、条款（Markdown）。",
                            "Print every key a scenario file may hold: Chinese name, allowed values and range, unit, default, clause (Markdown)."),
                discussion: L("""
                与 Scenarios/KEYS.md 的内容相同，由程序读取的模式表生成。

                示例：
                  subsidysim scenario keys > KEYS.md
                """, """
                The same text as Scenarios/KEYS.md, generated from the schema the program reads.

                Example:
                  subsidysim scenario keys > KEYS.md
                """)
            )
        }

        @Option(help: H("语言：说明总是用中文写，键名是英文（zh 或 en）。",
                        "Language: the reference is written in Chinese with the English key names (zh or en).",
                        value: ("zh|en", "zh|en")))
        var lang: Language = Lang.current

        func run() throws {
            FileHandle.standardOutput.write(Data(Schema.reference().utf8))
        }
    }

    struct Show: ParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(
                commandName: "show",
                abstract: L("显示内置征求意见稿情景的 YAML 全文；提示信息中的 builtin:pingluo-draft:行:列 指的就是这份文本。",
                            "Print the bundled draft scenario's YAML, the text every builtin:pingluo-draft line number refers to."),
                discussion: L("""
                示例：
                  subsidysim scenario show > pingluo-draft.yaml
                """, """
                Example:
                  subsidysim scenario show > pingluo-draft.yaml
                """)
            )
        }

        func run() throws {
            guard let data = LoadedScenario.builtinData() else { throw ExitCode(70) }
            FileHandle.standardOutput.write(data)
        }
    }
}

/// `subsidysim new NAME.yaml`: a commented what-if file based on the bundled draft that runs as it is.
struct NewCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "new",
            abstract: L("写一个带中文注释的 what-if 情景文件（以内置草案为基础，改一处政策，加一个方案），原样即可运行。",
                        "Write a commented what-if scenario file (base: the bundled draft, a policy change, a variant) that runs as is."),
            discussion: L("""
            文件名（去掉 .yaml）若只含 ASCII 字母、数字、_ 和 -，就用作情景 id，即结果文件夹 Output/<id>/ 的名字；否则 id 为 my-whatif。

            示例：
              subsidysim new my-whatif.yaml
              subsidysim run my-whatif.yaml
            """, """
            The file name (without .yaml) is the scenario id, the output folder Output/<id>/, when it is ASCII letters, digits, _ and -; \
            otherwise the id is my-whatif.

            Example:
              subsidysim new my-whatif.yaml && subsidysim run my-whatif.yaml
            """)
        )
    }

    @Argument(help: H("要写的文件（不能已存在，除非加 --force）。", "The file to write (it must not exist yet, unless --force).",
                      value: ("文件", "file")))
    var file: String

    @Flag(help: H("文件已存在时覆盖它。", "Replace the file if it exists."))
    var force = false

    @Option(help: H("提示信息的语言：zh 或 en。", "Language of messages: zh or en.", value: ("zh|en", "zh|en")))
    var lang: Language = Lang.current

    func validate() throws {
        if file.isEmpty || file.hasSuffix("/") {
            throw ValidationError(lang == .zh ? "new 需要一个文件名，例如 subsidysim new 降低上限.yaml" : "new needs a file name, e.g. subsidysim new lower-caps.yaml")
        }
        // The name goes into the file's comment and the command printed: no line break or escape.
        if file.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            throw ValidationError(lang == .zh ? "文件名中不能有换行或控制字符" : "the file name cannot hold line breaks or control characters")
        }
    }

    func run() throws {
        let zh = lang == .zh
        var isDir: ObjCBool = false
        let parent = PathName.parent(file)
        if !parent.isEmpty, !(FileManager.default.fileExists(atPath: parent, isDirectory: &isDir) && isDir.boolValue) {
            let exists = FileManager.default.fileExists(atPath: parent)
            printError(zh ? "无法写入 \(file)：\(parent) \(exists ? "不是文件夹" : "这个文件夹不存在")（请换一个位置\(exists ? "" : "，或先建好它")）"
                          : "cannot write \(file): \(parent) \(exists ? "is not a folder" : "does not exist") (choose another place\(exists ? "" : ", or create it first"))")
            throw ExitCode(73)
        }
        if FileManager.default.fileExists(atPath: file, isDirectory: &isDir), isDir.boolValue || !force {
            printError(zh ? "\(file) 已存在，未改动（要覆盖请加 --force）" : "\(file) exists and was left as it is (--force replaces it)")
            throw ExitCode(73)
        }
        let stem = PathName.stem(PathName.last(file))
        let asciiID = stem.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }
        let id = asciiID && !stem.isEmpty ? stem : "my-whatif"
        do {
            try Data(Self.template(id: id, file: PathName.last(file)).utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            // The system's reason (permission, disk full), from the error itself.
            let code = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code
            let why = code.map { String(cString: strerror(Int32($0))) }.map { zh ? "（系统提示：\($0)）" : " (\($0))" } ?? ""
            printError(zh ? "无法写入 \(file)\(why)；请检查该文件夹是否可写" : "cannot write \(file)\(why); check that the folder is writable")
            throw ExitCode(73)
        }
        let command = "subsidysim run " + Shell.file(file)
        print(zh ? "已写入 \(file)。运行：\(command)" : "wrote \(file). Run it: \(command)")
    }

    /// The what-if file: every line commented in Chinese, and valid as it stands.
    static func template(id: String, file: String) -> String {
        """
        # what-if 情景：在征求意见稿的基础上改几处，再运行
        #   subsidysim run \(Shell.file(file))
        # 金额单位：万元；比例写小数（0.55 表示 55%）。没写的键一律沿用草案。

        # 以程序内置的征求意见稿情景为基础（用 subsidysim scenario show 查看全文）。
        # 也可以写另一个情景文件的路径（相对于本文件所在的文件夹），例如 base: pingluo-draft.yaml
        base: builtin:pingluo-draft
        # 输出文件夹的名字（ASCII 字母、数字、- 或 _），以及报告上的标题。
        # 标题写在每张图和报告的开头：改了下面的取值，请把标题也改成相应的说明。
        id: "\(id)"
        title: 第一批补助上限降到45万元

        # 1. 改政策：两批的补助比例与上限。列表（batches）要整个写出。
        policy:
          batches:
            - {name: 第一批, rate: 0.60, cap: 45}
            - {name: 第二批, rate: 0.50, cap: 40}

        # 2. 方案（读法）：同一批模拟企业上比较几种做法。写了 variants 就替换草案的两种读法，
        #    所以这里把它们重写出来，再加一种。每个方案只写与上面 policy 不同之处；
        #    方案名称后的括号（实际计算的比例与上限）由程序生成。
        #    键路径含 [ ]：set 下每行写一个。
        variants:
          - id: text
            label: 正文费率
          - id: table
            label: 概算表费率
            set:
              policy.batches[0].rate: 0.50
              policy.batches[1].rate: 0.40
          - id: text-reject
            label: 正文费率＋硬件从严
            set:
              policy.hardware.rule: reject

        """
    }
}

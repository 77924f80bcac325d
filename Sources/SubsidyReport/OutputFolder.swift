import Foundation
import SubsidyModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a run's files into a temporary folder beside the destination, then swaps it into
/// place. At every instant the destination is either the complete old folder or the complete new
/// one: on Linux the two are exchanged in one step (`renameat2(RENAME_EXCHANGE)`), and only then
/// is the old copy (now under a temporary name) removed. Where the exchange is not supported the
/// old folder is renamed aside first; a run killed between the two renames leaves it as
/// `.NAME.old-PID-…`, which the next run renames back rather than deleting. Debris is only ever
/// removed when the destination itself exists. Files are kept in memory until `commit()`.
public struct OutputFolder: Sendable {
    /// Why the output could not be written, in both languages, naming the user's path (never a
    /// temporary one) and the system's reason.
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        public var zh: String
        public var en: String
        public init(zh: String, en: String) {
            self.zh = zh
            self.en = en
        }
        public init(description: String) { self.init(zh: description, en: description) }
        public func text(_ lang: Language) -> String { lang == .zh ? zh : en }
        public var description: String { zh }
    }

    /// The temporary folder a commit writes into, handed to `commit`'s `afterWrite`.
    public struct Staging: Sendable {
        /// The temporary folder.
        public let url: URL
        /// The destination, for messages.
        public let destination: URL
        /// Names of the sub-folders carried over from the old destination (already in `url`).
        public let kept: [String]

        /// Writes one file (relative path) into the staging folder; errors name the destination path.
        public func write(_ relativePath: String, _ data: Data) throws {
            try OutputFolder.writeFile(url.appendingPathComponent(relativePath).path, data,
                                       shown: destination.appendingPathComponent(relativePath).path)
        }

        public func write(_ relativePath: String, text: String) throws { try write(relativePath, Data(text.utf8)) }
    }

    public let destination: URL
    public private(set) var files: [(path: String, data: Data)] = []
    /// Subfolders of an existing destination to carry over into the new one (hard-linked or
    /// copied, so a failed run loses nothing): `run` keeps the sweep-, solve- and sensitivity folders.
    /// Only real folders are carried (never a FIFO, device or link of that name).
    public var keepSubfolders: @Sendable (String) -> Bool = { _ in false }

    public init(_ path: String) {
        destination = URL(fileURLWithPath: path).standardizedFileURL
    }

    public mutating func add(_ relativePath: String, _ data: Data) {
        files.removeAll { $0.path == relativePath }
        files.append((relativePath, data))
    }

    public mutating func add(_ relativePath: String, text: String) { add(relativePath, Data(text.utf8)) }

    // MARK: - Errors

    /// The system's reason for `code`, in Chinese or English.
    public static func reason(_ code: Int32, _ lang: Language) -> String {
        let en = String(cString: strerror(code))
        guard lang == .zh else { return en }
        let zh: [Int32: String] = [
            ENOSPC: "磁盘空间不足", EDQUOT: "超出磁盘配额", EACCES: "没有权限", EPERM: "不允许的操作", EROFS: "文件系统是只读的",
            ENOENT: "路径不存在", ENOTDIR: "路径中有一部分不是文件夹", EISDIR: "是一个文件夹", EEXIST: "已存在",
            ENAMETOOLONG: "路径过长", EFBIG: "文件过大", EIO: "输入输出错误", EBUSY: "正在使用中（例如是挂载点）",
            EXDEV: "不在同一个文件系统上", ENOTEMPTY: "文件夹不是空的", ELOOP: "符号链接层数过多", EMFILE: "打开的文件过多",
            EINVAL: "无效的参数",
        ]
        return (zh[code] ?? "系统错误") + "（\(en)）"
    }

    static func failure(_ what: (zh: String, en: String), _ path: String, _ code: Int32) -> WriteError {
        WriteError(zh: "\(what.zh) \(path)：\(reason(code, .zh))", en: "\(what.en) \(path): \(reason(code, .en))")
    }

    // MARK: - Low-level file operations (errno kept, non-regular files never opened)

    static func writeFile(_ path: String, _ data: Data, shown: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(("无法写入", "cannot write"), shown, errno) }
        defer { close(fd) }
        var offset = 0
        let err: Int32? = data.withUnsafeBytes { raw -> Int32? in
            guard let base = raw.baseAddress else { return nil }
            while offset < raw.count {
                let n = Glibc.write(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
        if let err { throw failure(("无法写入", "cannot write"), shown, err) }
    }

    static func makeDirectories(_ path: String, shown: (String) -> String) throws {
        var st = stat()
        if lstat(path, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { return }
            if (st.st_mode & S_IFMT) == S_IFLNK, stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { return }
            throw failure(("无法创建文件夹", "cannot create the folder"), shown(path), ENOTDIR)
        }
        let parent = PathName.parent(path)
        if !parent.isEmpty && parent != path { try makeDirectories(parent, shown: shown) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw failure(("无法创建文件夹", "cannot create the folder"), shown(path), errno)
        }
    }

    /// Files in an earlier output folder that replacing it would lose: anything its manifest.json
    /// does not list (a scenario saved there, a Word lock file `~$报告.docx`, a note), and listed
    /// files changed since (another size; for files under 1 MB, another SHA-256: an edited
    /// rebalanced.yaml or summary.md). Sub-folders that are carried over (`keep`) are not looked
    /// into. Relative paths, sorted; empty when nothing would be lost.
    static func foreignFiles(in folder: String, keep: (String) -> Bool) -> [String] {
        struct Listed: Decodable { var file: String; var bytes: Int; var sha256: String }
        struct Outputs: Decodable { var outputs: [Listed]? }
        // A manifest without a readable list lists nothing: every file but it counts as foreign.
        let listed = readRegular(folder + "/manifest.json", limit: 64 << 20).flatMap { try? JSONDecoder().decode(Outputs.self, from: $0) }
        let byPath = Dictionary((listed?.outputs ?? []).map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
        var found: [String] = []
        func walk(_ rel: String, depth: Int) {
            let dir = rel.isEmpty ? folder : folder + "/" + rel
            guard depth < 16, let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
            for n in names {
                let r = rel.isEmpty ? n : rel + "/" + n
                if rel.isEmpty && (n == "manifest.json" || keep(n)) { continue }
                var st = stat()
                guard lstat(folder + "/" + r, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR { walk(r, depth: depth + 1); continue }
                guard (st.st_mode & S_IFMT) == S_IFREG, let l = byPath[r], Int(st.st_size) == l.bytes else { found.append(r); continue }
                if l.bytes < 1 << 20, let d = readRegular(folder + "/" + r, limit: 1 << 20), SHA256.hex(d) != l.sha256 { found.append(r) }
            }
        }
        walk("", depth: 0)
        return found.sorted()
    }

    /// Reads a regular file (not a FIFO, device or link; never blocks), at most `limit` bytes; nil otherwise.
    public static func readRegular(_ path: String, limit: Int = 1 << 30) -> Data? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) <= limit else { return nil }
        var out = Data()
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return n == 0 ? out : nil }
            out.append(contentsOf: buf[0..<n])
            if out.count > limit { return nil }
        }
    }

    /// Carries `src` (a folder) to `dst`: folders recreated, regular files hard-linked (copied when
    /// linking is not possible), symbolic links recreated; FIFOs, sockets and devices are left out
    /// (never opened).
    static func carry(_ src: String, to dst: String, shown: String) throws {
        if mkdir(dst, 0o755) != 0 { throw failure(("无法创建文件夹", "cannot create the folder"), shown, errno) }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: src) else { return }
        for n in names {
            let s = src + "/" + n, d = dst + "/" + n
            var st = stat()
            guard lstat(s, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                try carry(s, to: d, shown: shown + "/" + n)
            case S_IFREG:
                if link(s, d) != 0 {
                    guard let data = readRegular(s) else { continue }
                    try writeFile(d, data, shown: shown + "/" + n)
                }
            case S_IFLNK:
                var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let len = readlink(s, &buf, buf.count - 1)
                if len > 0 { buf[len] = 0; _ = symlink(buf, d) }
            default:
                continue
            }
        }
    }

    typealias Renameat2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    static let renameat2: Renameat2? = {
        guard let h = dlopen(nil, RTLD_NOW), let p = dlsym(h, "renameat2") else { return nil }
        return unsafeBitCast(p, to: Renameat2.self)
    }()
    /// Exchanges two paths atomically; false (errno set) when the system cannot.
    static func exchange(_ a: String, _ b: String) -> Bool {
        guard let renameat2 else { errno = ENOSYS; return false }
        return renameat2(AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */) == 0
    }
    /// Test hook: pretend RENAME_EXCHANGE is unsupported.
    nonisolated(unsafe) static var disableExchange = false

    // MARK: - Commit

    /// Writes everything to `.NAME.tmp-PID-N` beside the destination, carries the kept
    /// sub-folders over, runs `afterWrite` on it (charts, summary, manifest), then swaps it in.
    public func commit(afterWrite: ((Staging) throws -> Void)? = nil) throws {
        let fm = FileManager.default
        let name = destination.lastPathComponent
        let destPath = destination.path
        if destPath == "/" || name.isEmpty || name == "/" || name == "." || name == ".." {
            throw WriteError(zh: "不能把输出写到 “\(destPath)”：它是根目录，不能整个替换。请用 --output 指定一个文件夹，例如 Output/my-run",
                             en: "cannot write the output to \"\(destPath)\": it is the root folder, which cannot be replaced. Give a folder with --output, e.g. Output/my-run")
        }
        let parent = destination.deletingLastPathComponent()
        try Self.makeDirectories(parent.path) { $0 }
        recoverAndClean(in: parent)
        var st = stat()
        let existed = lstat(destPath, &st) == 0
        if existed && (st.st_mode & S_IFMT) != S_IFDIR {
            throw WriteError(zh: "\(destPath) 已存在，但不是文件夹；不会替换它", en: "\(destPath) exists and is not a folder; it is not replaced")
        }
        if existed, let names = try? fm.contentsOfDirectory(atPath: destPath), !names.isEmpty, !names.contains("manifest.json") {
            throw WriteError(zh: "文件夹 \(destPath) 已存在，但不是 subsidysim 的输出（其中没有 manifest.json）；为免删除其中的文件，不会替换它。请另选 --output",
                             en: "the folder \(destPath) exists but is not a subsidysim output (it has no manifest.json); it is not replaced, so nothing in it is lost. Choose another --output")
        }
        if existed {
            let foreign = Self.foreignFiles(in: destPath, keep: keepSubfolders)
            if !foreign.isEmpty {
                let shownNames = foreign.prefix(5).joined(separator: "、") + (foreign.count > 5 ? " 等 \(foreign.count) 个" : "")
                let shownEn = foreign.prefix(5).joined(separator: ", ") + (foreign.count > 5 ? " and \(foreign.count - 5) more" : "")
                throw WriteError(zh: "文件夹 \(destPath) 中有 subsidysim 上次没有写出、或写出后被改动过的文件：\(shownNames)；为免删除或覆盖它们，不会替换这个文件夹。请把它们移到别处（或关闭正在编辑它们的 Word/WPS），或用 --output 另选文件夹",
                                 en: "the folder \(destPath) holds files subsidysim did not write there last time, or that were changed since: \(shownEn); it is not replaced, so they are not lost. Move them elsewhere (or close the Word/WPS window editing them), or choose another --output")
            }
        }
        let pid = ProcessInfo.processInfo.processIdentifier
        let tmp = parent.appendingPathComponent(".\(name).tmp-\(pid)-\(UInt32.random(in: 0...UInt32.max))")
        let old = parent.appendingPathComponent(".\(name).old-\(pid)-\(UInt32.random(in: 0...UInt32.max))")
        let shown = { (p: String) -> String in
            p.hasPrefix(tmp.path) ? destPath + p.dropFirst(tmp.path.count) : p
        }
        do {
            // The folder asked for is named (its parent exists: /proc/foo fails inside /proc).
            if mkdir(tmp.path, 0o755) != 0 { throw Self.failure(("无法创建文件夹", "cannot create the folder"), destPath, errno) }
            for (path, data) in files {
                let url = tmp.appendingPathComponent(path)
                try Self.makeDirectories(url.deletingLastPathComponent().path, shown: shown)
                try Self.writeFile(url.path, data, shown: shown(url.path))
            }
            var kept: [String] = []
            if existed, let names = try? fm.contentsOfDirectory(atPath: destPath) {
                for n in names.sorted() where keepSubfolders(n) {
                    var s = stat()
                    guard lstat(destPath + "/" + n, &s) == 0, (s.st_mode & S_IFMT) == S_IFDIR,
                          !fm.fileExists(atPath: tmp.appendingPathComponent(n).path) else { continue }
                    try Self.carry(destPath + "/" + n, to: tmp.appendingPathComponent(n).path, shown: destPath + "/" + n)
                    kept.append(n)
                }
            }
            try afterWrite?(Staging(url: tmp, destination: destination, kept: kept))
        } catch {
            try? fm.removeItem(at: tmp)
            if let e = error as? WriteError { throw e }
            throw WriteError(zh: "无法写出 \(destPath)：\(error.localizedDescription)", en: "cannot write \(destPath): \(error.localizedDescription)")
        }
        if !existed {
            if rename(tmp.path, destPath) != 0 {
                let e = errno
                try? fm.removeItem(at: tmp)
                throw Self.failure(("无法把输出放到", "cannot move the output into"), destPath, e)
            }
            return
        }
        if !Self.disableExchange && Self.exchange(tmp.path, destPath) {
            // The destination is now the new folder; the temporary name holds the old one.
            _ = rename(tmp.path, old.path)
            try? fm.removeItem(at: fm.fileExists(atPath: old.path) ? old : tmp)
            return
        }
        // No atomic exchange here: old aside, new in (the next run restores `old` if killed between).
        if rename(destPath, old.path) != 0 {
            let e = errno
            try? fm.removeItem(at: tmp)
            throw Self.failure(("无法替换", "cannot replace"), destPath, e)
        }
        if rename(tmp.path, destPath) != 0 {
            let e = errno
            _ = rename(old.path, destPath)
            try? fm.removeItem(at: tmp)
            throw Self.failure(("无法把输出放到", "cannot move the output into"), destPath, e)
        }
        try? fm.removeItem(at: old)
    }

    /// Deals with what a killed run left beside the destination (`.NAME.tmp-PID-…`,
    /// `.NAME.old-PID-…`) when that process is gone. A `.old-` folder is a complete previous
    /// output: when the destination is missing, the newest one is renamed back into place.
    /// Nothing is removed unless the destination exists, so debris cleanup never deletes the only copy.
    func recoverAndClean(in parent: URL) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: parent.path) else { return }
        let name = destination.lastPathComponent
        func dead(_ n: String, _ kind: String) -> Bool {
            guard n.hasPrefix(kind), let pidText = n.dropFirst(kind.count).split(separator: "-").first, let pid = Int32(pidText) else { return false }
            return kill(pid, 0) != 0 && errno == ESRCH
        }
        let olds = names.filter { dead($0, ".\(name).old-") }
        let tmps = names.filter { dead($0, ".\(name).tmp-") }
        var st = stat()
        if lstat(destination.path, &st) != 0 {
            let newest = olds.max { a, b in
                var sa = stat(), sb = stat()
                lstat(parent.appendingPathComponent(a).path, &sa)
                lstat(parent.appendingPathComponent(b).path, &sb)
                return sa.st_mtim.tv_sec < sb.st_mtim.tv_sec
            }
            guard let newest, rename(parent.appendingPathComponent(newest).path, destination.path) == 0 else { return }
        }
        guard lstat(destination.path, &st) == 0 else { return }
        for n in olds + tmps where fm.fileExists(atPath: parent.appendingPathComponent(n).path) {
            try? fm.removeItem(at: parent.appendingPathComponent(n))
        }
    }
}

import Foundation

/// Writes a run's files into a temporary folder beside the destination, then swaps it into
/// place: a failed or killed run leaves the previous output untouched, a successful one leaves
/// no debris. Files are kept in memory until `commit()`.
public struct OutputFolder: Sendable {
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public let destination: URL
    public private(set) var files: [(path: String, data: Data)] = []
    /// Subfolders of an existing destination to carry over into the new one (copied, so a failed
    /// run loses nothing): `run` keeps the sweep-, solve- and sensitivity- folders beside it.
    public var keepSubfolders: @Sendable (String) -> Bool = { _ in false }

    public init(_ path: String) {
        destination = URL(fileURLWithPath: path).standardizedFileURL
    }

    public mutating func add(_ relativePath: String, _ data: Data) {
        files.removeAll { $0.path == relativePath }
        files.append((relativePath, data))
    }

    public mutating func add(_ relativePath: String, text: String) { add(relativePath, Data(text.utf8)) }

    /// Writes everything to `DEST.tmp-PID-N`, then renames: the old folder is moved aside and
    /// removed only after the new one is in place.
    public func commit(afterWrite: ((URL) throws -> Void)? = nil) throws {
        let fm = FileManager.default
        let parent = destination.deletingLastPathComponent()
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw WriteError(description: "cannot create \(parent.path): \(error.localizedDescription)")
        }
        removeStale(in: parent)
        let pid = ProcessInfo.processInfo.processIdentifier
        let tmp = parent.appendingPathComponent(".\(destination.lastPathComponent).tmp-\(pid)-\(UInt32.random(in: 0...UInt32.max))")
        let old = parent.appendingPathComponent(".\(destination.lastPathComponent).old-\(pid)-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
            for (path, data) in files {
                let url = tmp.appendingPathComponent(path)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                guard fm.createFile(atPath: url.path, contents: data) else {
                    throw WriteError(description: "cannot write \(url.path)")
                }
            }
            try afterWrite?(tmp)
            if let old = try? fm.contentsOfDirectory(atPath: destination.path) {
                for name in old where keepSubfolders(name) && !fm.fileExists(atPath: tmp.appendingPathComponent(name).path) {
                    try fm.copyItem(at: destination.appendingPathComponent(name), to: tmp.appendingPathComponent(name))
                }
            }
        } catch {
            try? fm.removeItem(at: tmp)
            if let e = error as? WriteError { throw e }
            throw WriteError(description: "cannot write output in \(parent.path): \(error.localizedDescription)")
        }
        var isDir: ObjCBool = false
        let existed = fm.fileExists(atPath: destination.path, isDirectory: &isDir)
        if existed && !isDir.boolValue {
            try? fm.removeItem(at: tmp)
            throw WriteError(description: "\(destination.path) exists and is not a folder")
        }
        if existed {
            if rename(destination.path, old.path) != 0 {
                try? fm.removeItem(at: tmp)
                throw WriteError(description: "cannot replace \(destination.path): \(String(cString: strerror(errno)))")
            }
        }
        if rename(tmp.path, destination.path) != 0 {
            let msg = String(cString: strerror(errno))
            if existed { _ = rename(old.path, destination.path) }
            try? fm.removeItem(at: tmp)
            throw WriteError(description: "cannot move output into \(destination.path): \(msg)")
        }
        if existed { try? fm.removeItem(at: old) }
    }

    /// Removes what a killed run left beside the destination (`.NAME.tmp-PID-…`, `.NAME.old-PID-…`)
    /// when that process is gone.
    func removeStale(in parent: URL) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: parent.path) else { return }
        let name = destination.lastPathComponent
        for n in names {
            for kind in [".\(name).tmp-", ".\(name).old-"] where n.hasPrefix(kind) {
                let rest = n.dropFirst(kind.count)
                guard let pidText = rest.split(separator: "-").first, let pid = Int32(pidText) else { continue }
                if kill(pid, 0) != 0 && errno == ESRCH {
                    try? fm.removeItem(at: parent.appendingPathComponent(n))
                }
            }
        }
    }
}

/// A path's folder, last component and stem, by plain text on "/" — for names a user typed
/// (`new b`, `--output x`, a `base:` file). Foundation's `NSString` path methods are not used for
/// these: `("b" as NSString).deletingLastPathComponent` traps in swift-corelibs-foundation 6.3
/// (`String._startOfLastPathComponent`) for some one-character names.
public enum PathName {
    /// `path` without trailing slashes ("/" stays "/").
    static func trimmed(_ path: String) -> Substring {
        var s = Substring(path)
        while s.count > 1 && s.hasSuffix("/") { s = s.dropLast() }
        return s
    }

    /// The folder that holds `path`: "" for a bare name ("b", "b/"), "/" for a top-level entry
    /// ("/b"), else everything before the last "/" ("a/b" → "a", "./b" → ".").
    public static func parent(_ path: String) -> String {
        let s = trimmed(path)
        guard let slash = s.lastIndex(of: "/") else { return "" }
        var head = s[..<slash]
        while head.count > 1 && head.hasSuffix("/") { head = head.dropLast() }
        return head.isEmpty ? "/" : String(head)
    }

    /// The last component of `path` ("a/b.yaml" → "b.yaml", "a/" → "a", "/" → "/").
    public static func last(_ path: String) -> String {
        let s = trimmed(path)
        if s == "/" { return "/" }
        guard let slash = s.lastIndex(of: "/") else { return String(s) }
        return String(s[s.index(after: slash)...])
    }

    /// `name` without its extension: "b.yaml" → "b", "b" → "b", ".b" → ".b" (a leading dot starts
    /// no extension), "a.b.c" → "a.b".
    public static func stem(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }
}

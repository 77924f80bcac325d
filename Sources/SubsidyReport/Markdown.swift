import Foundation

/// Text from a scenario (titles, labels, names) placed in Markdown: it must stay text. Newlines
/// become spaces (a newline would end a table row or a heading and start a line of the file's
/// choosing), and Markdown's active ASCII characters are escaped with a backslash, so no name can
/// add a column, a heading, a link or a remote image to summary.md.
public enum Markdown {
    static let active: Set<Character> = ["\\", "`", "*", "_", "[", "]", "<", ">", "|", "#", "!", "{", "}"]

    public static func text(_ s: String) -> String {
        var out = ""
        for c in s {
            if c.isNewline || c == "\t" { out.append(" "); continue }
            if active.contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}

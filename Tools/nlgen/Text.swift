// Names and text layout shared by the renderers.

/// The path of the spec, as the banners name it.
let specPath = "Documentation/spec/dst.yaml"

/// The first line of every generated file, after the SPDX line in C.
let banner = "Do not edit directly, auto-generated from \(specPath) by Tools/nlgen"

/// "dst-op-write-zeroes" -> "DST_OP_WRITE_ZEROES".
func cUpper(_ name: String) -> String {
    name.uppercased().replacingOccurrences(of: "-", with: "_")
}

/// "dev-add" -> "dev_add".
func cLower(_ name: String) -> String {
    name.lowercased().replacingOccurrences(of: "-", with: "_")
}

/// "hello-status" -> "HelloStatus".
func upperCamel(_ name: String) -> String {
    name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
}

/// "write-zeroes" -> "writeZeroes".
func lowerCamel(_ name: String) -> String {
    let upper = upperCamel(name)
    return upper.prefix(1).lowercased() + upper.dropFirst()
}

/// Swift keywords that need backticks where a declaration names them.
private let swiftKeywords: Set<String> = [
    "associatedtype", "borrowing", "class", "consuming", "deinit", "enum", "extension", "fileprivate",
    "func", "import", "init", "inout", "internal", "let", "nonisolated", "open", "operator", "private",
    "precedencegroup", "protocol", "public", "rethrows", "static", "struct", "subscript", "typealias",
    "var", "break", "case", "catch", "continue", "default", "defer", "do", "else", "fallthrough", "for",
    "guard", "if", "in", "repeat", "return", "throw", "switch", "where", "while", "Any", "as", "await",
    "false", "is", "nil", "self", "Self", "super", "throws", "true", "try", "_",
]

/// A lowerCamel Swift name, in backticks if it is a keyword.
func swiftName(_ name: String) -> String {
    let camel = lowerCamel(name)
    return swiftKeywords.contains(camel) ? "`\(camel)`" : camel
}

/// A Swift string literal.
func swiftString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7f {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// A C string literal; spec names are plain ASCII, checked before.
func cString(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

/// The paragraphs of a doc string, each reflowed into one line.
func paragraphs(_ doc: String?) -> [String] {
    guard let doc else {
        return []
    }
    var result: [String] = []
    var current: [String] = []
    for line in doc.split(separator: "\n", omittingEmptySubsequences: false) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            if !current.isEmpty {
                result.append(current.joined(separator: " "))
                current = []
            }
        } else {
            current.append(trimmed)
        }
    }
    if !current.isEmpty {
        result.append(current.joined(separator: " "))
    }
    return result
}

/// Doc text as one line, paragraphs joined.
func oneLine(_ doc: String?) -> String {
    paragraphs(doc).joined(separator: " ")
}

/// Width of a line with tabs expanded to 8 columns.
private func columns(_ text: String) -> Int {
    text.reduce(0) { $1 == "\t" ? ($0 / 8 + 1) * 8 : $0 + 1 }
}

/// Fills words into lines no wider than `width` columns; the first line starts
/// with `first` and the text's own indent, the rest with `rest`. A word longer
/// than a line stays whole.
func wrap(_ text: String, width: Int, first: String, rest: String) -> [String] {
    let indent = text.prefix { $0 == " " || $0 == "\t" }
    var lines: [String] = []
    var line = first + indent
    var lineHasWord = false
    for word in text.dropFirst(indent.count).split(separator: " ") {
        let candidate = lineHasWord ? line + " " + word : line + word
        if lineHasWord, columns(candidate) > width {
            lines.append(line)
            line = rest + word
        } else {
            line = candidate
        }
        lineHasWord = true
    }
    lines.append(line)
    return lines
}

/// Lines of a generated file.
struct Lines {
    private(set) var lines: [String] = []

    mutating func add(_ line: String = "") {
        lines.append(line)
    }

    mutating func add(_ more: [String]) {
        lines.append(contentsOf: more)
    }

    /// The file text: lines ended by newlines, no trailing blank line.
    var text: String {
        var all = lines
        while all.last == "" {
            all.removeLast()
        }
        return all.joined(separator: "\n") + "\n"
    }
}

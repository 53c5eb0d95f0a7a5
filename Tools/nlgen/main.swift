// dst-nlgen [--check] [--root DIR]
//
// Reads Documentation/spec/dst.yaml under DIR (default: the current
// directory) and writes the generated files next to it. With --check it
// writes nothing, names each file that differs and exits 1 if any does.

import Foundation

private func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("dst-nlgen: \(message)\n".utf8))
    exit(status)
}

private let usage = "usage: dst-nlgen [--check] [--root DIR]"

var check = false
var root = FileManager.default.currentDirectoryPath
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--check":
        check = true
    case "--root":
        guard let dir = arguments.popFirst() else {
            fail("--root needs a directory\n\(usage)")
        }
        root = dir
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        fail("unknown argument '\(argument)'\n\(usage)")
    }
}

let rootURL = URL(fileURLWithPath: root, isDirectory: true)
let specURL = rootURL.appendingPathComponent(Generator.specPath)
let yaml: String
do {
    yaml = try String(contentsOf: specURL, encoding: .utf8)
} catch {
    fail("cannot read \(specURL.path): \(error.localizedDescription)")
}

let files: [GeneratedFile]
do {
    files = try Generator.generate(yaml: yaml)
} catch {
    fail("\(Generator.specPath): \(error)")
}

var differ = false
for file in files {
    let url = rootURL.appendingPathComponent(file.path)
    let current = try? String(contentsOf: url, encoding: .utf8)
    if current == file.text {
        continue
    }
    if check {
        print(current == nil ? "\(file.path) is missing" : "\(file.path) differs from the spec")
        differ = true
        continue
    }
    do {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(file.text.utf8).write(to: url, options: .atomic)
        print("wrote \(file.path)")
    } catch {
        fail("cannot write \(url.path): \(error.localizedDescription)")
    }
}
if differ {
    print("run Tools/generate.sh to regenerate")
    exit(1)
}

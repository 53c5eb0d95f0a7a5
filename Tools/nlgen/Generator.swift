// From spec text to the four generated files; no file system access here, so
// tests can run it in-process.

/// A generated file: its path under the repository root and its text.
struct GeneratedFile: Equatable {
    let path: String
    let text: String
}

enum Generator {
    /// Where the spec lives under the repository root.
    static let specPath = "Documentation/spec/dst.yaml"

    /// Parses and checks spec text.
    static func family(yaml: String) throws(SpecError) -> Family {
        try Family(checking: Spec.load(yaml: yaml))
    }

    /// Renders every output of a spec.
    static func generate(yaml: String) throws(SpecError) -> [GeneratedFile] {
        let family = try family(yaml: yaml)
        return [
            GeneratedFile(path: "kmod/gen/\(family.name).h", text: try family.renderUAPIHeader()),
            GeneratedFile(path: "kmod/gen/\(family.name)-nl-gen.h", text: family.renderKernelHeader()),
            GeneratedFile(path: "kmod/gen/\(family.name)-nl-gen.c", text: try family.renderKernelSource()),
            GeneratedFile(path: "Sources/DSTKit/Generated/\(family.swiftPrefix)Spec.swift", text: try family.renderSwift()),
            GeneratedFile(path: "Sources/DSTKit/Generated/\(family.swiftPrefix)Messages.swift",
                          text: family.renderSwiftMessages()),
            GeneratedFile(path: "Tests/vm/\(family.name)_spec.py", text: family.renderPython()),
        ]
    }
}

// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// The configuration file (/etc/dst/dst.conf): the exports and devices of a
/// network namespace, in the manner of wg(8)'s configuration files and
/// systemd's units:
///
///     # comment
///     [Export db]
///     Path = /dev/vdb
///     Listen = 10.0.0.2:1025
///
///     [Device dst0]
///     Remote = 10.0.0.2:1025
///     Export = db
///     IOTimeout = 60
///
/// Section and key names are case-insensitive; a "#" starts a comment only
/// at the start of a line (paths may hold one). Every key is an option of
/// `dstctl export` or `dstctl add-device`, with its checks and defaults
/// (DSTExportSpec, DSTDeviceSpec). The allow keys may repeat; no other may.
public struct DSTConfig: Equatable, Sendable {
    public static let defaultPath = "/etc/dst/dst.conf"

    /// An [Export NAME] section.
    public struct Export: Equatable, Sendable {
        public var name: String
        /// The line of its header.
        public var line: Int
        public var spec: DSTExportSpec
        /// The line of each key given.
        public var lines: [DSTExportSpec.Key: Int]

        public init(name: String, line: Int, spec: DSTExportSpec, lines: [DSTExportSpec.Key: Int] = [:]) {
            self.name = name
            self.line = line
            self.spec = spec
            self.lines = lines
        }

        /// Where a problem about `key` points: its line, else the header's.
        public func line(of key: DSTExportSpec.Key) -> Int { lines[key] ?? line }
    }

    /// A [Device dstN] section.
    public struct Device: Equatable, Sendable {
        public var index: UInt32
        public var line: Int
        public var spec: DSTDeviceSpec
        public var lines: [DSTDeviceSpec.Key: Int]

        public init(index: UInt32, line: Int, spec: DSTDeviceSpec, lines: [DSTDeviceSpec.Key: Int] = [:]) {
            self.index = index
            self.line = line
            self.spec = spec
            self.lines = lines
        }

        public var name: String { "dst\(index)" }

        public func line(of key: DSTDeviceSpec.Key) -> Int { lines[key] ?? line }
    }

    /// One problem of a file, at a line counted from 1.
    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        public var line: Int
        public var message: String

        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }

        public var description: String { "\(line): \(message)" }
    }

    /// A file with problems, refused as a whole: every problem, in line order.
    public struct Invalid: Error, Equatable, Sendable, CustomStringConvertible {
        public var path: String
        public var problems: [Problem]

        public init(path: String, problems: [Problem]) {
            self.path = path
            self.problems = problems
        }

        /// "PATH:LINE: problem", one per problem.
        public var lines: [String] { problems.map { "\(path):\($0.line): \($0.message)" } }

        public var description: String { lines.joined(separator: "\n") }
    }

    public var exports: [Export] = []
    public var devices: [Device] = []

    public init(exports: [Export] = [], devices: [Device] = []) {
        self.exports = exports
        self.devices = devices
    }

    /// The configuration in `path`; throws DSTError when it cannot be read,
    /// Invalid when it has problems (`checkFiles`: also those of the files
    /// it names, key files and backing stores).
    public static func load(_ path: String, checkFiles: Bool) throws -> DSTConfig {
        let fd = try FileDescriptor.open(path, O_RDONLY).mapError { DSTError.cannotOpen(path: path, errno: $0.rawValue) }
            .get()
        // Never a part of the file: what a cut-off file does not name, apply
        // would remove.
        let bytes = try fd.readAll(limit: maxBytes + 1)
        guard bytes.count <= maxBytes else {
            throw Invalid(path: path, problems: [Problem(line: 1, message: "the file is larger than \(maxBytes) bytes")])
        }
        let (config, problems) = parse(bytes)
        var all = problems
        if problems.isEmpty && checkFiles { all += config.fileProblems() }
        guard all.isEmpty else { throw Invalid(path: path, problems: all) }
        return config
    }

    /// The largest configuration file read.
    public static let maxBytes = 1 << 20

    /// The configuration in `bytes`: as parse(_: String), but a line that is
    /// not UTF-8 text, or holds a control character other than a tab, is a
    /// problem of its own (and not echoed).
    public static func parse(_ bytes: [UInt8]) -> (config: DSTConfig, problems: [Problem]) {
        var text = ""
        var binary: [Problem] = []
        for (i, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var body = line
            if body.last == UInt8(ascii: "\r") { body = body.dropLast() }
            let decoded = String(decoding: body, as: UTF8.self)
            if !decoded.utf8.elementsEqual(body) {
                binary.append(Problem(line: i + 1, message: "not UTF-8 text"))
            } else if body.contains(where: { ($0 < 0x20 && $0 != UInt8(ascii: "\t")) || $0 == 0x7f }) {
                binary.append(Problem(line: i + 1, message: "a control character"))
            } else {
                text += decoded
            }
            text += "\n"
        }
        guard binary.isEmpty else { return (DSTConfig(), binary) }
        return parse(String(text.dropLast()))
    }

    /// The configuration in `text` and every problem it has, in line order;
    /// the configuration is only good when there are none.
    public static func parse(_ text: String) -> (config: DSTConfig, problems: [Problem]) {
        var parser = Parser()
        // "\r\n" is one Character.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (i, raw) in lines.enumerated() {
            parser.line(raw, number: i + 1)
        }
        parser.finish()
        return (parser.config, parser.problems.sorted { $0.line < $1.line })
    }

    /// Problems with the files the configuration names: backing stores that
    /// are neither block devices nor regular files, key files that cannot
    /// be used, certificates without a CN.
    public func fileProblems() -> [Problem] {
        var out: [Problem] = []
        func check(_ line: Int, _ key: String, _ body: () throws -> Void) {
            do { try body() } catch { out.append(Problem(line: line, message: "\(key): \(error)")) }
        }
        for export in exports {
            let spec = export.spec
            if let path = spec.path {
                check(export.line(of: .path), "Path") {
                    var st = stat()
                    guard stat(path, &st) == 0 else { throw DSTError.cannotOpen(path: path, errno: errno) }
                    let kind = st.st_mode & S_IFMT
                    guard kind == S_IFBLK || kind == S_IFREG else { throw DSTError.notExportable(path: path) }
                }
            }
            for (key, name, list) in [(DSTExportSpec.Key.allow, "Allow", spec.allow), (.allowRo, "AllowRO", spec.allowRo)] {
                for allowed in list {
                    check(export.line(of: key), name) { _ = try DSTKeyFile.read(allowed.keyPath) }
                }
            }
            if let key = spec.certKey {
                check(export.line(of: .certKey), "CertKey") { try DSTKeyFile.checkPrivate(key) }
            }
        }
        for device in devices {
            let tls = device.spec.tls
            if let key = tls.key {
                check(device.line(of: .key), "Key") { _ = try DSTKeyFile.read(key) }
            }
            if let key = tls.certKey {
                check(device.line(of: .certKey), "CertKey") { try DSTKeyFile.checkPrivate(key) }
            }
            if let cert = tls.cert, tls.identity == nil {
                check(device.line(of: .cert), "Cert") { _ = try certificateCommonName(cert) }
            }
        }
        return out
    }
}

extension DSTExportSpec.Key {
    /// The key's name in the configuration file.
    public var configName: String {
        switch self {
        case .path: return "Path"
        case .listen: return "Listen"
        case .name: return "Name"
        case .readOnly: return "ReadOnly"
        case .uuid: return "UUID"
        case .allow: return "Allow"
        case .allowRo: return "AllowRO"
        case .allowSubject: return "AllowSubject"
        case .allowSubjectRo: return "AllowSubjectRO"
        case .allowFrom: return "AllowFrom"
        case .cert: return "Cert"
        case .certKey: return "CertKey"
        case .ca: return "CA"
        }
    }

    /// May be given more than once: each adds an entry.
    var repeats: Bool { [.allow, .allowRo, .allowSubject, .allowSubjectRo, .allowFrom].contains(self) }
}

extension DSTDeviceSpec.Key {
    /// The key's name in the configuration file.
    public var configName: String {
        switch self {
        case .remote: return "Remote"
        case .export: return "Export"
        case .name: return "Name"
        case .csum: return "Csum"
        case .connections: return "Connections"
        case .ioTimeout: return "IOTimeout"
        case .pingInterval: return "PingInterval"
        case .reconnectDelay: return "ReconnectDelay"
        case .reconnectDelayMax: return "ReconnectDelayMax"
        case .giveUp: return "GiveUp"
        case .identity: return "Identity"
        case .key: return "Key"
        case .cert: return "Cert"
        case .certKey: return "CertKey"
        case .ca: return "CA"
        case .serverName: return "ServerName"
        case .tlsCipher: return "TLSCipher"
        case .rekeyRecords: return "RekeyRecords"
        }
    }
}

/// Reads a file line by line into DSTConfig, collecting every problem.
private struct Parser {
    enum Section {
        case export(DSTConfig.Export)
        case device(DSTConfig.Device)
        /// After a header with a problem: its keys are not looked at.
        case broken
    }

    var config = DSTConfig()
    var problems: [DSTConfig.Problem] = []
    var section: Section?
    /// Headers seen, by "export NAME" or "device N": their lines.
    var headers: [String: Int] = [:]

    mutating func problem(_ line: Int, _ message: String) {
        problems.append(DSTConfig.Problem(line: line, message: message))
    }

    mutating func line(_ raw: Substring, number: Int) {
        let text = raw.trimmingWhitespace
        if text.isEmpty || text.hasPrefix("#") { return }
        if text.hasPrefix("[") {
            header(text, number: number)
            return
        }
        guard let eq = text.firstIndex(of: "=") else {
            problem(number, "expected Key = Value, [Export NAME] or [Device dstN]")
            return
        }
        let key = text[..<eq].trimmingWhitespace
        let value = String(text[text.index(after: eq)...].trimmingWhitespace)
        guard !key.isEmpty else {
            problem(number, "expected Key = Value, [Export NAME] or [Device dstN]")
            return
        }
        switch section {
        case nil:
            problem(number, "\(key) is outside a section: give [Export NAME] or [Device dstN] first")
        case .broken:
            break
        case var .export(export)?:
            set(export: &export, key: String(key), value: value, number: number)
            section = .export(export)
        case var .device(device)?:
            set(device: &device, key: String(key), value: value, number: number)
            section = .device(device)
        }
    }

    mutating func header(_ text: Substring, number: Int) {
        finish()
        section = .broken
        let expected = "expected [Export NAME] or [Device dstN]"
        guard text.hasSuffix("]") else {
            problem(number, "\(text) is no section header: \(expected)")
            return
        }
        let words = text.dropFirst().dropLast().split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count == 2 else {
            problem(number, "\(text) is no section header: \(expected)")
            return
        }
        let kind = words[0].lowercased(), name = String(words[1])
        switch kind {
        case "export":
            guard DSTNames.isValidExportName(name) else {
                problem(number, "\(DSTError.invalidExportName(name))")
                return
            }
            guard firstHeader("export \(name)", "[Export \(name)]", number: number) else { return }
            section = .export(DSTConfig.Export(name: name, line: number,
                                               spec: DSTExportSpec(path: nil, listen: nil, name: name)))
        case "device":
            guard let device = DSTDeviceName(parsing: name), name.hasPrefix("dst") else {
                problem(number, "invalid device name \"\(name)\": expected dstN, N from 0 to \(DSTWire.devIndexMax)")
                return
            }
            guard firstHeader("device \(device.index)", "[Device \(device.name)]", number: number) else { return }
            section = .device(DSTConfig.Device(index: device.index, line: number,
                                               spec: DSTDeviceSpec(remote: nil, index: device.index)))
        default:
            problem(number, "unknown section \(text): \(expected)")
        }
    }

    /// Whether `id` is new; a problem naming the first otherwise.
    mutating func firstHeader(_ id: String, _ shown: String, number: Int) -> Bool {
        if let first = headers[id] {
            problem(number, "duplicate section \(shown), first on line \(first)")
            return false
        }
        headers[id] = number
        return true
    }

    /// Ends the current section: its required keys, and the checks across
    /// its keys.
    mutating func finish() {
        switch section {
        case let .export(export)?:
            // A key given with a bad value has its own problem.
            for key in [DSTExportSpec.Key.path, .listen] where export.lines[key] == nil {
                problem(export.line, "[Export \(export.name)] needs \(key.configName)")
            }
            for p in export.spec.problems(spell: \.configName) { problem(export.line(of: p.key), p.message) }
            config.exports.append(export)
        case let .device(device)?:
            if device.lines[.remote] == nil { problem(device.line, "[Device \(device.name)] needs Remote") }
            for p in device.spec.problems(spell: \.configName) { problem(device.line(of: p.key), p.message) }
            config.devices.append(device)
        case .broken?, nil:
            break
        }
        section = nil
    }

    /// Whether a key may be set here: not yet given (unless it repeats),
    /// and with a value.
    mutating func first<Key: Hashable>(_ key: Key, _ name: String, repeats: Bool, value: String,
                                       lines: inout [Key: Int], number: Int) -> Bool {
        if let line = lines[key], !repeats {
            problem(number, "duplicate key \(name), first on line \(line)")
            return false
        }
        if lines[key] == nil { lines[key] = number }
        if value.isEmpty {
            problem(number, "\(name) has no value")
            return false
        }
        return true
    }

    mutating func set(export: inout DSTConfig.Export, key text: String, value: String, number: Int) {
        // Name is the header's.
        guard let key = DSTExportSpec.Key.allCases.first(where: {
            $0 != .name && $0.configName.lowercased() == text.lowercased()
        }) else {
            problem(number, "unknown key \"\(text)\" in [Export \(export.name)]")
            return
        }
        let name = key.configName
        guard first(key, name, repeats: key.repeats, value: value, lines: &export.lines, number: number) else {
            return
        }
        if let message = Self.apply(key, value, to: &export.spec) { problem(number, "\(name): \(message)") }
    }

    mutating func set(device: inout DSTConfig.Device, key text: String, value: String, number: Int) {
        guard let key = DSTDeviceSpec.Key.allCases.first(where: {
            $0 != .name && $0.configName.lowercased() == text.lowercased()
        }) else {
            problem(number, "unknown key \"\(text)\" in [Device \(device.name)]")
            return
        }
        let name = key.configName
        guard first(key, name, repeats: false, value: value, lines: &device.lines, number: number) else { return }
        if let message = Self.apply(key, value, to: &device.spec) { problem(number, "\(name): \(message)") }
    }

    /// Sets the value of `key`; what is wrong with `value` if it is not one.
    static func apply(_ key: DSTExportSpec.Key, _ value: String, to spec: inout DSTExportSpec) -> String? {
        switch key {
        case .path:
            guard value.hasPrefix("/") else { return "\"\(value)\" is not an absolute path" }
            spec.path = value
        case .listen:
            do { spec.listen = try DSTAddress(parsing: value) } catch { return "\(error)" }
        case .name:
            break
        case .readOnly:
            guard let b = boolean(value) else { return "\"\(value)\" is not yes or no" }
            spec.readOnly = b
        case .uuid:
            guard let uuid = DSTUUID(parsing: value) else {
                return "\"\(value)\" is not a UUID: expected 8-4-4-4-12 hex digits"
            }
            spec.uuid = uuid
        case .allow, .allowRo:
            guard let allowed = DSTAllowedKey(parsing: value) else {
                return "\"\(value)\" is not IDENTITY=KEYFILE, KEYFILE an absolute path"
            }
            if key == .allow { spec.allow.append(allowed) } else { spec.allowRo.append(allowed) }
        case .allowSubject:
            spec.allowSubject.append(value)
        case .allowSubjectRo:
            spec.allowSubjectRo.append(value)
        case .allowFrom:
            guard let cidr = DSTCIDR(parsing: value) else { return "\"\(value)\" is not an address or prefix" }
            spec.allowFrom.append(cidr)
        case .cert, .certKey, .ca:
            guard let path = DSTCredentialPath(parsing: value)?.path else { return notPath(value) }
            switch key {
            case .cert: spec.cert = path
            case .certKey: spec.certKey = path
            default: spec.ca = path
            }
        }
        return nil
    }

    static func apply(_ key: DSTDeviceSpec.Key, _ value: String, to spec: inout DSTDeviceSpec) -> String? {
        if let field = key.field {
            guard let seconds = DSTSeconds(parsing: value) else { return "\"\(value)\" is not a number of seconds" }
            spec.timeouts[field] = seconds
            return nil
        }
        switch key {
        case .remote:
            do { spec.remote = try DSTAddress(parsing: value) } catch { return "\(error)" }
        case .export:
            guard DSTNames.isValidExportName(value) else { return "\(DSTError.invalidExportName(value))" }
            spec.export = value
        case .csum:
            guard let csum = DSTChecksumChoice(rawValue: value) else { return oneOf(value, DSTChecksumChoice.self) }
            spec.csum = csum
        case .connections:
            guard value.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return "\"\(value)\" is not a number" }
            spec.connections = UInt32(value) ?? .max
        case .identity:
            guard let identity = DSTIdentityName(parsing: value) else {
                return "\"\(value)\" is not an identity: 1 to \(DSTWire.identityMax) printable characters,"
                    + " no space or \"=\""
            }
            spec.tls.identity = identity.name
        case .key, .cert, .certKey, .ca:
            guard let path = DSTCredentialPath(parsing: value)?.path else { return notPath(value) }
            switch key {
            case .key: spec.tls.key = path
            case .cert: spec.tls.cert = path
            case .certKey: spec.tls.certKey = path
            default: spec.tls.ca = path
            }
        case .serverName:
            spec.tls.serverName = value
        case .tlsCipher:
            guard let cipher = DSTCipherChoice(rawValue: value) else { return oneOf(value, DSTCipherChoice.self) }
            spec.tls.cipher = cipher
        case .rekeyRecords:
            guard let n = DSTRekeyRecords(parsing: value) else {
                return "must be between 256 and \(DSTWire.rekeyRecordsMax)"
            }
            spec.tls.rekeyRecords = n.value
        default:
            break
        }
        return nil
    }

    static func notPath(_ value: String) -> String {
        "\"\(value)\" is not an absolute path of at most \(DSTWire.pathMax) bytes"
    }

    static func oneOf<T: CaseIterable & RawRepresentable>(_ value: String, _: T.Type) -> String
    where T.RawValue == String {
        "\"\(value)\" is not one of " + T.allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// systemd's booleans.
    static func boolean(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "yes", "true", "on", "1": return true
        case "no", "false", "off", "0": return false
        default: return nil
        }
    }
}

extension Substring {
    /// Without leading and trailing spaces, tabs and carriage returns.
    var trimmingWhitespace: Substring {
        let ws: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !ws($0) }), let end = lastIndex(where: { !ws($0) }) else { return "" }
        return self[start...end]
    }
}

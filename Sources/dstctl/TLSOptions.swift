// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

typealias Identity = DSTIdentityName
typealias AllowedKey = DSTAllowedKey
typealias CredentialPath = DSTCredentialPath
typealias RekeyRecords = DSTRekeyRecords
typealias CipherChoice = DSTCipherChoice

extension DSTIdentityName: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

/// --allow IDENTITY=KEYFILE: a PSK identity an export admits, and its key.
extension DSTAllowedKey: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

/// An absolute path of a key or certificate, as the kernel keeps it for dstd.
extension DSTCredentialPath: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

extension DSTCIDR: ExpressibleByArgument {
    /// "10.0.0.0/24", "2001:db8::/32", or one address.
    public init?(argument: String) { self.init(parsing: argument) }
}

extension DSTRekeyRecords: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }

    static let help = ArgumentHelp(
        "TLS records a connection carries before dstd replaces it (new keys), 256 to \(DSTWire.rekeyRecordsMax).",
        valueName: "n")
}

extension DSTCipherChoice: ExpressibleByArgument {}

extension Dstctl {
    /// How a device authenticates to its server: a PSK identity and its key
    /// file, or a certificate; or nothing (plaintext).
    struct ClientTLSOptions: ParsableArguments {
        @Option(help: ArgumentHelp("TLS identity, with --key (a PSK); with --cert, default: its CN.",
                                   valueName: "name"))
        var identity: Identity?

        @Option(help: ArgumentHelp("Key file of the identity (dstctl genkey), owner-only, absolute path.",
                                   valueName: "file"))
        var key: CredentialPath?

        @Option(help: ArgumentHelp("Client certificate (PEM), absolute path.", valueName: "file"))
        var cert: CredentialPath?

        @Option(help: ArgumentHelp("Key of the client certificate (PEM), owner-only, absolute path.", valueName: "file"))
        var certKey: CredentialPath?

        @Option(help: ArgumentHelp("CA that signs the server's certificate (PEM), absolute path.", valueName: "file"))
        var ca: CredentialPath?

        @Option(help: ArgumentHelp("DNS name the server's certificate must carry (default: the host of --remote).",
                                   valueName: "name"))
        var serverName: String?

        @Option(help: "Ciphers to offer.")
        var tlsCipher: CipherChoice = .any

        @Option(help: RekeyRecords.help)
        var rekeyRecords: RekeyRecords?

        /// The options, as spelled, by the device value each sets.
        static func option(_ key: DSTDeviceSpec.Key) -> String {
            switch key {
            case .identity: return "--identity"
            case .key: return "--key"
            case .cert: return "--cert"
            case .certKey: return "--cert-key"
            case .ca: return "--ca"
            case .serverName: return "--server-name"
            case .tlsCipher: return "--tls-cipher"
            case .rekeyRecords: return "--rekey-records"
            default: return AddDevice.option(key)
            }
        }

        func validate() throws {
            if let problem = spec.problems(spell: Self.option).first { throw ValidationError(problem.message) }
        }

        /// The device's TLS as given.
        var spec: DSTDeviceSpec.TLS {
            DSTDeviceSpec.TLS(identity: identity?.name, key: key?.path, cert: cert?.path, certKey: certKey?.path,
                              ca: ca?.path, serverName: serverName, cipher: tlsCipher, rekeyRecords: rekeyRecords?.value)
        }
    }

    /// Whom an export admits: PSK identities and certificate subjects, each
    /// read-write or read-only, and address prefixes.
    struct AccessOptions: ParsableArguments {
        @Option(help: ArgumentHelp("Admit a PSK identity, read-write, with its key file (repeatable).",
                                   valueName: "identity=keyfile"))
        var allow: [AllowedKey] = []

        @Option(help: ArgumentHelp("Admit a PSK identity, read-only (repeatable).", valueName: "identity=keyfile"))
        var allowRo: [AllowedKey] = []

        @Option(help: ArgumentHelp("Admit a client certificate by CN or subject, read-write (repeatable).",
                                   valueName: "subject"))
        var allowSubject: [String] = []

        @Option(help: ArgumentHelp("Admit a client certificate by CN or subject, read-only (repeatable).",
                                   valueName: "subject"))
        var allowSubjectRo: [String] = []

        @Option(help: ArgumentHelp("Take clients from this address prefix only (repeatable).", valueName: "cidr"))
        var allowFrom: [DSTCIDR] = []

        /// The entries given into `spec`, which checks them.
        func fill(_ spec: inout DSTExportSpec) {
            spec.allow = allow
            spec.allowRo = allowRo
            spec.allowSubject = allowSubject
            spec.allowSubjectRo = allowSubjectRo
            spec.allowFrom = allowFrom
        }

        /// The entries given, checked: key files owner-only, subjects as
        /// long as the kernel keeps.
        func entries() throws -> [DSTAllowEntry] {
            var spec = DSTExportSpec(path: nil, listen: nil)
            fill(&spec)
            if let problem = spec.subjectProblems(spell: Export.option).first { throw ValidationError(problem.message) }
            return try spec.checkedAccess().allow
        }

        var isEmpty: Bool {
            allow.isEmpty && allowRo.isEmpty && allowSubject.isEmpty && allowSubjectRo.isEmpty && allowFrom.isEmpty
        }
    }
}

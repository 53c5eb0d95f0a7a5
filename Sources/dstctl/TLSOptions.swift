// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

/// A TLS identity as typed: 1 to 64 printable ASCII characters, no space
/// and no "=" (the separator of --allow).
struct Identity: ExpressibleByArgument, Equatable {
    let name: String

    init?(argument: String) {
        let bytes = Array(argument.utf8)
        guard !bytes.isEmpty, bytes.count <= DSTWire.identityMax,
              bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "=") }) else { return nil }
        name = argument
    }
}

/// --allow IDENTITY=KEYFILE: a PSK identity an export admits, and its key.
struct AllowedKey: ExpressibleByArgument, Equatable {
    let identity: String
    let keyPath: String

    init?(argument: String) {
        guard let eq = argument.firstIndex(of: "="), let id = Identity(argument: String(argument[..<eq])) else {
            return nil
        }
        let path = String(argument[argument.index(after: eq)...])
        guard path.hasPrefix("/"), path.utf8.count <= DSTWire.pathMax else { return nil }
        identity = id.name
        keyPath = path
    }
}

/// An absolute path of a key or certificate, as the kernel keeps it for dstd.
struct CredentialPath: ExpressibleByArgument, Equatable {
    let path: String

    init?(argument: String) {
        guard argument.hasPrefix("/"), argument.utf8.count <= DSTWire.pathMax else { return nil }
        path = argument
    }
}

extension DSTCIDR: ExpressibleByArgument {
    /// "10.0.0.0/24", "2001:db8::/32", or one address.
    public init?(argument: String) { self.init(parsing: argument) }
}

/// TLS records a connection carries before it is replaced: 256 to the spec's
/// rekey-records-max.
struct RekeyRecords: ExpressibleByArgument, Equatable {
    let value: UInt32

    init?(argument: String) {
        guard argument.allSatisfy({ $0 >= "0" && $0 <= "9" }), let n = UInt32(argument),
              n >= 256, n <= UInt32(DSTWire.rekeyRecordsMax) else { return nil }
        value = n
    }

    static let help = ArgumentHelp(
        "TLS records a connection carries before dstd replaces it (new keys), 256 to \(DSTWire.rekeyRecordsMax).",
        valueName: "n")
}

enum CipherChoice: String, ExpressibleByArgument, CaseIterable {
    case any
    case aes128gcm = "aes-128-gcm"
    case chacha20poly1305 = "chacha20-poly1305"

    var ciphers: DSTTLSCiphers {
        switch self {
        case .any: return .any
        case .aes128gcm: return .aes128GCM
        case .chacha20poly1305: return .chacha20Poly1305
        }
    }
}

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

        func validate() throws {
            if key != nil && cert != nil { throw ValidationError("give --key or --cert, not both") }
            if key != nil && identity == nil { throw ValidationError("--key needs --identity") }
            if identity != nil && key == nil && cert == nil { throw ValidationError("--identity needs --key or --cert") }
            if cert != nil && (certKey == nil || ca == nil) { throw ValidationError("--cert needs --cert-key and --ca") }
            if cert == nil && (certKey != nil || ca != nil || serverName != nil) {
                throw ValidationError("--cert-key, --ca and --server-name go with --cert")
            }
        }

        var isTLS: Bool { key != nil || cert != nil }

        /// The device's TLS, its files checked now (a key file readable by
        /// others is refused); nil without TLS.
        func deviceTLS(remote: DSTAddress) throws -> DSTDeviceTLS? {
            if let key, let identity {
                _ = try DSTKeyFile.read(key.path)
                return DSTDeviceTLS(identity: identity.name,
                                    credentials: .psk(identity: identity.name, keyPath: key.path),
                                    rekeyRecords: rekeyRecords?.value)
            }
            guard let cert, let certKey, let ca else { return nil }
            try DSTKeyFile.checkPrivate(certKey.path)
            let name = try identity?.name ?? certificateCommonName(cert.path)
            return DSTDeviceTLS(identity: name,
                                credentials: .x509(certPath: cert.path, keyPath: certKey.path, caPath: ca.path,
                                                   serverName: serverName ?? remote.host),
                                rekeyRecords: rekeyRecords?.value)
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

        /// The entries given, checked: key files owner-only, subjects as
        /// long as the kernel keeps.
        func entries() throws -> [DSTAllowEntry] {
            for subject in allowSubject + allowSubjectRo where subject.isEmpty || subject.utf8.count > DSTWire.identityMax {
                throw ValidationError("--allow-subject must be 1 to \(DSTWire.identityMax) bytes")
            }
            for key in allow + allowRo { _ = try DSTKeyFile.read(key.keyPath) }
            return allow.map { DSTAllowEntry(identity: $0.identity, keyPath: $0.keyPath, readOnly: false) }
                + allowRo.map { DSTAllowEntry(identity: $0.identity, keyPath: $0.keyPath, readOnly: true) }
                + allowSubject.map { DSTAllowEntry(identity: $0, keyPath: nil, readOnly: false) }
                + allowSubjectRo.map { DSTAllowEntry(identity: $0, keyPath: nil, readOnly: true) }
        }

        var isEmpty: Bool {
            allow.isEmpty && allowRo.isEmpty && allowSubject.isEmpty && allowSubjectRo.isEmpty && allowFrom.isEmpty
        }
    }
}

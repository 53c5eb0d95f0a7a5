// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// A client device as `dstctl add-device` or a [Device] section of the
/// configuration file describes it: the values given, nil where not. Both
/// check it here, with their own spelling of the keys, and attach it with
/// attach(session:), so that one device means the same either way.
public struct DSTDeviceSpec: Equatable, Sendable {
    /// Each value, for problems to name in the caller's spelling.
    public enum Key: Hashable, CaseIterable, Sendable {
        case remote, export, name, csum, connections
        case ioTimeout, pingInterval, reconnectDelay, reconnectDelayMax, giveUp
        case identity, key, cert, certKey, ca, serverName, tlsCipher, rekeyRecords

        /// The policy field of a timeout key.
        public var field: DSTDevicePolicy.Field? {
            switch self {
            case .ioTimeout: return .ioTimeout
            case .pingInterval: return .pingInterval
            case .reconnectDelay: return .reconnectDelay
            case .reconnectDelayMax: return .reconnectDelayMax
            case .giveUp: return .reconnectGiveUp
            default: return nil
            }
        }

        public init(field: DSTDevicePolicy.Field) {
            switch field {
            case .ioTimeout: self = .ioTimeout
            case .pingInterval: self = .pingInterval
            case .reconnectDelay: self = .reconnectDelay
            case .reconnectDelayMax: self = .reconnectDelayMax
            case .reconnectGiveUp: self = .giveUp
            }
        }
    }

    /// A value that is wrong, or that does not go with another.
    public struct Problem: Equatable, Sendable {
        /// The value the problem is about (where a file points at).
        public var key: Key
        public var message: String

        public init(key: Key, message: String) {
            self.key = key
            self.message = message
        }
    }

    /// How the device authenticates: a PSK identity and its key file, or a
    /// certificate; nothing for plaintext.
    public struct TLS: Equatable, Sendable {
        public var identity: String?
        public var key: String?
        public var cert: String?
        public var certKey: String?
        public var ca: String?
        public var serverName: String?
        public var cipher: DSTCipherChoice = .any
        public var rekeyRecords: UInt32?

        public init(identity: String? = nil, key: String? = nil, cert: String? = nil, certKey: String? = nil,
                    ca: String? = nil, serverName: String? = nil, cipher: DSTCipherChoice = .any,
                    rekeyRecords: UInt32? = nil) {
            self.identity = identity
            self.key = key
            self.cert = cert
            self.certKey = certKey
            self.ca = ca
            self.serverName = serverName
            self.cipher = cipher
            self.rekeyRecords = rekeyRecords
        }

        public var isTLS: Bool { key != nil || cert != nil }

        /// The values that do not go together, the first one named.
        public func problems(spell: (Key) -> String) -> [Problem] {
            var out: [Problem] = []
            if key != nil && cert != nil {
                out.append(Problem(key: .cert, message: "give \(spell(.key)) or \(spell(.cert)), not both"))
            }
            if key != nil && identity == nil {
                out.append(Problem(key: .key, message: "\(spell(.key)) needs \(spell(.identity))"))
            }
            if identity != nil && key == nil && cert == nil {
                out.append(Problem(key: .identity,
                                   message: "\(spell(.identity)) needs \(spell(.key)) or \(spell(.cert))"))
            }
            if cert != nil && (certKey == nil || ca == nil) {
                out.append(Problem(key: .cert,
                                   message: "\(spell(.cert)) needs \(spell(.certKey)) and \(spell(.ca))"))
            }
            if cert == nil, let stray = [(certKey, Key.certKey), (ca, .ca), (serverName, .serverName)]
                .first(where: { $0.0 != nil })?.1 {
                out.append(Problem(key: stray, message: "\(spell(.certKey)), \(spell(.ca)) and "
                    + "\(spell(.serverName)) go with \(spell(.cert))"))
            }
            return out
        }

        /// The device's TLS as the kernel keeps it, for the server at
        /// `remote`; `commonName` is the CN of the certificate, the
        /// identity when none is given. Nil without TLS.
        public func deviceTLS(remote: DSTAddress, commonName: String?) -> DSTDeviceTLS? {
            if let key, let identity {
                return DSTDeviceTLS(identity: identity, credentials: .psk(identity: identity, keyPath: key),
                                    rekeyRecords: rekeyRecords)
            }
            guard let cert, let certKey, let ca else { return nil }
            return DSTDeviceTLS(identity: identity ?? commonName ?? "",
                                credentials: .x509(certPath: cert, keyPath: certKey, caPath: ca,
                                                   serverName: serverName ?? remote.host),
                                rekeyRecords: rekeyRecords)
        }

        /// deviceTLS, its files checked now: a key file readable by others
        /// is refused; the CN is read from the certificate.
        public func checkedDeviceTLS(remote: DSTAddress) throws -> DSTDeviceTLS? {
            if let key, identity != nil {
                _ = try DSTKeyFile.read(key)
                return deviceTLS(remote: remote, commonName: nil)
            }
            guard let cert, let certKey, ca != nil else { return nil }
            try DSTKeyFile.checkPrivate(certKey)
            let name = try identity ?? certificateCommonName(cert)
            return deviceTLS(remote: remote, commonName: name)
        }
    }

    /// Required; nil only while a file is read.
    public var remote: DSTAddress?
    /// Nil asks for the only export on the address.
    public var export: String?
    /// Nil: the first free index.
    public var index: UInt32?
    /// Nil: crc32c, none with TLS (whose records are authenticated).
    public var csum: DSTChecksumChoice?
    /// Nil: DSTAttach.defaultConnections.
    public var connections: UInt32?
    /// The timeouts given, as typed.
    public var timeouts: [DSTDevicePolicy.Field: DSTSeconds] = [:]
    public var tls = TLS()

    public init(remote: DSTAddress?, export: String? = nil, index: UInt32? = nil, csum: DSTChecksumChoice? = nil,
                connections: UInt32? = nil, timeouts: [DSTDevicePolicy.Field: DSTSeconds] = [:], tls: TLS = TLS()) {
        self.remote = remote
        self.export = export
        self.index = index
        self.csum = csum
        self.connections = connections
        self.timeouts = timeouts
        self.tls = tls
    }

    /// Every problem, in the order of Key.
    public func problems(spell: (Key) -> String) -> [Problem] {
        var out: [Problem] = []
        let range = DSTAttach.connectionRange
        if let connections, !range.contains(connections) {
            out.append(Problem(key: .connections, message: "\(spell(.connections)) must be between "
                + "\(range.lowerBound) and \(range.upperBound)"))
        }
        out += DSTDevicePolicy.problems(given: timeouts) { spell(Key(field: $0)) }
            .map { Problem(key: Key(field: $0.field), message: $0.message) }
        out += tls.problems(spell: spell)
        return out
    }

    /// The checksum asked for.
    public var checksum: DSTChecksum { (csum ?? (tls.isTLS ? .none : .crc32c)).checksum }

    /// The connections the device is meant to have, on a client with
    /// `defaultConnections` as its default.
    public func connectionCount(default defaultConnections: UInt32) -> UInt32 {
        connections ?? defaultConnections
    }

    /// The timeouts given, the rest from DSTDevicePolicy.defaults; a first
    /// delay above the default maximum raises the maximum.
    public var policy: DSTDevicePolicy {
        var given = DSTDevicePolicy.given(timeouts)
        if let first = given.reconnectDelay, given.reconnectDelayMax == nil,
           let max = DSTDevicePolicy.defaults.reconnectDelayMax, first.value > max.value {
            given.reconnectDelayMax = first
        }
        return given.filled(from: .defaults)
    }

    /// What add-device runs for this device, its TLS files checked now.
    public func attach(session: DSTSession) throws -> DSTAttach {
        guard let remote else { throw DSTError.notPossible("a device needs a remote address") }
        return DSTAttach(address: remote, exportName: export, csum: checksum, index: index, policy: policy,
                         connections: connectionCount(default: DSTAttach.defaultConnections), session: session,
                         tls: try tls.checkedDeviceTLS(remote: remote), ciphers: tls.cipher.ciphers)
    }
}

extension DSTDevicePolicy {
    /// The timeouts that the kernel takes for their fields; others are left out.
    public static func given(_ timeouts: [Field: DSTSeconds]) -> DSTDevicePolicy {
        var p = DSTDevicePolicy()
        for field in Field.allCases { p[field] = timeouts[field]?.value(for: field) }
        return p
    }

    /// The timeouts as typed that the kernel does not take: a value out of
    /// its field's range, a maximum delay below the first.
    public static func problems(given timeouts: [Field: DSTSeconds],
                                spell: (Field) -> String) -> [(field: Field, message: String)] {
        var out: [(field: Field, message: String)] = []
        for field in Field.allCases {
            if let seconds = timeouts[field], seconds.value(for: field) == nil {
                out.append((field, "\(spell(field)) must be \(field.allowed)"))
            }
        }
        let p = given(timeouts)
        if p.hasDelaysOutOfOrder, let first = p.reconnectDelay, let max = p.reconnectDelayMax {
            out.append((.reconnectDelayMax, "\(spell(.reconnectDelayMax)) (\(max)) must not be less than "
                + "\(spell(.reconnectDelay)) (\(first))"))
        }
        return out
    }
}

// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// An export as `dstctl export` or an [Export] section of the
/// configuration file describes it: the values given, nil or empty where
/// not. Both check it here, with their own spelling of the keys.
public struct DSTExportSpec: Equatable, Sendable {
    public enum Key: Hashable, CaseIterable, Sendable {
        case path, listen, name, readOnly, uuid, allow, allowRo, allowSubject, allowSubjectRo, allowFrom
        case cert, certKey, ca
    }

    public struct Problem: Equatable, Sendable {
        public var key: Key
        public var message: String

        public init(key: Key, message: String) {
            self.key = key
            self.message = message
        }
    }

    /// The backing store; required, nil only while a file is read.
    public var path: String?
    /// Required, nil only while a file is read.
    public var listen: DSTAddress?
    /// Nil: the last component of the path.
    public var name: String?
    public var readOnly = false
    /// Nil: derived from this machine, the name and the backing store.
    public var uuid: DSTUUID?
    public var allow: [DSTAllowedKey] = []
    public var allowRo: [DSTAllowedKey] = []
    public var allowSubject: [String] = []
    public var allowSubjectRo: [String] = []
    public var allowFrom: [DSTCIDR] = []
    public var cert: String?
    public var certKey: String?
    public var ca: String?

    public init(path: String?, listen: DSTAddress?, name: String? = nil) {
        self.path = path
        self.listen = listen
        self.name = name
    }

    /// The name given, else the last component of the path.
    public var exportName: String { name ?? DSTBacking.basename(path ?? "") }

    /// Every problem, the first value named.
    public func problems(spell: (Key) -> String) -> [Problem] {
        var out: [Problem] = []
        let psk = !allow.isEmpty || !allowRo.isEmpty
        let subjects = !allowSubject.isEmpty || !allowSubjectRo.isEmpty
        let subjectKey: Key = allowSubject.isEmpty ? .allowSubjectRo : .allowSubject
        if psk && subjects {
            out.append(Problem(key: subjectKey, message: "give PSK identities or certificate subjects, not both"))
        }
        if subjects != (cert != nil) {
            out.append(Problem(key: subjects ? subjectKey : .cert,
                               message: "\(spell(.allowSubject)) and \(spell(.cert)) go together"))
        }
        if (cert != nil) != (certKey != nil) || (cert != nil) != (ca != nil) {
            let given: Key = cert != nil ? .cert : certKey != nil ? .certKey : .ca
            out.append(Problem(key: given, message: "\(spell(.cert)), \(spell(.certKey)) and \(spell(.ca)) go together"))
        }
        out += subjectProblems(spell: spell)
        // The nil UUID stands for no export in a refusal.
        if let uuid, uuid.isZero {
            out.append(Problem(key: .uuid, message: "\(spell(.uuid)) must not be all zeroes"))
        }
        if !DSTNames.isValidExportName(exportName) {
            out.append(Problem(key: .name, message: "\"\(exportName)\" is no export name: give \(spell(.name)), "
                + "1 to \(DSTWire.exportNameMax) of A-Z a-z 0-9 . _ -"))
        }
        return out
    }

    /// Certificate subjects longer than the kernel keeps, or empty.
    public func subjectProblems(spell: (Key) -> String) -> [Problem] {
        [(Key.allowSubject, allowSubject), (.allowSubjectRo, allowSubjectRo)]
            .filter { $0.1.contains { $0.isEmpty || $0.utf8.count > DSTWire.identityMax } }
            .map { Problem(key: $0.0, message: "\(spell($0.0)) must be 1 to \(DSTWire.identityMax) bytes") }
    }

    /// Whom the export admits, as the kernel keeps it.
    public var access: DSTAccess {
        let entries = allow.map { DSTAllowEntry(identity: $0.identity, keyPath: $0.keyPath, readOnly: false) }
            + allowRo.map { DSTAllowEntry(identity: $0.identity, keyPath: $0.keyPath, readOnly: true) }
            + allowSubject.map { DSTAllowEntry(identity: $0, keyPath: nil, readOnly: false) }
            + allowSubjectRo.map { DSTAllowEntry(identity: $0, keyPath: nil, readOnly: true) }
        var server: DSTServerCertificate?
        if let cert, let certKey, let ca {
            server = DSTServerCertificate(certPath: cert, keyPath: certKey, caPath: ca)
        }
        return DSTAccess(tlsRequired: !entries.isEmpty, allow: entries, from: allowFrom, server: server)
    }

    /// access, its files checked now: key files owner-only.
    public func checkedAccess() throws -> DSTAccess {
        let access = access
        for entry in access.allow { if let key = entry.keyPath { _ = try DSTKeyFile.read(key) } }
        if let key = access.server?.keyPath { try DSTKeyFile.checkPrivate(key) }
        return access
    }
}

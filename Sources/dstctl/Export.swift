// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a block device or regular file.",
            discussion: """
                The kernel serves the export; dstd accepts clients on the listen address
                and is started if it is not running in this network namespace.

                Clients refuse to reconnect to an export whose UUID changed. By default
                the UUID is derived from this machine, the export name and the backing
                store, so exporting the same store under the same name again (after
                unexport or a reboot) gives the same UUID; --uuid keeps an export's UUID
                when it moves to another machine or backing store.

                An export with --allow (PSK identities) or --allow-subject (client
                certificates, with --cert) takes TLS 1.3 connections only, from the
                identities it lists. Without them it is insecure: anyone who reaches the
                address can read and write it, in the clear.
                """
        )

        @Argument(help: ArgumentHelp("Block device or regular file to export.", valueName: "path"))
        var path: String

        @Option(help: ArgumentHelp("Address dstd accepts clients on, host:port or [IPv6]:port.", valueName: "addr:port"))
        var listen: DSTAddress

        @Option(help: ArgumentHelp("Export name: 1 to \(DSTWire.exportNameMax) of A-Z a-z 0-9 . _ - (default: the last component of <path>).",
                                   valueName: "name"))
        var name: ExportName?

        @Flag(help: "Open <path> read-only and refuse writes.")
        var readOnly = false

        @Option(help: ArgumentHelp("Export UUID, 8-4-4-4-12 hex digits, not all zeroes (default: derived from this machine, <name> and the backing store).",
                                   valueName: "uuid"))
        var uuid: DSTUUID?

        @OptionGroup(title: "Access")
        var access: AccessOptions

        @Option(help: ArgumentHelp("Server certificate (PEM), for --allow-subject; absolute path.", valueName: "file"))
        var cert: CredentialPath?

        @Option(help: ArgumentHelp("Key of the server certificate (PEM), owner-only, absolute path.", valueName: "file"))
        var certKey: CredentialPath?

        @Option(help: ArgumentHelp("CA that signs the clients' certificates (PEM), absolute path.", valueName: "file"))
        var ca: CredentialPath?

        /// The options, as spelled, by the export value each sets.
        static func option(_ key: DSTExportSpec.Key) -> String {
            switch key {
            case .path: return "<path>"
            case .listen: return "--listen"
            case .name: return "--name"
            case .readOnly: return "--read-only"
            case .uuid: return "--uuid"
            case .allow: return "--allow"
            case .allowRo: return "--allow-ro"
            case .allowSubject: return "--allow-subject"
            case .allowSubjectRo: return "--allow-subject-ro"
            case .allowFrom: return "--allow-from"
            case .cert: return "--cert"
            case .certKey: return "--cert-key"
            case .ca: return "--ca"
            }
        }

        /// The export as given.
        var spec: DSTExportSpec {
            var spec = DSTExportSpec(path: path, listen: listen, name: name?.name)
            spec.readOnly = readOnly
            spec.uuid = uuid
            access.fill(&spec)
            spec.cert = cert?.path
            spec.certKey = certKey?.path
            spec.ca = ca?.path
            return spec
        }

        func validate() throws {
            if let problem = spec.problems(spell: Self.option).first { throw ValidationError(problem.message) }
        }

        func run() throws {
            Console.writeStdout(try Self.create(spec) + "\n")
        }

        /// Exports what `spec` describes, as `dstctl export` does, and makes
        /// dstd listen for it; returns "exported NAME (N bytes) on ADDR".
        /// Warnings (an insecure export, dstd's problems) go to stderr.
        static func create(_ spec: DSTExportSpec) throws -> String {
            guard let path = spec.path, let listen = spec.listen else {
                throw DSTError.notPossible("an export needs a path and a listen address")
            }
            let exportName = spec.exportName
            let readOnly = spec.readOnly
            let backing = try DSTBacking.open(path, readOnly: readOnly)
            let exportUUID = spec.uuid ?? backing.exportUUID(name: exportName)
            let access = try spec.checkedAccess()
            let netlink = try DSTNetlink()
            try Self.checkKind(access, listen: "\(listen)", among: netlink.exports())
            try netlink.addExport(DSTExportParams(name: exportName, backingFD: backing.fd.raw,
                                                  backingPath: backing.path, readOnly: readOnly,
                                                  listen: listen, uuid: exportUUID, access: access))
            if !access.tlsRequired {
                Dstctl.warn("export \(exportName) is insecure: anyone who reaches \(listen) can read"
                    + (readOnly ? "" : " and write") + " it, in the clear (see --allow)")
            }
            // A regular file is probed for direct I/O first, in the kernel.
            let size = (try? netlink.waitUntilProbed(export: exportName).size) ?? backing.size
            for problem in try Daemon.sync(after: "exported \(exportName)") {
                Dstctl.warn("dstd: \(problem)")
            }
            return "exported \(exportName) (\(size) bytes) on \(listen)"
        }

        /// dstd handshakes each address with pre-shared keys or with
        /// certificates: TLS exports that share an address use the same.
        static func checkKind(_ access: DSTAccess, listen: String, among exports: [DSTExport]) throws {
            guard access.tlsRequired, let other = exports.first(where: {
                $0.listen == listen && $0.access.tlsRequired && ($0.access.server == nil) != (access.server == nil)
            }) else { return }
            let kind = other.access.server == nil ? "pre-shared keys" : "certificates"
            throw DSTError.notPossible("export \(other.name) on \(listen) takes \(kind); TLS exports on one address "
                + "take the same kind (use another port)")
        }
    }
}

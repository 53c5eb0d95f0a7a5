// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct SetExport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-export",
            abstract: "Change whom an export admits.",
            discussion: """
                Adds the identities and address prefixes given, and removes those named by
                --deny and --deny-from. The kernel drops at once the connections the
                export no longer admits (and those of an identity made read-only, which
                reconnect read-only); they cannot reconnect. An export created without
                credentials takes none later: only its address prefixes change.
                """
        )

        @Argument(help: ArgumentHelp("Name of the export.", valueName: "name"))
        var name: ExportName

        @OptionGroup(title: "Access")
        var access: AccessOptions

        @Option(help: ArgumentHelp("Admit this identity or subject no longer (repeatable).", valueName: "identity"))
        var deny: [String] = []

        @Option(help: ArgumentHelp("Take clients from this address prefix no longer (repeatable).", valueName: "cidr"))
        var denyFrom: [DSTCIDR] = []

        func validate() throws {
            guard !access.isEmpty || !deny.isEmpty || !denyFrom.isEmpty else {
                throw ValidationError("set-export needs at least one of --allow, --allow-ro, --allow-subject, "
                    + "--allow-subject-ro, --allow-from, --deny, --deny-from")
            }
        }

        func run() throws {
            let netlink = try DSTNetlink()
            var next = try netlink.export(name.name).access
            let entries = try access.entries()
            if !next.tlsRequired && (!entries.isEmpty || !deny.isEmpty) {
                throw DSTError.notPossible("export \(name.name) was created without credentials and admits anyone;"
                    + " export it again with --allow")
            }
            for identity in deny where !next.allow.contains(where: { $0.identity == identity }) {
                throw DSTError.notPossible("export \(name.name) does not admit \"\(identity)\"")
            }
            let replaced = Set(deny + entries.map(\.identity))
            next.allow = next.allow.filter { !replaced.contains($0.identity) } + entries
            next.from = next.from.filter { !denyFrom.contains($0) && !access.allowFrom.contains($0) }
                + access.allowFrom
            try netlink.setExport(name.name, access: next)
        }
    }
}

// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct Unexport: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an export; its clients are disconnected."
        )

        @Argument(help: ArgumentHelp("Name of the export.", valueName: "name"))
        var name: String

        func run() throws {
            guard DSTNames.isValidExportName(name) else { throw DSTError.noSuchExport(name) }
            try DSTNetlink().removeExport(name)
        }
    }
}

// SPDX-License-Identifier: GPL-2.0-only OR MIT
import ArgumentParser
import DSTKit

extension Dstctl {
    struct GenKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "genkey",
            abstract: "Make a fresh pre-shared key for a TLS identity.",
            discussion: """
                A key is 32 random bytes in base64, one line. With a file, writes it there
                (a new file, mode 600); without one, prints it. Give the same key file to
                the client (add-device --identity NAME --key FILE) and to the export
                (export --allow NAME=FILE).
                """
        )

        @Argument(help: ArgumentHelp("New file to write the key to (default: print it).", valueName: "file"))
        var file: String?

        func run() throws {
            if let file {
                try DSTKeyFile.create(file)
            } else {
                Console.writeStdout(try DSTKeyFile.generate() + "\n")
            }
        }
    }
}

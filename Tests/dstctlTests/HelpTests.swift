// SPDX-License-Identifier: GPL-2.0-only OR MIT
// Whole help texts: a change to the CLI shows up here first.

extension CLITests {
    func testHelpRoot() throws {
        try assertHelp(["--help"], """
            OVERVIEW: Configure DST network block devices and exports.

            Without a subcommand, dstctl shows the status of devices and exports.
            Errors are one line on standard error; dstctl exits 1 when an operation
            fails and 64 when the command line is wrong.

            USAGE: dstctl <subcommand>

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            SUBCOMMANDS:
              status (default)        Show devices and exports (the default subcommand).
              export                  Export a block device or regular file.
              unexport                Remove an export; its clients are disconnected.
              add-node                Attach a remote export as a local block device
                                      /dev/dstN.
              remove-node             Remove a device; I/O still queued fails.

              See 'dstctl help <subcommand>' for detailed help.
            """)
    }

    func testHelpStatus() throws {
        try assertHelp(["status", "--help"], """
            OVERVIEW: Show devices and exports (the default subcommand).

            Devices come from the kernel and their counters from
            /sys/block/dstN/dst/. Exports are those of this network namespace.

            USAGE: dstctl status [--json]

            OPTIONS:
              --json                  Print JSON with stable keys, for scripts.
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }

    func testHelpExport() throws {
        try assertHelp(["export", "--help"], """
            OVERVIEW: Export a block device or regular file.

            The kernel serves the export; dstd accepts clients on the listen address
            and is started if it is not running in this network namespace.

            USAGE: dstctl export <path> --listen <addr:port> [--name <name>] [--read-only]

            ARGUMENTS:
              <path>                  Block device or regular file to export.

            OPTIONS:
              --listen <addr:port>    Address dstd accepts clients on.
              --name <name>           Export name: 1 to 64 of A-Z a-z 0-9 . _ - (default:
                                      the last component of <path>).
              --read-only             Open <path> read-only and refuse writes.
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }

    func testHelpUnexport() throws {
        try assertHelp(["unexport", "--help"], """
            OVERVIEW: Remove an export; its clients are disconnected.

            USAGE: dstctl unexport <name>

            ARGUMENTS:
              <name>                  Name of the export.

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }

    func testHelpAddNode() throws {
        try assertHelp(["add-node", "--help"], """
            OVERVIEW: Attach a remote export as a local block device /dev/dstN.

            Connects to the server, performs the handshake and hands the connection
            to the kernel. Prints the device path. Starts dstd, which reconnects the
            device when its connection drops.

            USAGE: dstctl add-node --remote <addr:port> [--export <name>] [--name <dstN>] [--csum <csum>]

            OPTIONS:
              --remote <addr:port>    Server address (default port 1025).
              --export <name>         Export to attach (default: the only export on the
                                      server's address).
              --name <dstN>           Device name (default: the first free dstN).
              --csum <csum>           Checksum over frame headers and data. (values:
                                      crc32c, none; default: crc32c)
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }

    func testHelpRemoveNode() throws {
        try assertHelp(["remove-node", "--help"], """
            OVERVIEW: Remove a device; I/O still queued fails.

            USAGE: dstctl remove-node <dstN>

            ARGUMENTS:
              <dstN>                  The device: dstN or /dev/dstN.

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }
}

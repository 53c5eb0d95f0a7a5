// SPDX-License-Identifier: GPL-2.0-only OR MIT
// Whole help texts: a change to the CLI shows up here first.
import XCTest

extension CLITests {
    func testHelpRoot() throws {
        try assertHelp(["--help"], """
            OVERVIEW: Configure DST network block devices and exports.

            Without a subcommand, dstctl shows the status of devices and exports.
            Errors are one line on standard error; dstctl exits 1 when an operation
            fails, 64 when the command line is wrong and 78 when the configuration
            file of apply or down has errors.

            USAGE: dstctl <subcommand>

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            SUBCOMMANDS:
              status (default)        Show devices and exports (the default subcommand).
              export                  Export a block device or regular file.
              set-export              Change whom an export admits.
              unexport                Remove an export; its clients are disconnected.
              add-device, add-node    Attach a remote export as a local block device
                                      /dev/dstN.
              set-device, set-node    Change a device's timeouts and reconnect policy.
              remove-device, remove-node
                                      Remove a device; I/O still queued fails.
              apply                   Make the devices and exports what dst.conf says.
              down                    Remove the devices and exports dst.conf names.
              monitor                 Print device and export events as they happen.
              genkey                  Make a fresh pre-shared key for a TLS identity.

              See 'dstctl help <subcommand>' for detailed help.
            """)
    }

    func testHelpStatus() throws {
        try assertHelp(["status", "--help"], """
            OVERVIEW: Show devices and exports (the default subcommand).

            Everything comes from the kernel, over netlink. Exports are those of this
            network namespace. --dump prints one line per device and per export,
            tab-separated, in the order of the --json keys (counters spread over
            one column each); absent values are "-".

            USAGE: dstctl status [<dstN>] [--export <name>] [--json] [--dump]

            ARGUMENTS:
              <dstN>                  Show only this device: dstN or /dev/dstN.

            OPTIONS:
              --export <name>         Show only this export.
              --json                  Print JSON with stable keys, for scripts.
              --dump                  Print tab-separated lines, for scripts.
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }

    func testHelpExport() throws {
        try assertHelp(["export", "--help"], """
            OVERVIEW: Export a block device or regular file.

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

            USAGE: dstctl export [<options>] <path> --listen <addr:port>

            ARGUMENTS:
              <path>                  Block device or regular file to export.

            ACCESS:
              --allow <identity=keyfile>
                                      Admit a PSK identity, read-write, with its key file
                                      (repeatable).
              --allow-ro <identity=keyfile>
                                      Admit a PSK identity, read-only (repeatable).
              --allow-subject <subject>
                                      Admit a client certificate by CN or subject,
                                      read-write (repeatable).
              --allow-subject-ro <subject>
                                      Admit a client certificate by CN or subject,
                                      read-only (repeatable).
              --allow-from <cidr>     Take clients from this address prefix only
                                      (repeatable).

            OPTIONS:
              --listen <addr:port>    Address dstd accepts clients on, host:port or
                                      [IPv6]:port.
              --name <name>           Export name: 1 to 64 of A-Z a-z 0-9 . _ - (default:
                                      the last component of <path>).
              --read-only             Open <path> read-only and refuse writes.
              --uuid <uuid>           Export UUID, 8-4-4-4-12 hex digits, not all zeroes
                                      (default: derived from this machine, <name> and the
                                      backing store).
              --cert <file>           Server certificate (PEM), for --allow-subject;
                                      absolute path.
              --cert-key <file>       Key of the server certificate (PEM), owner-only,
                                      absolute path.
              --ca <file>             CA that signs the clients' certificates (PEM),
                                      absolute path.
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }

    func testHelpUnexport() throws {
        try assertHelp(["unexport", "--help"], """
            OVERVIEW: Remove an export; its clients are disconnected.

            Returns once the backing store is closed, after the requests of the
            export's clients that were on it completed.

            USAGE: dstctl unexport <name>

            ARGUMENTS:
              <name>                  Name of the export.

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }

    func testHelpAddDevice() throws {
        try assertHelp(["add-device", "--help"], """
            OVERVIEW: Attach a remote export as a local block device /dev/dstN.

            Connects to the server, performs the handshake and hands the connections
            to the kernel, which spreads I/O over them. Prints the device path. Starts
            dstd, which reconnects the device when a connection drops.

            With --identity and --key (a PSK), or --cert, every connection carries TLS
            1.3, handshaken here and then encrypted and authenticated by the kernel.

            USAGE: dstctl add-device [<options>] --remote <addr:port>

            TIMEOUTS:
              --io-timeout <seconds>  How long I/O waits for a reconnect before it fails
                                      with EIO; -1: forever (new devices: 30).
              --ping-interval <seconds>
                                      Silence after which the client pings the server; 0:
                                      off (new devices: 5).
              --reconnect-delay <seconds>
                                      dstd's first delay before a reconnect attempt (new
                                      devices: 0.5).
              --reconnect-delay-max <seconds>
                                      Largest delay between reconnect attempts (new
                                      devices: 10).
              --give-up <seconds>     dstd stops reconnecting this long after the
                                      connection was lost; -1: never (new devices: -1).

            TLS:
              --identity <name>       TLS identity, with --key (a PSK); with --cert,
                                      default: its CN.
              --key <file>            Key file of the identity (dstctl genkey), owner-only,
                                      absolute path.
              --cert <file>           Client certificate (PEM), absolute path.
              --cert-key <file>       Key of the client certificate (PEM), owner-only,
                                      absolute path.
              --ca <file>             CA that signs the server's certificate (PEM),
                                      absolute path.
              --server-name <name>    DNS name the server's certificate must carry
                                      (default: the host of --remote).
              --tls-cipher <tls-cipher>
                                      Ciphers to offer. (values: any, aes-128-gcm,
                                      chacha20-poly1305; default: any)
              --rekey-records <n>     TLS records a connection carries before dstd replaces
                                      it (new keys), 256 to 8388608.

            OPTIONS:
              --remote <addr:port>    Server address, host:port or [IPv6]:port (default
                                      port 1025).
              --export <name>         Export to attach (default: the only export on the
                                      server's address).
              --name <dstN>           Device name (default: the first free dstN).
              --csum <csum>           Checksum over frame headers and data (default:
                                      crc32c; none with TLS, whose records are
                                      authenticated). (values: crc32c, none)
              --connections <n>       TCP connections to the server, 1 to 16 (default: one
                                      per online CPU, at most 16); small I/O goes on the
                                      submitting CPU's.
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }

    func testHelpRemoveDevice() throws {
        try assertHelp(["remove-device", "--help"], """
            OVERVIEW: Remove a device; I/O still queued fails.

            USAGE: dstctl remove-device [--force] <dstN>

            ARGUMENTS:
              <dstN>                  The device: dstN or /dev/dstN.

            OPTIONS:
              --force                 Remove the device even while it is mounted or
                                      claimed; its I/O fails.
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }

    func testHelpSetDevice() throws {
        try assertHelp(["set-device", "--help"], """
            OVERVIEW: Change a device's timeouts and reconnect policy.

            Changes only the values given; the kernel keeps them. A change applies to
            I/O already waiting and to a reconnect already under way; a running dstd
            resumes reconnecting a device it gave up on if --give-up now allows it.

            USAGE: dstctl set-device <dstN> [--io-timeout <seconds>] [--ping-interval <seconds>] [--reconnect-delay <seconds>] [--reconnect-delay-max <seconds>] [--give-up <seconds>] [--rekey-records <n>]

            ARGUMENTS:
              <dstN>                  The device: dstN or /dev/dstN.

            TIMEOUTS:
              --io-timeout <seconds>  How long I/O waits for a reconnect before it fails
                                      with EIO; -1: forever (new devices: 30).
              --ping-interval <seconds>
                                      Silence after which the client pings the server; 0:
                                      off (new devices: 5).
              --reconnect-delay <seconds>
                                      dstd's first delay before a reconnect attempt (new
                                      devices: 0.5).
              --reconnect-delay-max <seconds>
                                      Largest delay between reconnect attempts (new
                                      devices: 10).
              --give-up <seconds>     dstd stops reconnecting this long after the
                                      connection was lost; -1: never (new devices: -1).

            OPTIONS:
              --rekey-records <n>     TLS records a connection carries before dstd replaces
                                      it (new keys), 256 to 8388608.
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }

    func testHelpMonitor() throws {
        try assertHelp(["monitor", "--help"], """
            OVERVIEW: Print device and export events as they happen.

            One line per event of the kernel's events group, written at once. Runs
            until SIGINT or SIGTERM, or until standard output is closed.

            USAGE: dstctl monitor [--json]

            OPTIONS:
              --json                  Print one JSON object per line, with stable keys and
                                      a timestamp.
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }

    /// The old names stay: add-node, remove-node and set-node are aliases.
    func testHelpAliases() throws {
        for (alias, name) in [("add-node", "add-device"), ("remove-node", "remove-device"), ("set-node", "set-device")] {
            XCTAssertEqual(try dstctl(alias, "--help"), try dstctl(name, "--help"), alias)
        }
    }
}

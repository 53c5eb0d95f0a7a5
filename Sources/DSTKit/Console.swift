// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// Terminal output for the command-line tools.
public enum Console {
    /// True when stdout is a terminal (colour allowed, unless NO_COLOR).
    public static var colorStdout: Bool {
        isatty(1) == 1 && getenv("NO_COLOR") == nil
    }

    /// Writes all of `text` at once (no buffering); false when stdout is
    /// gone (EPIPE with SIGPIPE ignored, or another error).
    @discardableResult
    public static func writeStdout(_ text: String) -> Bool { write(fd: 1, text) }
    @discardableResult
    public static func writeStderr(_ text: String) -> Bool { write(fd: 2, text) }

    private static func write(fd: Int32, _ text: String) -> Bool {
        let stream = FileDescriptor(fd)
        defer { _ = stream.release() }
        return stream.writeAll(Array(text.utf8))
    }

    public static func exit(_ code: Int32) -> Never { Glibc.exit(code) }
}

// SPDX-License-Identifier: GPL-2.0-only OR MIT
import Glibc

/// A pre-shared key in a file: one line of base64, 32 bytes, as
/// `dstctl genkey` prints it. Readable by its owner only.
public enum DSTKeyFile {
    /// Bytes of a key.
    public static let keySize = 32

    /// A fresh random key, in base64.
    public static func generate() throws -> String {
        var key = try randomBytes(keySize)
        defer { key.withUnsafeMutableBytes { wipe($0) } }
        return Base64.encode(key)
    }

    /// The key in `path`. Refused unless the file is a regular file that no
    /// one but its owner (root, or whoever runs us) can read or write, and
    /// holds exactly one key.
    public static func read(_ path: String) throws -> [UInt8] {
        let fd = try FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW)
            .mapError { DSTError.cannotOpen(path: path, errno: $0.rawValue) }.get()
        var st = stat()
        _ = try Syscall.result { fstat(fd.raw, &st) }.mapError { DSTError.cannotOpen(path: path, errno: $0.rawValue) }
            .get()
        try check(path: path, mode: st.st_mode, owner: st.st_uid)
        var text = try fd.readAll(limit: 256)
        defer { text.withUnsafeMutableBytes { wipe($0) } }
        guard var key = Base64.decode(text.prefix { $0 != UInt8(ascii: "\n") }), key.count == keySize,
              text.allSatisfy({ $0 != 0 }) else {
            throw DSTError.badKeyFile(path: path, reason: "not a key: expected one line of base64 (dstctl genkey)")
        }
        defer { key.removeAll() }
        return key
    }

    /// Refuses a private key file (a certificate's key) that others can read.
    public static func checkPrivate(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { throw DSTError.cannotOpen(path: path, errno: Syscall.errno.rawValue) }
        try check(path: path, mode: st.st_mode, owner: st.st_uid)
    }

    /// Writes a fresh key to `path`, a new file of mode 600.
    public static func create(_ path: String) throws {
        var text = Array(try generate().utf8) + [UInt8(ascii: "\n")]
        defer { text.withUnsafeMutableBytes { wipe($0) } }
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
            .mapError { DSTError.cannotOpen(path: path, errno: $0.rawValue) }.get()
        guard fd.writeAll(text) else { throw DSTError.system(call: "write \(path)", errno: Syscall.errno.rawValue) }
    }

    /// A key file must be a regular file of its owner's alone.
    static func check(path: String, mode: mode_t, owner: uid_t) throws {
        guard mode & S_IFMT == S_IFREG else {
            throw DSTError.badKeyFile(path: path, reason: "not a regular file")
        }
        guard mode & 0o077 == 0 else {
            let octal = String(mode & 0o777, radix: 8)
            throw DSTError.badKeyFile(path: path,
                                      reason: "readable or writable by others (mode \(octal)); chmod 600 it")
        }
        guard owner == 0 || owner == geteuid() else {
            throw DSTError.badKeyFile(path: path, reason: "owned by uid \(owner), neither root nor us")
        }
    }
}

/// RFC 4648 base64, standard alphabet, with padding.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let chunk = (0..<3).map { i + $0 < bytes.count ? UInt32(bytes[i + $0]) : 0 }
            let word = chunk[0] << 16 | chunk[1] << 8 | chunk[2]
            for j in 0..<4 {
                out.append(j <= n ? alphabet[Int(word >> (18 - 6 * UInt32(j)) & 0x3f)] : UInt8(ascii: "="))
            }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Nil for anything but canonical base64 (whitespace around it aside).
    static func decode<C: Collection<UInt8>>(_ text: C) -> [UInt8]? {
        let chars = Array(text.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop {
            $0 == 0x20 || $0 == 0x09 || $0 == 0x0d
        }.reversed())
        guard !chars.isEmpty, chars.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        for start in stride(from: 0, to: chars.count, by: 4) {
            let quad = chars[start..<start + 4]
            let pad = quad.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            guard pad <= 2, start + 4 == chars.count || pad == 0 else { return nil }
            var word: UInt32 = 0
            for c in quad.prefix(4 - pad) {
                guard let v = alphabet.firstIndex(of: c) else { return nil }
                word = word << 6 | UInt32(v)
            }
            word <<= UInt32(6 * pad)
            let bytes = [UInt8(word >> 16 & 0xff), UInt8(word >> 8 & 0xff), UInt8(word & 0xff)]
            out += bytes.prefix(3 - pad)
        }
        guard encode(out) == String(decoding: chars, as: UTF8.self) else { return nil }
        return out
    }
}

// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// Names users type: exports and devices.
public enum DSTNames {
    /// An export name: 1 to DSTWire.exportNameMax of [A-Za-z0-9._-].
    public static func isValidExportName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= DSTWire.exportNameMax else { return false }
        return bytes.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }

    /// Highest device index the kernel accepts (dev-index max).
    public static let maxDeviceIndex: UInt32 = 1023

    /// The N of "dstN" or "/dev/dstN" (plain decimal, no leading zeros);
    /// throws DSTError.invalidDeviceName quoting `text`.
    public static func deviceIndex(_ text: String, allowDevPath: Bool = true) throws -> UInt32 {
        var s = Substring(text)
        if allowDevPath, s.hasPrefix("/dev/") { s = s.dropFirst(5) }
        guard s.hasPrefix("dst") else { throw DSTError.invalidDeviceName(text) }
        let digits = s.dropFirst(3)
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }),
              digits == "0" || digits.first != "0",
              let n = UInt32(digits), n <= maxDeviceIndex else {
            throw DSTError.invalidDeviceName(text)
        }
        return n
    }
}

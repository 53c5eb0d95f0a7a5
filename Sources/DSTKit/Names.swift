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
}

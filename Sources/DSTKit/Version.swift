// SPDX-License-Identifier: GPL-2.0-only OR MIT

/// The version of DST's tools, the one place it is written.
public enum DSTVersion {
    public static let string = "0.1.0"
}

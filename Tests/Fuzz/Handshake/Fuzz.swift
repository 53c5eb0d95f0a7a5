// SPDX-License-Identifier: GPL-2.0-only OR MIT
//
// dst-fuzz: libFuzzer over the codecs DSTKit runs on bytes from others: the
// handshake (a server's reply, a client's hello and name), netlink
// attributes, key files and addresses. The first byte picks the codec. Built
// with -sanitize=fuzzer,address by Tools/fuzz.sh, which runs the committed
// corpus (Tests/Fuzz/corpus) and a bounded number of new inputs. Built
// otherwise (swift build), it only says so.
#if DST_FUZZ
@testable import DSTKit

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>,
               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The executable's entry point, as SwiftPM names it: libFuzzer's driver.
@_cdecl("dst_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var args = argv
    return runDriver(&count, &args) { testOneInput($0, $1) }
}

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let rest = bytes.dropFirst()
    switch bytes[0] % 5 {
    case 0: serverReply(rest)
    case 1: clientHello(rest)
    case 2: _ = NLAttributes(parsing: rest).map { $0.map(\.type) }
    case 3: _ = Base64.decode(rest)
    default: _ = try? DSTAddress(parsing: String(decoding: rest, as: UTF8.self))
    }
    return 0
}

/// What a client does with a server's reply: its header, its limits block
/// if it says it has one, then its message.
func serverReply(_ bytes: ArraySlice<UInt8>) {
    guard let reply = try? DSTClientHandshake.replyHeader(bytes.prefix(DSTServerReply.size), peer: "fuzz") else {
        return
    }
    var rest = bytes.dropFirst(DSTServerReply.size)
    var limits: DSTServerLimits?
    if DSTFeatures(rawValue: reply.features).contains(.limits) {
        limits = try? DSTServerLimits(decoding: rest)
        rest = rest.dropFirst(DSTServerLimits.size)
    }
    _ = try? DSTClientHandshake.finish(reply: reply, limits: limits, message: rest, proposed: .crc32c, peer: "fuzz")
}

/// What a server does with a client's hello and export name.
func clientHello(_ bytes: ArraySlice<UInt8>) {
    guard case let .success(hello) = DSTServerHandshake.parseHeader(bytes.prefix(DSTClientHello.size)),
          case let .success(request) = DSTServerHandshake.parseName(hello, bytes.dropFirst(DSTClientHello.size))
    else { return }
    let export = DSTExport(name: "disk", size: 1 << 30, listen: "192.0.2.1:1025")
    _ = DSTServerHandshake.choose(request, exports: [export], listen: "192.0.2.1:1025")
}
#else
@main
enum NotFuzzing {
    static func main() { print("dst-fuzz: build it with Tools/fuzz.sh (libFuzzer)") }
}
#endif

// SPDX-License-Identifier: GPL-2.0-only OR MIT
import CDSTShim
import CLibNL
import Glibc

/// libnl's text for one of its negative error codes.
func netlinkErrorString(_ code: Int32) -> String {
    guard let text = nl_geterror(code) else { return "netlink error \(code)" }
    return String(cString: text)
}

/// A libnl generic netlink socket bound to the dst family. Not thread-safe:
/// each thread opens its own.
final class LibNLSocket: NetlinkTransport {
    private let sk: OpaquePointer
    let familyID: Int32

    /// Connects and resolves the family; an absent family means the module
    /// is not loaded.
    init() throws {
        guard let sk = nl_socket_alloc() else {
            throw DSTError.system(call: "nl_socket_alloc", errno: ENOMEM)
        }
        self.sk = sk
        var rc = genl_connect(sk)
        guard rc >= 0 else {
            nl_socket_free(sk)
            throw DSTError.netlink(call: "genl_connect", code: rc)
        }
        _ = dst_nl_enable_ext_ack(sk)
        // Acks are asked for per request; dumps end with NLMSG_DONE.
        nl_socket_disable_auto_ack(sk)
        // Peek first so that dump batches larger than a page are not cut.
        nl_socket_enable_msg_peek(sk)
        rc = genl_ctrl_resolve(sk, DSTFamily.name)
        guard rc >= 0 else {
            nl_socket_free(sk)
            if rc == -NLE_OBJ_NOTFOUND { throw DSTError.moduleNotLoaded }
            throw DSTError.netlink(call: "resolving the \(DSTFamily.name) family", code: rc)
        }
        familyID = rc
    }

    deinit { nl_socket_free(sk) }

    var fileDescriptor: Int32 { nl_socket_get_fd(sk) }

    /// Joins a multicast group of the family, by name.
    func join(group: String) throws {
        let id = genl_ctrl_resolve_grp(sk, DSTFamily.name, group)
        guard id >= 0 else {
            if id == -NLE_OBJ_NOTFOUND { throw DSTError.moduleNotLoaded }
            throw DSTError.netlink(call: "resolving group \(group)", code: id)
        }
        let rc = nl_socket_add_membership(sk, id)
        guard rc >= 0 else { throw DSTError.netlink(call: "joining group \(group)", code: rc) }
        // The event socket is polled; a read must never block.
        _ = nl_socket_set_nonblocking(sk)
    }

    func request(_ command: DSTCommand, _ values: [(DSTAttr, NLValue)], dump: Bool) throws -> [NLMessage] {
        guard let msg = nlmsg_alloc() else { throw DSTError.system(call: "nlmsg_alloc", errno: ENOMEM) }
        defer { nlmsg_free(msg) }
        let flags = dump ? Int32(DST_NLM_F_DUMP) : Int32(DST_NLM_F_ACK)
        guard genlmsg_put(msg, UInt32(NL_AUTO_PORT), UInt32(NL_AUTO_SEQ), familyID, 0, flags,
                          command.rawValue, UInt8(DSTFamily.version)) != nil else {
            throw DSTError.system(call: "genlmsg_put", errno: EMSGSIZE)
        }
        for (attr, value) in values {
            let rc = Self.put(msg, attr.rawValue, value)
            guard rc >= 0 else { throw DSTError.netlink(call: "building \(command.specName)", code: rc) }
        }
        let sent = nl_send_auto(sk, msg)
        guard sent >= 0 else { throw DSTError.netlink(call: "sending \(command.specName)", code: sent) }
        let seq = nlmsg_hdr(msg).pointee.nlmsg_seq
        return try receive(seq: seq, operation: command.specName)
    }

    /// Appends one attribute; a nest with its attributes in order, flagged
    /// NLA_F_NESTED (strict validation refuses a nest without it) and kept
    /// even when empty, as NLValue.payload encodes it. libnl's negative
    /// code on failure; the caller drops the whole message then. Internal:
    /// the tests compare its bytes with NLValue.payload.
    static func put(_ msg: OpaquePointer, _ type: UInt16, _ value: NLValue) -> Int32 {
        let t = Int32(type)
        switch value {
        case let .u32(v): return nla_put_u32(msg, t, v)
        case let .u64(v): return nla_put_u64(msg, t, v)
        case let .string(s): return nla_put_string(msg, t, s)
        case let .binary(b): return b.withUnsafeBytes { nla_put(msg, t, Int32($0.count), $0.baseAddress) }
        case .flag: return nla_put_flag(msg, t)
        case let .nest(entries):
            guard let start = nla_nest_start(msg, t | Int32(NLAttributes.nestedFlag)) else { return -NLE_NOMEM }
            for entry in entries {
                let rc = put(msg, entry.type, entry.value)
                guard rc >= 0 else { return rc }
            }
            return nla_nest_end_keep_empty(msg, start)
        }
    }

    /// Reads until the ack (do) or NLMSG_DONE (dump) of `seq`.
    private func receive(seq: UInt32, operation: String) throws -> [NLMessage] {
        var replies: [NLMessage] = []
        while true {
            var finished = false
            let batch = try receiveBatch(operation: operation) { hdr in
                if hdr.pointee.nlmsg_seq != seq { return .skip }
                return .take
            }
            for item in batch {
                switch item {
                case let .message(m): replies.append(m)
                case .done: finished = true
                }
            }
            if finished { return replies }
        }
    }

    enum Item { case message(NLMessage), done }
    enum Filter { case take, skip }

    /// One recvmsg: its messages decoded, statuses turned into errors.
    func receiveBatch(operation: String, filter: (UnsafeMutablePointer<nlmsghdr>) -> Filter) throws -> [Item] {
        var peer = sockaddr_nl()
        var buf: UnsafeMutablePointer<UInt8>?
        let n = nl_recv(sk, &peer, &buf, nil)
        defer { free(buf) }
        if n < 0 {
            // A polled, non-blocking socket with nothing (left) to read.
            if n == -NLE_AGAIN { return [] }
            if n == -NLE_NOMEM || n == -NLE_MSG_OVERFLOW {
                throw DSTError.system(call: "receiving \(operation)", errno: ENOBUFS)
            }
            throw DSTError.netlink(call: "receiving \(operation)", code: n)
        }
        guard n > 0, let buf else { return [] }
        var items: [Item] = []
        var rem = n
        var hdr: UnsafeMutablePointer<nlmsghdr>? = UnsafeMutableRawPointer(buf).assumingMemoryBound(to: nlmsghdr.self)
        while let h = hdr, nlmsg_ok(h, rem) != 0 {
            defer { hdr = nlmsg_next(h, &rem) }
            if filter(h) == .skip { continue }
            let type = Int32(h.pointee.nlmsg_type)
            switch type {
            case Int32(DST_NLMSG_NOOP):
                continue
            case Int32(DST_NLMSG_ERROR), Int32(DST_NLMSG_DONE):
                var error: Int32 = 0
                var text: UnsafePointer<CChar>?
                var offs: UInt32 = 0
                if dst_nlmsg_status(h, &error, &text, &offs) < 0 {
                    throw DSTError.system(call: "receiving \(operation)", errno: EBADMSG)
                }
                if error < 0 {
                    throw DSTError.kernel(operation: operation, message: text.map { String(cString: $0) }, errno: -error)
                }
                items.append(.done)
            case Int32(DST_NLMSG_OVERRUN):
                throw DSTError.system(call: "receiving \(operation)", errno: ENOBUFS)
            case familyID:
                items.append(.message(Self.decode(h)))
            default:
                continue
            }
        }
        return items
    }

    /// The command and top-level attributes of a generic netlink message,
    /// in order, repeats kept; nests stay raw until NLAttributes parses them.
    private static func decode(_ h: UnsafeMutablePointer<nlmsghdr>) -> NLMessage {
        guard let genl = genlmsg_hdr(h) else { return NLMessage(command: 0) }
        var message = NLMessage(command: genl.pointee.cmd)
        var rem = genlmsg_attrlen(genl, 0)
        var nla: UnsafeMutablePointer<nlattr>? = genlmsg_attrdata(genl, 0)
        while let a = nla, nla_ok(a, rem) != 0 {
            let len = Int(nla_len(a))
            let type = UInt16(truncatingIfNeeded: nla_type(a))
            var payload: [UInt8] = []
            if let data = nla_data(a), len > 0 {
                payload = Array(UnsafeRawBufferPointer(start: data, count: len))
            }
            message.attributes.append(type: type, payload: payload)
            nla = nla_next(a, &rem)
        }
        return message
    }
}

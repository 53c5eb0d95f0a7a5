// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* Do not edit directly, auto-generated from Documentation/spec/dst.yaml by Tools/nlgen */

#include "dst-nl-gen.h"

/* The wire structs have no padding: their sizes are part of the protocol. */
static_assert(sizeof(struct dst_client_hello) == DST_CLIENT_HELLO_SIZE);
static_assert(sizeof(struct dst_server_reply) == DST_SERVER_REPLY_SIZE);
static_assert(sizeof(struct dst_server_limits) == DST_SERVER_LIMITS_SIZE);
static_assert(sizeof(struct dst_req_hdr) == DST_REQ_HDR_SIZE);
static_assert(sizeof(struct dst_rep_hdr) == DST_REP_HDR_SIZE);

/*
 * Bounds beyond the s16 min and max of struct nla_policy. Not const: in
 * Linux 6.1 struct nla_policy points to a mutable one.
 */
static struct netlink_range_validation dst_a_sock_fd_range = {
	.max = 2147483647ULL,
};

static struct netlink_range_validation dst_a_physical_bs_range = {
	.min = 512ULL,
	.max = 65536ULL,
};

static struct netlink_range_validation dst_a_max_xfer_range = {
	.min = 4096ULL,
	.max = DST_MAX_XFER_LIMIT,
};

static struct netlink_range_validation dst_a_backing_fd_range = {
	.max = 2147483647ULL,
};

static struct netlink_range_validation dst_a_ping_interval_range = {
	.max = 3600000ULL,
};

static struct netlink_range_validation dst_a_reconnect_delay_range = {
	.min = 10ULL,
	.max = 3600000ULL,
};

static struct netlink_range_validation dst_a_reconnect_delay_max_range = {
	.min = 10ULL,
	.max = 3600000ULL,
};

static struct netlink_range_validation dst_a_rekey_records_range = {
	.min = 256ULL,
	.max = DST_REKEY_RECORDS_MAX,
};

static struct netlink_range_validation dst_a_io_min_range = {
	.max = DST_MAX_RANGE,
};

static struct netlink_range_validation dst_a_io_opt_range = {
	.max = DST_MAX_RANGE,
};

static struct netlink_range_validation dst_a_discard_granularity_range = {
	.max = DST_MAX_RANGE,
};

static struct netlink_range_validation dst_a_discard_alignment_range = {
	.max = DST_MAX_RANGE,
};

const struct nla_policy dst_conn_nl_policy[DST_A_CONN_MAX + 1] = {
	[DST_A_CONN_SLOT] = { .type = NLA_U32, },
	[DST_A_CONN_GENERATION] = { .type = NLA_U32, },
	[DST_A_CONN_PEER] = { .type = NLA_NUL_STRING, .len = DST_PEER_MAX, },
	[DST_A_CONN_IDENTITY] = { .type = NLA_NUL_STRING, .len = DST_IDENTITY_MAX, },
	[DST_A_CONN_TLS_VERSION] = { .type = NLA_U32, },
	[DST_A_CONN_TLS_CIPHER] = NLA_POLICY_MAX(NLA_U32, DST_TLS_CIPHER_MAX),
	[DST_A_CONN_READ_ONLY] = { .type = NLA_FLAG, },
	[DST_A_CONN_RECORDS] = { .type = NLA_U64, },
	[DST_A_CONN_RECORD_ERRORS] = { .type = NLA_U64, },
	[DST_A_CONN_PINGS] = { .type = NLA_U64, },
	[DST_A_CONN_PING_RTT_US] = { .type = NLA_U32, },
	[DST_A_CONN_PING_SRTT_US] = { .type = NLA_U32, },
};

const struct nla_policy dst_allow_nl_policy[DST_A_ALLOW_MAX + 1] = {
	[DST_A_ALLOW_IDENTITY] = { .type = NLA_NUL_STRING, .len = DST_IDENTITY_MAX, },
	[DST_A_ALLOW_KEY_PATH] = { .type = NLA_NUL_STRING, .len = DST_PATH_MAX, },
	[DST_A_ALLOW_READ_ONLY] = { .type = NLA_FLAG, },
};

/*
 * DST_A_CONN, DST_A_ALLOW, DST_A_ALLOW_FROM may repeat (multi-attr): the policy
 * checks each one, but nla_parse() keeps only the last in tb[], so handlers
 * walk them all with nla_for_each_attr() over the message.
 */
const struct nla_policy dst_nl_policy[DST_A_MAX + 1] = {
	[DST_A_DEV_INDEX] = NLA_POLICY_MAX(NLA_U32, DST_DEV_INDEX_MAX),
	[DST_A_SOCK_FD] = NLA_POLICY_FULL_RANGE(NLA_U32, &dst_a_sock_fd_range),
	[DST_A_SIZE] = { .type = NLA_U64, },
	[DST_A_LOGICAL_BS] = NLA_POLICY_RANGE(NLA_U32, 512, 4096),
	[DST_A_PHYSICAL_BS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dst_a_physical_bs_range),
	[DST_A_MAX_XFER] = NLA_POLICY_FULL_RANGE(NLA_U32, &dst_a_max_xfer_range),
	[DST_A_FEATURES] = NLA_POLICY_MASK(NLA_U32, DST_FEATURES_MASK),
	[DST_A_CSUM] = NLA_POLICY_MAX(NLA_U32, DST_CSUM_MAX),
	[DST_A_UUID] = NLA_POLICY_EXACT_LEN(16),
	[DST_A_EXPORT_NAME] = { .type = NLA_NUL_STRING, .len = DST_EXPORT_NAME_MAX, },
	[DST_A_REMOTE] = { .type = NLA_NUL_STRING, .len = DST_ADDRESS_MAX, },
	[DST_A_STATE] = NLA_POLICY_RANGE(NLA_U32, DST_STATE_CONNECTED, DST_STATE_MAX),
	[DST_A_LAST_ERROR] = { .type = NLA_NUL_STRING, .len = DST_LAST_ERROR_MAX, },
	[DST_A_BACKING_FD] = NLA_POLICY_FULL_RANGE(NLA_U32, &dst_a_backing_fd_range),
	[DST_A_LISTEN] = { .type = NLA_NUL_STRING, .len = DST_ADDRESS_MAX, },
	[DST_A_READ_ONLY] = { .type = NLA_FLAG, },
	[DST_A_CLIENTS] = { .type = NLA_U32, },
	[DST_A_BACKING_PATH] = { .type = NLA_NUL_STRING, .len = DST_BACKING_PATH_MAX, },
	[DST_A_CONNECTIONS] = { .type = NLA_U32, },
	[DST_A_INFLIGHT] = { .type = NLA_U32, },
	[DST_A_SESSION] = NLA_POLICY_EXACT_LEN(DST_SESSION_LEN),
	[DST_A_GENERATION] = NLA_POLICY_MIN(NLA_U32, 1),
	[DST_A_IO_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1000),
	[DST_A_PING_INTERVAL] = NLA_POLICY_FULL_RANGE(NLA_U32, &dst_a_ping_interval_range),
	[DST_A_RECONNECT_DELAY] = NLA_POLICY_FULL_RANGE(NLA_U32, &dst_a_reconnect_delay_range),
	[DST_A_RECONNECT_DELAY_MAX] = NLA_POLICY_FULL_RANGE(NLA_U32,
		&dst_a_reconnect_delay_max_range),
	[DST_A_RECONNECT_GIVE_UP] = NLA_POLICY_MIN(NLA_U32, 1000),
	[DST_A_DOWN_TIME] = { .type = NLA_U64, },
	[DST_A_EXPORT_EVENT] = NLA_POLICY_RANGE(NLA_U32, DST_EXPORT_EV_ADDED, DST_EXPORT_EV_MAX),
	[DST_A_PEER] = { .type = NLA_NUL_STRING, .len = DST_PEER_MAX, },
	[DST_A_FORCE] = { .type = NLA_FLAG, },
	[DST_A_CONN_COUNT] = NLA_POLICY_RANGE(NLA_U32, 1, DST_DEV_CONNS_MAX),
	[DST_A_EXPORT_STATE] = NLA_POLICY_RANGE(NLA_U32, DST_EXPORT_PROBING, DST_EXPORT_MAX),
	[DST_A_CHECK] = { .type = NLA_FLAG, },
	[DST_A_DATA_BYTES] = { .type = NLA_U64, },
	[DST_A_EPOCH] = { .type = NLA_U32, },
	[DST_A_STAT_READS] = { .type = NLA_U64, },
	[DST_A_STAT_WRITES] = { .type = NLA_U64, },
	[DST_A_STAT_FLUSHES] = { .type = NLA_U64, },
	[DST_A_STAT_DISCARDS] = { .type = NLA_U64, },
	[DST_A_STAT_WRITE_ZEROES] = { .type = NLA_U64, },
	[DST_A_STAT_READ_BYTES] = { .type = NLA_U64, },
	[DST_A_STAT_WRITE_BYTES] = { .type = NLA_U64, },
	[DST_A_STAT_ERRORS] = { .type = NLA_U64, },
	[DST_A_STAT_CSUM_ERRORS] = { .type = NLA_U64, },
	[DST_A_STAT_PROTOCOL_ERRORS] = { .type = NLA_U64, },
	[DST_A_STAT_RECONNECTS] = { .type = NLA_U64, },
	[DST_A_STAT_RESENDS] = { .type = NLA_U64, },
	[DST_A_STAT_TIMEOUTS] = { .type = NLA_U64, },
	[DST_A_CONN] = NLA_POLICY_NESTED(dst_conn_nl_policy),
	[DST_A_IDENTITY] = { .type = NLA_NUL_STRING, .len = DST_IDENTITY_MAX, },
	[DST_A_KEY_PATH] = { .type = NLA_NUL_STRING, .len = DST_PATH_MAX, },
	[DST_A_CERT_PATH] = { .type = NLA_NUL_STRING, .len = DST_PATH_MAX, },
	[DST_A_CA_PATH] = { .type = NLA_NUL_STRING, .len = DST_PATH_MAX, },
	[DST_A_SERVER_NAME] = { .type = NLA_NUL_STRING, .len = DST_SERVER_NAME_MAX, },
	[DST_A_TLS_REQUIRED] = { .type = NLA_FLAG, },
	[DST_A_ALLOW] = NLA_POLICY_NESTED(dst_allow_nl_policy),
	[DST_A_ALLOW_FROM] = NLA_POLICY_EXACT_LEN(DST_CIDR_LEN),
	[DST_A_REKEY_RECORDS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dst_a_rekey_records_range),
	[DST_A_REKEY_DUE] = { .type = NLA_FLAG, },
	[DST_A_STAT_REKEYS] = { .type = NLA_U64, },
	[DST_A_STAT_TLS_ERRORS] = { .type = NLA_U64, },
	[DST_A_IO_MIN] = NLA_POLICY_FULL_RANGE(NLA_U32, &dst_a_io_min_range),
	[DST_A_IO_OPT] = NLA_POLICY_FULL_RANGE(NLA_U32, &dst_a_io_opt_range),
	[DST_A_DISCARD_GRANULARITY] = NLA_POLICY_FULL_RANGE(NLA_U32,
		&dst_a_discard_granularity_range),
	[DST_A_DISCARD_ALIGNMENT] = NLA_POLICY_FULL_RANGE(NLA_U32, &dst_a_discard_alignment_range),
};

const struct genl_ops dst_nl_ops[11] = {
	{
		.cmd		= DST_CMD_DEV_ADD,
		.doit		= dst_nl_dev_add_doit,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DST_CMD_DEV_DEL,
		.doit		= dst_nl_dev_del_doit,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DST_CMD_DEV_GET,
		.doit		= dst_nl_dev_get_doit,
		.start		= dst_nl_dump_start,
		.dumpit		= dst_nl_dev_get_dumpit,
	},
	{
		.cmd		= DST_CMD_DEV_CONNECT,
		.doit		= dst_nl_dev_connect_doit,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DST_CMD_EXPORT_ADD,
		.doit		= dst_nl_export_add_doit,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DST_CMD_EXPORT_DEL,
		.doit		= dst_nl_export_del_doit,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DST_CMD_EXPORT_GET,
		.doit		= dst_nl_export_get_doit,
		.start		= dst_nl_dump_start,
		.dumpit		= dst_nl_export_get_dumpit,
	},
	{
		.cmd		= DST_CMD_EXPORT_CONNECT,
		.doit		= dst_nl_export_connect_doit,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DST_CMD_DEV_SET,
		.doit		= dst_nl_dev_set_doit,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DST_CMD_EXPORT_SET,
		.doit		= dst_nl_export_set_doit,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= DST_CMD_EXPORT_RESIZE,
		.doit		= dst_nl_export_resize_doit,
		.flags		= GENL_ADMIN_PERM,
	},
};

const struct genl_multicast_group dst_nl_mcgrps[1] = {
	[DST_NLGRP_EVENTS] = { .name = DST_MCGRP_EVENTS, },
};

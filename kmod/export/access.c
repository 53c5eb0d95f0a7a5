// SPDX-License-Identifier: GPL-2.0-only
/*
 * Whom an export admits: TLS or not, the identities it lists (each read-write
 * or read-only) and the address prefixes it takes clients from. dstd performs
 * the handshake and names the identity the client proved; here export-connect
 * checks it against the list, the socket's protection against the export's,
 * and the peer's address against the prefixes, so that a mistake in userspace
 * cannot widen access. export-set replaces the lists and drops the
 * connections they no longer admit. The lists hold key file paths, never
 * keys: dstd reads them back (export-get) to find a client's key.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include "gen/dst-nl-gen.h"
#include "export.h"

/* Text of all identities and key paths of one list, at most: it must fit one export-get. */
#define DST_EXP_ACCESS_TEXT_MAX	4096

void dst_exp_access_free(struct dst_exp_access *access)
{
	unsigned int i;

	if (!access)
		return;
	for (i = 0; i < access->nr_allow; i++)
		kfree(access->allow[i].key_path);
	kfree(access->from);
	kfree(access);
}

/* An identity: printable ASCII, no leading or trailing space. */
static bool dst_exp_identity_valid(const char *id)
{
	size_t len = strlen(id), i;

	if (!len || id[0] == ' ' || id[len - 1] == ' ')
		return false;
	for (i = 0; i < len; i++)
		if (id[i] < 0x20 || id[i] > 0x7e)
			return false;
	return true;
}

static int dst_exp_parse_allow(const struct nlattr *nla, struct dst_exp_allow *allow,
			       size_t *text, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[DST_A_ALLOW_MAX + 1];
	const char *path;
	int err;

	err = nla_parse_nested(tb, DST_A_ALLOW_MAX, nla, dst_allow_nl_policy, extack);
	if (err)
		return err;
	if (!tb[DST_A_ALLOW_IDENTITY] || !dst_exp_identity_valid(nla_data(tb[DST_A_ALLOW_IDENTITY]))) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "allowed identity must be printable ASCII, not empty");
		return -EINVAL;
	}
	strscpy(allow->identity, nla_data(tb[DST_A_ALLOW_IDENTITY]), sizeof(allow->identity));
	*text += strlen(allow->identity);
	allow->read_only = nla_get_flag(tb[DST_A_ALLOW_READ_ONLY]);
	if (!tb[DST_A_ALLOW_KEY_PATH])
		return 0;
	path = nla_data(tb[DST_A_ALLOW_KEY_PATH]);
	if (path[0] != '/') {
		NL_SET_ERR_MSG_ATTR(extack, nla, "key path must be absolute");
		return -EINVAL;
	}
	*text += strlen(path);
	allow->key_path = kstrdup(path, GFP_KERNEL);
	return allow->key_path ? 0 : -ENOMEM;
}

static int dst_exp_parse_cidr(const struct nlattr *nla, struct dst_exp_cidr *cidr,
			      struct netlink_ext_ack *extack)
{
	/* Exactly DST_CIDR_LEN bytes by policy. */
	const u8 *b = nla_data(nla);

	cidr->family = b[0];
	cidr->prefix = b[1];
	memcpy(cidr->addr, b + 4, sizeof(cidr->addr));
	if ((cidr->family != AF_INET || cidr->prefix > 32) &&
	    (cidr->family != AF_INET6 || cidr->prefix > 128)) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "address prefix must be IPv4 /0-32 or IPv6 /0-128");
		return -EINVAL;
	}
	if (b[2] || b[3] || (cidr->family == AF_INET && memchr_inv(cidr->addr + 4, 0, 12))) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "address prefix has non-zero padding");
		return -EINVAL;
	}
	return 0;
}

/* Allocate for the entries @info carries; NULL with extack set when too many. */
static struct dst_exp_access *dst_exp_access_alloc(struct genl_info *info)
{
	unsigned int allow = 0, from = 0;
	struct dst_exp_access *access;
	const struct nlattr *nla;
	int rem;

	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem) {
		allow += nla_type(nla) == DST_A_ALLOW;
		from += nla_type(nla) == DST_A_ALLOW_FROM;
	}
	if (allow > DST_ALLOW_MAX || from > DST_ALLOW_MAX) {
		NL_SET_ERR_MSG_MOD(info->extack, "more than 64 identities or address prefixes");
		return ERR_PTR(-E2BIG);
	}
	access = kzalloc(struct_size(access, allow, allow), GFP_KERNEL);
	if (!access)
		return ERR_PTR(-ENOMEM);
	access->from = kcalloc(from, sizeof(*access->from), GFP_KERNEL);
	if (from && !access->from) {
		kfree(access);
		return ERR_PTR(-ENOMEM);
	}
	return access;
}

struct dst_exp_access *dst_exp_access_parse(struct genl_info *info)
{
	struct dst_exp_access *access = dst_exp_access_alloc(info);
	const struct nlattr *nla;
	size_t text = 0;
	int rem, err = 0;

	if (IS_ERR(access))
		return access;
	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(nla) == DST_A_ALLOW)
			err = dst_exp_parse_allow(nla, &access->allow[access->nr_allow++],
						  &text, info->extack);
		else if (nla_type(nla) == DST_A_ALLOW_FROM)
			err = dst_exp_parse_cidr(nla, &access->from[access->nr_from++],
						 info->extack);
		if (err)
			break;
	}
	if (!err && text > DST_EXP_ACCESS_TEXT_MAX) {
		NL_SET_ERR_MSG_MOD(info->extack, "identities and key paths exceed 4096 bytes in all");
		err = -E2BIG;
	}
	if (err) {
		dst_exp_access_free(access);
		return ERR_PTR(err);
	}
	return access;
}

static bool dst_exp_cidr_match(const struct dst_exp_cidr *cidr, const struct sockaddr_storage *ss)
{
	const u8 *addr;
	unsigned int full = cidr->prefix / 8, bits = cidr->prefix % 8;

	if (ss->ss_family == AF_INET && cidr->family == AF_INET)
		addr = (const u8 *)&((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss->ss_family == AF_INET6 && cidr->family == AF_INET6)
		addr = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
	else
		return false;
	if (memcmp(addr, cidr->addr, full))
		return false;
	return !bits || !((addr[full] ^ cidr->addr[full]) & (0xff << (8 - bits)));
}

static bool dst_exp_from_ok(const struct dst_exp_access *access, const struct sockaddr_storage *peer)
{
	unsigned int i;

	if (!access || !access->nr_from)
		return true;
	for (i = 0; i < access->nr_from; i++)
		if (dst_exp_cidr_match(&access->from[i], peer))
			return true;
	return false;
}

static const struct dst_exp_allow *dst_exp_find_allow(const struct dst_exp_access *access,
							  const char *identity)
{
	unsigned int i;

	for (i = 0; access && i < access->nr_allow; i++)
		if (!strcmp(access->allow[i].identity, identity))
			return &access->allow[i];
	return NULL;
}

/*
 * Whether @exp admits a client with @identity (empty: none proved) at @peer
 * over a socket protected as @tls (NULL: not known yet, for a check while
 * userspace still runs the TLS session); a read-only identity makes
 * *@read_only true. -EPROTONOSUPPORT for a plaintext socket when the export requires
 * TLS, -EKEYREJECTED for an identity or address it does not admit. exp->lock
 * held.
 */
int dst_exp_access_check(struct dst_export *exp, const char *identity,
			 const struct sockaddr_storage *peer, const struct dst_tls_info *tls,
			 bool *read_only, struct netlink_ext_ack *extack)
{
	const struct dst_exp_allow *allow;

	lockdep_assert_held(&exp->lock);
	if (exp->tls_required && tls && !tls->version) {
		NL_SET_ERR_MSG_MOD(extack, "export takes TLS connections only");
		return -EPROTONOSUPPORT;
	}
	if (!dst_exp_from_ok(exp->access, peer)) {
		NL_SET_ERR_MSG_MOD(extack, "export takes no clients from this address");
		return -EKEYREJECTED;
	}
	if (!exp->tls_required)
		return 0;
	allow = dst_exp_find_allow(exp->access, identity);
	if (!allow) {
		NL_SET_ERR_MSG_MOD(extack, "export does not admit this identity");
		return -EKEYREJECTED;
	}
	*read_only |= allow->read_only;
	return 0;
}

/*
 * Install @access (consumed) and drop the connections it no longer admits,
 * or whose identity it makes read-only: they come back as what they are now.
 */
void dst_export_set_access(struct dst_export *exp, struct dst_exp_access *access)
{
	struct dst_export_conn *conn;
	struct dst_exp_access *old;
	const struct dst_exp_allow *allow;

	mutex_lock(&exp->lock);
	old = exp->access;
	exp->access = access;
	list_for_each_entry(conn, &exp->conns, node) {
		allow = dst_exp_find_allow(access, conn->identity);
		if (!dst_exp_from_ok(access, &conn->peer_addr))
			dst_exp_conn_kill(conn, -EKEYREJECTED, "address no longer admitted");
		else if (exp->tls_required && !allow)
			dst_exp_conn_kill(conn, -EKEYREJECTED, "identity no longer admitted");
		else if (allow && allow->read_only && !conn->read_only)
			dst_exp_conn_kill(conn, -EKEYREJECTED, "identity is read-only now");
	}
	mutex_unlock(&exp->lock);
	dst_exp_access_free(old);
}

static int dst_exp_fill_allow(struct sk_buff *skb, const struct dst_exp_allow *allow)
{
	struct nlattr *nest = nla_nest_start(skb, DST_A_ALLOW);

	if (!nest ||
	    nla_put_string(skb, DST_A_ALLOW_IDENTITY, allow->identity) ||
	    (allow->key_path && nla_put_string(skb, DST_A_ALLOW_KEY_PATH, allow->key_path)) ||
	    (allow->read_only && nla_put_flag(skb, DST_A_ALLOW_READ_ONLY)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int dst_exp_fill_cidr(struct sk_buff *skb, const struct dst_exp_cidr *cidr)
{
	u8 b[DST_CIDR_LEN] = { cidr->family, cidr->prefix };

	memcpy(b + 4, cidr->addr, sizeof(cidr->addr));
	return nla_put(skb, DST_A_ALLOW_FROM, sizeof(b), b);
}

/* The lists, for export-get. exp->lock held. */
int dst_exp_access_fill(struct sk_buff *skb, struct dst_export *exp)
{
	const struct dst_exp_access *access = exp->access;
	unsigned int i;

	lockdep_assert_held(&exp->lock);
	for (i = 0; access && i < access->nr_allow; i++)
		if (dst_exp_fill_allow(skb, &access->allow[i]))
			return -EMSGSIZE;
	for (i = 0; access && i < access->nr_from; i++)
		if (dst_exp_fill_cidr(skb, &access->from[i]))
			return -EMSGSIZE;
	return 0;
}

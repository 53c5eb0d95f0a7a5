/*
 * 6.14+, backported to Debian's 6.12: a kernel socket holds a passive
 * reference on its network namespace, and sk_net_refcnt_upgrade() turns it
 * into a counted one.
 */
#include <net/sock.h>

static void (*probe)(struct sock *sk) __maybe_unused = sk_net_refcnt_upgrade;

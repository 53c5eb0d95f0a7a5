/* 6.2+, backported to Debian's 6.1: sockets may refuse current->task_frag. */
#include <net/sock.h>

static __maybe_unused void probe(struct sock *sk)
{
	sk->sk_use_task_frag = false;
}

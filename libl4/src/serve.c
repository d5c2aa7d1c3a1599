/* serve.c - l4_serve (l4/serve.h). */
#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/sys.h>
#include <l4/serve.h>
#include <l4/stdio.h>
#include <l4/strerror.h>

long l4_serve(struct l4_server *s)
{
	struct l4_msg m = { { 0 }, 0 };
	long tag = l4_receive(s->ep, &m);

	for (;;) {
		if (tag == -L4_EBADCAP || tag == -L4_ETYPE || tag == -L4_EPERM)
			return tag;
		if (tag < 0) {
			l4_log("%s: receive failed: %s\n", s->name ? s->name : "l4_serve", l4_strerror(tag));
			tag = l4_receive(s->ep, &m);
			continue;
		}
		uint64_t rtag = s->handle(s, (uint64_t)tag, &m);
		tag = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, s->ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), rtag, &m);
		if (tag < 0 && l4_tag_items(rtag)) {
			/* Either the reply failed (its items), and the caller still
			 * waits: tell it, and take back what it was to get; or the
			 * receive after a good reply failed, and there is no caller
			 * any more to tell. */
			struct l4_msg e = { { 0 }, 0 };
			s->refused = tag;
			if (l4_reply((uint64_t)-tag, 0, &e) == 0 && s->undo)
				s->undo(s);
			tag = l4_receive(s->ep, &m);
		}
		if (s->after)
			s->after(s);
	}
}

/* ratelimit.c - the console's token bucket (ratelimit.h). */
#include "lib/ratelimit.h"

bool ratelimit_take(struct ratelimit *r, uint64_t now, uint64_t every, unsigned long *missed)
{
	if (now > r->since) {
		uint64_t n = (now - r->since) / every;
		if (n >= r->burst - r->tokens) {
			r->tokens = r->burst;
			r->since = now;
		} else {
			r->tokens += (unsigned)n;
			r->since += n * every;  /* the rest of a period counts on */
		}
	}
	if (!r->tokens) {
		r->missed++;
		return false;
	}
	r->tokens--;
	*missed = r->missed;
	r->missed = 0;
	return true;
}

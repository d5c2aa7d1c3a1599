/*
 * notification.h - the notification object: a word of signal bits. It can be
 * created, given out and destroyed; signal, wait and poll arrive with the IPC
 * issue.
 */
#pragma once

#include <stdint.h>

#include "obj/object.h"

struct factory;

struct notification {
	struct obj o;
	uint64_t bits;                  /* signalled, not yet taken */
};

struct notification *notification_create(struct factory *f);
void notification_teardown(struct notification *n);

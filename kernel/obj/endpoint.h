/*
 * endpoint.h - the endpoint object: the rendezvous of synchronous IPC. It
 * holds the threads waiting to send (with their messages) and the threads
 * waiting to receive, each queue FIFO; at most one of them is non-empty.
 * ipc/ipc.c does the IPC; this file the object.
 */
#pragma once

#include "ipc/waitq.h"
#include "obj/object.h"

struct factory;

struct endpoint {
	struct obj o;
	struct waitq senders, receivers;
};

struct endpoint *endpoint_create(struct factory *f);

extern const struct obj_type endpoint_type;

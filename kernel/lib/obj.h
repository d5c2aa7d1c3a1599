/*
 * obj.h - what every kernel object starts with (struct obj): the list of
 * capability slots naming it (lib/captab.h), its type, whether its
 * destruction has begun, the factory that paid for it and its place in
 * that factory's lists, and who is destroying it (obj/object.h says how
 * objects are made and destroyed). Objects are 64-byte aligned, so a
 * capability keeps its rights in the pointer's low bits.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "dlist.h"

struct factory;
struct thread;

struct obj {
	struct dlist caps;              /* all slots naming this object (struct cap.link) */
	uint32_t ncaps;
	uint8_t type;                   /* enum l4_obj_type (l4/kobj.h) */
	bool dying;                     /* its destruction has begun (obj/object.h): no new copies */
	struct factory *owner;          /* whose quota paid; NULL for objects the kernel made */
	struct dlist_node link;         /* in its owner's list (obj/object.c, list_of) */
	struct thread *destroyer;       /* dying: the thread whose call destroys it, or NULL */
};

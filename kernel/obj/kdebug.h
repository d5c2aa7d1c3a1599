/*
 * kdebug.h - the kernel debug object (l4/kobj.h, L4_OBJ_DEBUG): the
 * kernel's console and its test switches, reached only through a capability.
 * There is one; the roottask gets it at boot (L4_CAP_DEBUG) and passes it on
 * as it sees fit. It is never destroyed.
 */
#pragma once

#include "obj/object.h"

extern struct obj kdebug;
extern const struct obj_type kdebug_type;

/* Make the one debug object (bootstrap). */
void kdebug_init(void);

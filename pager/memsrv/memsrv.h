/* memsrv.h - the memory server's entry points (memsrv.c), for its main.c. */
#pragma once

#include <stdint.h>

#include <l4/ipc.h>

/* Serve on `endpoint` (unbadged, all rights; a copy with L4_MEM_ROOT_BADGE
 * is the root session), taking memory from sigma0 at `sigma0`; utcb is the
 * serving thread's UTCB. */
void memsrv_init(uint64_t sigma0, uint64_t endpoint, struct l4_utcb *utcb);
long memsrv_serve(void);

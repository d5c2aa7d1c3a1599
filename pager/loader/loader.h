/*
 * loader.h - starting ELF boot modules as tasks (loader.c, docs/pagers.md).
 *
 * Two ways:
 *  - boot mode (ldr_boot): the image is copied into pages the loader takes
 *    from sigma0 and keeps; a loader thread pages the task from them. For
 *    the memory server, which cannot be paged by itself.
 *  - with a region mapper (ldr_spawn): the program's segments become
 *    dataspaces of the memory server (text and read-only data shared by
 *    all instances, read-only; data a copy-on-write clone per instance;
 *    bss, stack and the region mapper's stack anonymous), its own region
 *    mapper thread pages its other threads, a memory session of its own
 *    backs malloc. The region mapper thread itself is paged by the loader.
 *    When the program ends (L4_PARENT_EXIT, or an exception), ldr_reap
 *    destroys its kernel objects (one sub-factory) and frees its memory
 *    (its session, its data clones).
 *
 * The loader runs two threads of the caller's task (ldr_init): one pages
 * boot-mode tasks, the other serves spawned programs (their region
 * mappers' page faults, their exits and exceptions). The ldr_* calls are
 * made from one thread (the caller's), not concurrently.
 */
#pragma once

#include <stdint.h>

#include <l4/env.h>

#define LDR_MAX_CHILDREN 32
#define LDR_MAX_REGIONS 20             /* boot mode: segments, the stack, LDR_MAX_RES resources */

struct ldr_config {
	uint64_t factory;               /* objects are made from it (the caller's table) */
	uint64_t task;                  /* the caller's task (W: unmap its scratch pages) */
	uint64_t sigma0;                /* sigma0's endpoint: boot-mode pages */
	uint64_t main_utcb;             /* the calling thread's UTCB */
	uint64_t utcb[2];               /* UTCB addresses for the loader's two threads */
	uint64_t boot_va;               /* a free range of 1 GiB for boot-mode images */
	uint64_t scratch_va;            /* three free pages: windows for copying */
	unsigned prio;                  /* of the loader's threads */
	uint64_t debug;                 /* the debug object, or 0: programs get a copy with W
					   (console output) at L4_ENV_CAP_DEBUG */
	uint64_t console;               /* a console service (unbadged), or 0: each program gets a copy
					   with W G at L4_ENV_CAP_CONSOLE, badged with its child number
					   + 1, so the driver tells clients apart (ldr_set_console) */
	uint64_t blk;                   /* a block service (unbadged), or 0: the same at L4_ENV_CAP_BLK
					   (ldr_set_blk); badged, so no program can mint a session's badge */
	uint64_t fs;                    /* a file service (unbadged), or 0: the same at L4_ENV_CAP_FS
					   (ldr_set_fs) */
};

#define LDR_MAX_RES L4_ENV_MAX_RES      /* 10: eight virtio-mmio slots, the device tree and one more */
#define LDR_MAX_CAPS 6

/* Memory for a boot-mode program: kind L4_ENV_RES_DEVICE, the registers at
 * [pa, pa + size) (from sigma0, page-rounded; read-write), with the device's
 * IRQ object if irq is not 0 (the caller's; an L4_OBJ_IRQ, copied with all
 * rights to slot L4_ENV_CAP_RES_LO + the resource's index), or
 * L4_ENV_RES_DTB, the device tree (read-only; pa, size and irq unused). */
struct ldr_res {
	unsigned kind;
	uint64_t pa, size;
	uint64_t irq;
};

/* A capability for a program: a copy of the caller's `sel` with rights &
 * `rights` into the child's `slot` (L4_ENV_CAP_DEBUG .. 15; one for
 * L4_ENV_CAP_DEBUG replaces the loader's W-only copy). */
struct ldr_cap {
	uint64_t sel;
	unsigned slot;
	unsigned rights;
};

enum ldr_state {
	LDR_FREE = 0,
	LDR_RUNNING,
	LDR_EXITED,                     /* exit_code */
	LDR_CRASHED,                    /* an exception stopped a thread: scause, stval, pc */
	LDR_KILLED,                     /* ldr_kill (exit_code -L4_ECANCELED), or a restart that failed */
};

struct ldr_region {
	uint64_t va, size;
	unsigned rights;                /* L4_FP_* */
	uint64_t ds;                    /* spawned: the loader's capability (offset 0 at va) */
	uint64_t backing;               /* boot mode: the loader's copy at this address */
};

struct ldr_child {
	volatile enum ldr_state state;
	volatile long exit_code;
	volatile uint64_t scause, stval, pc;
	volatile uint64_t reason;       /* an exception's MR34: why a fault was not resolved (L4_EXC_R_*) */
	char name[48];
	int boot;
	/* capabilities in the loader's task */
	uint64_t factory;               /* spawned: the sub-factory everything was made from */
	uint64_t task, thread, rm_thread, rm_ep, session, server_ep;
	uint64_t clones[4];             /* data clones to free */
	unsigned nreg;
	struct ldr_region reg[LDR_MAX_REGIONS];
	volatile uint64_t rm_faults;    /* faults of its region mapper thread served by the loader */
	unsigned nres;                  /* boot mode: its resources, the last nres regions */
	uint64_t watch, watch_bits;     /* signalled when it ends (ldr_watch), if not 0 */
	volatile unsigned restarts;     /* boot mode: ldr_boot_again's that started it */
};

struct ldr_args {
	const char *module;             /* boot module name (the KIP's) */
	uint64_t arg[8];                /* l4_env.arg */
	unsigned prio;                  /* main thread; the region mapper runs at prio + 1 */
	uint64_t stack_size;            /* 0: L4_ENV_STACK_SIZE */
	uint64_t mem_pages;             /* the program's memory session limit; 0: 16384 (64 MiB) */
	uint64_t mem_objects;           /* ... and its object limit (dataspaces, sessions); 0: 96 */
	uint64_t kmem;                  /* its kernel-memory quota in bytes; 0: 512 KiB */
	uint64_t rm_timeout_us;         /* 0: its region mapper waits for managers for ever */
	unsigned ncaps;                 /* capabilities for slots 10..15 (a console: ldr_config's) */
	struct ldr_cap caps[LDR_MAX_CAPS];
};

/* A program in boot mode (a server or a driver, paged by the loader from
 * its own copies) with its resources. */
struct ldr_boot_args {
	const char *module;
	unsigned prio;
	uint64_t arg[8];                /* l4_env.arg */
	int sigma0;                     /* L4_ENV_CAP_MEM = sigma0 (the memory server); else ... */
	uint64_t mem;                   /* ... this memory-server session of the caller's (W G; an
					   endpoint), e.g. a driver's DMA memory; 0: empty */
	uint64_t kmem;                  /* > 0: a sub-factory with this quota at L4_ENV_CAP_FACTORY (R W) */
	unsigned caps_log2;             /* its capability table; 0: 64 slots */
	unsigned nres;                  /* mapped from L4_ENV_RES_LO up, listed in l4_env.res */
	struct ldr_res res[LDR_MAX_RES];
	unsigned ncaps;
	struct ldr_cap caps[LDR_MAX_CAPS];
};

/* Start the loader's threads. Returns 0 or -L4_Exxx. */
long ldr_init(const struct ldr_config *cfg);
/* Start `module` in boot mode with its own endpoint (L4_ENV_CAP_SERVER)
 * and sigma0 (L4_ENV_CAP_MEM); *server_ep gets the loader's (unbadged, all
 * rights) capability to it. */
long ldr_boot(const char *module, unsigned prio, uint64_t *server_ep, struct ldr_child **out);
/* The same with resources and capabilities (a driver): -L4_EINVAL for a bad
 * slot, kind or range, sigma0's error for memory it does not give. */
long ldr_boot_with(const struct ldr_boot_args *a, uint64_t *server_ep, struct ldr_child **out);
/* The device tree, mapped read-only in the caller (once, from sigma0): its
 * address and size, or NULL. */
const void *ldr_dtb(uint64_t *size);
/* The console service later programs get (0: none from now on). */
void ldr_set_console(uint64_t service);
/* The block service later programs get (0: none from now on). */
void ldr_set_blk(uint64_t service);
/* A copy of boot module `name` (boot modules cannot be passed on) in a new
 * anonymous dataspace of memory session `mem`, into the caller's empty slot
 * `slot` (all rights: the receiver may free it); *size gets the module's
 * size. Returns 0, -L4_ENOENT (no such module) or the memory server's error. */
long ldr_module_ds(const char *name, uint64_t mem, uint64_t slot, uint64_t *size);
/* The file service later programs get (0: none from now on). */
void ldr_set_fs(uint64_t service);
/* ldr_boot of the memory server; *session gets the root session (badge
 * L4_MEM_ROOT_BADGE, in a fresh slot), which ldr_spawn uses from now on;
 * *ep (if not NULL) the unbadged endpoint, *out (if not NULL) the child. */
long ldr_start_memsrv(const char *module, unsigned prio, uint64_t *session, uint64_t *ep, struct ldr_child **out);
/* Start a program with a region mapper. */
long ldr_spawn(const struct ldr_args *a, struct ldr_child **out);
/* Wait until c has ended, at most timeout_us (0 = for ever): 0, or -L4_ETIMEDOUT. */
long ldr_wait(struct ldr_child *c, uint64_t timeout_us);
/* End c if it still runs, and give back everything it had. */
void ldr_reap(struct ldr_child *c);
/* The children, for a list (the roottask's 'ps'): the i-th slot (0 ..
 * LDR_MAX_CHILDREN - 1; state LDR_FREE: unused), or NULL beyond. Its
 * index is the child's number, the badge its console session has minus 1. */
struct ldr_child *ldr_child_at(unsigned i);
/*
 * A boot-mode program started again (a driver's supervisor, docs/drivers.md).
 * These touch c alone, allocate no slots, pages or children and use the
 * calling thread's UTCB: unlike the other ldr_* calls they may be made
 * from another thread (one at a time per child).
 *
 * ldr_watch: `notification` is signalled with `bits` whenever c ends (an
 * exception, its exit, ldr_kill), besides what ldr_wait waits for.
 * ldr_kill: c's thread stopped at once (state LDR_KILLED) if it ran.
 * ldr_boot_end: killed, and its objects destroyed (thread, factory, task:
 * all it derived from them is revoked), but not its pages, its resources'
 * mappings here, nor its server endpoint: for ldr_boot_again.
 * ldr_res_here: the first page of resource i's mapping in the caller (a
 * device's registers, where the parent may reset it), or NULL.
 * ldr_boot_again: start an ended boot-mode program c again from a fresh
 * copy of its image (data and stack as new), with a: the same module and
 * resources as at its start (their mappings are kept), capabilities
 * (IRQ objects, a memory session, caps) that may be new; it serves on the
 * same endpoint. 0 or -L4_Exxx (-L4_EINVAL: c running, or not what it
 * was; it then stays ended).
 */
void ldr_watch(struct ldr_child *c, uint64_t notification, uint64_t bits);
void ldr_kill(struct ldr_child *c);
void ldr_boot_end(struct ldr_child *c);
void *ldr_res_here(const struct ldr_child *c, unsigned i);
long ldr_boot_again(struct ldr_child *c, const struct ldr_boot_args *a);
/* Text and data of loaded programs stay cached (shared by later
 * instances); this many dataspaces are held for them. */
unsigned ldr_cached_dataspaces(void);

/*
 * l4/env.h - what a program started by the loader (pager/loader/) finds:
 * its capability slots, the environment page, the address-space layout,
 * and the parent protocol (how it ends). docs/pagers.md explains it.
 *
 * The loader starts the main thread at the ELF entry with sp = L4_ENV_ADDR
 * and a0 = L4_ENV_ADDR, and (for programs with a region mapper) the region
 * mapper's thread at the same entry with a0 = L4_ENV_ADDR | L4_ENV_ROLE_RM:
 * crt0 and l4_crt_start tell the two apart. The environment page
 * (struct l4_env) is at L4_ENV_ADDR, the top page of the main stack.
 *
 * Layout of a loaded program (Sv39, user space up to L4_USER_END):
 *   0x400000 ...                  the ELF image (libl4/user.ld)
 *   L4_ENV_FREE_LO..FREE_HI        where the region mapper finds room (heap)
 *   L4_ENV_RM_STACK_TOP - size     the region mapper thread's stack
 *   L4_ENV_STACK_TOP - size        the main stack; its top page is the environment
 *   L4_ENV_UTCB_LO..L4_USER_END    UTCBs (reserved: nothing is attached there)
 */
#pragma once

#include <stdint.h>

#include <l4/sys.h>
#include <l4/layout.h>

#define L4_ENV_MAGIC 0x31564e45344cULL          /* "L4ENV1" */
#define L4_ENV_UTCB_LO (L4_USER_END - 0x100000UL)
#define L4_ENV_UTCB_MAIN L4_BOOT_UTCB
#define L4_ENV_UTCB_RM (L4_BOOT_UTCB - 0x1000UL)
#define L4_ENV_UTCB_FREE L4_ENV_UTCB_LO         /* further threads' UTCBs: a page each from here up */
#define L4_ENV_STACK_TOP L4_ENV_UTCB_LO
#define L4_ENV_ADDR (L4_ENV_STACK_TOP - 0x1000UL)
#define L4_ENV_STACK_SIZE 0x40000UL             /* default main stack: 256 KiB */
#define L4_ENV_RM_STACK_TOP (L4_USER_END - 0x1000000UL)
#define L4_ENV_RM_STACK_SIZE 0x8000UL
#define L4_ENV_FREE_LO 0x10000000UL
#define L4_ENV_FREE_HI 0x3f00000000UL
#define L4_ENV_ROLE_RM 0x1UL

/*
 * Capability slots of a loaded program. Programs without a region mapper
 * (started in the loader's boot mode, e.g. the memory server and drivers)
 * have L4_ENV_CAP_SERVER = their own endpoint, L4_ENV_CAP_MEM = sigma0 if
 * their parent chose so (the memory server), and their pager is
 * L4_ENV_CAP_RM_PAGER. Slots 10..15 hold what the parent gives (the debug
 * object, an IRQ object, a console); l4_env()->caps says which.
 */
#define L4_ENV_CAP_TASK 1               /* the own task */
#define L4_ENV_CAP_THREAD 2             /* the main thread */
#define L4_ENV_CAP_FACTORY 3            /* a sub-factory (kernel-memory quota), may be empty */
#define L4_ENV_CAP_MEM 4                /* memory: a memory-server session (sigma0 for boot-mode programs) */
#define L4_ENV_CAP_PARENT 5             /* the parent: L4_PARENT_EXIT; also the exception handler */
#define L4_ENV_CAP_RM 6                 /* the region mapper's endpoint: pager of the program's threads */
#define L4_ENV_CAP_RM_THREAD 7          /* the region mapper's thread */
#define L4_ENV_CAP_RM_PAGER 8           /* the region mapper thread's own pager and exception handler */
#define L4_ENV_CAP_SERVER 9             /* a server's own endpoint (boot mode) */
#define L4_ENV_CAP_DEBUG 10             /* the kernel's debug object (W: console output), if given */
#define L4_ENV_CAP_IRQ 11               /* a driver's IRQ object (l4/irq.h), if given */
#define L4_ENV_CAP_CONSOLE 12           /* a console service (l4/console.h: open a session), if given */
#define L4_ENV_CAP_BLK 13               /* a block service (l4/blk.h: the disks, sessions), if given */
#define L4_ENV_CAP_FS 14                /* a file service (l4/fs.h: the ramfs, sessions), if given */
					/* 15: for a further capability the parent gives */
#define L4_ENV_CAP_FIRST_FREE 16        /* the program's l4_cap_alloc range starts here */
/* Boot mode: a device resource's IRQ object, if its parent gave one, is at
 * L4_ENV_CAP_RES_LO + the resource's index (l4_env_res.cap names the slot);
 * such a program allocates its own slots from L4_ENV_CAP_BOOT_FREE up. */
#define L4_ENV_CAP_RES_LO L4_ENV_CAP_FIRST_FREE
#define L4_ENV_CAP_BOOT_FREE (L4_ENV_CAP_RES_LO + L4_ENV_MAX_RES)
#define L4_ENV_RM_CAP_FIRST 384         /* slots the region mapper uses for dataspaces */
#define L4_ENV_CAPS_LOG2 9              /* 512 slots */

#define L4_ENV_F_RM 0x1UL               /* the program has a region mapper (L4_ENV_CAP_RM) */

/*
 * Resources: memory the parent mapped into a program started in boot mode
 * (a driver): device registers read-write, the device tree read-only. They
 * lie from L4_ENV_RES_LO up, each at the offset into its first page that
 * its physical address has; the environment lists them (kind, where, the
 * physical address, the size).
 */
#define L4_ENV_RES_LO L4_ENV_FREE_HI
#define L4_ENV_MAX_RES 10             /* e.g. eight virtio-mmio slots, the device tree */
enum l4_env_res_kind {
	L4_ENV_RES_DEVICE = 1,          /* device registers (read-write) */
	L4_ENV_RES_DTB = 2,             /* the device tree (read-only; va is the blob) */
};
struct l4_env_res {
	uint64_t kind;                  /* enum l4_env_res_kind */
	uint64_t va, pa, size;
	uint64_t cap;                   /* a device's IRQ object: its slot (L4_ENV_CAP_RES_LO + index), or 0 */
};

struct l4_env {
	uint64_t magic;                 /* L4_ENV_MAGIC */
	uint64_t flags;                 /* L4_ENV_F_* */
	uint64_t arg[8];                /* words from whoever started the program */
	uint64_t stack_lo, stack_hi;    /* the main stack (the environment is its top page) */
	uint64_t rm_timeout_us;         /* the region mapper's wait for a manager; 0 = for ever */
	uint64_t reserved[5];
	char name[48];                  /* the boot module's name */
	uint64_t caps;                  /* bit n: slot n holds what the parent gave (L4_ENV_CAP_*) */
	uint64_t nres;                  /* entries of res[] */
	struct l4_env_res res[L4_ENV_MAX_RES];
};

/* The environment of a loaded program, or NULL (the roottask, sigma0). */
const struct l4_env *l4_env(void);
/* The index-th resource of that kind in the environment, or NULL. */
const struct l4_env_res *l4_env_res(unsigned kind, unsigned index);
/* Whether the parent gave a capability in slot (L4_ENV_CAP_*): 0 without an environment. */
int l4_env_has_cap(unsigned slot);

/*
 * The parent protocol: calls on L4_ENV_CAP_PARENT.
 * L4_PARENT_EXIT: MR0 = exit code. The parent ends the program; the call
 * does not return (l4_exit stops the thread if it ever does).
 */
enum {
	L4_PARENT_EXIT = 0x5001,
};

/*
 * loader.c - starting boot modules as tasks (loader.h, docs/pagers.md).
 *
 * Boot modules are the kernel's (mapped read-only into the roottask, not
 * passable onward: l4/mem.h), so their bytes are copied: in boot mode
 * into pages from sigma0, otherwise into dataspaces of the memory server.
 *
 * Capability badges of the loader's endpoints: child index + 1 in bits
 * 0..7, BADGE_PARENT for the L4_ENV_CAP_PARENT copy (exit, exceptions of
 * the main thread); without it, the pager of a boot-mode task or of a
 * region mapper thread (their exceptions too).
 */
#include <stdbool.h>
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/dataspace.h>
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/sys.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/mem.h>
#include <l4/memsrv.h>
#include <l4/rm.h>
#include <l4/sigma0.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/task.h>
#include <l4/thread.h>

#include <common/elf.h>
#include <common/string.h>
#include "loader.h"

#define PAGE 4096UL
#define BADGE_PARENT 0x100UL
#define MAX_PROGS 8
#define BOOT_STACK 0x10000UL
#define BOOT_CAPS_LOG2 6
#define DEF_MEM_PAGES 16384UL
#define DEF_MEM_OBJECTS 96UL
#define DEF_KMEM (512UL * 1024)
#define STACK_WORDS 2048

/* A program's image, loaded once into dataspaces and shared. */
struct pseg {
	uint64_t va, size;              /* page-rounded */
	uint64_t fsize;                 /* writable: the file-backed part (the original to clone) */
	unsigned rights;
	uint64_t ds;                    /* the loader's capability (ADMIN): text, or the data original */
	uint64_t child;                 /* text: what programs get (the segment's rights only) */
};

struct prog {
	char name[48];
	uint64_t entry;
	unsigned nseg;
	struct pseg seg[ELF_MAX_SEGMENTS];
};

static struct ldr_config cfg;
static struct ldr_child children[LDR_MAX_CHILDREN];
static struct prog progs[MAX_PROGS];
static unsigned nprogs, ncached;
static uint64_t boot_ep, child_ep, ntf, session;
static uint64_t boot_next;              /* next free page of cfg.boot_va */
static uint64_t stacks[2][STACK_WORDS] __attribute__((aligned(16)));
static uint64_t thread_sel[2];

static struct l4_utcb *main_utcb(void)
{
	return (struct l4_utcb *)cfg.main_utcb;
}

static unsigned elf_rights(uint32_t f)
{
	return (f & ELF_PF_R ? L4_FP_R : 0) | (f & ELF_PF_W ? L4_FP_W : 0) | (f & ELF_PF_X ? L4_FP_X : 0);
}

static void copy_name(char *d, const char *s, unsigned n)
{
	unsigned i = 0;

	for (; i + 1 < n && s[i]; i++)
		d[i] = s[i];
	for (; i < n; i++)
		d[i] = 0;
}

static uint64_t up(uint64_t a)
{
	return (a + PAGE - 1) & ~(PAGE - 1);
}

static void put(uint64_t sel)
{
	if (sel) {
		l4_task_cap_delete(cfg.task, sel);
		l4_cap_free(sel);
	}
}

/* The boot module called name: its bytes and size, or NULL. */
static const uint8_t *module(const char *name, uint64_t *size)
{
	const struct l4_kip *k = l4_kip();

	for (unsigned i = 0; i < k->nmodules && i < L4_KIP_MAX_MODULES; i++)
		if (!strncmp(k->module[i].name, name, sizeof(k->module[i].name))) {
			*size = k->module[i].size;
			return (const uint8_t *)k->module[i].uaddr;
		}
	return 0;
}

/* Parse a module's ELF: segments must not share pages and must lie below L4_ENV_FREE_LO. */
static long parse(const uint8_t *img, uint64_t size, struct elf_info *info)
{
	if (elf_parse(img, size, L4_USER_BASE, L4_ENV_FREE_LO, info))
		return -L4_EINVAL;
	for (unsigned i = 0; i < info->nsegs; i++)
		for (unsigned j = 0; j < info->nsegs; j++) {
			const struct elf_segment *a = &info->segs[i], *b = &info->segs[j];
			if (i != j && (a->vaddr & ~(PAGE - 1)) < up(b->vaddr + b->memsz) &&
			    (b->vaddr & ~(PAGE - 1)) < up(a->vaddr + a->memsz))
				return -L4_EINVAL;
		}
	return 0;
}

/* Copy the part of segment s that falls into the page at va into dst (a page). */
static void fill_page(uint8_t *dst, const uint8_t *img, const struct elf_segment *s, uint64_t va)
{
	uint64_t lo = va > s->vaddr ? va : s->vaddr, hi = va + PAGE;

	if (hi > s->vaddr + s->filesz)
		hi = s->vaddr + s->filesz;
	if (lo < hi)
		memcpy(dst + (lo - va), img + s->offset + (lo - s->vaddr), hi - lo);
}

static struct ldr_child *child_new(const char *name)
{
	for (unsigned i = 0; i < LDR_MAX_CHILDREN; i++)
		if (children[i].state == LDR_FREE) {
			struct ldr_child *c = &children[i];
			*c = (struct ldr_child){ .state = LDR_FREE };
			copy_name(c->name, name, sizeof(c->name));
			return c;
		}
	return 0;
}

static uint64_t badge_of(const struct ldr_child *c)
{
	return (uint64_t)(c - children) + 1;
}

static struct ldr_region *region_of(struct ldr_child *c, uint64_t a)
{
	for (unsigned i = 0; i < c->nreg; i++)
		if (a >= c->reg[i].va && a - c->reg[i].va < c->reg[i].size)
			return &c->reg[i];
	return 0;
}

/* ---- the loader's threads ---- */

static void ended(struct ldr_child *c, enum ldr_state how)
{
	if (c->state == LDR_RUNNING) {
		c->state = how;
		l4_signal(ntf, 1);
		if (c->watch)
			l4_signal(c->watch, c->watch_bits);
	}
}

/*
 * A page fault of a boot-mode task (map the loader's copy) or of a region
 * mapper thread (ask the region's manager to map the page here, at the
 * scratch page, then grant it on). Returns the reply's tag; m gets its words.
 */
static uint64_t resolve(struct ldr_child *c, uint64_t mr0, struct l4_msg *m, uint64_t scratch, bool *granted)
{
	uint64_t a = l4_pf_addr(mr0), page = a & ~(PAGE - 1);
	unsigned acc = l4_pf_access(mr0);
	struct ldr_region *r = region_of(c, a);

	if (!r || (acc & ~r->rights)) {
		l4_log("ldr: %s: %s page fault at %#lx (%s)\n", c->name, c->boot ? "boot-mode" : "region mapper's",
		       (unsigned long)a, r ? "an access the region does not allow" : "not in a region the loader set up");
		return l4_tag(L4_ENOENT, 0, 0);
	}
	if (c->boot) {
		m->mr[0] = l4_item_mem(a, 0);
		m->mr[1] = l4_fpage(r->backing + (page - r->va), 12, r->rights);
		return l4_tag(0, 0, 1);
	}
	c->rm_faults++;
	long got = l4_ds_map(r->ds, (struct l4_utcb *)cfg.utcb[1], page - r->va, scratch, r->rights, acc);
	if (got < 0) {
		l4_log("ldr: %s: region mapper's page fault at %#lx: no page from the manager: %s\n", c->name,
		       (unsigned long)a, l4_strerror(got));
		return l4_tag((uint64_t)-got, 0, 0);
	}
	*granted = true;
	m->mr[0] = l4_item_mem(a, 1);
	m->mr[1] = l4_fpage(scratch, 12, (unsigned)got);
	return l4_tag(0, 0, 1);
}

static void serve(uint64_t ep, uint64_t scratch, struct l4_utcb *u)
{
	struct l4_msg m = { { 0 }, 0 };

	for (;;) {
		u->rcv_caps = 0;
		u->rcv_mem = 0;
		long tag = l4_receive(ep, &m);
		if (tag == -L4_EBADCAP || tag == -L4_ETYPE || tag == -L4_EPERM)
			return;         /* its endpoint is gone: nothing left to serve (no spinning) */
		if (tag < 0)
			continue;
		uint64_t b = m.badge, idx = (b & 0xff) - 1, fault_page = l4_pf_addr(m.mr[0]) & ~(PAGE - 1);
		struct ldr_child *c = idx < LDR_MAX_CHILDREN ? &children[idx] : 0;
		uint64_t label = l4_tag_label((uint64_t)tag), rtag = l4_tag(L4_ENOSYS, 0, 0);
		bool granted = false;
		if (!c || c->state == LDR_FREE) {
			rtag = l4_tag(L4_EBADCAP, 0, 0);
		} else if (label == L4_LABEL_PAGEFAULT && !(b & BADGE_PARENT)) {
			rtag = resolve(c, m.mr[0], &m, scratch, &granted);
		} else if (label == L4_LABEL_EXCEPTION) {
			c->pc = m.mr[0];
			c->scause = u->mr[L4_EXC_SCAUSE];
			c->stval = u->mr[L4_EXC_STVAL];
			c->reason = u->mr[L4_EXC_REASON];
			char why[96];
			l4_log("ldr: %s: exception (scause %lu, stval %#lx) at pc %#lx (%s): stopped\n", c->name,
			       (unsigned long)c->scause, (unsigned long)c->stval, (unsigned long)c->pc,
			       l4_exc_why(why, sizeof(why), c->reason));
			ended(c, LDR_CRASHED);
			rtag = l4_tag(1, 0, 0);         /* any label but 0 stops the thread */
		} else if (label == L4_PARENT_EXIT && (b & BADGE_PARENT) && l4_tag_words((uint64_t)tag) >= 1) {
			c->exit_code = (long)m.mr[0];
			ended(c, LDR_EXITED);
			l4_thread_stop(c->thread);      /* ends its call: no reply */
			continue;
		}
		long r = l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, 0, 0), rtag, &m);
		if (r < 0 && granted) {
			/* The grant found another page there (e.g. mapped read-only
			 * before a copy-on-write break): take that away, try again. */
			l4_task_unmap(c->task, l4_fpage(fault_page, 12, L4_FP_RWX), L4_UNMAP_SELF);
			r = l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, 0, 0), rtag, &m);
		}
		if (granted && r < 0)
			l4_task_unmap(cfg.task, l4_fpage(scratch, 12, L4_FP_RWX), L4_UNMAP_SELF);
	}
}

static void boot_thread(void *arg)
{
	(void)arg;
	serve(boot_ep, 0, (struct l4_utcb *)cfg.utcb[0]);
}

static void child_thread(void *arg)
{
	(void)arg;
	serve(child_ep, cfg.scratch_va, (struct l4_utcb *)cfg.utcb[1]);
}

static long new_obj(uint64_t factory, unsigned type, uint64_t arg, uint64_t *sel)
{
	*sel = l4_cap_alloc();
	if (!*sel)
		return -L4_ENOMEM;
	long r = l4_factory_create(factory, type, *sel, arg);
	if (r) {
		l4_cap_free(*sel);
		*sel = 0;
	}
	return r;
}

long ldr_init(const struct ldr_config *c)
{
	void (*fn[2])(void *) = { boot_thread, child_thread };
	long r;

	cfg = *c;
	if ((r = new_obj(cfg.factory, L4_OBJ_ENDPOINT, 0, &boot_ep)) ||
	    (r = new_obj(cfg.factory, L4_OBJ_ENDPOINT, 0, &child_ep)) ||
	    (r = new_obj(cfg.factory, L4_OBJ_NOTIFICATION, 0, &ntf)))
		return r;
	for (int i = 0; i < 2; i++) {
		struct l4_thread_config tc = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO | L4_THREAD_CFG_UTCB,
					       .task = cfg.task, .utcb = cfg.utcb[i], .prio = cfg.prio,
					       .max_prio = cfg.prio };
		if ((r = new_obj(cfg.factory, L4_OBJ_THREAD, 0, &thread_sel[i])) ||
		    (r = l4_thread_config(thread_sel[i], &tc)) ||
		    (r = l4_thread_run(thread_sel[i], fn[i], 0, stacks[i], sizeof(stacks[i]))))
			return r;
	}
	return 0;
}

/* ---- boot mode ---- */

/* An object of the loader's factory into *sel: a new slot if *sel is 0,
 * else that (empty) slot, as a restart does (it allocates no slots). */
static long make_obj(unsigned type, uint64_t arg, uint64_t *sel)
{
	return *sel ? l4_factory_create(cfg.factory, type, *sel, arg) : new_obj(cfg.factory, type, arg, sel);
}

/* n consecutive pages of cfg.boot_va, nothing mapped there yet: the first, or 0. */
static uint64_t boot_range(uint64_t n)
{
	uint64_t first = cfg.boot_va + boot_next * PAGE;

	if ((boot_next + n) * PAGE > (1UL << 30))
		return 0;
	boot_next += n;
	return first;
}

/* One page from sigma0 (label, words a0 a1 a2) at va here: 0 or -L4_Exxx. */
static long boot_sigma0(uint64_t va, uint64_t label, unsigned n, uint64_t a0, uint64_t a1, uint64_t a2)
{
	uint64_t where = 0;
	long pa = l4_sigma0_call(cfg.sigma0, main_utcb(), l4_fpage(va, 12, 0), label, n, a0, a1, a2, &where);

	return pa < 0 ? pa : where != va ? -L4_EINVAL : 0;
}

/* n pages from sigma0, zeroed, at consecutive addresses here: the first, or 0. */
static uint64_t boot_pages(uint64_t n)
{
	uint64_t first = boot_range(n);

	for (uint64_t i = 0; first && i < n; i++) {
		if (boot_sigma0(first + i * PAGE, L4_SIGMA0_ALLOC, 2, 12, L4_FP_RWX, 0))
			return 0;
		memset((void *)(first + i * PAGE), 0, PAGE);    /* sigma0 does not clear */
	}
	return first;
}

static const uint8_t *dtb;              /* the device tree here, once mapped */
static uint64_t dtb_size, dtb_page;     /* its size, its first page here */

const void *ldr_dtb(uint64_t *size)
{
	uint64_t base = 0, sz = 0, n = dtb ? 0 : l4_sigma0_dtb_pages(&base, &sz);
	uint64_t va = n ? boot_range(n) : 0;

	for (uint64_t i = 0; va && i < n; i++)
		if (boot_sigma0(va + i * PAGE, L4_SIGMA0_DTB, 1, i, 0, 0))
			va = 0;
	if (va) {
		dtb_page = va;
		dtb_size = sz;
		dtb = (const uint8_t *)(va + (base & (PAGE - 1)));
	}
	*size = dtb_size;
	return dtb;
}

/* Device registers [pa, pa + size) from sigma0, page-rounded, at *va here;
 * given back if not all of them came. */
static long boot_device(uint64_t pa, uint64_t size, uint64_t *va)
{
	uint64_t lo = pa & ~(PAGE - 1), n = (up(pa + size) - lo) / PAGE;

	if (!size || pa + size < pa || n > 64)
		return -L4_EINVAL;
	uint64_t w = boot_range(n);
	if (!w)
		return -L4_ENOMEM;
	for (uint64_t i = 0; i < n; i++) {
		long r = boot_sigma0(w + i * PAGE, L4_SIGMA0_DEVICE, 2, lo + i * PAGE, 12, 0);
		if (r) {
			while (i--)
				boot_sigma0(0, L4_SIGMA0_FREE, 2, lo + i * PAGE, 12, 0);
			return r;
		}
	}
	*va = w;
	return 0;
}

static void env_fill(struct l4_env *e, const char *name, uint64_t flags, const uint64_t *arg, uint64_t lo,
		     uint64_t hi, uint64_t timeout, uint64_t caps)
{
	memset(e, 0, sizeof(*e));
	e->magic = L4_ENV_MAGIC;
	e->flags = flags;
	for (int i = 0; i < 8; i++)
		e->arg[i] = arg ? arg[i] : 0;
	e->stack_lo = lo;
	e->stack_hi = hi;
	e->rm_timeout_us = timeout;
	e->caps = caps;
	copy_name(e->name, name, sizeof(e->name));
}

static bool caps_ok(const struct ldr_cap *caps, unsigned n)
{
	if (n > LDR_MAX_CAPS)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (caps[i].slot < L4_ENV_CAP_DEBUG || caps[i].slot >= L4_ENV_CAP_FIRST_FREE || caps[i].rights > L4_RIGHTS_ALL)
			return false;
	return true;
}

/*
 * What every program gets from the parent in slots 10..15: the caller's
 * capabilities, else the loader's debug object (W) and console service
 * (W G, with the program's own badge) where it has them. Returns 0 or the
 * error; *mask gets the slots.
 */
static long give_caps(uint64_t task, const struct ldr_cap *caps, unsigned n, uint64_t badge, uint64_t *mask)
{
	uint64_t given = 0;
	long r;

	for (unsigned i = 0; i < n; i++) {
		if ((r = l4_task_cap_copy(task, caps[i].sel, caps[i].slot, caps[i].rights, 0)))
			return r;
		given |= 1UL << caps[i].slot;
	}
	if (cfg.debug && !(given >> L4_ENV_CAP_DEBUG & 1)) {
		if ((r = l4_task_cap_copy(task, cfg.debug, L4_ENV_CAP_DEBUG, L4_RIGHT_W, 0)))
			return r;
		given |= 1UL << L4_ENV_CAP_DEBUG;
	}
	if (cfg.console && !(given >> L4_ENV_CAP_CONSOLE & 1)) {
		if ((r = l4_task_cap_copy(task, cfg.console, L4_ENV_CAP_CONSOLE, L4_RIGHT_W | L4_RIGHT_G, badge)))
			return r;
		given |= 1UL << L4_ENV_CAP_CONSOLE;
	}
	if (cfg.blk && !(given >> L4_ENV_CAP_BLK & 1)) {
		if ((r = l4_task_cap_copy(task, cfg.blk, L4_ENV_CAP_BLK, L4_RIGHT_W | L4_RIGHT_G, badge)))
			return r;
		given |= 1UL << L4_ENV_CAP_BLK;
	}
	if (cfg.fs && !(given >> L4_ENV_CAP_FS & 1)) {
		if ((r = l4_task_cap_copy(task, cfg.fs, L4_ENV_CAP_FS, L4_RIGHT_W | L4_RIGHT_G, badge)))
			return r;
		given |= 1UL << L4_ENV_CAP_FS;
	}
	*mask |= given;
	return 0;
}

void ldr_set_console(uint64_t service)
{
	cfg.console = service;
}

void ldr_set_blk(uint64_t service)
{
	cfg.blk = service;
}

void ldr_set_fs(uint64_t service)
{
	cfg.fs = service;
}

/* Whether the caller's sel holds an object of that type. */
static bool cap_is(uint64_t sel, unsigned type)
{
	unsigned t = L4_OBJ_NONE, rights = 0;

	return l4_task_cap_info(cfg.task, sel, &t, &rights) == 0 && t == type;
}

/* The slots every program has (L4_ENV_CAP_TASK .. L4_ENV_CAP_RM_PAGER as given). */
#define CAPS_BOOT (1UL << L4_ENV_CAP_TASK | 1UL << L4_ENV_CAP_THREAD | 1UL << L4_ENV_CAP_PARENT | \
		   1UL << L4_ENV_CAP_RM_PAGER | 1UL << L4_ENV_CAP_SERVER)
#define CAPS_SPAWN (1UL << L4_ENV_CAP_TASK | 1UL << L4_ENV_CAP_THREAD | 1UL << L4_ENV_CAP_FACTORY | \
		    1UL << L4_ENV_CAP_MEM | 1UL << L4_ENV_CAP_PARENT | 1UL << L4_ENV_CAP_RM | \
		    1UL << L4_ENV_CAP_RM_THREAD | 1UL << L4_ENV_CAP_RM_PAGER)

/* Map resource x of a boot-mode program at *at (advanced) in its space: a region, an env entry. */
static long boot_res(struct ldr_child *c, const struct ldr_res *x, uint64_t *at, struct l4_env_res *e)
{
	uint64_t pa = x->pa, size = x->size, back = 0;
	unsigned rights = L4_FP_R | L4_FP_W;
	long r;

	if (x->kind == L4_ENV_RES_DTB) {
		if (!ldr_dtb(&size))
			return -L4_ENOENT;
		back = dtb_page;
		l4_sigma0_dtb_pages(&pa, 0);
		rights = L4_FP_R;
	} else if (x->kind != L4_ENV_RES_DEVICE) {
		return -L4_EINVAL;
	} else if ((r = boot_device(pa, size, &back))) {
		return r;
	}
	uint64_t n = (up(pa + size) - (pa & ~(PAGE - 1))) / PAGE;
	*e = (struct l4_env_res){ x->kind, *at + (pa & (PAGE - 1)), pa, size, 0 };    /* taken: undone on failure */
	if (c->nreg == LDR_MAX_REGIONS || *at + n * PAGE > L4_ENV_RM_STACK_TOP - L4_ENV_RM_STACK_SIZE)
		return -L4_ENOMEM;
	c->reg[c->nreg++] = (struct ldr_region){ *at, n * PAGE, rights, 0, back };
	*at += (n + 1) * PAGE;          /* a page between resources stays empty */
	return 0;
}

long ldr_boot(const char *name, unsigned prio, uint64_t *server_ep, struct ldr_child **out)
{
	struct ldr_boot_args a = { .module = name, .prio = prio, .sigma0 = 1 };

	return ldr_boot_with(&a, server_ep, out);
}

/*
 * The image, the stack and the resources of a boot-mode program c: new
 * pages the first time; again (a restart), the same pages refilled (the
 * image from the module, the stack zeroed) and the same resource mappings.
 * res gets the resources' environment entries; *entry the entry point.
 */
static long boot_image(struct ldr_child *c, const struct ldr_boot_args *a, bool again, struct l4_env_res *res,
		       uint64_t *entry)
{
	uint64_t size = 0;
	const uint8_t *img = module(a->module, &size);
	struct elf_info info;
	long r;

	if (!img)
		return -L4_ENOENT;
	if ((r = parse(img, size, &info)))
		return r;
	*entry = info.entry;
	if (again && c->nreg != info.nsegs + 1 + a->nres)
		return -L4_EINVAL;      /* not the program it was */
	for (unsigned i = 0; i < info.nsegs; i++) {
		const struct elf_segment *s = &info.segs[i];
		uint64_t lo = s->vaddr & ~(PAGE - 1), n = (up(s->vaddr + s->memsz) - lo) / PAGE;
		uint64_t b = again ? c->reg[i].backing : boot_pages(n);
		if (!b || (!again && c->nreg == LDR_MAX_REGIONS) || (again && c->reg[i].size != n * PAGE))
			return again ? -L4_EINVAL : -L4_ENOMEM;
		if (again)
			memset((void *)b, 0, n * PAGE);
		for (uint64_t p = 0; p < n; p++)
			fill_page((uint8_t *)(b + p * PAGE), img, s, lo + p * PAGE);
		if (!again)
			c->reg[c->nreg++] = (struct ldr_region){ lo, n * PAGE, elf_rights(s->flags), 0, b };
	}
	uint64_t st = again ? c->reg[info.nsegs].backing : boot_pages(BOOT_STACK / PAGE);
	if (!st)
		return -L4_ENOMEM;
	if (again)
		memset((void *)st, 0, BOOT_STACK);
	else
		c->reg[c->nreg++] = (struct ldr_region){ L4_ENV_STACK_TOP - BOOT_STACK, BOOT_STACK, L4_FP_R | L4_FP_W, 0, st };
	uint64_t at = L4_ENV_RES_LO;
	c->nres = a->nres;
	for (unsigned i = 0; i < a->nres; i++) {
		if (!again) {
			if ((r = boot_res(c, &a->res[i], &at, &res[i])))
				return r;
			continue;
		}
		/* The same resource, still mapped here and at the same place there. */
		const struct ldr_region *g = &c->reg[info.nsegs + 1 + i];
		uint64_t pa = a->res[i].pa;
		if (a->res[i].kind == L4_ENV_RES_DTB)
			l4_sigma0_dtb_pages(&pa, 0);
		res[i] = (struct l4_env_res){ a->res[i].kind, g->va + (pa & (PAGE - 1)), pa,
					      a->res[i].kind == L4_ENV_RES_DTB ? dtb_size : a->res[i].size, 0 };
	}
	return 0;
}

/* The objects and slots of a boot-mode program whose image is in place (a
 * server endpoint it keeps if it has one); started. */
static long boot_start(struct ldr_child *c, const struct ldr_boot_args *a, uint64_t entry, struct l4_env_res *res)
{
	long r;
	uint64_t b = badge_of(c), caps = CAPS_BOOT;
	struct l4_thread_config tc = { .which = L4_THREAD_CFG_ALL, .task = 0, .pager = L4_ENV_CAP_RM_PAGER,
				       .exc_handler = L4_ENV_CAP_PARENT, .utcb = L4_ENV_UTCB_MAIN, .prio = a->prio,
				       .max_prio = a->prio };
	if ((r = make_obj(L4_OBJ_TASK, a->caps_log2 ? a->caps_log2 : BOOT_CAPS_LOG2, &c->task)) ||
	    (r = make_obj(L4_OBJ_THREAD, 0, &c->thread)) ||
	    (!c->server_ep && (r = new_obj(cfg.factory, L4_OBJ_ENDPOINT, 0, &c->server_ep))) ||
	    (r = l4_task_cap_copy(c->task, c->task, L4_ENV_CAP_TASK, L4_RIGHTS_ALL, 0)) ||
	    (r = l4_task_cap_copy(c->task, c->thread, L4_ENV_CAP_THREAD, L4_RIGHTS_ALL, 0)) ||
	    (r = l4_task_cap_copy(c->task, boot_ep, L4_ENV_CAP_PARENT, L4_RIGHT_W, b | BADGE_PARENT)) ||
	    (r = l4_task_cap_copy(c->task, boot_ep, L4_ENV_CAP_RM_PAGER, L4_RIGHT_W, b)) ||
	    (r = l4_task_cap_copy(c->task, c->server_ep, L4_ENV_CAP_SERVER, L4_RIGHTS_ALL, 0)) ||
	    (r = give_caps(c->task, a->caps, a->ncaps, b, &caps)))
		return r;
	if (a->sigma0) {
		if ((r = l4_task_cap_copy(c->task, cfg.sigma0, L4_ENV_CAP_MEM, L4_RIGHT_W, 0)))
			return r;
		caps |= 1UL << L4_ENV_CAP_MEM;
	} else if (a->mem) {
		if ((r = l4_task_cap_copy(c->task, a->mem, L4_ENV_CAP_MEM, L4_RIGHT_W | L4_RIGHT_G, 0)))
			return r;
		caps |= 1UL << L4_ENV_CAP_MEM;
	}
	for (unsigned i = 0; i < a->nres; i++)
		if (a->res[i].irq) {
			if ((r = l4_task_cap_copy(c->task, a->res[i].irq, L4_ENV_CAP_RES_LO + i, L4_RIGHTS_ALL, 0)))
				return r;
			res[i].cap = L4_ENV_CAP_RES_LO + i;
			caps |= 1UL << res[i].cap;
		}
	if (a->kmem) {
		if ((r = make_obj(L4_OBJ_FACTORY, a->kmem, &c->factory)) ||
		    (r = l4_task_cap_copy(c->task, c->factory, L4_ENV_CAP_FACTORY, L4_RIGHT_R | L4_RIGHT_W, 0)))
			return r;
		caps |= 1UL << L4_ENV_CAP_FACTORY;
	}
	struct l4_env *e = (struct l4_env *)(c->reg[c->nreg - 1 - a->nres].backing + BOOT_STACK - PAGE);
	env_fill(e, c->name, 0, a->arg, L4_ENV_STACK_TOP - BOOT_STACK, L4_ENV_STACK_TOP, 0, caps);
	e->nres = a->nres;
	memcpy(e->res, res, a->nres * sizeof(res[0]));
	tc.task = c->task;
	if ((r = l4_thread_config(c->thread, &tc)))
		return r;
	c->state = LDR_RUNNING;
	if ((r = l4_thread_start(c->thread, entry, L4_ENV_ADDR, L4_ENV_ADDR)))
		c->state = LDR_KILLED;  /* never ran */
	return r;
}

/* The boot arguments' own checks: 0 or -L4_Exxx. */
static long boot_args_check(const struct ldr_boot_args *a)
{
	if (a->nres > LDR_MAX_RES || !caps_ok(a->caps, a->ncaps) ||
	    (a->caps_log2 && (a->caps_log2 < BOOT_CAPS_LOG2 || a->caps_log2 > L4_ENV_CAPS_LOG2)))
		return -L4_EINVAL;
	if (a->sigma0 && a->mem)
		return -L4_EINVAL;
	if (a->mem && !cap_is(a->mem, L4_OBJ_ENDPOINT))
		return -L4_EBADCAP;
	for (unsigned i = 0; i < a->nres; i++) {
		if (a->res[i].kind != L4_ENV_RES_DEVICE && a->res[i].kind != L4_ENV_RES_DTB)
			return -L4_EINVAL;
		if (a->res[i].irq && (a->res[i].kind != L4_ENV_RES_DEVICE || !cap_is(a->res[i].irq, L4_OBJ_IRQ)))
			return a->res[i].kind != L4_ENV_RES_DEVICE ? -L4_EINVAL : -L4_EBADCAP;
	}
	return 0;
}

long ldr_boot_with(const struct ldr_boot_args *a, uint64_t *server_ep, struct ldr_child **out)
{
	uint64_t size = 0, entry = 0;
	const uint8_t *img = module(a->module, &size);
	struct ldr_child *c = child_new(a->module);
	struct l4_env_res res[LDR_MAX_RES] = { { 0 } };
	long r;

	if (!img || !c)
		return img ? -L4_ENOMEM : -L4_ENOENT;
	if ((r = boot_args_check(a)))
		return r;
	c->boot = 1;
	if (!(r = boot_image(c, a, false, res, &entry)) && !(r = boot_start(c, a, entry, res))) {
		*server_ep = c->server_ep;
		if (out)
			*out = c;
		return 0;
	}
	/* Undone: its objects, the device pages it took (the image's pages stay the loader's). */
	uint64_t objs[] = { c->thread, c->task, c->server_ep, c->factory };
	for (unsigned i = 0; i < 4; i++)
		if (objs[i]) {
			l4_factory_destroy(cfg.factory, objs[i]);
			l4_cap_free(objs[i]);
		}
	for (unsigned i = 0; i < a->nres; i++)
		for (uint64_t p = res[i].pa & ~(PAGE - 1); res[i].kind == L4_ENV_RES_DEVICE && p < res[i].pa + res[i].size;
		     p += PAGE)
			boot_sigma0(0, L4_SIGMA0_FREE, 2, p, 12, 0);
	*c = (struct ldr_child){ .state = LDR_FREE };
	return r;
}

long ldr_start_memsrv(const char *name, unsigned prio, uint64_t *s, uint64_t *epp, struct ldr_child **out)
{
	uint64_t ep = 0, root = l4_cap_alloc();
	long r = root ? ldr_boot(name, prio, &ep, out) : -L4_ENOMEM;

	if (!r)
		r = l4_task_cap_copy(cfg.task, ep, root, L4_RIGHT_W, L4_MEM_ROOT_BADGE);
	if (r) {
		l4_cap_free(root);
		return r;
	}
	session = root;
	*s = root;
	if (epp)
		*epp = ep;
	return 0;
}

/* ---- programs with a region mapper ---- */

/* Copy [lo, lo + n) of a dataspace from the segment's bytes, page by page through the scratch window. */
static long ds_fill(uint64_t ds, const uint8_t *img, const struct elf_segment *s, uint64_t lo, uint64_t n)
{
	uint64_t w = cfg.scratch_va + PAGE;

	for (uint64_t off = 0; off < n; off += PAGE) {
		long r = l4_ds_map(ds, main_utcb(), off, w, L4_FP_R | L4_FP_W, L4_FP_W);
		if (r < 0)
			return r;
		fill_page((uint8_t *)w, img, s, lo + off);
		l4_task_unmap(cfg.task, l4_fpage(w, 12, L4_FP_RWX), L4_UNMAP_SELF);
	}
	return 0;
}

long ldr_module_ds(const char *name, uint64_t mem, uint64_t slot, uint64_t *size)
{
	uint64_t n = 0;
	const uint8_t *img = module(name, &n);
	uint64_t w = cfg.scratch_va + PAGE;
	long r;

	if (!img)
		return -L4_ENOENT;
	if (!n)
		return -L4_EINVAL;
	if ((r = l4_mem_alloc(mem, main_utcb(), up(n), 0, slot, 0)))
		return r;
	for (uint64_t off = 0; off < n; off += PAGE) {
		if ((r = l4_ds_map(slot, main_utcb(), off, w, L4_FP_R | L4_FP_W, L4_FP_W)) < 0) {
			l4_ds_free(slot);
			l4_task_cap_delete(cfg.task, slot);
			return r;
		}
		memcpy((void *)w, img + off, n - off < PAGE ? n - off : PAGE);
		l4_task_unmap(cfg.task, l4_fpage(w, 12, L4_FP_RWX), L4_UNMAP_SELF);
	}
	*size = n;
	return 0;
}

static struct prog *prog_get(const char *name, long *err)
{
	for (unsigned i = 0; i < nprogs; i++)
		if (!strncmp(progs[i].name, name, sizeof(progs[i].name)))
			return &progs[i];
	uint64_t size;
	const uint8_t *img = module(name, &size);
	struct elf_info info;
	if (!img || nprogs == MAX_PROGS || !session) {
		*err = !img ? -L4_ENOENT : -L4_ENOMEM;
		return 0;
	}
	if ((*err = parse(img, size, &info)))
		return 0;
	struct prog *p = &progs[nprogs];
	*p = (struct prog){ .entry = info.entry };
	copy_name(p->name, name, sizeof(p->name));
	for (unsigned i = 0; i < info.nsegs; i++) {
		const struct elf_segment *s = &info.segs[i];
		struct pseg *g = &p->seg[p->nseg];
		g->va = s->vaddr & ~(PAGE - 1);
		g->size = up(s->vaddr + s->memsz) - g->va;
		g->rights = elf_rights(s->flags);
		bool w = g->rights & L4_FP_W;
		g->fsize = s->filesz ? up(s->vaddr + s->filesz) - g->va : 0;
		uint64_t n = w ? g->fsize : g->size;
		if (n) {
			uint64_t ds = l4_cap_alloc();
			long r = ds ? l4_mem_alloc(session, main_utcb(), n, 0, ds, 0) : -L4_ENOMEM;
			if (!r)
				r = ds_fill(ds, img, s, g->va, n);
			if (!r && !w) {
				/* What programs get: read-only (and X as the segment says). */
				g->child = l4_cap_alloc();
				r = g->child ? l4_ds_restrict(ds, main_utcb(), g->rights, g->child) : -L4_ENOMEM;
			}
			if (r) {
				*err = r;
				return 0;
			}
			g->ds = ds;
			ncached++;
		}
		p->nseg++;
	}
	nprogs++;
	return p;
}

unsigned ldr_cached_dataspaces(void)
{
	return ncached;
}

static long add_region(struct ldr_child *c, uint64_t va, uint64_t size, unsigned rights, uint64_t ds)
{
	if (c->nreg == LDR_MAX_REGIONS)
		return -L4_ENOMEM;
	c->reg[c->nreg++] = (struct ldr_region){ va, size, rights, ds, 0 };
	return 0;
}

/* A new anonymous dataspace of the child's session as a region. */
static long anon_region(struct ldr_child *c, uint64_t va, uint64_t size, unsigned rights)
{
	uint64_t ds = l4_cap_alloc();
	long r = ds ? l4_mem_alloc(c->session, main_utcb(), size, 0, ds, 0) : -L4_ENOMEM;

	if (!r)
		r = add_region(c, va, size, rights, ds);
	if (r)
		put(ds);
	return r;
}

static long spawn(struct ldr_child *c, struct prog *p, const struct ldr_args *a)
{
	uint64_t stack = a->stack_size ? up(a->stack_size) : L4_ENV_STACK_SIZE;
	uint64_t b = badge_of(c);
	long r;

	if (stack < 2 * PAGE || stack > (1UL << 30))
		return -L4_EINVAL;
	uint64_t sub = 0;
	if ((r = new_obj(cfg.factory, L4_OBJ_FACTORY, a->kmem ? a->kmem : DEF_KMEM, &sub)))
		return r;
	c->factory = sub;
	if ((r = new_obj(sub, L4_OBJ_TASK, L4_ENV_CAPS_LOG2, &c->task)) ||
	    (r = new_obj(sub, L4_OBJ_THREAD, 0, &c->thread)) || (r = new_obj(sub, L4_OBJ_THREAD, 0, &c->rm_thread)) ||
	    (r = new_obj(sub, L4_OBJ_ENDPOINT, 0, &c->rm_ep)))
		return r;
	c->session = l4_cap_alloc();
	if (!c->session)
		return -L4_ENOMEM;
	if ((r = l4_mem_session(session, main_utcb(), a->mem_pages ? a->mem_pages : DEF_MEM_PAGES,
				a->mem_objects ? a->mem_objects : DEF_MEM_OBJECTS, c->session))) {
		l4_cap_free(c->session);
		c->session = 0;
		return r;
	}

	/* The image: shared text, a data clone per instance, anonymous bss. */
	unsigned nclones = 0;
	for (unsigned i = 0; i < p->nseg; i++) {
		const struct pseg *g = &p->seg[i];
		if (!(g->rights & L4_FP_W)) {
			if ((r = add_region(c, g->va, g->size, g->rights, g->child)))
				return r;
			continue;
		}
		if (g->fsize) {
			/* The clone is in the loader's session: the program gets it
			 * without ADMIN (it could clone it without limit otherwise). */
			uint64_t cl = l4_cap_alloc(), ro = l4_cap_alloc();
			r = cl ? l4_ds_clone(g->ds, main_utcb(), cl) : -L4_ENOMEM;
			if (r) {
				l4_cap_free(cl);
				l4_cap_free(ro);
				return r;
			}
			c->clones[nclones++] = cl;
			r = ro ? l4_ds_restrict(cl, main_utcb(), L4_DS_RWX, ro) : -L4_ENOMEM;
			if (r || (r = add_region(c, g->va, g->fsize, g->rights, ro))) {
				put(ro);
				return r;
			}
		}
		if (g->size > g->fsize && (r = anon_region(c, g->va + g->fsize, g->size - g->fsize, g->rights)))
			return r;
	}
	if ((r = anon_region(c, L4_ENV_STACK_TOP - stack, stack, L4_FP_R | L4_FP_W)) ||
	    (r = anon_region(c, L4_ENV_RM_STACK_TOP - L4_ENV_RM_STACK_SIZE, L4_ENV_RM_STACK_SIZE, L4_FP_R | L4_FP_W)))
		return r;

	/* Its capabilities. */
	uint64_t caps = CAPS_SPAWN;
	if ((r = l4_task_cap_copy(c->task, c->task, L4_ENV_CAP_TASK, L4_RIGHTS_ALL, 0)) ||
	    (r = l4_task_cap_copy(c->task, c->thread, L4_ENV_CAP_THREAD, L4_RIGHTS_ALL, 0)) ||
	    (r = l4_task_cap_copy(c->task, sub, L4_ENV_CAP_FACTORY, L4_RIGHT_R | L4_RIGHT_W, 0)) ||
	    (r = l4_task_cap_copy(c->task, c->session, L4_ENV_CAP_MEM, L4_RIGHT_W, 0)) ||
	    (r = l4_task_cap_copy(c->task, child_ep, L4_ENV_CAP_PARENT, L4_RIGHT_W, b | BADGE_PARENT)) ||
	    (r = l4_task_cap_copy(c->task, c->rm_ep, L4_ENV_CAP_RM, L4_RIGHTS_ALL, 0)) ||
	    (r = l4_task_cap_copy(c->task, c->rm_thread, L4_ENV_CAP_RM_THREAD, L4_RIGHTS_ALL, 0)) ||
	    (r = l4_task_cap_copy(c->task, child_ep, L4_ENV_CAP_RM_PAGER, L4_RIGHT_W, b)) ||
	    (r = give_caps(c->task, a->caps, a->ncaps, b, &caps)))
		return r;

	/* The environment: the stack's top page. */
	uint64_t w = cfg.scratch_va + PAGE;
	struct ldr_region *st = &c->reg[c->nreg - 2];
	if ((r = l4_ds_map(st->ds, main_utcb(), stack - PAGE, w, L4_FP_R | L4_FP_W, L4_FP_W)) < 0)
		return r;
	env_fill((struct l4_env *)w, p->name, L4_ENV_F_RM, a->arg, L4_ENV_STACK_TOP - stack, L4_ENV_STACK_TOP,
		 a->rm_timeout_us, caps);
	l4_task_unmap(cfg.task, l4_fpage(w, 12, L4_FP_RWX), L4_UNMAP_SELF);

	/* The region mapper first: the loader pages it; then its regions. */
	unsigned rprio = a->prio + 1 > cfg.prio ? cfg.prio : a->prio + 1;
	struct l4_thread_config rc = { .which = L4_THREAD_CFG_ALL, .task = c->task, .pager = L4_ENV_CAP_RM_PAGER,
				       .exc_handler = L4_ENV_CAP_RM_PAGER, .utcb = L4_ENV_UTCB_RM, .prio = rprio,
				       .max_prio = rprio };
	struct l4_thread_config mc = { .which = L4_THREAD_CFG_ALL, .task = c->task, .pager = L4_ENV_CAP_RM,
				       .exc_handler = L4_ENV_CAP_PARENT, .utcb = L4_ENV_UTCB_MAIN, .prio = a->prio,
				       .max_prio = a->prio };
	if ((r = l4_thread_config(c->rm_thread, &rc)) || (r = l4_thread_config(c->thread, &mc)))
		return r;
	c->state = LDR_RUNNING;
	if ((r = l4_thread_start(c->rm_thread, p->entry, L4_ENV_RM_STACK_TOP, L4_ENV_ADDR | L4_ENV_ROLE_RM)))
		return r;
	for (unsigned i = 0; i < c->nreg; i++) {
		const struct ldr_region *g = &c->reg[i];
		long at = l4_rm_attach(c->rm_ep, g->va, g->size, 0, g->rights, g->ds, 0);
		if (at < 0)
			return at;
	}
	return l4_thread_start(c->thread, p->entry, L4_ENV_ADDR, L4_ENV_ADDR);
}

long ldr_spawn(const struct ldr_args *a, struct ldr_child **out)
{
	long r = 0;
	struct prog *p = prog_get(a->module, &r);

	if (!p)
		return r;
	struct ldr_child *c = child_new(a->module);
	if (!c)
		return -L4_ENOMEM;
	if (!caps_ok(a->caps, a->ncaps))
		return -L4_EINVAL;
	if ((r = spawn(c, p, a))) {
		c->state = LDR_CRASHED;
		ldr_reap(c);
		return r;
	}
	*out = c;
	return 0;
}

struct ldr_child *ldr_child_at(unsigned i)
{
	return i < LDR_MAX_CHILDREN ? &children[i] : 0;
}

long ldr_wait(struct ldr_child *c, uint64_t timeout_us)
{
	uint64_t t0 = l4_rdtime(), hz = l4_kip()->timebase_hz;

	while (c->state == LDR_RUNNING) {
		uint64_t bits;
		uint64_t spent = (l4_rdtime() - t0) * 1000000 / hz;
		if (timeout_us && spent >= timeout_us)
			return -L4_ETIMEDOUT;
		l4_wait_timeout(ntf, timeout_us ? l4_timeout_us(timeout_us - spent) : L4_TIMEOUT_NEVER, &bits);
	}
	return 0;
}

void ldr_reap(struct ldr_child *c)
{
	if (c->boot || c->state == LDR_FREE)
		return;
	/* Everything of the program's kernel objects: one sub-factory. */
	if (c->factory)
		l4_factory_destroy(cfg.factory, c->factory);
	if (c->session)
		l4_mem_close(c->session);
	for (unsigned i = 0; i < 4; i++)
		if (c->clones[i]) {
			l4_ds_free(c->clones[i]);
			put(c->clones[i]);
		}
	/* The region table's capabilities: text is the program's (cached); the
	 * others (restricted copies of the clones, the anonymous dataspaces
	 * that died with the session) are the loader's to delete. */
	for (unsigned i = 0; i < c->nreg; i++) {
		bool shared = false;
		for (unsigned j = 0; j < nprogs; j++)
			for (unsigned k = 0; k < progs[j].nseg; k++)
				shared = shared || progs[j].seg[k].child == c->reg[i].ds;
		if (!shared)
			put(c->reg[i].ds);
	}
	l4_cap_free(c->factory);        /* the objects' slots emptied when they were destroyed */
	l4_cap_free(c->task);
	l4_cap_free(c->thread);
	l4_cap_free(c->rm_thread);
	l4_cap_free(c->rm_ep);
	put(c->session);
	c->state = LDR_FREE;
}

/* ---- a boot-mode program ended and started again ---- */

/* The thread first (nothing runs on), the factory (what the program made),
 * the task (its table: what it derived is revoked). The slots stay the
 * child's, empty, for ldr_boot_again; the server endpoint stays. */
static void boot_objs_destroy(struct ldr_child *c)
{
	uint64_t objs[] = { c->thread, c->factory, c->task };

	for (unsigned i = 0; i < 3; i++)
		if (objs[i]) {
			l4_factory_destroy(cfg.factory, objs[i]);
			l4_task_cap_delete(cfg.task, objs[i]);
		}
}

void ldr_watch(struct ldr_child *c, uint64_t notification, uint64_t bits)
{
	c->watch_bits = bits;
	c->watch = notification;
}

void ldr_kill(struct ldr_child *c)
{
	if (c->state != LDR_RUNNING)
		return;
	l4_thread_stop(c->thread);
	c->exit_code = -L4_ECANCELED;
	ended(c, LDR_KILLED);
}

void ldr_boot_end(struct ldr_child *c)
{
	if (!c->boot || c->state == LDR_FREE)
		return;
	ldr_kill(c);
	boot_objs_destroy(c);
}

void *ldr_res_here(const struct ldr_child *c, unsigned i)
{
	if (!c->boot || i >= c->nres)
		return 0;
	return (void *)c->reg[c->nreg - c->nres + i].backing;
}

long ldr_boot_again(struct ldr_child *c, const struct ldr_boot_args *a)
{
	struct l4_env_res res[LDR_MAX_RES] = { { 0 } };
	uint64_t entry = 0;
	long r;

	if (!c->boot || c->state == LDR_FREE || c->state == LDR_RUNNING || a->nres != c->nres ||
	    strncmp(a->module, c->name, sizeof(c->name)))
		return -L4_EINVAL;
	if ((r = boot_args_check(a)))
		return r;
	ldr_boot_end(c);
	if (!(r = boot_image(c, a, true, res, &entry)))
		r = boot_start(c, a, entry, res);
	if (r) {
		/* Not started: what was made goes again; the program stays ended. */
		c->state = LDR_KILLED;
		boot_objs_destroy(c);
	} else {
		c->restarts++;
	}
	return r;
}

/*
 * board.c - extract what the kernel needs from a validated device tree into
 * struct board (board.h). The bindings are Linux's; spec references are to the
 * Devicetree Specification v0.4.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include <common/fdt.h>
#include "kassert.h"
#include <common/string.h>

const char *const board_uart_compatibles[] = {
	"ns16550a", "ns16550", "ns8250", "snps,dw-apb-uart", NULL,
};

/* PLIC bindings: the old RISC-V name and the SiFive one (VisionFive 2 lists only the latter). */
static const char *const plic_compatibles[] = { "riscv,plic0", "sifive,plic-1.0.0", NULL };

/* mmu-type values of harts that can run Sv39 (every larger mode implies it). */
static const char *const mmu_types[] = { "riscv,sv39", "riscv,sv48", "riscv,sv57", NULL };

#define IRQ_S_SOFT 1    /* scause code of the supervisor software interrupt */
#define IRQ_S_EXT 9     /* scause code of the supervisor external interrupt */

/* Copy a string, truncating to cap - 1 bytes; always NUL-terminated. */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * A string property to copy. Absent or empty: "". Otherwise it must end with
 * a NUL (a <string>, spec 2.2.4); we keep its first string.
 */
static int get_string(const struct fdt *fdt, int node, const char *name, char *dst, size_t cap)
{
	uint32_t len;
	const char *v = fdt_getprop(fdt, node, name, &len);

	dst[0] = '\0';
	if (!v || len == 0)
		return FDT_OK;
	if (v[len - 1] != '\0')
		return FDT_E_BADVALUE;
	copy_str(dst, cap, v);
	return FDT_OK;
}

/* A number that may be one or two cells (timebase-frequency, clock-frequency:
 * spec 3.7, 3.8). FDT_E_NOTFOUND leaves *out alone. */
static int get_uint(const struct fdt *fdt, int node, const char *name, uint64_t *out)
{
	uint32_t len;
	const void *v = fdt_getprop(fdt, node, name, &len);

	if (!v)
		return FDT_E_NOTFOUND;
	if (len != 4 && len != 8)
		return FDT_E_BADVALUE;
	*out = fdt_read_cells(v, (int)len / 4);
	return FDT_OK;
}

/* One u32 cell, `dflt` when absent. */
static int get_u32(const struct fdt *fdt, int node, const char *name, uint32_t dflt, uint32_t *out)
{
	int err = fdt_getprop_u32(fdt, node, name, out);

	if (err == FDT_E_NOTFOUND) {
		*out = dflt;
		return FDT_OK;
	}
	return err;
}

/* First cell of `interrupts`, 0 if there is none. */
static int get_irq(const struct fdt *fdt, int node, uint32_t *irq)
{
	uint32_t len;
	const void *v = fdt_getprop(fdt, node, "interrupts", &len);

	*irq = 0;
	if (!v || len == 0)
		return FDT_OK;
	if (len % 4 != 0)
		return FDT_E_BADVALUE;
	*irq = fdt_be32(v);
	return FDT_OK;
}

/* reg[0] of a device: a device we use without registers is malformed. */
static int get_reg0(const struct fdt *fdt, int parent, int node, uint64_t *base, uint64_t *size)
{
	int err = fdt_reg_in(fdt, parent, node, 0, base, size);

	return err == FDT_E_NOTFOUND ? FDT_E_BADVALUE : err;
}

static bool str_eq(const char *s, const char *t)
{
	return s && strcmp(s, t) == 0;
}

/* Index in board_uart_compatibles of the first entry the compatible value
 * c (len bytes) holds (the list runs from most to least specific), or -1. */
static int uart_match(const char *c, uint32_t len)
{
	for (int i = 0; board_uart_compatibles[i]; i++)
		if (fdt_stringlist_has(c, len, board_uart_compatibles[i]))
			return i;
	return -1;
}

/* Whether the validated string s is t (the first bytes compared inline:
 * most of find_devices' comparisons fail there). */
static bool same_str(const char *s, const char *t)
{
	return s[0] == t[0] && strcmp(s, t) == 0;
}

/* What find_devices looks for in a compatible list. */
struct compat_hits {
	bool test, plic, sswi, virtio;
	int uart;               /* uart_match()'s answer */
};

/*
 * The compatible list c (len bytes) read once for every string find_devices
 * looks for: the answers of fdt_stringlist_has() and uart_match() (same
 * rules: the strings up to the first one without its NUL).
 */
static void compat_scan(const char *c, uint32_t len, struct compat_hits *h)
{
	*h = (struct compat_hits){ false, false, false, false, -1 };
	for (uint32_t pos = 0; c && pos < len;) {
		const char *v = c + pos;
		size_t n = strnlen(v, len - pos);

		if (n == len - pos)
			break;
		h->test |= n == sizeof("sifive,test0") - 1 && same_str(v, "sifive,test0");
		h->virtio |= n == sizeof("virtio,mmio") - 1 && same_str(v, "virtio,mmio");
		h->sswi |= n == sizeof("riscv,aclint-sswi") - 1 && same_str(v, "riscv,aclint-sswi");
		for (unsigned i = 0; !h->plic && plic_compatibles[i]; i++)
			h->plic = same_str(v, plic_compatibles[i]);
		for (int i = 0; board_uart_compatibles[i] && (h->uart < 0 || i < h->uart); i++)
			if (same_str(v, board_uart_compatibles[i]))
				h->uart = i;
		pos += (uint32_t)n + 1;
	}
}

/*
 * Walk every node below the root in blob order, with its parent (needed for
 * reg). `stack` keeps the open nodes; fdt_init() bounded the depth.
 */
struct walk {
	int stack[FDT_MAX_DEPTH];
	int depth;
	int node, parent;
};

static bool walk_next(const struct fdt *fdt, struct walk *w)
{
	if (w->node < 0) {
		w->depth = 0;
		w->stack[0] = w->node = fdt_root(fdt);
	}
	w->node = fdt_next_node(fdt, w->node, &w->depth);
	if (w->node < 0)
		return false;
	kassert(w->depth >= 1 && w->depth < FDT_MAX_DEPTH);
	w->stack[w->depth] = w->node;
	w->parent = w->stack[w->depth - 1];
	return true;
}

#define WALK_INIT { .node = -1 }

static int harts_from_fdt(const struct fdt *fdt, struct board *b, int cpus, int *hart_node)
{
	int err;

	for (int c = fdt_first_child(fdt, cpus); c >= 0 && b->nharts < BOARD_MAX_HARTS;
	     c = fdt_next_sibling(fdt, c)) {
		struct board_hart *h = &b->harts[b->nharts];
		const char *mmu;
		uint64_t hartid;

		/* cpu-map and the like are not harts (spec 3.8: device_type "cpu"). */
		if (!str_eq(fdt_getprop_str(fdt, c, "device_type"), "cpu"))
			continue;
		err = get_reg0(fdt, cpus, c, &hartid, NULL);
		if (err)
			return err;
		if (hartid > UINT32_MAX)
			return FDT_E_BADVALUE;
		h->hartid = (uint32_t)hartid;
		h->enabled = fdt_is_enabled(fdt, c);
		mmu = fdt_getprop_str(fdt, c, "mmu-type");
		h->has_mmu = false;
		for (int i = 0; mmu && mmu_types[i]; i++)
			if (strcmp(mmu, mmu_types[i]) == 0)
				h->has_mmu = true;
		h->plic_s_context = -1;
		h->sswi_index = -1;
		err = get_string(fdt, c, "riscv,isa", h->isa, sizeof(h->isa));
		if (err)
			return err;
		hart_node[b->nharts++] = c;
	}
	return FDT_OK;
}

static int timebase_from_fdt(const struct fdt *fdt, struct board *b, int cpus)
{
	int err = get_uint(fdt, cpus, "timebase-frequency", &b->timebase_hz);

	if (err != FDT_E_NOTFOUND)
		return err;
	/* Some trees put it on each cpu node instead (spec 3.8 allows both). */
	for (int c = fdt_first_child(fdt, cpus); c >= 0; c = fdt_next_sibling(fdt, c)) {
		if (!str_eq(fdt_getprop_str(fdt, c, "device_type"), "cpu"))
			continue;
		err = get_uint(fdt, c, "timebase-frequency", &b->timebase_hz);
		if (err != FDT_E_NOTFOUND)
			return err;
	}
	return FDT_OK;
}

/* Append every reg entry of `node` to ranges[*n], up to `max` in all. */
static int add_regs(const struct fdt *fdt, int parent, int node,
		    struct board_range *ranges, unsigned *n, unsigned max)
{
	for (unsigned i = 0; *n < max; i++) {
		uint64_t base, size;
		int err = fdt_reg_in(fdt, parent, node, i, &base, &size);

		if (err == FDT_E_NOTFOUND)
			break;
		if (err)
			return err;
		ranges[*n].base = base;
		ranges[*n].size = size;
		(*n)++;
	}
	return FDT_OK;
}

static int resv_from_fdt(const struct fdt *fdt, struct board *b)
{
	int rm, err;

	/* /memreserve/ entries (5.3), then /reserved-memory children with a
	 * static reg (3.5.2); dynamic ones (size/alloc-ranges) have no reg. */
	for (unsigned i = 0; i < fdt->n_rsv && b->nresv < BOARD_MAX_RESV; i++) {
		fdt_rsv_entry(fdt, i, &b->resv[b->nresv].base, &b->resv[b->nresv].size);
		b->nresv++;
	}
	rm = fdt_path_offset(fdt, "/reserved-memory");
	for (int c = fdt_first_child(fdt, rm); c >= 0 && b->nresv < BOARD_MAX_RESV;
	     c = fdt_next_sibling(fdt, c)) {
		err = add_regs(fdt, rm, c, b->resv, &b->nresv, BOARD_MAX_RESV);
		if (err)
			return err;
	}
	return FDT_OK;
}

/*
 * An interrupt controller's interrupts-extended lists what it drives in
 * order: pair i is (phandle of a hart's "riscv,cpu-intc" node, interrupt of
 * that hart). For the PLIC, i is the context where that hart takes that
 * interrupt (plic_s_context); for an ACLINT SSWI, the register that raises
 * it (sswi_index). Each hart's first pair with interrupt `irq` counts. We assume
 * #interrupt-cells = 1 on the intc nodes, as the riscv,cpu-intc binding
 * requires.
 */
static int hart_contexts(const struct fdt *fdt, struct board *b, int node, const int *hart_node,
			 uint32_t irq, bool sswi)
{
	uint32_t len;
	const uint8_t *v = fdt_getprop(fdt, node, "interrupts-extended", &len);

	if (!v)
		return FDT_OK;
	if (len % 8 != 0)
		return FDT_E_BADVALUE;
	for (uint32_t i = 0; i < len / 8; i++) {
		int intc, cpu;

		if (fdt_be32(v + 8 * i + 4) != irq)
			continue;
		intc = fdt_node_by_phandle(fdt, fdt_be32(v + 8 * i));
		if (intc < 0 || !fdt_is_compatible(fdt, intc, "riscv,cpu-intc"))
			continue;
		cpu = fdt_parent(fdt, intc);
		for (unsigned h = 0; h < b->nharts; h++) {
			int *ctx = sswi ? &b->harts[h].sswi_index : &b->harts[h].plic_s_context;
			if (hart_node[h] == cpu && *ctx < 0)
				*ctx = (int)i;
		}
	}
	return FDT_OK;
}

/* A node the device walk found, with its parent (for reg). */
struct found {
	int node, parent;
	int match;              /* the UART's: index in board_uart_compatibles */
};

/* The first enabled PLIC, the first enabled UART (the console when
 * stdout-path names none), the enabled virtio-mmio slots in blob order, the
 * first sifive,test0 (enabled or not): node -1 for none. */
struct devices {
	struct found plic, sswi, uart, test;
	struct found virtio[BOARD_MAX_VIRTIO];
	unsigned nvirtio;
};

/*
 * One walk over every node, each node's compatible read once (a walk per
 * device type read the whole tree four times: most of the boot's device-tree
 * time). It reads the memory nodes (children of the root with device_type
 * "memory", spec 3.4: the name is only a convention) and returns their
 * first error, the first step that can fail after the harts; the devices it
 * only collects, and the *_from_fdt steps below read them in the fixed
 * order, so that errors come as they always did.
 */
static int find_devices(const struct fdt *fdt, struct board *b, struct devices *d)
{
	struct walk w = WALK_INIT;
	int root = fdt_root(fdt), mem_err = FDT_OK;

	d->plic = d->sswi = d->uart = d->test = (struct found){ -1, -1, -1 };
	d->nvirtio = 0;
	while (walk_next(fdt, &w)) {
		uint32_t len;
		const char *c;

		if (w.depth == 1 && !mem_err && b->nmem < BOARD_MAX_MEM &&
		    str_eq(fdt_getprop_str(fdt, w.node, "device_type"), "memory"))
			mem_err = add_regs(fdt, root, w.node, b->mem, &b->nmem, BOARD_MAX_MEM);
		c = fdt_getprop(fdt, w.node, "compatible", &len);
		struct found f = { w.node, w.parent, -1 };
		int enabled = -1;       /* read when needed */
		struct compat_hits h;

		if (!c)
			continue;
		compat_scan(c, len, &h);
		if (d->test.node < 0 && h.test)
			d->test = f;
		if (d->plic.node < 0 && h.plic && (enabled = fdt_is_enabled(fdt, w.node)))
			d->plic = f;
		if (d->sswi.node < 0 && h.sswi && (enabled >= 0 ? enabled : (enabled = fdt_is_enabled(fdt, w.node))))
			d->sswi = f;
		f.match = d->uart.node < 0 ? h.uart : -1;
		if (f.match >= 0 && (enabled >= 0 ? enabled : (enabled = fdt_is_enabled(fdt, w.node))))
			d->uart = f;
		if (d->nvirtio < BOARD_MAX_VIRTIO && h.virtio &&
		    (enabled >= 0 ? enabled : fdt_is_enabled(fdt, w.node)))
			d->virtio[d->nvirtio++] = f;
	}
	if (mem_err)
		return mem_err;
	return b->nmem ? FDT_OK : FDT_E_NOTFOUND;
}

static int plic_from_fdt(const struct fdt *fdt, struct board *b, const int *hart_node, const struct found *p)
{
	int err;

	if (p->node < 0)
		return FDT_OK;
	err = get_reg0(fdt, p->parent, p->node, &b->plic.base, &b->plic.size);
	if (!err)
		err = get_u32(fdt, p->node, "riscv,ndev", 0, &b->plic.ndev);
	if (!err)
		err = hart_contexts(fdt, b, p->node, hart_node, IRQ_S_EXT, false);
	if (err)
		return err;
	b->plic.present = true;
	return FDT_OK;
}

static int sswi_from_fdt(const struct fdt *fdt, struct board *b, const int *hart_node, const struct found *p)
{
	int err;

	if (p->node < 0)
		return FDT_OK;
	err = get_reg0(fdt, p->parent, p->node, &b->sswi.base, &b->sswi.size);
	if (!err)
		err = hart_contexts(fdt, b, p->node, hart_node, IRQ_S_SOFT, true);
	if (err)
		return err;
	b->sswi.present = true;
	return FDT_OK;
}

static int uart_fill(const struct fdt *fdt, struct board_uart *u, int parent, int node, int match)
{
	uint64_t clock = 0;
	int err;

	err = get_reg0(fdt, parent, node, &u->base, &u->size);
	if (!err)
		err = get_u32(fdt, node, "reg-shift", 0, &u->reg_shift);
	if (!err)
		err = get_u32(fdt, node, "reg-io-width", 1, &u->reg_io_width);
	if (!err)
		err = get_irq(fdt, node, &u->irq);
	if (!err) {
		err = get_uint(fdt, node, "clock-frequency", &clock);
		if (err == FDT_E_NOTFOUND)
			err = FDT_OK;
		else if (!err && clock > UINT32_MAX)
			err = FDT_E_BADVALUE;
	}
	if (err)
		return err;
	u->clock_hz = (uint32_t)clock;
	copy_str(u->compatible, sizeof(u->compatible), board_uart_compatibles[match]);
	u->present = true;
	return FDT_OK;
}

static int uart_from_fdt(const struct fdt *fdt, struct board *b, const struct found *first)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	uint32_t splen;
	const char *sp = fdt_getprop(fdt, chosen, "stdout-path", &splen);

	/* The console is /chosen/stdout-path (spec 3.6): a path or an alias,
	 * optionally followed by ":options" ("serial0:115200n8"). get_string()
	 * already checked that the value ends with a NUL. */
	if (sp && splen) {
		size_t len = 0;
		int node, match = -1;

		while (sp[len] && sp[len] != ':')
			len++;
		node = fdt_path_offset_len(fdt, sp, len);
		if (node >= 0) {
			uint32_t clen;
			const char *c = fdt_getprop(fdt, node, "compatible", &clen);
			match = uart_match(c, clen);
		}
		if (match >= 0 && fdt_is_enabled(fdt, node))
			return uart_fill(fdt, &b->uart, fdt_parent(fdt, node), node, match);
	}
	/* Otherwise the first UART we can drive. */
	if (first->node >= 0)
		return uart_fill(fdt, &b->uart, first->parent, first->node, first->match);
	return FDT_OK;
}

static int virtio_from_fdt(const struct fdt *fdt, struct board *b, const struct devices *d)
{
	for (unsigned i = 0; i < d->nvirtio; i++) {
		struct board_dev *v = &b->virtio[b->nvirtio];
		int err = get_reg0(fdt, d->virtio[i].parent, d->virtio[i].node, &v->base, &v->size);

		if (!err)
			err = get_irq(fdt, d->virtio[i].node, &v->irq);
		if (err)
			return err;
		b->nvirtio++;
	}
	return FDT_OK;
}

static int test_from_fdt(const struct fdt *fdt, struct board *b, const struct found *t)
{
	int err;

	if (t->node < 0)
		return FDT_OK;
	err = get_reg0(fdt, t->parent, t->node, &b->test.base, &b->test.size);
	if (err)
		return err;
	b->test.present = true;
	return FDT_OK;
}

/*
 * The steps run in a fixed order and the first error wins, so that the host
 * tests' libfdt-based copy of these rules can predict the result exactly.
 */
int board_from_fdt(const struct fdt *fdt, struct board *b)
{
	int hart_node[BOARD_MAX_HARTS];
	int root = fdt_root(fdt), chosen, cpus, err;
	struct devices d;

	memset(b, 0, sizeof(*b));
	if (root < 0)
		return FDT_E_NOTFOUND;
	err = get_string(fdt, root, "model", b->model, sizeof(b->model));
	if (err)
		return err;
	chosen = fdt_path_offset(fdt, "/chosen");
	if (chosen >= 0) {
		err = get_string(fdt, chosen, "bootargs", b->bootargs, sizeof(b->bootargs));
		if (!err)
			err = get_string(fdt, chosen, "stdout-path", b->stdout_path,
					 sizeof(b->stdout_path));
		if (err)
			return err;
	}
	cpus = fdt_path_offset(fdt, "/cpus");
	if (cpus < 0)
		return FDT_E_NOTFOUND;
	err = timebase_from_fdt(fdt, b, cpus);
	if (!err)
		err = harts_from_fdt(fdt, b, cpus, hart_node);
	if (!err)
		err = find_devices(fdt, b, &d);
	if (!err)
		err = resv_from_fdt(fdt, b);
	if (!err)
		err = plic_from_fdt(fdt, b, hart_node, &d.plic);
	if (!err)
		err = sswi_from_fdt(fdt, b, hart_node, &d.sswi);
	if (!err)
		err = uart_from_fdt(fdt, b, &d.uart);
	if (!err)
		err = virtio_from_fdt(fdt, b, &d);
	if (!err)
		err = test_from_fdt(fdt, b, &d.test);
	return err;
}

/*
 * test_uart.c - the console driver's hardware-free parts (drivers/uart/):
 * uart_dt_find against the kernel's own reading of the device tree
 * (board_from_fdt) on QEMU's trees, a hand-written one and the
 * VisionFive 2's; the line discipline that keeps sources' lines whole
 * (lines.c); and ns16550.c against the UART register model of
 * uart_model.c (the one test_earlycon uses): the register layout from
 * reg-shift/reg-io-width, the DesignWare busy detect, receive overflow
 * counted without corrupting the ring, the transmit FIFO never overfilled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/board.h"
#include "uart/lines.h"
#include "uart/ns16550.h"
#include "uart/uart_dt.h"
#include "uart_model.h"

#include "dtb_file.h"

/* ---- uart_dt ---- */

/* uart_dt_find agrees with the kernel's board_from_fdt; returns what it found. */
static struct uart_dt agree(const char *name)
{
	size_t size = 0;
	uint8_t *p = dtb_file(name, &size);
	struct fdt f;
	struct board *b = calloc(1, sizeof(*b));
	struct uart_dt u;

	assert_non_null(b);
	assert_int_equal(fdt_init(&f, p, size), FDT_OK);
	assert_int_equal(board_from_fdt(&f, b), 0);
	assert_int_equal(uart_dt_find(&f, &u), FDT_OK);
	assert_true(b->uart.present);
	assert_int_equal(u.base, b->uart.base);
	assert_int_equal(u.size, b->uart.size);
	assert_int_equal(u.reg_shift, b->uart.reg_shift);
	assert_int_equal(u.reg_io_width, b->uart.reg_io_width);
	assert_int_equal(u.irq, b->uart.irq);
	assert_int_equal(u.dw, strcmp(b->uart.compatible, "snps,dw-apb-uart") == 0);
	free(b);
	free(p);
	return u;
}

static void test_dt_qemu(void **state)
{
	(void)state;
	static const char *const names[] = { "virt-smp1-m128M.dtb", "virt-smp4-m1G.dtb", "virt-smp2-m3G.dtb",
					     "virt-smp8-m512M.dtb" };
	for (unsigned i = 0; i < 4; i++) {
		struct uart_dt u = agree(names[i]);
		assert_int_equal(u.base, 0x10000000);
		assert_int_equal(u.reg_shift, 0);
		assert_int_equal(u.reg_io_width, 1);
		assert_int_equal(u.irq, 10);
		assert_int_equal(u.fifo, 16);
		assert_false(u.dw);
	}
}

static void test_dt_vf2(void **state)
{
	(void)state;
	static const char *const names[] = { "visionfive2-v1.2a.dtb", "visionfive2-v1.3b.dtb" };
	for (unsigned i = 0; i < 2; i++) {
		struct uart_dt u = agree(names[i]);
		assert_int_equal(u.base, 0x10000000);
		assert_int_equal(u.reg_shift, 2);
		assert_int_equal(u.reg_io_width, 4);
		assert_int_equal(u.irq, 32);
		assert_true(u.dw);
		assert_true(u.fifo >= 16 && u.fifo <= 256);
	}
}

/* stdout-path through an alias, with options: the second UART, not the first. */
static void test_dt_alias(void **state)
{
	(void)state;
	struct uart_dt u = agree("board-uart-alias.dtb");
	assert_int_equal(u.base, 0x10010000);
	assert_int_equal(u.reg_shift, 2);
	assert_int_equal(u.reg_io_width, 4);
}

/* Write a big-endian u32 over a property of the VisionFive 2's console UART. */
static void poke(uint8_t *blob, size_t size, const char *prop, unsigned cell, uint32_t v)
{
	struct fdt f;
	struct uart_dt u;
	uint32_t len = 0;

	assert_int_equal(fdt_init(&f, blob, size), FDT_OK);
	assert_int_equal(uart_dt_find(&f, &u), FDT_OK);
	uint8_t *p = (uint8_t *)fdt_getprop(&f, u.node, prop, &len);
	assert_non_null(p);
	assert_true(len >= 4 * (cell + 1));
	p += 4 * cell;
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void test_dt_bad(void **state)
{
	(void)state;
	static const struct {
		const char *prop;
		unsigned cell;
		uint32_t v;
	} bad[] = {
		{ "reg-shift", 0, 9 },          /* beyond 8 */
		{ "reg-io-width", 0, 3 },       /* not 1, 2 or 4 */
		{ "reg-io-width", 0, 0 },
		{ "reg", 3, 0x40 },             /* 64 bytes: not registers 0..31 four bytes apart */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t size = 0;
		uint8_t *p = dtb_file("visionfive2-v1.3b.dtb", &size);
		struct fdt f;
		struct uart_dt u;
		poke(p, size, bad[i].prop, bad[i].cell, bad[i].v);
		assert_int_equal(fdt_init(&f, p, size), FDT_OK);
		assert_int_equal(uart_dt_find(&f, &u), FDT_E_BADVALUE);
		free(p);
	}
	/* 128 bytes is enough. */
	size_t size = 0;
	uint8_t *p = dtb_file("visionfive2-v1.3b.dtb", &size);
	struct fdt f;
	struct uart_dt u;
	poke(p, size, "reg", 3, 0x80);
	assert_int_equal(fdt_init(&f, p, size), FDT_OK);
	assert_int_equal(uart_dt_find(&f, &u), FDT_OK);
	assert_int_equal(u.size, 0x80);
	free(p);
}

/* ---- lines ---- */

static uint8_t txb[4096];
static struct ring ltx;
static struct lines out;
static struct line_src a, k, c;

static void lines_setup(void)
{
	ltx = (struct ring){ txb, sizeof(txb), 0, 0 };
	lines_init(&out, &ltx);
	assert_true(lines_add(&out, &a));
	assert_true(lines_add(&out, &k));
	assert_true(lines_add(&out, &c));
}

static void put(struct line_src *s, const char *str)
{
	assert_int_equal(lines_put(&out, s, str, strlen(str)), strlen(str));
}

/* What the UART got since the last call, as a string. */
static const char *got(void)
{
	static char b[sizeof(txb) + 1];
	unsigned n = 0;
	uint8_t ch;

	while (ring_get(&ltx, &ch))
		b[n++] = (char)ch;
	b[n] = 0;
	return b;
}

static void test_lines_one(void **state)
{
	(void)state;
	lines_setup();
	put(&a, "hello\nwor");
	assert_string_equal(got(), "hello\r\nwor");
	put(&a, "ld\n");
	assert_string_equal(got(), "ld\r\n");
}

/* Another source's line arrives while a prompt is open: above it, the prompt again. */
static void test_lines_between(void **state)
{
	(void)state;
	lines_setup();
	put(&a, "l4rv> ec");
	put(&k, "kernel: a li");
	assert_string_equal(got(), "l4rv> ec");        /* the kernel's line waits for its end */
	put(&k, "ne\n");
	assert_string_equal(got(), "\r\nkernel: a line\r\nl4rv> ec");
	put(&a, "ho\n");
	assert_string_equal(got(), "ho\r\n");
}

/* A partial line that waited is shown when the holder's line ends; it then holds. */
static void test_lines_waiting(void **state)
{
	(void)state;
	lines_setup();
	put(&a, "l4rv> ");
	put(&c, "prog> ");
	assert_string_equal(got(), "l4rv> ");
	put(&a, "\n");
	assert_string_equal(got(), "\r\nprog> ");
	put(&a, "late\n");
	assert_string_equal(got(), "\r\nlate\r\nprog> ");
	put(&c, "x\n");
	assert_string_equal(got(), "x\r\n");
}

/* A line longer than LINES_MAX from a waiting source goes out in pieces, each whole. */
static void test_lines_long(void **state)
{
	(void)state;
	char line[LINES_MAX + 11];

	lines_setup();
	memset(line, 'k', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	put(&a, "> ");
	put(&k, line);
	const char *g = got();
	assert_int_equal(strlen(g), 2 + 2 + LINES_MAX + 2 + 2);
	assert_memory_equal(g, "> \r\n", 4);
	assert_string_equal(g + 4 + LINES_MAX, "\r\n> ");
	put(&k, "\n");
	assert_string_equal(got(), "\r\nkkkkkkkkkk\r\n> ");
}

/* A source that goes away with its line open: the line is ended, the waiting one shown. */
static void test_lines_remove(void **state)
{
	(void)state;
	lines_setup();
	put(&c, "unfinished");
	put(&a, "waits");
	lines_remove(&out, &c);
	assert_string_equal(got(), "unfinished\r\nwaits");
	assert_int_equal(out.nsrc, 2);
	assert_false(c.used);
}

/* A full ring: fewer bytes taken, what went out whole, nothing overwritten. */
static void test_lines_full(void **state)
{
	(void)state;
	char big[4096];

	lines_setup();
	memset(big, 'z', sizeof(big));
	size_t n = lines_put(&out, &a, big, sizeof(big));
	assert_true(n < sizeof(big));
	assert_int_equal(n, sizeof(txb) - LINES_WORST + 1);
	assert_int_equal(ring_count(&ltx), n);
	const char *g = got();
	for (size_t i = 0; i < n; i++)
		assert_int_equal(g[i], 'z');
	assert_int_equal(lines_put(&out, &a, big, 1), 1);
}

/* ---- ns16550 against the register model of uart_model.c ---- */

/* A model of the given shape behind the driver's register-access hook; LCR
 * and IER start as no firmware left them, so that init must set both. */
static struct uart_model *model_new(unsigned shift, unsigned width, bool dw, struct ns16550 *u, struct ns16550_io *io)
{
	struct uart_model *m = malloc(sizeof(*m));

	assert_non_null(m);
	uart_model_init(m, shift, width, dw, 0);
	m->lcr = 0;
	m->ier = 0x0f;
	*io = (struct ns16550_io){ uart_model_rd, uart_model_wr, m };
	*u = (struct ns16550){ .io = io, .shift = shift, .width = width, .fifo = m->fifo, .dw = dw };
	return m;
}

/* Accesses at a wrong offset or of a wrong width. */
static unsigned bad(const struct uart_model *m)
{
	return m->bad_width + m->bad_offset;
}

static void test_uart_init(void **state)
{
	(void)state;
	static const unsigned layout[][2] = { { 0, 1 }, { 2, 4 }, { 1, 2 } };

	for (unsigned i = 0; i < 3; i++) {
		struct ns16550 u;
		struct ns16550_io io;
		struct uart_model *m = model_new(layout[i][0], layout[i][1], i == 1, &u, &io);
		ns16550_init(&u);
		assert_int_equal(bad(m), 0);
		assert_true(uart_model_clean(m));
		assert_int_equal(m->lcr, 0x03);         /* 8N1 */
		assert_int_equal(m->fcr & 0x07, 0x07);  /* FIFOs on, cleared */
		assert_int_equal(m->ier, 0);
		assert_int_equal(u.busy, 0);
		ns16550_rx_irq(&u, true);
		assert_int_equal(m->ier, 0x05);
		ns16550_irq_off(&u);
		assert_int_equal(m->ier, 0);
		free(m);
	}
}

/* The DesignWare ignores LCR while busy: the driver sees it, lets it idle, writes again. */
static void test_uart_dw_busy(void **state)
{
	(void)state;
	struct ns16550 u;
	struct ns16550_io io;
	struct uart_model *m = model_new(2, 4, true, &u, &io);

	m->rx_busy = 3;
	ns16550_init(&u);
	assert_int_equal(m->lcr, 0x03);
	assert_int_equal(m->busy_detects, 3);
	assert_int_equal(u.busy, 3);
	assert_true(m->reads[UM_USR] >= 3);
	assert_false(m->iir_busy);
	assert_int_equal(bad(m), 0);
	/* The busy-detect interrupt: cleared by reading USR, counted, the handler ends. */
	m->iir_busy = true;
	struct ring rx = { (uint8_t[64]){ 0 }, 64, 0, 0 }, tx = { (uint8_t[64]){ 0 }, 64, 0, 0 };
	ns16550_irq(&u, &rx, &tx);
	assert_false(m->iir_busy);
	assert_int_equal(u.busy, 4);
	free(m);
}

/* n bytes arriving, byte i being i * 13 + 1 (from `from` on). */
static void arrive(struct uart_model *m, unsigned from, unsigned n)
{
	for (unsigned i = from; i < from + n; i++)
		uart_model_receive_bytes(m, &(uint8_t){ (uint8_t)(i * 13 + 1) }, 1);
	assert_int_equal(m->nrx, from + n);
}

/* Input beyond the ring: all of it taken from the UART, the overflow counted, the ring intact. */
static void test_uart_rx_overflow(void **state)
{
	(void)state;
	struct ns16550 u;
	struct ns16550_io io;
	struct uart_model *m = model_new(0, 1, false, &u, &io);
	uint8_t rb[64], tb[64];
	struct ring rx = { rb, sizeof(rb), 0, 0 }, tx = { tb, sizeof(tb), 0, 0 };

	ns16550_init(&u);
	ns16550_rx_irq(&u, true);
	arrive(m, 0, 5000);
	m->lsr_oe = true;
	ns16550_irq(&u, &rx, &tx);
	assert_int_equal(m->rx_next, 5000);
	assert_int_equal(u.rx, 5000);
	assert_int_equal(u.rx_dropped, 5000 - 64);
	assert_int_equal(u.overrun, 1);
	assert_int_equal(ring_count(&rx), 64);
	for (unsigned i = 0; i < 64; i++) {
		uint8_t ch;
		assert_true(ring_get(&rx, &ch));
		assert_int_equal(ch, (uint8_t)(i * 13 + 1));
	}
	/* Room again: the next bytes come in. */
	arrive(m, 5000, 10);
	ns16550_irq(&u, &rx, &tx);
	assert_int_equal(ring_count(&rx), 10);
	assert_int_equal(u.rx_dropped, 5000 - 64);
	assert_true(uart_model_clean(m));
	free(m);
}

/* Output: at most a FIFO's worth per "empty", the transmit interrupt on while bytes wait. */
static void test_uart_tx(void **state)
{
	(void)state;
	struct ns16550 u;
	struct ns16550_io io;
	struct uart_model *m = model_new(2, 4, true, &u, &io);
	static uint8_t tb[4096];
	uint8_t rb[64];
	struct ring rx = { rb, sizeof(rb), 0, 0 }, tx = { tb, sizeof(tb), 0, 0 };

	ns16550_init(&u);
	ns16550_rx_irq(&u, true);
	for (unsigned i = 0; i < 1000; i++)
		assert_true(ring_put(&tx, (uint8_t)(i % 251)));
	ns16550_tx(&u, &tx, true);
	assert_int_equal(m->ntx, 16);
	assert_true(m->ier & 0x02);
	unsigned irqs = 0;
	while (m->ier & 0x02 && irqs < 1000) {
		ns16550_irq(&u, &rx, &tx);
		irqs++;
	}
	assert_int_equal(m->overruns, 0);       /* the FIFO never overfilled */
	assert_int_equal(m->ntx, 1000);
	assert_int_equal(u.tx, 1000);
	assert_int_equal(m->ier, 0x05);
	assert_true(irqs > 0);
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal((uint8_t)m->tx[i], (uint8_t)(i % 251));
	assert_int_equal(bad(m), 0);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dt_qemu),
		cmocka_unit_test(test_dt_vf2),
		cmocka_unit_test(test_dt_alias),
		cmocka_unit_test(test_dt_bad),
		cmocka_unit_test(test_lines_one),
		cmocka_unit_test(test_lines_between),
		cmocka_unit_test(test_lines_waiting),
		cmocka_unit_test(test_lines_long),
		cmocka_unit_test(test_lines_remove),
		cmocka_unit_test(test_lines_full),
		cmocka_unit_test(test_uart_init),
		cmocka_unit_test(test_uart_dw_busy),
		cmocka_unit_test(test_uart_rx_overflow),
		cmocka_unit_test(test_uart_tx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

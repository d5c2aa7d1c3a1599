/*
 * test_earlycon.c - the kernel's console UART code (kernel/dev/ns16550.c) on
 * the register model of test/host/uart_model.c, in both shapes it meets:
 * QEMU virt's ns16550a (reg-shift 0, byte accesses) and the VisionFive2's
 * DesignWare APB UART (reg-shift 2, reg-io-width 4, busy detect). It must
 * wait for THR to empty before each byte (no byte lost), touch only RBR, THR
 * and LSR with accesses of the width the device tree gives (never LCR, which
 * the DesignWare UART refuses while busy), and read received bytes only when
 * LSR says one is there. The model is checked to catch the mistakes it is for.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/mmio.h>

#include "dev/ns16550.h"
#include "uart_model.h"

static struct uart_model m;

struct shape {
	const char *what;
	unsigned shift, width;
	bool dw;
};

static const struct shape shapes[] = {
	{ "QEMU virt ns16550a", 0, 1, false },
	{ "VisionFive2 snps,dw-apb-uart", 2, 4, true },
};

static struct ns16550 uart_for(const struct shape *s)
{
	struct ns16550 u = { .base = m.mem, .shift = s->shift, .width = s->width };
	return u;
}

static void test_putc_waits_and_sends(void **state)
{
	const char *text = "l4rv: booting on hart 1\r\n";

	for (unsigned i = 0; i < 2; i++) {
		for (unsigned steps = 0; steps <= 7; steps += 7) {
			uart_model_init(&m, shapes[i].shift, shapes[i].width, shapes[i].dw, steps);
			struct ns16550 u = uart_for(&shapes[i]);
			for (const char *c = text; *c; c++)
				ns16550_putc(&u, *c);
			assert_int_equal(m.ntx, strlen(text));
			assert_memory_equal(m.tx, text, strlen(text));
			assert_true(uart_model_clean(&m));
			/* Only THR written; LSR polled until THR is empty, each time:
			 * once for the first byte, `steps` times for each after it. */
			for (unsigned r = 1; r < UART_MODEL_REGS; r++)
				assert_int_equal(m.writes[r], 0);
			size_t n = strlen(text);
			assert_int_equal(m.reads[UM_LSR], steps ? 1 + (n - 1) * steps : n);
		}
	}
}

static void test_getc(void **state)
{
	for (unsigned i = 0; i < 2; i++) {
		uart_model_init(&m, shapes[i].shift, shapes[i].width, shapes[i].dw, 3);
		struct ns16550 u = uart_for(&shapes[i]);
		assert_int_equal(ns16550_getc(&u), -1);
		uart_model_receive(&m, "h\xe9\r");
		assert_int_equal(ns16550_getc(&u), 'h');
		assert_int_equal(ns16550_getc(&u), 0xe9);       /* bytes above 127 are not negative */
		assert_int_equal(ns16550_getc(&u), '\r');
		assert_int_equal(ns16550_getc(&u), -1);
		assert_true(uart_model_clean(&m));
	}
}

/* Sending while bytes arrive: the DesignWare UART is busy all along, and
 * nothing the console does may raise busy detect. */
static void test_busy_uart(void **state)
{
	uart_model_init(&m, 2, 4, true, 5);
	struct ns16550 u = uart_for(&shapes[1]);
	uart_model_receive(&m, "xyz");
	for (int k = 0; k < 50; k++)
		ns16550_putc(&u, (char)('a' + k % 26));
	assert_int_equal(ns16550_getc(&u), 'x');
	assert_int_equal(m.ntx, 50);
	assert_int_equal(m.busy_detects, 0);
	assert_true(uart_model_clean(&m));
}

/* The model catches what it is for: accesses of the wrong shape, a byte
 * written before THR emptied, LCR written while busy. */
static void test_model_catches_mistakes(void **state)
{
	uart_model_init(&m, 2, 4, true, 3);
	struct ns16550 wrong = { .base = m.mem, .shift = 0, .width = 1 };     /* QEMU's shape on the DW UART */
	ns16550_putc(&wrong, 'a');
	assert_true(m.bad_width > 0 && m.bad_offset > 0);
	assert_false(uart_model_clean(&m));

	uart_model_init(&m, 2, 4, true, 3);
	struct ns16550 u = uart_for(&shapes[1]);
	ns16550_putc(&u, 'a');
	mmio_write32(m.mem, 'b');               /* THR again without waiting: lost */
	assert_int_equal(m.overruns, 1);
	mmio_write32(m.mem + (3 << 2), 0x83);   /* LCR while transmitting: refused */
	assert_int_equal(m.busy_detects, 1);
	assert_int_equal(mmio_read32(m.mem + (2 << 2)) & 0xf, 0x7);     /* IIR: busy detect */
	assert_int_equal(mmio_read32(m.mem + (3 << 2)), 0x03);          /* LCR unchanged */
	assert_false(uart_model_clean(&m));

	uart_model_init(&m, 0, 1, false, 3);    /* a plain 16550 has no busy detect */
	ns16550_putc(&(struct ns16550){ .base = m.mem, .shift = 0, .width = 1 }, 'a');
	mmio_write8(m.mem + 3, 0x83);
	assert_int_equal(m.busy_detects, 0);
	assert_int_equal(mmio_read8(m.mem + 3), 0x83);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_putc_waits_and_sends),
		cmocka_unit_test(test_getc),
		cmocka_unit_test(test_busy_uart),
		cmocka_unit_test(test_model_catches_mistakes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

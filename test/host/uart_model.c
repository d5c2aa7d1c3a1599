/* uart_model.c - the 8250/16550 and DesignWare UART register model (uart_model.h). */
#include <stddef.h>
#include <string.h>

#include <arch/mmio.h>

#include "uart_model.h"

enum { RBR = 0, IER = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7, USR = 31 };
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NONE 0x01
#define IIR_BUSY 0x07
#define USR_BUSY 0x01

static struct uart_model *cur;

void uart_model_init(struct uart_model *m, unsigned shift, unsigned width, bool dw, unsigned tx_steps)
{
	memset(m, 0, sizeof(*m));
	m->shift = shift;
	m->width = width;
	m->dw = dw;
	m->tx_steps = tx_steps;
	m->lcr = 0x03;                  /* 8N1, as the firmware left it */
	cur = m;
}

void uart_model_receive(struct uart_model *m, const char *s)
{
	size_t n = strlen(s);

	if (n > sizeof(m->rx) - m->nrx)
		n = sizeof(m->rx) - m->nrx;
	memcpy(m->rx + m->nrx, s, n);
	m->nrx += (unsigned)n;
}

bool uart_model_clean(const struct uart_model *m)
{
	return !m->bad_width && !m->bad_offset && !m->overruns && !m->busy_detects;
}

static bool busy(const struct uart_model *m)
{
	return m->tx_left > 0 || m->rx_next < m->nrx;
}

/* The register `p` names, or -1 (counted) if none. */
static int reg_of(struct uart_model *m, const volatile void *p, unsigned width)
{
	ptrdiff_t off = (const volatile uint8_t *)p - m->mem;

	if (width != m->width)
		m->bad_width++;
	if (off < 0 || off >= (ptrdiff_t)sizeof(m->mem) || off % (1 << m->shift) ||
	    (off >> m->shift) >= UART_MODEL_REGS) {
		m->bad_offset++;
		return -1;
	}
	int r = (int)(off >> m->shift);
	if (r > SCR && !(m->dw && r == USR)) {
		m->bad_offset++;
		return -1;
	}
	return r;
}

uint32_t model_read(const volatile void *p, unsigned width)
{
	struct uart_model *m = cur;

	switch (reg_of(m, p, width)) {
	case RBR:
		return m->rx_next < m->nrx ? (uint8_t)m->rx[m->rx_next++] : 0;
	case IER:
		return m->ier;
	case IIR: {
		uint8_t v = m->iir_busy ? IIR_BUSY : IIR_NONE;
		m->iir_busy = 0;
		return v;
	}
	case LCR:
		return m->lcr;
	case MCR:
		return m->mcr;
	case LSR:
		m->lsr_reads++;
		if (m->tx_left)
			m->tx_left--;   /* one step of the transmitter */
		return (m->rx_next < m->nrx ? LSR_DR : 0) | (m->tx_left ? 0 : LSR_THRE | LSR_TEMT);
	case MSR:
		return 0;
	case SCR:
		return m->scr;
	case USR:
		return busy(m) ? USR_BUSY : 0;
	default:
		return 0xffffffff;
	}
}

void model_write(volatile void *p, unsigned width, uint32_t v)
{
	struct uart_model *m = cur;
	int r = reg_of(m, p, width);

	if (r < 0)
		return;
	m->writes[r]++;
	switch (r) {
	case RBR:       /* THR */
		if (m->tx_left) {
			m->overruns++;
			return;
		}
		if (m->ntx < sizeof(m->tx))
			m->tx[m->ntx++] = (char)v;
		m->tx_left = m->tx_steps;
		return;
	case IER:
		m->ier = (uint8_t)v;
		return;
	case LCR:
		if (m->dw && busy(m)) {
			m->busy_detects++;
			m->iir_busy = 1;
			return;
		}
		m->lcr = (uint8_t)v;
		return;
	case MCR:
		m->mcr = (uint8_t)v;
		return;
	case SCR:
		m->scr = (uint8_t)v;
		return;
	default:        /* FCR, LSR, MSR, USR: nothing the model keeps */
		return;
	}
}

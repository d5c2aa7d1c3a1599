/* uart_model.c - the 8250/16550 and DesignWare UART register model (uart_model.h). */
#include <string.h>

#include "fakearch/arch/mmio.h"         /* model_read, model_write: what the fake accessors call */
#include "uart_model.h"

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IIR_NONE 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_BUSY 0x07
#define IIR_FIFOS 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define USR_BUSY 0x01

static struct uart_model *cur;

void uart_model_init(struct uart_model *m, unsigned shift, unsigned width, bool dw, unsigned tx_steps)
{
	memset(m, 0, sizeof(*m));
	m->shift = shift;
	m->width = width;
	m->dw = dw;
	m->tx_steps = tx_steps;
	m->fifo = 16;
	m->lcr = 0x03;                  /* 8N1, as the firmware left it */
	cur = m;
}

void uart_model_receive_bytes(struct uart_model *m, const void *p, size_t n)
{
	if (n > sizeof(m->rx) - m->nrx)
		n = sizeof(m->rx) - m->nrx;
	memcpy(m->rx + m->nrx, p, n);
	m->nrx += (unsigned)n;
}

void uart_model_receive(struct uart_model *m, const char *s)
{
	uart_model_receive_bytes(m, s, strlen(s));
}

bool uart_model_clean(const struct uart_model *m)
{
	return !m->bad_width && !m->bad_offset && !m->overruns && !m->busy_detects;
}

static bool rx_ready(const struct uart_model *m)
{
	return m->rx_next < m->nrx;
}

static bool busy(const struct uart_model *m)
{
	return m->tx_queued > 0 || rx_ready(m) || m->rx_busy > 0;
}

/* One step of the transmitter. */
static void tx_step(struct uart_model *m)
{
	if (m->tx_left)
		m->tx_left--;
	while (m->tx_queued && !m->tx_left) {
		m->tx_queued--;
		m->tx_left = m->tx_queued ? m->tx_steps : 0;
	}
}

static uint8_t iir(const struct uart_model *m)
{
	uint8_t fifos = m->fcr & FCR_ENABLE ? IIR_FIFOS : 0;

	if (m->ier & IER_RLSI && m->lsr_oe)
		return fifos | IIR_RLSI;
	if (m->ier & IER_RDI && rx_ready(m))
		return fifos | IIR_RDI;
	if (m->ier & IER_THRI && !m->tx_queued)
		return fifos | IIR_THRI;
	if (m->iir_busy)
		return fifos | IIR_BUSY;
	return fifos | IIR_NONE;
}

/* The register at `off`, or -1 (counted) if none. */
static int reg_of(struct uart_model *m, ptrdiff_t off, unsigned width)
{
	if (width != m->width)
		m->bad_width++;
	if (off < 0 || off % (1 << m->shift) || (off >> m->shift) >= UART_MODEL_REGS) {
		m->bad_offset++;
		return -1;
	}
	int r = (int)(off >> m->shift);
	if (r > UM_SCR && !(m->dw && r == UM_USR)) {
		m->bad_offset++;
		return -1;
	}
	return r;
}

static uint32_t rd(struct uart_model *m, ptrdiff_t off, unsigned width)
{
	int r = reg_of(m, off, width);

	if (r < 0)
		return 0xffffffff;
	m->reads[r]++;
	switch (r) {
	case UM_RBR:
		return rx_ready(m) ? (uint8_t)m->rx[m->rx_next++] : 0;
	case UM_IER:
		return m->ier;
	case UM_IIR:
		return iir(m);
	case UM_LCR:
		return m->lcr;
	case UM_MCR:
		return m->mcr;
	case UM_LSR: {
		tx_step(m);
		uint32_t v = (rx_ready(m) ? LSR_DR : 0) | (m->lsr_oe ? LSR_OE : 0) |
			     (m->tx_queued ? 0 : LSR_THRE | LSR_TEMT);
		m->lsr_oe = false;
		return v;
	}
	case UM_SCR:
		return m->scr;
	case UM_USR:
		m->iir_busy = false;
		return busy(m) ? USR_BUSY : 0;
	default:        /* MSR: no modem lines */
		return 0;
	}
}

static void wr(struct uart_model *m, ptrdiff_t off, unsigned width, uint32_t v)
{
	int r = reg_of(m, off, width);

	if (r < 0)
		return;
	m->writes[r]++;
	switch (r) {
	case UM_THR:
		if (m->tx_queued == (m->fcr & FCR_ENABLE ? m->fifo : 1)) {
			m->overruns++;
			return;
		}
		if (m->ntx < sizeof(m->tx))
			m->tx[m->ntx++] = (char)v;
		if (!m->tx_queued++)
			m->tx_left = m->tx_steps;
		return;
	case UM_IER:
		m->ier = (uint8_t)v;
		return;
	case UM_FCR:    /* bit 0: FIFOs on; bit 1: drop what was received (clearing
			 * the transmit FIFO is not modelled) */
		m->fcr = (uint8_t)v;
		if (v & FCR_CLEAR_RX)
			m->rx_next = m->nrx;
		return;
	case UM_LCR:
		if (m->dw && busy(m)) {
			m->busy_detects++;
			m->iir_busy = true;
			if (m->rx_busy)
				m->rx_busy--;
			return;
		}
		m->lcr = (uint8_t)v;
		return;
	case UM_MCR:
		m->mcr = (uint8_t)v;
		return;
	case UM_SCR:
		m->scr = (uint8_t)v;
		return;
	default:        /* LSR, MSR, USR: nothing the model keeps */
		return;
	}
}

uint32_t uart_model_rd(void *ctx, unsigned offset, unsigned width)
{
	return rd(ctx, offset, width);
}

void uart_model_wr(void *ctx, unsigned offset, unsigned width, uint32_t v)
{
	wr(ctx, offset, width, v);
}

/* An address past mem[] is no register either (reg_of counts it). */
static ptrdiff_t offset_of(const volatile void *p)
{
	ptrdiff_t off = (const volatile uint8_t *)p - cur->mem;

	return off >= 0 && off < (ptrdiff_t)sizeof(cur->mem) ? off : -1;
}

uint32_t model_read(const volatile void *p, unsigned width)
{
	return rd(cur, offset_of(p), width);
}

void model_write(volatile void *p, unsigned width, uint32_t v)
{
	wr(cur, offset_of(p), width, v);
}

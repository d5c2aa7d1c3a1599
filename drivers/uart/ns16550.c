/* ns16550.c - the 16550/8250 family and the DesignWare APB UART (ns16550.h). */
#include "ns16550.h"

enum {
	RBR = 0, THR = 0,       /* receive buffer / transmit holding */
	IER = 1,                /* interrupt enable */
	IIR = 2, FCR = 2,       /* interrupt identification / FIFO control */
	LCR = 3,                /* line control */
	MCR = 4,                /* modem control */
	LSR = 5,                /* line status */
	MSR = 6,                /* modem status */
	USR = 31,               /* DesignWare: UART status */
};

#define IER_RDI 0x01            /* received data available (and the FIFO's timeout) */
#define IER_THRI 0x02           /* transmit holding register empty */
#define IER_RLSI 0x04           /* receiver line status */
#define IIR_NONE 0x01           /* no interrupt pending */
#define IIR_ID 0x0f
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_BUSY 0x07           /* DesignWare: LCR written while busy */
#define IIR_TIMEOUT 0x0c
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_TRIGGER_8 0x80      /* receive interrupt at 8 bytes (or the timeout) */
#define LCR_8N1 0x03
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08           /* routes the interrupt out on PC-style parts */
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define USR_BUSY 0x01

#define SPIN 1000000U           /* polls of a status bit before giving up */

static uint32_t rd(const struct ns16550 *u, unsigned reg)
{
	if (u->io)
		return u->io->rd(u->io->ctx, reg << u->shift, u->width);
	volatile uint8_t *p = u->base + (reg << u->shift);
	if (u->width == 4)
		return *(volatile uint32_t *)p;
	if (u->width == 2)
		return *(volatile uint16_t *)p;
	return *p;
}

static void wr(const struct ns16550 *u, unsigned reg, uint32_t v)
{
	if (u->io) {
		u->io->wr(u->io->ctx, reg << u->shift, u->width, v);
		return;
	}
	volatile uint8_t *p = u->base + (reg << u->shift);
	if (u->width == 4)
		*(volatile uint32_t *)p = v;
	else if (u->width == 2)
		*(volatile uint16_t *)p = (uint16_t)v;
	else
		*p = (uint8_t)v;
}

/* LSR, counting the overruns it reports (reading it clears them). */
static uint32_t lsr(struct ns16550 *u)
{
	uint32_t v = rd(u, LSR);

	if (v & LSR_OE)
		u->overrun++;
	return v;
}

/*
 * The DesignWare UART ignores writes to LCR while it is busy (receiving or
 * sending a character) and raises the busy-detect interrupt instead. So:
 * write, read back, and while it did not take, let the transmitter empty,
 * throw away what arrives (this is start-up), and try again.
 */
static void lcr_write(struct ns16550 *u, uint8_t v)
{
	for (unsigned i = 0; i < 1000; i++) {
		wr(u, LCR, v);
		if (!u->dw || (rd(u, LCR) & 0xff) == v)
			return;
		u->busy++;
		for (unsigned n = 0; n < SPIN && !(rd(u, LSR) & LSR_TEMT); n++)
			;
		wr(u, FCR, FCR_ENABLE | FCR_CLEAR_RX);
		(void)rd(u, RBR);
		(void)rd(u, USR);
	}
}

static void ier_set(struct ns16550 *u, uint8_t v)
{
	if (v != u->ier) {
		u->ier = v;
		wr(u, IER, v);
	}
}

void ns16550_init(struct ns16550 *u)
{
	u->ier = 0xff;
	ier_set(u, 0);
	lcr_write(u, LCR_8N1);
	wr(u, FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX | FCR_TRIGGER_8);
	wr(u, MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	(void)lsr(u);
	(void)rd(u, IIR);
	(void)rd(u, MSR);
	if (u->dw)
		(void)rd(u, USR);
}

void ns16550_rx_irq(struct ns16550 *u, bool on)
{
	ier_set(u, on ? (uint8_t)(u->ier | IER_RDI | IER_RLSI) : (uint8_t)(u->ier & ~(IER_RDI | IER_RLSI)));
}

void ns16550_irq_off(struct ns16550 *u)
{
	ier_set(u, 0);
}

void ns16550_rx(struct ns16550 *u, struct ring *rx)
{
	/* Bounded: a device that always says "data ready" cannot hold the driver. */
	for (unsigned n = 0; n < 1024 && (lsr(u) & LSR_DR); n++) {
		uint8_t c = (uint8_t)rd(u, RBR);
		u->rx++;
		if (!ring_put(rx, c))
			u->rx_dropped++;
	}
}

void ns16550_tx(struct ns16550 *u, struct ring *tx, bool irq)
{
	uint8_t c;

	if (ring_count(tx) && (lsr(u) & LSR_THRE))
		for (unsigned n = 0; n < u->fifo && ring_get(tx, &c); n++) {
			wr(u, THR, c);
			u->tx++;
		}
	if (irq)
		ier_set(u, ring_count(tx) ? (uint8_t)(u->ier | IER_THRI) : (uint8_t)(u->ier & ~IER_THRI));
}

void ns16550_tx_drain(struct ns16550 *u, struct ring *tx)
{
	while (ring_count(tx)) {
		unsigned n = 0;
		while (n < SPIN && !(lsr(u) & LSR_THRE))
			n++;
		if (n == SPIN)
			return;         /* the transmitter is stuck: try again later */
		ns16550_tx(u, tx, false);
	}
}

void ns16550_irq(struct ns16550 *u, struct ring *rx, struct ring *tx)
{
	for (unsigned n = 0; n < 64; n++) {
		uint32_t iir = rd(u, IIR) & IIR_ID;
		if (iir & IIR_NONE && iir != IIR_BUSY)
			break;
		switch (iir) {
		case IIR_RLSI:
			(void)lsr(u);
			break;
		case IIR_RDI:
		case IIR_TIMEOUT:
			ns16550_rx(u, rx);
			break;
		case IIR_THRI:
			ns16550_tx(u, tx, true);
			break;
		case IIR_BUSY:
			u->busy++;
			(void)rd(u, USR);
			break;
		case IIR_MSI:
			(void)rd(u, MSR);
			break;
		default:
			break;
		}
	}
	/* What arrived or emptied meanwhile. */
	ns16550_rx(u, rx);
	ns16550_tx(u, tx, true);
}

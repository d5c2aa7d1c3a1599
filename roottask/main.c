/*
 * roottask - the first user program (boot module 1). In the default
 * configuration it starts the memory server (boot module "memsrv", with
 * the loader: pager/loader) and the console driver (boot module "uart",
 * drivers/uart/: the UART's registers, the device tree, its IRQ object and
 * the debug object), and the virtio-blk driver when there are disks. Then
 * it runs the shell (shell.c, docs/shell.md) on the console driver: the
 * roottask is the process manager, so the programs started from the shell
 * are the loader's children here, each with its own region mapper, heap
 * and console session (docs/pagers.md, docs/console.md).
 */
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/console.h>
#include <l4/crt.h>
#include <l4/env.h>
#include <l4/factory.h>
#include <l4/file.h>
#include <l4/irq.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/memsrv.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>
#include <l4/thread.h>

#include <common/fdt.h>
#include <common/string.h>
#include "blk.h"
#include "loader/loader.h"
#include "shell.h"
#include "uart/uart_dt.h"
#include "virtio-blk/vblk_dt.h"
#include <l4/blk.h>
#include <l4/sigma0.h>
#include <l4/task.h>

#define LDR_BOOT_VA 0x1800000000UL
#define LDR_SCRATCH 0x1840000000UL
#define LDR_UTCB0 0x1841000000UL
#define LDR_UTCB1 0x1841001000UL
/* 0x1841002000, 0x1841003000: UTCBs of the shell's threads (shell.c, cmd_procs.c) */
#define SUP_UTCB 0x1841004000UL         /* the virtio-blk driver's supervisor thread */
#define CONS_PAGE 0x1842000000UL        /* the console session's page */
#define PROBE_VA 0x1843000000UL         /* a virtio-mmio slot's page while it is probed */
/* 0x1844000000: the 'disks' command's block session (shell.c) */
#define UART_PRIO 160                   /* above the programs and the prompt, below the loader */
#define VBLK_PRIO 140                   /* above the programs and the prompt */
#define RAMFS_PRIO 130                  /* below the block driver it uses, above the programs */
#define SUP_PRIO 170                    /* the block driver's supervisor: above it, below the loader */

static uint64_t mem_session, cons_service, blk_service, fs_service;
static struct blkprog blk;
static struct l4_console cons;

static void start_memsrv(void)
{
	struct ldr_config c = { .factory = L4_CAP_FACTORY, .task = L4_CAP_TASK, .sigma0 = L4_CAP_SIGMA0, .debug = L4_CAP_DEBUG,
				.main_utcb = L4_BOOT_UTCB, .utcb = { LDR_UTCB0, LDR_UTCB1 }, .boot_va = LDR_BOOT_VA,
				.scratch_va = LDR_SCRATCH, .prio = 200 };
	long r = ldr_init(&c);

	if (!r)
		r = ldr_start_memsrv("memsrv", 150, &mem_session, 0, 0);
	if (r) {
		mem_session = 0;
		l4_printf("roottask: no memory server (%s): 'run' is not available\n", l4_strerror(r));
	}
}

/*
 * The console driver: the device tree says where the UART is and which
 * interrupt it raises; the driver gets those registers, the device tree,
 * the IRQ object and the debug object (R W D: it takes the kernel's output
 * over), in boot mode. Then the prompt and every program run from it use a
 * session of it. Returns 0 or why not.
 */
static long start_console(void)
{
	uint64_t size = 0, irq = 0, ntf = l4_cap_alloc(), ses = l4_cap_alloc();
	const void *dtb = ldr_dtb(&size);
	struct fdt f;
	struct uart_dt u;
	long r;

	if (!dtb || fdt_init(&f, dtb, size) || uart_dt_find(&f, &u))
		return -L4_ENOENT;
	if (u.irq) {
		irq = l4_cap_alloc();
		if (l4_irqctl_get(L4_CAP_IRQ_CONTROL, u.irq, L4_CAP_FACTORY, irq)) {
			l4_cap_free(irq);
			irq = 0;        /* the driver polls */
		}
	}
	struct ldr_boot_args a = {
		.module = "uart", .prio = UART_PRIO, .kmem = 16384, .caps_log2 = 7, .nres = 2,
		.res = { { L4_ENV_RES_DEVICE, u.base, u.size, 0 }, { L4_ENV_RES_DTB, 0, 0, 0 } },
		.ncaps = irq ? 2 : 1,
		.caps = { { L4_CAP_DEBUG, L4_ENV_CAP_DEBUG, L4_RIGHT_R | L4_RIGHT_W | L4_RIGHT_D },
			  { irq, L4_ENV_CAP_IRQ, L4_RIGHTS_ALL } },
	};
	if ((r = ldr_boot_with(&a, &cons_service, 0)))
		return r;
	if (!ntf || !ses || (r = l4_factory_create_notification(L4_CAP_FACTORY, ntf)) ||
	    (r = l4_console_open(cons_service, ntf, CONS_PAGE, ses, 2000000, &cons)))
		return r;
	l4_stdio_set_console(&cons);
	/* Programs get badged copies: they open sessions, they cannot release the UART. */
	ldr_set_console(cons_service);
	return 0;
}

/*
 * The virtio-blk driver (drivers/virtio-blk/main.c), started by blk.c: the
 * device tree lists the virtio-mmio slots; each is probed here (its
 * register page from sigma0 for a moment: magic, device id), and only
 * those that hold a block device go to the driver, with their IRQ
 * objects, the device tree, a memory-server session of its own (DMA
 * memory and its clients' data regions) and a small factory; a thread of
 * this task starts it again on the same endpoint whenever it ends.
 * Programs get its service at L4_ENV_CAP_BLK. Returns the number of disks
 * found, or -L4_Exxx.
 */
static long start_blk(void)
{
	struct blkprog_config c = { .mem = mem_session, .prio = VBLK_PRIO, .probe_va = PROBE_VA,
				    .sup_utcb = SUP_UTCB, .sup_prio = SUP_PRIO };
	long r = blkprog_start(&blk, &c);

	if (r > 0) {
		blk_service = blk.service;
		ldr_set_blk(blk_service);
	}
	return r;
}

/*
 * The ramfs (servers/ramfs/, docs/files.md), in boot mode: a memory
 * sub-session of the roottask's with a limit (its files and its clients'
 * buffers; arg[0] the files' share in pages), a small factory (its block
 * session's notification), the block service (a badged copy, as every
 * program gets), and the boot module "ramfs.cpio" if there is one, copied
 * into a dataspace of its session (slot 15, arg[1] its size). Programs get
 * its service at L4_ENV_CAP_FS. Returns 0 or why not.
 */
static long start_ramfs(void)
{
	uint64_t ses = mem_session ? l4_cap_alloc() : 0, arc = l4_cap_alloc(), size = 0;
	struct ldr_boot_args a = { .module = "ramfs", .prio = RAMFS_PRIO, .caps_log2 = 9, .kmem = 16384,
				   .arg = { 8192 } };
	long r = ses && arc ? l4_mem_session(mem_session, (struct l4_utcb *)L4_BOOT_UTCB, 8192 + 8192 + 2048, 128, ses)
			    : -L4_ENOMEM;

	if (!r) {
		a.mem = ses;
		if (!ldr_module_ds("ramfs.cpio", ses, arc, &size)) {
			a.caps[a.ncaps++] = (struct ldr_cap){ arc, 15, L4_RIGHTS_ALL };
			a.arg[1] = size;
		}
		r = ldr_boot_with(&a, &fs_service, 0);
		l4_task_cap_delete(L4_CAP_TASK, arc);   /* the ramfs has it now (or it went with the session) */
		if (!r) {
			/* arc's slot is not freed: a hole below the loader's slots would
			 * break the three consecutive ones 'disks' takes. */
			ldr_set_fs(fs_service);
			return 0;
		}
		l4_mem_close(ses);
	}
	if (ses) {
		l4_task_cap_delete(L4_CAP_TASK, ses);
		l4_cap_free(ses);
	}
	l4_cap_free(arc);
	return r;
}

int main(void)
{
	l4_capalloc_init(L4_CAP_FIRST_FREE, (1UL << L4_ROOTTASK_CAPS_LOG2) - L4_CAP_FIRST_FREE);
	l4_puts("roottask: hello from user mode on l4rv");
	/* The prompt polls the kernel's console; between looks it sleeps on this. */
	uint64_t idle = l4_cap_alloc();
	if (idle && !l4_factory_create_notification(L4_CAP_FACTORY, idle))
		l4_stdio_set_idle(idle);
	start_memsrv();
	long r = start_console();
	if (r)
		l4_printf("roottask: no console driver (%s): the kernel's console it is\n", l4_strerror(r));
	if ((r = start_blk()) < 0)
		l4_printf("roottask: no virtio-blk driver (%s)\n", l4_strerror(r));
	else if (r)
		l4_printf("roottask: the virtio-blk driver started for %ld virtio-mmio slot%s with a block device\n", r,
			  r == 1 ? "" : "s");
	if ((r = start_ramfs()))
		l4_printf("roottask: no ramfs (%s)\n", l4_strerror(r));
	/* The shell's file layer uses the ramfs's service (unbadged: the roottask's own session). */
	l4_file_set_service(fs_service);
	static struct shell_sys sys;
	sys = (struct shell_sys){ .mem_session = mem_session, .cons_service = cons_service,
				  .blk_service = blk_service, .fs_service = fs_service, .cons = cons_service ? &cons : 0,
				  .supervised = blk_service ? blk.child : 0 };
	shell_run(&sys);
}

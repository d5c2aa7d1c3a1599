/* tests.h - the on-target test areas, one file each, run by main.c in order. */
#pragma once

void test_syscall(void);        /* t_syscall.c: numbers, debug operations, bad arguments */
void test_memory(void);         /* t_memory.c: the loaded image, the stack, user pointers */
void test_factory(void);       /* t_factory.c: creating and destroying objects, quotas */
void test_task(void);          /* t_task.c: capability-table operations */
void test_thread(void);        /* t_thread.c: configuration, exchange registers, start/stop */
void test_sched(void);         /* t_sched.c: priorities, yield, timeslices, FP state */
void test_ipc(void);           /* t_ipc.c: send, receive, call, reply, timeouts, capability transfer */
void test_notify(void);        /* t_notify.c: notifications, binding them to threads */
void test_exc(void);           /* t_exc.c: exceptions as IPC to a handler */
void test_fpu(void);           /* t_fpu.c: lazy FP state */
void test_kip(void);           /* t_kip.c: the kernel interface page and boot capabilities */
void test_mem(void);           /* t_mem.c: sigma0, map, grant, unmap, page faults */
void test_pager(void);         /* t_pager.c: memory server, region mapper, loader, programs */
void test_harden(void);         /* t_harden.c: chains, recycling, revoked rights, preemption */
void test_robust(void);         /* t_robust.c: random system calls */

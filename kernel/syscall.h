/*
 * syscall.h - the system-call layer: decode the registers of an ecall from
 * user mode, check them, act, and put the result in a0 (docs/abi.md).
 */
#pragma once

struct trapframe;

/* Handle the ecall whose registers are in f (f->pc already past the ecall). */
void syscall_dispatch(struct trapframe *f);

/* tests.h - the on-target test areas, one file each, run by main.c in order. */
#pragma once

void test_syscall(void);        /* t_syscall.c: numbers, debug operations, bad arguments */
void test_memory(void);         /* t_memory.c: the loaded image, the stack, user pointers */
void test_robust(void);         /* t_robust.c: random system calls */

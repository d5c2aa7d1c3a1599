/*
 * power.h - switching the machine off with an exit code for the host.
 * sifive,test0 (QEMU virt) carries the code; SBI system reset otherwise
 * (OpenSBI 1.1 reports every reset as success, so tests rely on test0).
 */
#pragma once

struct board;

void power_init(const struct board *b);
/* 0 = success, 1..0xffff = failure code. Never returns. */
__attribute__((noreturn)) void power_off(unsigned code);

/*
 * preempt.h - preemption points of long kernel operations.
 *
 * The kernel runs with interrupts off and has one stack per hart, so an
 * operation whose length a user controls (revoking a large tree, destroying
 * a factory full of objects) cannot be interrupted in the middle: it is done
 * in bounded steps instead, and between steps it asks preempt_point(). When
 * that says an interrupt is pending, the operation stops with everything
 * consistent and what it did kept, and the system call is restarted (its pc
 * set back to the ecall, kobj_call: -KERR_RESTART): the interrupt is taken
 * first, a higher-priority thread runs, and when the caller runs again its
 * call goes on from where it stopped (seL4's preemption points work so).
 *
 * The kernel provides preempt_point() (arch: is an enabled interrupt
 * pending?); host tests provide their own, to stop at random points.
 */
#pragma once

#include <stdbool.h>

/* Whether the long operation in progress should stop here. */
bool preempt_point(void);

/* The kernel-internal result of an operation that stopped at a preemption
 * point: the system call is restarted. Never seen by users. */
#define KERR_RESTART 1000

/*
 * l4/layout.h - the address-space layout every task sees (Sv39).
 *
 *   0x0000000000000000  unmapped (null page)
 *   L4_KIP_ADDR         the kernel interface page, read-only (l4/kip.h)
 *   L4_USER_BASE        lowest address a task may map
 *   ...                 program image, heap, ...
 *   L4_BOOTMOD_BASE     the roottask: the boot modules, read-only (listed in the KIP)
 *   L4_BOOT_UTCB        a boot task's first thread: its UTCB (one page)
 *   L4_ROOTTASK_STACK_TOP - L4_ROOTTASK_STACK_SIZE .. L4_ROOTTASK_STACK_TOP: the roottask's initial stack
 *   L4_USER_END         first address above user space (Sv39: 256 GiB)
 *   upper half          kernel only
 */
#pragma once

#define L4_PAGE_SIZE 4096UL
#define L4_USER_BASE 0x10000UL
#define L4_USER_END 0x4000000000UL
#define L4_ROOTTASK_STACK_TOP (L4_USER_END - 0x10000UL)
#define L4_ROOTTASK_STACK_SIZE 0x10000UL
#define L4_BOOTMOD_BASE 0x2000000000UL
#define L4_BOOT_UTCB L4_ROOTTASK_STACK_TOP

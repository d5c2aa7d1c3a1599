/*
 * dtb_file.h - a host test's device tree file (QEMU's dumped trees in
 * build/dtb, the fixtures in test/fixtures/dtb): the directories come from
 * DTB_TEST_DIRS, set by the test's make rule.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The file `name` of the first directory that has it, malloc'ed (1 MiB at
 * most read); *size its length. Fails the running cmocka test if missing. */
uint8_t *dtb_file(const char *name, size_t *size);

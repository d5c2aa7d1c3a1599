/*
 * fsmodel.h - a model of a small file tree for the file tests (fsmodel.c):
 * random operations on paths of depth one and two over three names, run
 * against the ramfs and the model side by side; any difference (a result,
 * a file's bytes, a directory's entries) is reported. fsroot.c runs it in
 * the roottask, fsclient.c in programs of their own (many at once).
 */
#pragma once

#include <stdint.h>

#include <l4/fs.h>

/* Runs n operations from seed under directory base ("" or "/cN", which must
 * exist and be empty). Returns 0, or the number of the operation that
 * disagreed (1-based), with a line saying how in why (why_size bytes). */
long fsmodel_run(struct l4_fs *fs, const char *base, uint64_t seed, unsigned n, char *why, unsigned why_size);

/* bootmod.c - looking up the boot modules packed into the image (bootmod.h). */
#include "bootmod.h"
#include <common/string.h>

const struct bootmod *bootmod_find(const char *name)
{
	for (uint64_t i = 0; i < bootmod_table.count; i++)
		if (strncmp(bootmod_table.mod[i].name, name, BOOTMOD_NAME) == 0)
			return &bootmod_table.mod[i];
	return NULL;
}

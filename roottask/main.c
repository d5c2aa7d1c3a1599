/*
 * roottask - the first user program (boot module 1). In the default
 * configuration it greets and offers a small console prompt; it will start
 * the servers and the shell as those arrive.
 */
#include <l4/crt.h>
#include <l4/stdio.h>
#include <l4/sys.h>

#include "lib/kstring.h"

static void help(void)
{
	l4_puts("commands:");
	l4_puts("  help      this list");
	l4_puts("  boot      instructions from kernel entry to the roottask's first instruction");
	l4_puts("  echo ...  print the rest of the line");
	l4_puts("  poweroff  switch the machine off");
	l4_puts("(under QEMU, Ctrl-A then X leaves QEMU at any time)");
}

int main(void)
{
	char line[128];

	l4_puts("roottask: hello from user mode on l4rv");
	l4_puts("roottask: type 'help' for commands; Ctrl-A X leaves QEMU");
	for (;;) {
		l4_printf("l4rv> ");
		l4_readline(line, sizeof(line));
		if (strcmp(line, "") == 0)
			continue;
		else if (strcmp(line, "help") == 0)
			help();
		else if (strcmp(line, "boot") == 0)
			l4_printf("boot: %lu instructions from kernel entry to the roottask (instret; exact under qemu -icount)\n",
				  l4_boot_instret_first - l4_boot_instret_kernel);
		else if (strncmp(line, "echo", 4) == 0 && (line[4] == ' ' || line[4] == '\0'))
			l4_puts(line[4] ? line + 5 : "");
		else if (strcmp(line, "poweroff") == 0)
			l4_exit(0);
		else
			l4_printf("unknown command '%s' (try 'help')\n", line);
	}
}

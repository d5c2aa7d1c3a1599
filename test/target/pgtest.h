/* pgtest.h - what the testroot (t_pager.c) and pgtest agree on. */
#pragma once

/* l4_env()->arg[0]: what pgtest does (arg[1]: its parameter). */
enum {
	PGT_EXIT = 1,           /* return arg[1] */
	PGT_MALLOC,             /* check the loaded image and malloc: 0 or a failed check's number */
	PGT_FAULT,              /* read the word at arg[1] (outside every region: an exception) */
	PGT_WRITE_TEXT,         /* write to its own code (read-only: an exception) */
	PGT_DATA,               /* write arg[1] (if not 0) to a data word; return its low byte */
	PGT_TOUCH,              /* touch arg[1] bytes of heap, one word per page */
	PGT_SPIN,               /* yield for ever */
	PGT_HOSTILE,            /* arg[1] seeded random calls to its session, region mapper and parent:
				 * 0 if every one was answered with success or a known error */
	PGT_CONSOLE,            /* a console client (L4_ENV_CAP_CONSOLE): print a line through its
				 * session, read nothing; arg[1] PGT_CONS_*; 0 or a failed check */
};

enum {
	PGT_CONS_PRINT = 0,     /* just that */
	PGT_CONS_ARMED,         /* and end with a read armed (the driver's doorbell will find it gone) */
	PGT_CONS_SESSIONS,      /* open sessions until refused: exit code = how many it got */
	PGT_CONS_HOSTILE,       /* 2000 seeded random calls and garbage items to the service and its
				 * sessions: 0 if all were answered with success or a known error */
};

#define PGT_DATA_WORD 0x1234567890abcdefULL
#define PGT_BIG (1UL << 20)

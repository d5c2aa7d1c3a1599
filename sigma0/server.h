/* server.h - sigma0's request loop (server.c), shared with the test and benchmark images' stand-ins. */
#pragma once

#include <stdint.h>

/* Take over the memory the KIP lists as sigma0's and serve requests on endpoint `ep`. Never returns. */
__attribute__((noreturn)) void sigma0_serve(uint64_t ep);

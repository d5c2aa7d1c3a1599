/* s0test.h - what the testroot and s0test (the hostile task) agree on. */
#pragma once

#define S0TEST_HOSTILE 0x686f7374696c65UL     /* a0 that starts the hostile role */
#define S0TEST_ROUNDS 100000UL
#define S0TEST_SEED 0x4c3452565f726e64ULL

/* The benchmark gate's trial workload: N rounds of xorshift, the result printed so the loop
   is not optimised away. Twice the N, twice the work; 10% more N, 10% more instructions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 1000000;
    uint64_t x = 88172645463325252ULL;
    for (long i = 0; i < rounds; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    printf("%llu\n", (unsigned long long)x);
    return 0;
}

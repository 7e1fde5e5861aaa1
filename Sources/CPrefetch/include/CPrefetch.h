#ifndef GATE_CPREFETCH_H
#define GATE_CPREFETCH_H
/* A hint that memory will be read soon, which Swift cannot spell: the load starts now and
   nothing waits for it. Inlined where it is called. */
static inline __attribute__((always_inline)) void gate_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}
#endif

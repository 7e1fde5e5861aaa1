#ifndef GATE_COPENSSL_SHIM_H
#define GATE_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/rand.h>

/* NID_ED25519 is a macro Swift imports, but keep the key type in one named place. */
static inline int gate_evp_pkey_ed25519(void) { return EVP_PKEY_ED25519; }
#endif

#ifndef MAILTIME_COPENSSL_SHIM_H
#define MAILTIME_COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/// `BIO_set_mem_eof_return`: what an empty memory BIO returns on read (-1 means "retry").
static inline long mailtime_BIO_set_mem_eof_return(BIO *bio, long value) {
    return BIO_set_mem_eof_return(bio, value);
}

/// `BIO_get_mem_ptr`: the memory BIO's buffer.
static inline long mailtime_BIO_get_mem_ptr(BIO *bio, BUF_MEM **pointer) {
    return BIO_get_mem_ptr(bio, pointer);
}

/// `SSL_set_tlsext_host_name`: Server Name Indication on a client connection.
static inline long mailtime_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

/// `SSL_CTX_set_min_proto_version`.
static inline long mailtime_SSL_CTX_set_min_proto_version(SSL_CTX *context, int version) {
    return SSL_CTX_set_min_proto_version(context, version);
}

/// `SSL_CTX_set_max_proto_version`.
static inline long mailtime_SSL_CTX_set_max_proto_version(SSL_CTX *context, int version) {
    return SSL_CTX_set_max_proto_version(context, version);
}

/// `SSL_CTX_set_mode`.
static inline long mailtime_SSL_CTX_set_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_mode(context, mode);
}

/// `SSL_CTX_set_session_cache_mode`.
static inline long mailtime_SSL_CTX_set_session_cache_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_session_cache_mode(context, mode);
}

/// `SSL_CTX_add1_chain_cert`: append an intermediate certificate to the context's chain.
static inline long mailtime_SSL_CTX_add1_chain_cert(SSL_CTX *context, X509 *certificate) {
    return SSL_CTX_add1_chain_cert(context, certificate);
}

/// `EVP_EC_gen("P-256")`: a fresh NIST P-256 key pair (the macro calls a variadic function).
static inline EVP_PKEY *mailtime_EVP_EC_gen_P256(void) {
    return EVP_EC_gen("P-256");
}

/// Option and flag values defined through function-like macros, which Swift cannot import.
static const uint64_t mailtime_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;
static const uint64_t mailtime_SSL_OP_NO_COMPRESSION = SSL_OP_NO_COMPRESSION;
static const uint64_t mailtime_SSL_OP_CIPHER_SERVER_PREFERENCE = SSL_OP_CIPHER_SERVER_PREFERENCE;
static const unsigned long mailtime_XN_FLAG_RFC2253 = XN_FLAG_RFC2253;
static const int mailtime_MBSTRING_ASC = MBSTRING_ASC;

#endif

#include "libcore/base/digest.hpp"

#include <openssl/evp.h>

#include "libcore/base/error.hpp"

namespace swd::digest {

namespace {

const EVP_MD* algorithm() {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!md) throw Error(Exit::partial, "sha256: OpenSSL has no SHA-256");
    return md;
}

}  // namespace

Sha256Bytes sha256(std::string_view data) {
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(
        EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    Sha256Bytes md{};
    unsigned int len = 0;
    if (!ctx || !EVP_DigestInit_ex(ctx.get(), algorithm(), nullptr) ||
        !EVP_DigestUpdate(ctx.get(), data.data(), data.size()) ||
        !EVP_DigestFinal_ex(ctx.get(), md.data(), &len))
        throw Error(Exit::partial, "sha256: OpenSSL failed");
    return md;
}

std::string hex(const Sha256Bytes& bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * bytes.size());
    for (const unsigned char b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::string sha256_hex(std::string_view data) {
    return hex(sha256(data));
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_, algorithm(), nullptr) != 1) {
        EVP_MD_CTX_free(ctx_);
        throw Error(Exit::partial, "sha256: cannot initialise OpenSSL digest");
    }
}

Sha256::~Sha256() {
    EVP_MD_CTX_free(ctx_);
}

void Sha256::update(const void* data, std::size_t n) {
    if (EVP_DigestUpdate(ctx_, data, n) != 1) throw Error(Exit::partial, "sha256: OpenSSL failed");
}

std::string Sha256::hex() {
    Sha256Bytes md{};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_, md.data(), &len) != 1 || len != md.size())
        throw Error(Exit::partial, "sha256: OpenSSL failed");
    return digest::hex(md);
}

}  // namespace swd::digest

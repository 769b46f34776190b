// SHA-256 through OpenSSL's libcrypto: of bytes at once, or of a stream fed piece by piece.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace swd::digest {

using Sha256Bytes = std::array<unsigned char, 32>;

/// SHA-256 of `data`. The algorithm is fetched once and the context reused per thread: for
/// short inputs (a message key, a manifest) that setup is most of the cost.
Sha256Bytes sha256(std::string_view data);

/// SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

/// `bytes` as lower-case hex digits.
std::string hex(const Sha256Bytes& bytes);

/// SHA-256 of a stream: update() with each piece, then hex() once.
class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, std::size_t n);
    /// The digest of everything fed so far, as 64 lower-case hex digits.
    std::string hex();

  private:
    evp_md_ctx_st* ctx_;
};

}  // namespace swd::digest

// Keyed pseudonyms: a value that may not leave as written (an id, or a name
// outside its vocabulary and shape) leaves as HMAC-SHA-256(key, domain, value),
// truncated and prefixed so a reader sees it is one.
//
//   redaction::Pseudonymizer p(key);                 // key: bytes, kept secret
//   p.Name("tool", "my secret tool")  -> "tool-3f9a1c2e"          (32 bits)
//   p.Id("session", "s-7f3a9c")        -> "session-1b2c3d4e5f607182" (64 bits)
//   p.Id("session", <a UUID>)          -> a UUID (version 4 bits set), so a
//                                         UUID-shaped id stays UUID-shaped
//   p.Uuid("user", anything)           -> a UUID
//
// The same key and value give the same pseudonym (events of one session still
// group, a parent session id still matches its parent); without the key the
// value cannot be recovered or tested for. Different keys (apps, installs, or
// a reset key) give unlinkable pseudonyms. The domain separates fields: the
// same string as a tool name and as an agent name gives different pseudonyms;
// session_id and parent_session_id share the domain "session".
//
// Key: the caller passes bytes (client/ keeps a random per-app key, 0600, in
// the config dir). An empty key means a random key for this process (OpenSSL's
// RAND_bytes): pseudonyms are then stable only within the process — what
// `telguard check` uses. Lives in redaction/ (not pipeline/) so the OTLP
// gateway can pseudonymise attribute values with the same code.
//
// Thread-safety: immutable after construction; all methods const and safe on
// many threads (each call copies the keyed state; the shared one is only read).
// Cost: the key is absorbed once, at construction; a call copies that keyed
// HMAC-SHA-256 state and hashes the domain and value (~0.5 us for short
// values), and builds one small string. Not copyable (it owns the state).
#ifndef TELGUARD_REDACTION_PSEUDONYM_H_
#define TELGUARD_REDACTION_PSEUDONYM_H_

#include <memory>
#include <string>
#include <string_view>

typedef struct evp_mac_ctx_st EVP_MAC_CTX;  // <openssl/types.h>

namespace telguard::redaction {

class Pseudonymizer {
 public:
  explicit Pseudonymizer(std::string_view key);
  ~Pseudonymizer();
  Pseudonymizer(const Pseudonymizer&) = delete;
  Pseudonymizer& operator=(const Pseudonymizer&) = delete;

  std::string Name(std::string_view domain, std::string_view value) const;
  std::string Id(std::string_view domain, std::string_view value) const;
  std::string Uuid(std::string_view domain, std::string_view value) const;

  // Shapes, for the output gate (no key needed).
  static bool IsName(std::string_view domain, std::string_view v);
  static bool IsId(std::string_view domain, std::string_view v);
  static bool IsUuid(std::string_view v);  // lower-case 8-4-4-4-12 hex

  bool random_key() const { return random_key_; }

 private:
  void Mac(std::string_view domain, std::string_view value, unsigned char out[32]) const;
  struct FreeMac {
    void operator()(EVP_MAC_CTX* c) const;
  };
  std::unique_ptr<EVP_MAC_CTX, FreeMac> keyed_;  // HMAC-SHA-256 with the key absorbed
  bool random_key_ = false;
};

}  // namespace telguard::redaction

#endif  // TELGUARD_REDACTION_PSEUDONYM_H_

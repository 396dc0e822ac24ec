// API keys and signed URLs.
#include <gtest/gtest.h>

#include "http/auth.h"
#include "pictor/metadata.h"

namespace pictor::http {
namespace {

ServerConfig with_keys(std::vector<std::string> signing) {
  ServerConfig c;
  c.signing_keys = std::move(signing);
  return c;
}

TEST(Auth, WritesWithoutConfiguredKeysOnlyOnLoopback) {
  ServerConfig open;
  EXPECT_TRUE(authorize_write(open, "", true).ok());
  EXPECT_EQ(authorize_write(open, "", false).code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(authorize_write(open, "anything", false).code(), ErrorCode::kUnauthorized);
  ServerConfig keyed;
  keyed.api_keys = {"k-one", "k-two"};
  EXPECT_EQ(authorize_write(keyed, "", true).code(), ErrorCode::kUnauthorized) << "keys apply on loopback too";
  EXPECT_EQ(authorize_write(keyed, "k-on", false).code(), ErrorCode::kUnauthorized);
  EXPECT_TRUE(authorize_write(keyed, "k-two", false).ok());
  EXPECT_EQ(presented_key("Bearer k-two", ""), "k-two");
  EXPECT_EQ(presented_key("", "k-one"), "k-one");
  EXPECT_EQ(presented_key("Basic abc", ""), "");
  keyed.public_reads = false;
  EXPECT_EQ(authorize_read(keyed, "").code(), ErrorCode::kUnauthorized);
  EXPECT_TRUE(authorize_read(keyed, "k-one").ok());
}

TEST(Auth, SignedTargetsVerifyWithAnyActiveKey) {
  const ServerConfig old_first = with_keys({"old", "new"});
  auto signed_target = sign_target(old_first, "/v1/images/abc?type=w320", 0);
  ASSERT_TRUE(signed_target.ok());
  EXPECT_TRUE(signed_target->starts_with("/v1/images/abc?type=w320&sig="));
  EXPECT_TRUE(verify_signature(old_first, *signed_target, 1000).ok());
  // Rotation: a server that signs with "new" still accepts URLs signed with "old".
  EXPECT_TRUE(verify_signature(with_keys({"new", "old"}), *signed_target, 1000).ok());
  EXPECT_EQ(verify_signature(with_keys({"new"}), *signed_target, 1000).code(), ErrorCode::kInvalidSignature);
}

TEST(Auth, TamperingExpiryAndMissingSignaturesAreRefused) {
  const ServerConfig config = with_keys({"secret"});
  auto target = sign_target(config, "/v1/images/abc?type=w320", 2000);
  ASSERT_TRUE(target.ok());
  EXPECT_TRUE(verify_signature(config, *target, 1999).ok());
  EXPECT_EQ(verify_signature(config, *target, 2001).code(), ErrorCode::kSignatureExpired);
  std::string longer = *target;
  longer.replace(longer.find("w320"), 4, "w999");
  EXPECT_EQ(verify_signature(config, longer, 1000).code(), ErrorCode::kInvalidSignature);
  std::string later = *target;
  later.replace(later.find("exp=2000"), 8, "exp=9000");
  EXPECT_EQ(verify_signature(config, later, 1000).code(), ErrorCode::kInvalidSignature) << "exp is signed";
  EXPECT_EQ(verify_signature(config, "/v1/images/abc?type=w320", 1000).code(), ErrorCode::kInvalidSignature);
  EXPECT_EQ(verify_signature(config, *target + "&sig=x", 1000).code(), ErrorCode::kInvalidSignature);
  EXPECT_EQ(verify_signature(with_keys({}), *target, 1000).code(), ErrorCode::kInvalidSignature);
  // The signature of a path without a query.
  auto bare = sign_target(config, "/v1/images/abc", 0);
  ASSERT_TRUE(bare.ok());
  EXPECT_TRUE(bare->starts_with("/v1/images/abc?sig="));
  EXPECT_TRUE(verify_signature(config, *bare, 1000).ok());
  EXPECT_EQ(sign_target(with_keys({}), "/x", 0).status().code(), ErrorCode::kConfigError);
}

TEST(Timestamps, ExifAndIsoSpellings) {
  EXPECT_EQ(parse_timestamp("2021:07:04 12:30:00"), 1625401800);
  EXPECT_EQ(parse_timestamp("2021-07-04T12:30:00Z"), 1625401800);
  EXPECT_EQ(parse_timestamp("2021-07-04T21:30:00+09:00"), 1625401800);
  EXPECT_EQ(parse_timestamp("2021-07-04T08:30:00.250-04:00"), 1625401800);
  EXPECT_EQ(parse_timestamp("2021:07:04 21:30:00", "+09:00"), 1625401800) << "EXIF OffsetTimeOriginal";
  EXPECT_EQ(parse_timestamp("1969-12-31T23:59:59Z"), -1);
  EXPECT_EQ(parse_timestamp("0000:00:00 00:00:00"), std::nullopt) << "cameras write this when unset";
  EXPECT_EQ(parse_timestamp("2021-13-04T12:30:00Z"), std::nullopt);
  EXPECT_EQ(parse_timestamp("2021-07-04T12:30:00+25:00"), std::nullopt);
  EXPECT_EQ(parse_timestamp("2021-07-04"), std::nullopt);
  EXPECT_EQ(parse_timestamp("yesterday at noon!!"), std::nullopt);
}

}  // namespace
}  // namespace pictor::http

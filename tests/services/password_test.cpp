// Passwords are stored as Argon2id strings that verify the right password and only that.
#include <gtest/gtest.h>

#include "services/password.h"

namespace gz::services {
namespace {

TEST(Passwords, hash_is_an_argon2id_string_that_verifies_only_the_right_password) {
  std::string hash = hash_password("correct horse battery");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_TRUE(verify_password(hash, "correct horse battery"));
  EXPECT_FALSE(verify_password(hash, "correct horse battery "));
  EXPECT_FALSE(verify_password(hash, "wrong password"));
  EXPECT_NE(hash_password("correct horse battery"), hash);  // salted
  EXPECT_FALSE(verify_password("not a hash", "correct horse battery"));
}

}  // namespace
}  // namespace gz::services

#include "hcbridge/core/serial_hasher.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "hcbridge/error.hpp"

namespace hcbridge::core {
namespace {

std::filesystem::path tempKeyPath() {
  auto dir = std::filesystem::temp_directory_path() /
             ("hcbridge-key-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
              "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir / "installation.key";
}

TEST(SerialHasher, SameKeySameHashOtherKeyOtherHash) {
  const SerialHasher a{SecretBytes(std::string(32, 'a'))};
  const SerialHasher b{SecretBytes(std::string(32, 'b'))};
  const std::string serial = "80276883110000095711";
  EXPECT_EQ(a.hash(serial), a.hash(serial));
  EXPECT_NE(a.hash(serial), b.hash(serial));
  EXPECT_NE(a.hash(serial), a.hash("80276883110000095712"));
  EXPECT_EQ(a.hash(serial).size(), 32u);
  EXPECT_EQ(a.hash(serial).find(serial), std::string::npos);
}

TEST(SerialHasher, KeyFileIsCreatedPrivateAndReused) {
  const auto path = tempKeyPath();
  const std::string first = SerialHasher::loadOrCreate(path).hash("1234");
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(info.st_size, 32);
  EXPECT_EQ(SerialHasher::loadOrCreate(path).hash("1234"), first);
  std::filesystem::remove_all(path.parent_path());
}

TEST(SerialHasher, UnwritableFolderIsAClearError) {
  try {
    SerialHasher::loadOrCreate("/nonexistent-folder-hcbridge/installation.key");
    FAIL() << "created a key in a folder that does not exist";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent-folder-hcbridge"), std::string::npos);
  }
}

}  // namespace
}  // namespace hcbridge::core
